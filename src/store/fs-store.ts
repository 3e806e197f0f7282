// Filesystem backend of the content store: <root>/<oid[0:2]>/<oid[2:4]>/<oid> (the layout of
// git-lfs's local objects, so the files can be handed to any tool that knows it). The default
// root is .git/snap/store, where git-lfs never looks: `git lfs prune` and `git lfs fsck` act
// on .git/lfs/objects only, which is why the store left it (see migrateLegacy()).
// Temporaries live in <root>/tmp and are renamed into place only when complete; flush()
// syncs everything written since, and `snap commit` calls it before it seals a version.
// Leftovers of an interrupted run are swept by sweepTemporaries() while the archive is locked.
// A full disk or quota (ENOSPC, EDQUOT) while writing or syncing is a DiskFull SnapError that
// names the store, the payload and the space it still needed; the temporary is removed.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm, rmdir, stat, unlink, chmod } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { isOutOfSpace, SnapError } from '../errors.js';
import { diskFullError } from '../util/disk-space.js';
import { isSha256Hex, type Pointer } from './pointer.js';
import { chunksOf, PayloadDigest } from './put-source.js';
import type { CheckResult, ContentStore, PutOptions, PutSource } from './types.js';
import { mapLimit } from '../util/limiter.js';

const WRITE_BATCH = 1 << 20;
/** Objects at least this large are synced as soon as they are written (see put()). */
const EARLY_SYNC_BYTES = 8 << 20;

async function syncFile(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export interface FsStoreOptions {
  root: string;
  /**
   * Make objects durable (default true): a crash never leaves a torn object behind a version.
   * Small objects are synced together by flush() rather than one by one in put(), which costs
   * the same durability once the version is sealed and far less waiting on a busy disk; large
   * ones are synced in the background as soon as they are written, and flush() waits for them.
   */
  fsync?: boolean;
  /**
   * Older store folders (an archive's .git/lfs/objects from before the store moved): read
   * when an object is not in `root`, and emptied into `root` by migrateLegacy().
   */
  legacyRoots?: readonly string[];
}

export class FsContentStore implements ContentStore {
  readonly root: string;
  private readonly fsync: boolean;
  private readonly madeDirs = new Set<string>();
  private readonly unsynced = new Set<string>();
  private readonly syncing = new Set<Promise<void>>();
  private syncError: unknown = null;
  private readonly legacyRoots: readonly string[];

  constructor(options: FsStoreOptions) {
    this.root = options.root;
    this.fsync = options.fsync ?? true;
    this.legacyRoots = options.legacyRoots ?? [];
  }

  get description(): string {
    return `filesystem store at ${this.root}`;
  }

  /** Where the object is kept in this store's root (where put() writes it). */
  pathOf(oid: string): string {
    return this.pathIn(this.root, oid);
  }

  private pathIn(root: string, oid: string): string {
    if (!isSha256Hex(oid)) throw new SnapError('POINTER_INVALID', `not a sha256 object id: ${oid.slice(0, 80)}`, { oid });
    return join(root, oid.slice(0, 2), oid.slice(2, 4), oid);
  }

  /** Where the object is now (the root, else an older store folder), with its size; null when absent. */
  locate(oid: string): { path: string; size: number } | null {
    for (const root of [this.root, ...this.legacyRoots]) {
      const path = this.pathIn(root, oid);
      // Synchronous on purpose: a re-snapshot asks this of every unchanged object, and a local
      // stat is microseconds, far less than a round trip through the thread pool. A missing
      // object is undefined here, not an error.
      const st = statSync(path, { throwIfNoEntry: false });
      if (st?.isFile()) return { path, size: st.size };
    }
    return null;
  }

  /**
   * Moves every object of the older store folders into the root, then removes those folders
   * (and .git/lfs when nothing else is left in it). Call only while holding the archive lock.
   * The first move is one rename of the whole folder when the root does not exist yet; else
   * object by object, each an atomic rename, so an interrupted migration loses nothing and
   * the next one finishes it (reads look in both meanwhile). Returns how many objects moved
   * one by one.
   */
  async migrateLegacy(): Promise<number> {
    let moved = 0;
    for (const legacy of this.legacyRoots) {
      if (!(await stat(legacy).then((s) => s.isDirectory(), () => false))) continue;
      if (!(await stat(this.root).then(() => true, () => false))) {
        await mkdir(dirname(this.root), { recursive: true });
        try {
          await rename(legacy, this.root);
          await rmdir(dirname(legacy)).catch(() => undefined);
          continue;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
        }
      }
      for (const a of await readdir(legacy)) {
        if (!/^[0-9a-f]{2}$/.test(a)) continue;
        for (const b of await readdir(join(legacy, a)).catch(() => [] as string[])) {
          for (const name of await readdir(join(legacy, a, b)).catch(() => [] as string[])) {
            if (!isSha256Hex(name)) continue;
            const from = join(legacy, a, b, name);
            if (this.locate(name)?.path === this.pathOf(name)) await unlink(from);
            else {
              await this.ensureDir(join(this.root, a, b));
              await rename(from, this.pathOf(name));
              moved++;
            }
          }
          await rmdir(join(legacy, a, b)).catch(() => undefined);
        }
        await rmdir(join(legacy, a)).catch(() => undefined);
      }
      await rm(join(legacy, 'tmp'), { recursive: true, force: true });
      await rmdir(legacy).catch(() => undefined);
      await rmdir(dirname(legacy)).catch(() => undefined);
    }
    return moved;
  }

  private async ensureDir(dir: string): Promise<void> {
    if (this.madeDirs.has(dir)) return;
    await mkdir(dir, { recursive: true });
    this.madeDirs.add(dir);
  }

  async put(source: PutSource, options: PutOptions = {}): Promise<Pointer> {
    const tmpDir = join(this.root, 'tmp');
    const tmp = join(tmpDir, `${process.pid}-${randomBytes(8).toString('hex')}`);
    let kept = false;
    const written = { bytes: 0 };
    try {
      await this.ensureDir(tmpDir);
      const { oid, size } = await this.write(source, tmp, options, written);
      const final = this.pathOf(oid);
      if ((await this.stat(oid)) === size) return { oid, size }; // deduplicated: keep the existing copy
      await this.ensureDir(join(this.root, oid.slice(0, 2), oid.slice(2, 4)));
      await chmod(tmp, 0o444);
      await rename(tmp, final);
      kept = true;
      if (this.fsync) {
        // A large object is synced now, in the background, while the next ones download: the
        // disk writes it back during the transfer instead of all at once when the version is
        // sealed. Small ones wait for flush(), where one pass syncs them together.
        if (size >= EARLY_SYNC_BYTES) this.syncInBackground(final);
        else this.unsynced.add(final);
      }
      return { oid, size };
    } catch (err) {
      if (!isOutOfSpace(err)) throw err;
      const expected = options.expect?.size;
      throw diskFullError(err, { path: this.root, what: options.expect?.label ?? 'a payload', ...(expected !== undefined ? { needed: Math.max(0, expected - written.bytes) } : {}) });
    } finally {
      if (!kept) await unlink(tmp).catch(() => undefined);
    }
  }

  /** Writes `source` to `tmp`; its pointer, once the bytes are checked against options.expect. */
  private async write(source: PutSource, tmp: string, options: PutOptions, written: { bytes: number }): Promise<Pointer> {
    const digest = new PayloadDigest(options.expect);
    const fh = await open(tmp, 'wx', 0o644);
    try {
      // Batch small chunks so a stream of 16 KiB pieces does not become one syscall each;
      // writev hands the batch to the kernel without copying it into one buffer first.
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      const flush = async () => {
        if (pendingBytes === 0) return;
        const batch = pending;
        const bytes = pendingBytes;
        pending = [];
        pendingBytes = 0;
        const { bytesWritten } = await fh.writev(batch);
        written.bytes += bytesWritten;
        // A short write (rare on files) is finished with plain writes of what is left.
        if (bytesWritten < bytes) {
          const rest = Buffer.concat(batch).subarray(bytesWritten);
          for (let off = 0; off < rest.length; ) {
            const n = (await fh.write(rest, off)).bytesWritten;
            off += n;
            written.bytes += n;
          }
        }
      };
      for await (const chunk of chunksOf(source, options.signal)) {
        const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        digest.update(buf);
        pending.push(buf);
        pendingBytes += buf.length;
        if (pendingBytes >= WRITE_BATCH) await flush();
      }
      await flush();
    } finally {
      await fh.close();
    }
    return digest.finish();
  }

  private syncInBackground(path: string): void {
    const pending: Promise<void> = syncFile(path)
      .catch((err: unknown) => {
        this.syncError ??= err;
      })
      .finally(() => this.syncing.delete(pending));
    this.syncing.add(pending);
  }

  async flush(): Promise<void> {
    const paths = [...this.unsynced];
    this.unsynced.clear();
    try {
      await Promise.all([...this.syncing]);
      await mapLimit(paths, 32, syncFile);
      if (this.syncError) {
        const err = this.syncError;
        this.syncError = null;
        throw err;
      }
    } catch (err) {
      throw isOutOfSpace(err) ? diskFullError(err, { path: this.root, what: 'the payloads of this snapshot (syncing them)' }) : err;
    }
  }

  async stat(oid: string): Promise<number | null> {
    return this.locate(oid)?.size ?? null;
  }

  async has(oid: string): Promise<boolean> {
    return (await this.stat(oid)) !== null;
  }

  async open(oid: string): Promise<Readable> {
    const found = this.locate(oid);
    if (!found) throw new SnapError('STORE_MISSING_OBJECT', `object sha256:${oid} is not in the ${this.description}`, { oid });
    return createReadStream(found.path, { highWaterMark: 1 << 20 });
  }

  async check(pointer: Pointer): Promise<CheckResult> {
    const found = this.locate(pointer.oid);
    if (!found) return { status: 'missing' };
    const hash = createHash('sha256');
    let actualSize = 0;
    for await (const chunk of createReadStream(found.path, { highWaterMark: 1 << 20 })) {
      hash.update(chunk as Buffer);
      actualSize += (chunk as Buffer).length;
    }
    const oid = hash.digest('hex');
    if (oid !== pointer.oid || actualSize !== pointer.size) return { status: 'corrupt', actual: { oid, size: actualSize } };
    return { status: 'ok', verified: 'content' };
  }

  /** Removes temporaries left by interrupted writes. Call only while holding the archive lock. */
  async sweepTemporaries(olderThanMs = 0): Promise<number> {
    const tmpDir = join(this.root, 'tmp');
    let names: string[];
    try {
      names = await readdir(tmpDir);
    } catch {
      return 0;
    }
    let removed = 0;
    const cutoff = Date.now() - olderThanMs;
    for (const name of names) {
      const p = join(tmpDir, name);
      try {
        // olderThanMs 0 means every temporary: a file written this millisecond can carry an
        // mtime a fraction ahead of Date.now().
        if (olderThanMs <= 0 || (await stat(p)).mtimeMs <= cutoff) {
          await unlink(p);
          removed++;
        }
      } catch {
        /* raced with another sweeper: fine */
      }
    }
    return removed;
  }
}
