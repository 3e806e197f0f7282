// The archive's git repository as snap uses it: read objects (object-reader.ts, which also
// understands the delta packs stock git writes), know which objects exist, write
// new objects into one pack per transaction, and move refs atomically with git's own
// `<ref>.lock` protocol so a concurrent stock git sees either the old or the new value.
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, unlink, writeFile } from 'node:fs/promises';
import * as fs from 'node:fs';
import { dirname, join } from 'node:path';
import { deflateSync } from 'node:zlib';
import git from 'isomorphic-git';
import { SnapError } from '../errors.js';
import { decodeCommit, decodeTag, decodeTree, hashObject, type ObjectType, type ParsedCommit, type ParsedTag, type TreeEntry } from './objects.js';
import { RepositoryObjects } from './object-reader.js';
import { PackWriter, type FinishedPack } from './pack-writer.js';

export interface ObjectSink {
  /** Stores an object if the repository does not already hold it; returns its id. */
  write(type: ObjectType, content: Uint8Array): string;
}

/** Reads trees and blobs: the repository, or a sink that also reads back what it holds. */
export interface ObjectReader {
  readTree(oid: string): Promise<TreeEntry[]>;
  readBlob(oid: string): Promise<Uint8Array>;
}

const TREE_CACHE_LIMIT = 50_000;

export class GitRepo {
  readonly gitdir: string;
  private readonly objects: RepositoryObjects;
  private readonly trees = new Map<string, TreeEntry[]>();

  constructor(gitdir: string) {
    this.gitdir = gitdir;
    this.objects = new RepositoryObjects(gitdir);
  }

  /**
   * Creates an empty repository on branch main, as `git init` would. (isomorphic-git's init
   * writes filemode=false and ignorecase=true everywhere, which would hide mode changes and
   * confuse case twins on case-sensitive filesystems.) ignorecase is probed like git does.
   */
  static async init(dir: string): Promise<GitRepo> {
    const gitdir = join(dir, '.git');
    for (const sub of ['objects/info', 'objects/pack', 'refs/heads', 'refs/tags', 'info']) await mkdir(join(gitdir, sub), { recursive: true });
    await writeFile(join(gitdir, 'HEAD'), 'ref: refs/heads/main\n');
    await writeFile(join(gitdir, 'description'), 'snap archive\n');
    const probe = join(gitdir, 'CoNfIgPrObE');
    await writeFile(probe, '');
    const ignoreCase = existsSync(join(gitdir, 'configprobe'));
    await unlink(probe);
    let config = '[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n\tlogallrefupdates = true\n';
    if (ignoreCase) config += '\tignorecase = true\n';
    await writeFile(join(gitdir, 'config'), config);
    return new GitRepo(gitdir);
  }

  // ---- objects -------------------------------------------------------------------------

  hasObject(oid: string): boolean {
    return this.objects.has(oid) || existsSync(join(this.gitdir, 'objects', oid.slice(0, 2), oid.slice(2)));
  }

  async readObject(oid: string): Promise<{ type: ObjectType; content: Uint8Array }> {
    try {
      return this.objects.read(oid);
    } catch (err) {
      if (err instanceof SnapError) throw err;
      throw new SnapError('GIT_OBJECT', `git object ${oid} cannot be read: ${(err as Error).message}`, { oid }, { cause: err });
    }
  }

  private async readTyped(oid: string, type: ObjectType): Promise<Uint8Array> {
    const obj = await this.readObject(oid);
    if (obj.type !== type) throw new SnapError('GIT_OBJECT', `git object ${oid} is a ${obj.type}, expected a ${type}`, { oid, type: obj.type });
    return obj.content;
  }

  async readTree(oid: string): Promise<TreeEntry[]> {
    let entries = this.trees.get(oid);
    if (!entries) {
      entries = decodeTree(await this.readTyped(oid, 'tree'));
      if (this.trees.size >= TREE_CACHE_LIMIT) this.trees.clear();
      this.trees.set(oid, entries);
    }
    return entries;
  }

  readBlob(oid: string): Promise<Uint8Array> {
    return this.readTyped(oid, 'blob');
  }

  async readCommit(oid: string): Promise<ParsedCommit> {
    return decodeCommit(await this.readTyped(oid, 'commit'));
  }

  async readTag(oid: string): Promise<ParsedTag> {
    return decodeTag(await this.readTyped(oid, 'tag'));
  }

  /** Follows a path from a tree; null when any step is missing. */
  async entryAt(treeOid: string, path: string): Promise<TreeEntry | null> {
    const parts = path.split('/').filter((p) => p.length > 0);
    if (parts.length === 0) return { name: '', mode: '40000', oid: treeOid };
    let current = treeOid;
    for (let i = 0; i < parts.length; i++) {
      const entry = (await this.readTree(current)).find((e) => e.name === parts[i]);
      if (!entry) return null;
      if (i === parts.length - 1) return entry;
      if (entry.mode !== '40000') return null;
      current = entry.oid;
    }
    return null;
  }

  /** Writes one object as a loose file (for the few objects written after a pack is sealed). */
  async writeLooseObject(type: ObjectType, content: Uint8Array): Promise<string> {
    const oid = hashObject(type, content);
    if (this.hasObject(oid)) return oid;
    const dir = join(this.gitdir, 'objects', oid.slice(0, 2));
    await mkdir(dir, { recursive: true });
    const path = join(dir, oid.slice(2));
    const tmp = `${path}.tmp-${process.pid}`;
    const fh = await open(tmp, 'wx', 0o444);
    try {
      await fh.writeFile(deflateSync(Buffer.concat([Buffer.from(`${type} ${content.length}\0`), content])));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
    return oid;
  }

  /** Starts a write transaction: new objects go into one pack, made visible by commit(). */
  beginWrite(options: { fsync?: boolean } = {}): ObjectTransaction {
    const packDir = join(this.gitdir, 'objects', 'pack');
    fs.mkdirSync(packDir, { recursive: true });
    return new ObjectTransaction(this, new PackWriter(packDir, options));
  }

  /** Called when a transaction adds a pack, so later existence checks see it. */
  forgetPackIndexes(): void {
    this.objects.refresh();
  }

  // ---- refs ----------------------------------------------------------------------------

  async resolveRef(ref: string): Promise<string | null> {
    for (let depth = 0; depth < 5; depth++) {
      const value = await this.readRefValue(ref);
      if (value === null) return null;
      if (value.startsWith('ref: ')) {
        ref = value.slice(5).trim();
        continue;
      }
      return value;
    }
    return null;
  }

  private async readRefValue(ref: string): Promise<string | null> {
    try {
      return (await readFile(join(this.gitdir, ref), 'utf8')).trim();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'EISDIR' && code !== 'ENOTDIR') throw err;
    }
    return (await this.packedRefs()).get(ref) ?? null;
  }

  private async packedRefs(): Promise<Map<string, string>> {
    const refs = new Map<string, string>();
    let text = '';
    try {
      text = await readFile(join(this.gitdir, 'packed-refs'), 'utf8');
    } catch {
      return refs;
    }
    for (const line of text.split('\n')) {
      if (!line || line.startsWith('#') || line.startsWith('^')) continue;
      const [oid, name] = line.split(' ');
      if (oid && name) refs.set(name, oid);
    }
    return refs;
  }

  /** All refs under a prefix (e.g. "refs/tags/"), loose and packed, loose winning. */
  async listRefs(prefix: string): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const [name, oid] of await this.packedRefs()) if (name.startsWith(prefix)) out.set(name, oid);
    const walk = async (rel: string): Promise<void> => {
      let names: fs.Dirent[];
      try {
        names = await readdir(join(this.gitdir, rel), { withFileTypes: true });
      } catch {
        return;
      }
      for (const d of names) {
        const child = `${rel}${d.name}`;
        if (d.isDirectory()) await walk(`${child}/`);
        else if (!d.name.endsWith('.lock')) {
          const v = (await readFile(join(this.gitdir, child), 'utf8')).trim();
          if (/^[0-9a-f]{40}$/.test(v)) out.set(child, v);
        }
      }
    };
    await walk(prefix);
    return out;
  }

  /**
   * Sets a ref with git's lock protocol. `expected` is the value it must still have
   * (null: must not exist); a mismatch means someone else moved it, and nothing changes.
   */
  async updateRef(ref: string, oid: string, expected: string | null | undefined, options: { fsync?: boolean } = {}): Promise<void> {
    const path = join(this.gitdir, ref);
    await mkdir(dirname(path), { recursive: true });
    const lock = `${path}.lock`;
    let fh;
    try {
      fh = await open(lock, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new SnapError('ARCHIVE_LOCKED', `ref ${ref} is being updated by another process (${lock} exists)`, { ref });
      throw err;
    }
    try {
      if (expected !== undefined) {
        const current = await this.resolveRef(ref);
        if (current !== expected) throw new SnapError('GIT_OBJECT', `ref ${ref} moved while snap was writing (expected ${expected ?? 'none'}, found ${current ?? 'none'})`, { ref });
      }
      await fh.writeFile(`${oid}\n`);
      if (options.fsync ?? true) await fh.sync();
      await fh.close();
      await rename(lock, path);
    } catch (err) {
      await fh.close().catch(() => undefined);
      await unlink(lock).catch(() => undefined);
      throw err;
    }
  }

  async writeConfigValue(section: string, key: string, value: string): Promise<void> {
    await git.setConfig({ fs, gitdir: this.gitdir, path: `${section}.${key}`, value });
  }

  async headBranch(): Promise<string | null> {
    const head = await this.readRefValue('HEAD');
    return head?.startsWith('ref: ') ? head.slice(5).trim() : null;
  }

  async writeFileAtomic(rel: string, content: string): Promise<void> {
    const path = join(this.gitdir, rel);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(`${path}.tmp`, content);
    await rename(`${path}.tmp`, path);
  }
}

/**
 * Objects written during one snapshot; nothing is visible to other readers until commit().
 * The transaction itself reads its own objects (and, through them, the repository's), so a
 * snapshot can look at what it wrote before sealing it.
 */
export class ObjectTransaction implements ObjectSink {
  written = 0;

  constructor(private readonly repo: GitRepo, private readonly pack: PackWriter) {}

  async readTree(oid: string): Promise<TreeEntry[]> {
    const own = this.pack.read(oid);
    if (!own) return this.repo.readTree(oid);
    if (own.type !== 'tree') throw new SnapError('GIT_OBJECT', `git object ${oid} is a ${own.type}, expected a tree`, { oid, type: own.type });
    return decodeTree(own.content);
  }

  async readBlob(oid: string): Promise<Uint8Array> {
    const own = this.pack.read(oid);
    if (!own) return this.repo.readBlob(oid);
    if (own.type !== 'blob') throw new SnapError('GIT_OBJECT', `git object ${oid} is a ${own.type}, expected a blob`, { oid, type: own.type });
    return own.content;
  }

  write(type: ObjectType, content: Uint8Array): string {
    const oid = hashObject(type, content);
    if (this.pack.contains(oid) || this.repo.hasObject(oid)) return oid;
    this.pack.add(type, content, oid);
    this.written++;
    return oid;
  }

  async commit(): Promise<FinishedPack | null> {
    const result = await this.pack.finish();
    this.repo.forgetPackIndexes();
    return result;
  }

  abort(): void {
    this.pack.abort();
  }
}
