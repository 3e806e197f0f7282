// The archive's git repository as snap uses it: read objects (object-reader.ts, which also
// understands the delta packs stock git writes), know which objects exist, write
// new objects into one pack per transaction, and move refs atomically with git's own
// `<ref>.lock` protocol so a concurrent stock git sees either the old or the new value.
// Ref names are checked (ref-names.ts) before any is turned into a path, and a ref's content
// is used only when it is an object id or a reference to another valid ref name.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, unlink, writeFile } from 'node:fs/promises';
import * as fs from 'node:fs';
import { dirname, join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { SnapError } from '../errors.js';
import { writeFileAtomic } from './atomic-file.js';
import { updateGitConfig } from './config-file.js';
import { replaceUnderGitLock, type DeadWriter } from './locks.js';
import { parseRefValue, refNameProblem } from './ref-names.js';
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

/** The prefix of snap's temporary loose objects (objects/xx/), swept by the next writer. */
export const LOOSE_TMP_PREFIX = 'tmp_obj_snap_';

export class GitRepo {
  readonly gitdir: string;
  private readonly objects: RepositoryObjects;
  private readonly trees = new Map<string, TreeEntry[]>();
  /**
   * snap writers that died holding the archive lock: git lock files they left are taken over
   * (see locks.ts). Set by the writer that took over their archive lock.
   */
  deadWriters: DeadWriter[] = [];

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
    await writeFileAtomic(join(gitdir, 'config'), config, { fsync: true });
    return new GitRepo(gitdir);
  }

  // ---- objects -------------------------------------------------------------------------

  hasObject(oid: string): boolean {
    return this.objects.has(oid) || existsSync(join(this.gitdir, 'objects', oid.slice(0, 2), oid.slice(2)));
  }

  async readObject(oid: string): Promise<{ type: ObjectType; content: Uint8Array }> {
    if (!/^[0-9a-f]{40}$/.test(oid)) throw new SnapError('GIT_OBJECT', 'not a git object id', {});
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
    // git's own prefix for temporary objects (tmp_obj_), so git gc and snap's next writer sweep it
    const tmp = join(dir, `${LOOSE_TMP_PREFIX}${process.pid}_${randomBytes(6).toString('hex')}`);
    const fh = await open(tmp, 'wx', 0o444);
    try {
      await fh.writeFile(deflateSync(Buffer.concat([Buffer.from(`${type} ${content.length}\0`), content])));
      await fh.sync();
      await fh.close();
      await rename(tmp, path);
    } catch (err) {
      await fh.close().catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
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

  /** The object a ref names, following symbolic refs; null when it does not exist. */
  async resolveRef(ref: string): Promise<string | null> {
    for (let depth = 0; depth < 5; depth++) {
      const value = await this.readRefValue(ref);
      if (value === null) return null;
      const parsed = parseRefValue(value);
      if (!parsed) throw new SnapError('GIT_OBJECT', `ref ${ref} holds neither an object id nor a valid symbolic ref`, { ref });
      if ('oid' in parsed) return parsed.oid;
      ref = parsed.symref;
    }
    return null;
  }

  private async readRefValue(ref: string): Promise<string | null> {
    const problem = refNameProblem(ref);
    if (problem) throw new SnapError('INVALID_VERSION_NAME', `invalid ref name ${JSON.stringify(ref.slice(0, 120))}: ${problem}`, { ref: ref.slice(0, 120) });
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
      if (oid && name && /^[0-9a-f]{40}$/.test(oid) && refNameProblem(name) === null) refs.set(name, oid);
    }
    return refs;
  }

  /**
   * All refs under a prefix (e.g. "refs/tags/"), loose and packed, loose winning. Files there
   * that are not refs (an invalid name, content that is not an object id) are left out, and
   * named in `strays` when given; lock files are not refs and are not named.
   */
  async listRefs(prefix: string, strays?: string[]): Promise<Map<string, string>> {
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
        else if (refNameProblem(child) === null) {
          const v = (await readFile(join(this.gitdir, child), 'utf8')).trim();
          if (/^[0-9a-f]{40}$/.test(v)) out.set(child, v);
          else if (parseRefValue(v) === null) strays?.push(child);
        } else if (!d.name.endsWith('.lock')) strays?.push(child);
      }
    };
    await walk(prefix);
    return out;
  }

  /**
   * Sets a ref with git's lock protocol. `expected` is the value it must still have
   * (null: must not exist); a mismatch means someone else moved it, and nothing changes.
   * A lock left by a dead snap writer is taken over; any other lock is refused with the fix.
   */
  async updateRef(ref: string, oid: string, expected: string | null | undefined, options: { fsync?: boolean; crashPoint?: string } = {}): Promise<void> {
    const problem = refNameProblem(ref);
    if (problem || ref === 'HEAD') throw new SnapError('INVALID_VERSION_NAME', `invalid ref name ${JSON.stringify(ref.slice(0, 120))}: ${problem ?? 'HEAD is not moved by snap'}`, { ref: ref.slice(0, 120) });
    if (!/^[0-9a-f]{40}$/.test(oid)) throw new SnapError('GIT_OBJECT', `refusing to set ${ref} to something that is not an object id`, { ref });
    const path = join(this.gitdir, ref);
    await mkdir(dirname(path), { recursive: true });
    await replaceUnderGitLock(
      path,
      async () => {
        if (expected !== undefined) {
          const current = await this.resolveRef(ref);
          if (current !== expected) throw new SnapError('GIT_OBJECT', `ref ${ref} moved while snap was writing (expected ${expected ?? 'none'}, found ${current ?? 'none'})`, { ref });
        }
        return `${oid}\n`;
      },
      { gitdir: this.gitdir, what: `ref ${ref}`, deadWriters: this.deadWriters, fsync: options.fsync ?? true, crashPoint: options.crashPoint },
    );
  }

  /**
   * Deletes a loose ref that still holds `expected` (a tag this process just created and must
   * take back). Returns whether it did. Deleting needs no disk space.
   */
  async deleteRefIfUnchanged(ref: string, expected: string): Promise<boolean> {
    const problem = refNameProblem(ref);
    if (problem) throw new SnapError('INVALID_VERSION_NAME', `invalid ref name ${JSON.stringify(ref.slice(0, 120))}: ${problem}`, { ref: ref.slice(0, 120) });
    const path = join(this.gitdir, ref);
    const current = (await readFile(path, 'utf8').catch(() => '')).trim();
    if (current !== expected) return false;
    await unlink(path);
    return true;
  }

  /** Sets git config values (atomically, under config.lock); writes only when one changes. */
  setConfig(values: Record<string, string>): Promise<boolean> {
    return updateGitConfig(this.gitdir, values, { deadWriters: this.deadWriters });
  }

  async headBranch(): Promise<string | null> {
    const head = await this.readRefValue('HEAD');
    return head?.startsWith('ref: ') ? head.slice(5).trim() : null;
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
