// Makes the archive's working tree show a version: writes the files that differ between the
// tree the working tree showed and the new one, removes what is gone, and rewrites .git/index
// so stock `git status` is clean. When the index is the one snap wrote for the tree shown
// before (.git/snap/index-tree), only the changed paths' entries are rewritten. Every path
// comes from a tree snap wrote with checked names, but is checked again here: a tampered tree
// must never write outside the archive or into .git.
//
// It happens in two steps, so a commit can do everything that needs disk space before it
// moves any ref: stageCheckout() writes every new file's content into a staging folder in
// .git/snap, creates the folders they go in, writes the new index as .git/index.lock (git's
// own lock, so a concurrent git waits), and sets aside a small reserve of space. Nothing a
// person sees changes yet, and discard() undoes it all. apply() then frees the reserve and
// only renames files into place, removes what is gone and renames the index into place,
// which needs no new space. A full disk therefore fails the staging, never the apply.
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, readFile, rename, rm, rmdir, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { SnapError } from '../errors.js';
import { encodeIndex, entryFromStat, readIndex, type IndexEntry } from './index-file.js';
import { MODE_EXEC, MODE_SYMLINK, hashObject } from './objects.js';
import type { GitRepo } from './repo.js';
import { diffTrees, walkFiles } from './tree-walk.js';

const MODE_NUM: Record<string, number> = { '100644': 0o100644, '100755': 0o100755, '120000': 0o120000 };

export function assertInside(root: string, relPath: string): string {
  const parts = relPath.split('/');
  if (relPath.length === 0 || parts.some((p) => p === '' || p === '.' || p === '..' || p.toLowerCase() === '.git' || p.includes('\0') || p.includes('\\'))) {
    throw new SnapError('UNSAFE_PATH', `refusing unsafe path in archive tree: ${JSON.stringify(relPath.slice(0, 200))}`, { path: relPath });
  }
  const abs = resolve(root, relPath);
  if (!abs.startsWith(resolve(root) + sep)) throw new SnapError('UNSAFE_PATH', `path leaves the archive: ${JSON.stringify(relPath.slice(0, 200))}`, { path: relPath });
  return abs;
}

async function removeEmptyParents(root: string, path: string): Promise<void> {
  let dir = dirname(path);
  const top = resolve(root);
  while (dir.startsWith(top + sep)) {
    try {
      await rmdir(dir);
    } catch {
      return;
    }
    dir = dirname(dir);
  }
}

export interface CheckoutResult {
  written: number;
  removed: number;
}

export interface StagedCheckout {
  /** Puts the staged files and index in place; needs no new disk space. */
  apply(): Promise<CheckoutResult>;
  /** Undoes the staging: the working tree and index stay as they were. */
  discard(): Promise<void>;
}

export interface StageOptions {
  /** bytes set aside until apply(), for the small writes that come between (refs, config) */
  reserveBytes?: number;
}

interface StagedWrite {
  path: string;
  oid: string;
  mode: string;
  abs: string;
  staged: string;
}

/** Stages moving the working tree at `dir` from `fromTree` (null for nothing) to `toTree`; see the header. */
export async function stageCheckout(repo: GitRepo, dir: string, fromTree: string | null, toTree: string, options: StageOptions = {}): Promise<StagedCheckout> {
  const staging = join(repo.gitdir, 'snap', `checkout-${process.pid}-${randomBytes(6).toString('hex')}`);
  const indexPath = join(repo.gitdir, 'index');
  const lockPath = `${indexPath}.lock`;
  const markerPath = join(repo.gitdir, 'snap', 'index-tree');
  const writes: StagedWrite[] = [];
  const gone: string[] = [];
  const madeDirs: string[] = [];
  let lockHeld = false;

  const discard = async () => {
    if (lockHeld) await unlink(lockPath).catch(() => undefined);
    lockHeld = false;
    await rm(staging, { recursive: true, force: true });
    for (const d of madeDirs.reverse()) await rmdir(d).catch(() => undefined);
  };

  const stage = async (path: string, oid: string, mode: string, abs: string) => {
    // snap never archives symlinks as tree symlinks: one could later redirect a write outside.
    if (mode === MODE_SYMLINK) throw new SnapError('UNSAFE_PATH', `refusing symlink entry in archive tree: ${JSON.stringify(abs)}`, { path: abs });
    const staged = join(staging, String(writes.length));
    await writeFile(staged, await repo.readBlob(oid), { mode: mode === MODE_EXEC ? 0o755 : 0o644 });
    await makeParents(dirname(abs), resolve(dir), madeDirs);
    writes.push({ path, oid, mode, abs, staged });
  };

  try {
    await mkdir(staging, { recursive: true });
    for await (const change of diffTrees(repo, fromTree, toTree)) {
      const abs = assertInside(dir, change.path);
      if (change.new) await stage(change.path, change.new.oid, change.new.mode, abs);
      else gone.push(change.path);
    }

    const previous = (await readIndex(indexPath)) ?? new Map<string, IndexEntry>();
    // Entries of files not written now (taken as they are) and, for the staged ones, their stat
    // as staged: apply() replaces those with the stat of the file in place (same length).
    let kept: IndexEntry[];
    if (fromTree !== null && (await readFile(markerPath, 'utf8').catch(() => null)) === (await indexStamp(indexPath, fromTree))) {
      // The index snap wrote for `fromTree`, untouched since (same size and mtime): only the
      // changed paths need new entries. A re-snapshot of 2,000 unchanged objects then reads no
      // tree and stats no file it did not write.
      for (const path of gone) previous.delete(path);
      for (const w of writes) previous.delete(w.path);
      kept = [...previous.values()];
    } else {
      const touched = new Set(writes.map((w) => w.path));
      kept = [];
      for await (const file of walkFiles(repo, toTree)) {
        if (touched.has(file.path)) continue;
        const old = previous.get(file.path);
        if (old && old.oid === file.oid && old.mode === MODE_NUM[file.mode]) {
          kept.push(old);
          continue;
        }
        const abs = assertInside(dir, file.path);
        // Not written now and not known to the index: make sure the file holds what the tree says.
        const onDisk = await readFile(abs).catch(() => null);
        if (!onDisk || hashObject('blob', onDisk) !== file.oid) await stage(file.path, file.oid, file.mode, abs);
        else kept.push(entryFromStat(file.path, file.oid, MODE_NUM[file.mode]!, await lstat(abs, { bigint: true })));
      }
    }
    const entriesOf = async (statOf: (w: StagedWrite) => string) => [...kept, ...(await Promise.all(writes.map(async (w) => entryFromStat(w.path, w.oid, MODE_NUM[w.mode]!, await lstat(statOf(w), { bigint: true })))))];
    // git's own lock file: a concurrent stock git either waits for us or we fail, never interleave.
    // Ours once created, so a write that fails half-way (a full disk) still removes it.
    const lock = await open(lockPath, 'wx', 0o644);
    lockHeld = true;
    try {
      await lock.writeFile(encodeIndex(await entriesOf((w) => w.staged)));
    } finally {
      await lock.close();
    }
    const reserve = join(staging, 'reserve');
    if (options.reserveBytes) await writeFile(reserve, Buffer.alloc(options.reserveBytes));

    return {
      discard,
      async apply() {
        await unlink(reserve).catch(() => undefined);
        for (const w of writes) {
          await replaceBlockingFiles(dirname(w.abs), resolve(dir));
          const existing = await lstat(w.abs).catch(() => null);
          if (existing?.isDirectory()) await rm(w.abs, { recursive: true, force: true });
          await rename(w.staged, w.abs);
        }
        let removed = 0;
        for (const path of gone) {
          const abs = assertInside(dir, path);
          const st = await lstat(abs).catch(() => null);
          if (st && !st.isDirectory()) {
            await unlink(abs);
            await removeEmptyParents(dir, abs);
            removed++;
          }
        }
        // The index as staged, with the stat of each file now in place: same length, written
        // over the lock file's own bytes, then renamed into place.
        const fh = await open(lockPath, 'r+');
        try {
          await fh.write(encodeIndex(await entriesOf((w) => w.abs)), 0, undefined, 0);
        } finally {
          await fh.close();
        }
        await rename(lockPath, indexPath);
        lockHeld = false;
        await rm(staging, { recursive: true, force: true });
        // The marker only lets the next checkout skip work: when it cannot be written, none is kept.
        await writeFile(markerPath, await indexStamp(indexPath, toTree)).catch(() => unlink(markerPath).catch(() => undefined));
        return { written: writes.length, removed };
      },
    };
  } catch (err) {
    await discard();
    throw err;
  }
}

/**
 * Creates the folders up to `dir` that do not exist yet, remembering them (for discard). Where
 * a file stands in the way (the new tree has a folder in its place) nothing is changed now:
 * apply() replaces it, since staging must leave the working tree as it was.
 */
async function makeParents(dir: string, root: string, made: string[]): Promise<void> {
  const missing: string[] = [];
  for (let d = dir; d.startsWith(root + sep); d = dirname(d)) {
    const st = await lstat(d).catch(() => null);
    if (st?.isDirectory()) break;
    if (st) return;
    missing.push(d);
  }
  for (const d of missing.reverse()) {
    await mkdir(d);
    made.push(d);
  }
}

/** In apply(): a file where a folder of the new tree goes is removed, and the folder made. */
async function replaceBlockingFiles(dir: string, root: string): Promise<void> {
  const blocked: string[] = [];
  for (let d = dir; d.startsWith(root + sep); d = dirname(d)) {
    const st = await lstat(d).catch(() => null);
    if (st?.isDirectory()) break;
    blocked.push(d);
    if (st) {
      await unlink(d);
      break;
    }
  }
  if (blocked.length) await mkdir(dir, { recursive: true });
}

/**
 * Moves the working tree at `dir` from `fromTree` (what it showed; null for nothing) to
 * `toTree`, then writes the index for `toTree`.
 */
export async function checkoutTree(repo: GitRepo, dir: string, fromTree: string | null, toTree: string): Promise<CheckoutResult> {
  const staged = await stageCheckout(repo, dir, fromTree, toTree);
  try {
    return await staged.apply();
  } catch (err) {
    await staged.discard();
    throw err;
  }
}

/** The tree an index was written for, with the index file's size and mtime as written. */
async function indexStamp(indexPath: string, tree: string): Promise<string> {
  const st = await lstat(indexPath, { bigint: true }).catch(() => null);
  return `${tree} ${st?.size ?? 0} ${st?.mtimeNs ?? 0}\n`;
}
