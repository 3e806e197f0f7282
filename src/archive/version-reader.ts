// Read access to one version's tree (or a folder of it), the way collectors and verbs need it:
// entries, text, JSON, pointers. A collector gets a reader scoped to its own folder of the
// previous version, to reuse what did not change instead of downloading it again.
import { SnapError } from '../errors.js';
import { MODE_TREE, type TreeEntry } from '../git/objects.js';
import type { GitRepo } from '../git/repo.js';
import { parsePointer, type Pointer } from '../store/pointer.js';
import { joinPath } from './paths.js';

export class VersionReader {
  constructor(readonly repo: GitRepo, readonly treeOid: string, readonly prefix = '') {}

  private full(path: string): string {
    return joinPath(this.prefix, path);
  }

  entry(path: string): Promise<TreeEntry | null> {
    return this.repo.entryAt(this.treeOid, this.full(path));
  }

  /** The id of the subtree at `path`, or null. */
  async subtree(path: string): Promise<string | null> {
    const e = await this.entry(path);
    return e && e.mode === MODE_TREE ? e.oid : null;
  }

  async list(path = ''): Promise<TreeEntry[]> {
    const oid = await this.subtree(path);
    return oid ? this.repo.readTree(oid) : [];
  }

  async bytes(path: string): Promise<Uint8Array | null> {
    const e = await this.entry(path);
    if (!e || e.mode === MODE_TREE) return null;
    return this.repo.readBlob(e.oid);
  }

  async text(path: string): Promise<string | null> {
    const b = await this.bytes(path);
    return b === null ? null : Buffer.from(b).toString('utf8');
  }

  async json<T = unknown>(path: string): Promise<T | null> {
    const t = await this.text(path);
    if (t === null) return null;
    try {
      return JSON.parse(t) as T;
    } catch (err) {
      throw new SnapError('GIT_OBJECT', `${this.full(path)} in the archive is not valid JSON`, { path: this.full(path) }, { cause: err });
    }
  }

  async pointer(path: string): Promise<Pointer | null> {
    const b = await this.bytes(path);
    return b === null ? null : parsePointer(b);
  }

  scope(path: string): VersionReader {
    return new VersionReader(this.repo, this.treeOid, this.full(path));
  }
}
