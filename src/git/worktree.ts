// Makes the archive's working tree show a version: writes the files that differ between the
// tree the working tree showed and the new one, removes what is gone, and rewrites .git/index
// so stock `git status` is clean. When the index is the one snap wrote for the tree shown
// before (.git/snap/index-tree), only the changed paths' entries are rewritten. Every path
// comes from a tree snap wrote with checked names, but is checked again here: a tampered tree
// must never write outside the archive or into .git.
//
// It happens in two steps, so a commit can do everything that needs disk space before it
// moves any ref: stageCheckout() writes every new file's content into a staging folder in
// .git/snap/tmp, creates the folders they go in, writes the new index as .git/index.lock
// (git's own lock, so a concurrent git waits), and sets aside a small reserve of space.
// Nothing a person sees changes yet, and discard() undoes it all. apply() then frees the
// reserve and only renames files into place, removes what is gone and renames the index into
// place, which needs no new space. A full disk therefore fails the staging, never the apply.
//
// A file is replaced by renaming its staged copy over it, never by deleting it first: a kill
// at any moment leaves each file as it was or as the new version has it (snap.config.json is
// never missing), and leftovers (the staging folder, the index lock) are the next writer's
// to sweep or take over. A checkout killed half-way is finished by the next one: the index
// stamp still names the tree shown before, so every file is checked against the tree, and
// files that tree had and the new one has not, left as snap wrote them, are removed.
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, readFile, rename, rm, rmdir, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { SnapError } from '../errors.js';
import { crashPoint } from '../util/crash-points.js';
import { temporaryName, writeFileAtomic } from './atomic-file.js';
import { encodeIndex, entryFromStat, readIndex, type IndexEntry } from './index-file.js';
import { openGitLock, SNAP_TMP_DIR } from './locks.js';
import { MODE_EXEC, MODE_SYMLINK, hashObject } from './objects.js';
import type { GitRepo } from './repo.js';
import { diffTrees, walkFiles } from './tree-walk.js';

const MODE_NUM: Record<string, number> = { '100644': 0o100644, '100755': 0o100755, '120000': 0o120000 };

/** Where working-tree files are staged before they are renamed into place (under .git). */
export const WORKTREE_STAGING = SNAP_TMP_DIR;

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
  /** Frees the space set aside, for the small writes that follow the staging (refs, config). */
  releaseReserve(): Promise<void>;
  /** Puts the staged files and index in place; needs no new disk space. */
  apply(): Promise<CheckoutResult>;
  /** Undoes the staging: the working tree and index stay as they were. */
  discard(): Promise<void>;
}

export interface StageOptions {
  /** bytes set aside until apply(), for the small writes that come between (refs, config) */
  reserveBytes?: number;
  /** paths to rewrite from the tree even when the two trees agree on them, if the file differs */
  refresh?: string[];
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
  const tmpRoot = join(repo.gitdir, SNAP_TMP_DIR);
  const staging = join(tmpRoot, `checkout-${process.pid}-${randomBytes(6).toString('hex')}`);
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
    for (const path of options.refresh ?? []) {
      if (writes.some((w) => w.path === path)) continue;
      const entry = await repo.entryAt(toTree, path);
      if (!entry || entry.mode === '40000') continue;
      const abs = assertInside(dir, path);
      const onDisk = await readFile(abs).catch(() => null);
      if (!onDisk || hashObject('blob', onDisk) !== entry.oid) await stage(path, entry.oid, entry.mode, abs);
    }

    const previous = (await readIndex(indexPath)) ?? new Map<string, IndexEntry>();
    const stamp = await readFile(markerPath, 'utf8').catch(() => null);
    // Entries of files not written now (taken as they are) and, for the staged ones, their stat
    // as staged: apply() replaces those with the stat of the file in place (same length).
    let kept: IndexEntry[];
    if (fromTree !== null && stamp === (await indexStamp(indexPath, fromTree))) {
      // The index snap wrote for `fromTree`, untouched since (same size and mtime): only the
      // changed paths need new entries. A re-snapshot of 2,000 unchanged objects then reads no
      // tree and stats no file it did not write.
      for (const path of gone) previous.delete(path);
      for (const w of writes) previous.delete(w.path);
      kept = [...previous.values()];
    } else {
      // The working tree last shown by snap (the stamp's tree) may not be `fromTree`: a checkout
      // was interrupted. Files that tree had and `toTree` has not, left as snap wrote them, go.
      const shownTree = stamp?.split(' ')[0] ?? null;
      if (shownTree && /^[0-9a-f]{40}$/.test(shownTree) && shownTree !== fromTree && repo.hasObject(shownTree)) {
        for await (const change of diffTrees(repo, shownTree, toTree)) {
          if (change.new || !change.old || gone.includes(change.path)) continue;
          const onDisk = await readFile(assertInside(dir, change.path)).catch(() => null);
          if (onDisk && hashObject('blob', onDisk) === change.old.oid) gone.push(change.path);
        }
      }
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
    // Ours once created, so a write that fails half-way (a full disk) still removes it. One a
    // dead snap writer left is taken over; any other is refused with the fix (locks.ts).
    const lock = await openGitLock(indexPath, { gitdir: repo.gitdir, deadWriters: repo.deadWriters, what: 'the index' });
    lockHeld = true;
    try {
      await lock.writeFile(encodeIndex(await entriesOf((w) => w.staged)));
    } finally {
      await lock.close();
    }
    const reserve = join(staging, 'reserve');
    if (options.reserveBytes) await writeFile(reserve, Buffer.alloc(options.reserveBytes));

    const releaseReserve = () => unlink(reserve).catch(() => undefined);
    return {
      discard,
      releaseReserve,
      async apply() {
        await releaseReserve();
        for (const w of writes) {
          await replaceBlockingFiles(dirname(w.abs), resolve(dir));
          // A folder where the new tree has a file is moved aside (rename(2) cannot replace a
          // folder with a file), then removed once the file is in place.
          const existing = await lstat(w.abs).catch(() => null);
          const aside = existing?.isDirectory() ? join(tmpRoot, temporaryName('dir')) : null;
          if (aside) await rename(w.abs, aside);
          crashPoint('worktree-staged', w.path);
          await renameInto(w.staged, w.abs);
          if (aside) await rm(aside, { recursive: true, force: true });
          crashPoint('worktree-file');
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
        crashPoint('index-locked');
        await rename(lockPath, indexPath);
        lockHeld = false;
        await rm(staging, { recursive: true, force: true });
        // The marker only lets the next checkout skip work: when it cannot be written, none is kept.
        await writeFileAtomic(markerPath, await indexStamp(indexPath, toTree), { tmpDir: tmpRoot }).catch(() => unlink(markerPath).catch(() => undefined));
        return { written: writes.length, removed };
      },
    };
  } catch (err) {
    await discard();
    throw err;
  }
}

/** Renames a staged file over its place; across filesystems (.git mounted apart), copies it in atomically. */
async function renameInto(staged: string, abs: string): Promise<void> {
  try {
    await rename(staged, abs);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    const st = await lstat(staged);
    await writeFileAtomic(abs, await readFile(staged), { mode: st.mode & 0o777 });
    await unlink(staged);
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
export async function checkoutTree(repo: GitRepo, dir: string, fromTree: string | null, toTree: string, options: Pick<StageOptions, 'refresh'> = {}): Promise<CheckoutResult> {
  const staged = await stageCheckout(repo, dir, fromTree, toTree, options);
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
