// Makes the archive's working tree show a version: writes the files that differ between the
// tree the working tree showed and the new one, removes what is gone, and rewrites .git/index
// so stock `git status` is clean. When the index is the one snap wrote for the tree shown
// before (.git/snap/index-tree), only the changed paths' entries are rewritten. Every path
// comes from a tree snap wrote with checked names, but is checked again here: a tampered tree
// must never write outside the archive or into .git.
//
// A file is replaced by writing a temporary in .git/snap/tmp and renaming it over the file,
// never by deleting it first: a kill at any moment leaves each file either as it was or as
// the new version has it (snap.config.json is never missing), and leftover temporaries sit in
// one folder the next writer sweeps. A checkout that was killed half-way is finished by the
// next one: the index stamp still names the tree shown before, so every file is checked
// against the tree, and files the interrupted checkout should have removed are removed.
import { lstat, mkdir, readFile, rename, rm, rmdir, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { SnapError } from '../errors.js';
import { crashPoint } from '../util/crash-points.js';
import { temporaryName, writeFileAtomic } from './atomic-file.js';
import { entryFromStat, readIndex, writeIndex, type IndexEntry } from './index-file.js';
import { SNAP_TMP_DIR } from './locks.js';
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

/** Where working-tree files are staged before they are renamed into place (under .git). */
export const WORKTREE_STAGING = SNAP_TMP_DIR;

async function writeWorkFile(abs: string, mode: string, content: Uint8Array, staging: string, path: string): Promise<void> {
  // snap never archives symlinks as tree symlinks: one could later redirect a write outside.
  if (mode === MODE_SYMLINK) throw new SnapError('UNSAFE_PATH', `refusing symlink entry in archive tree: ${JSON.stringify(abs)}`, { path: abs });
  const perm = mode === MODE_EXEC ? 0o755 : 0o644;
  await mkdir(dirname(abs), { recursive: true });
  const tmp = join(staging, temporaryName('file'));
  await writeFile(tmp, content, { mode: perm, flag: 'wx' });
  // A folder in the way (the tree has a file where there was a folder) is moved aside first;
  // rename(2) cannot replace a folder with a file.
  const existing = await lstat(abs).catch(() => null);
  let aside: string | null = null;
  try {
    if (existing?.isDirectory()) {
      aside = join(staging, temporaryName('dir'));
      await rename(abs, aside);
    }
    crashPoint('worktree-staged', path);
    await rename(tmp, abs); // replaces a file or a symlink itself, never what a symlink points at
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    await writeFileAtomic(abs, content, { mode: perm }); // .git on another filesystem: stage beside the file
  }
  if (aside) await rm(aside, { recursive: true, force: true });
}

export interface CheckoutResult {
  written: number;
  removed: number;
}

export interface CheckoutOptions {
  /** paths to rewrite from the tree even when the two trees agree on them, if the file differs */
  refresh?: string[];
}

/**
 * Moves the working tree at `dir` from `fromTree` (what it showed; null for nothing) to
 * `toTree`, then writes the index for `toTree`.
 */
export async function checkoutTree(repo: GitRepo, dir: string, fromTree: string | null, toTree: string, options: CheckoutOptions = {}): Promise<CheckoutResult> {
  const staging = join(repo.gitdir, WORKTREE_STAGING);
  await mkdir(staging, { recursive: true });
  const changed: { path: string; oid: string; mode: string; abs: string }[] = [];
  const gone: string[] = [];
  let removed = 0;
  const removeFile = async (abs: string): Promise<void> => {
    await unlink(abs);
    await removeEmptyParents(dir, abs);
    removed++;
  };
  for await (const change of diffTrees(repo, fromTree, toTree)) {
    const abs = assertInside(dir, change.path);
    if (change.new) {
      await writeWorkFile(abs, change.new.mode, await repo.readBlob(change.new.oid), staging, change.path);
      changed.push({ path: change.path, oid: change.new.oid, mode: change.new.mode, abs });
      crashPoint('worktree-file');
    } else {
      gone.push(change.path);
      const st = await lstat(abs).catch(() => null);
      if (st && !st.isDirectory()) await removeFile(abs);
    }
  }
  for (const path of options.refresh ?? []) {
    if (changed.some((c) => c.path === path)) continue;
    const entry = await repo.entryAt(toTree, path);
    if (!entry || entry.mode === '40000') continue;
    const abs = assertInside(dir, path);
    const onDisk = await readFile(abs).catch(() => null);
    if (onDisk && hashObject('blob', onDisk) === entry.oid) continue;
    await writeWorkFile(abs, entry.mode, await repo.readBlob(entry.oid), staging, path);
    changed.push({ path, oid: entry.oid, mode: entry.mode, abs });
  }
  let written = changed.length;

  const indexPath = join(repo.gitdir, 'index');
  const markerPath = join(repo.gitdir, 'snap', 'index-tree');
  const previous = (await readIndex(indexPath)) ?? new Map<string, IndexEntry>();
  const stamp = await readFile(markerPath, 'utf8').catch(() => null);
  let entries: IndexEntry[];
  if (fromTree !== null && stamp === (await indexStamp(indexPath, fromTree))) {
    // The index snap wrote for `fromTree`, untouched since (same size and mtime): only the
    // changed paths need new entries. A re-snapshot of 2,000 unchanged objects then reads no
    // tree and stats no file it did not write.
    for (const path of gone) previous.delete(path);
    for (const c of changed) previous.set(c.path, entryFromStat(c.path, c.oid, MODE_NUM[c.mode]!, await lstat(c.abs, { bigint: true })));
    entries = [...previous.values()];
  } else {
    // The working tree last shown by snap (the stamp's tree) may not be `fromTree`: a checkout
    // was interrupted. Files that tree had and `toTree` has not, left as snap wrote them, go.
    const shownTree = stamp?.split(' ')[0] ?? null;
    if (shownTree && /^[0-9a-f]{40}$/.test(shownTree) && shownTree !== fromTree && repo.hasObject(shownTree)) {
      for await (const change of diffTrees(repo, shownTree, toTree)) {
        if (change.new || !change.old) continue;
        const abs = assertInside(dir, change.path);
        const onDisk = await readFile(abs).catch(() => null);
        if (onDisk && hashObject('blob', onDisk) === change.old.oid) await removeFile(abs);
      }
    }
    const touched = new Set(changed.map((c) => c.path));
    entries = [];
    for await (const file of walkFiles(repo, toTree)) {
      const old = previous.get(file.path);
      if (!touched.has(file.path) && old && old.oid === file.oid && old.mode === MODE_NUM[file.mode]) {
        entries.push(old);
        continue;
      }
      const abs = assertInside(dir, file.path);
      if (!touched.has(file.path)) {
        // Not written now and not known to the index: make sure the file holds what the tree says.
        const onDisk = await readFile(abs).catch(() => null);
        if (!onDisk || hashObject('blob', onDisk) !== file.oid) {
          await writeWorkFile(abs, file.mode, await repo.readBlob(file.oid), staging, file.path);
          written++;
        }
      }
      entries.push(entryFromStat(file.path, file.oid, MODE_NUM[file.mode]!, await lstat(abs, { bigint: true })));
    }
  }
  await writeIndex(indexPath, entries, { gitdir: repo.gitdir, deadWriters: repo.deadWriters });
  await writeFileAtomic(markerPath, await indexStamp(indexPath, toTree), { tmpDir: staging });
  return { written, removed };
}

/** The tree an index was written for, with the index file's size and mtime as written. */
async function indexStamp(indexPath: string, tree: string): Promise<string> {
  const st = await lstat(indexPath, { bigint: true }).catch(() => null);
  return `${tree} ${st?.size ?? 0} ${st?.mtimeNs ?? 0}\n`;
}
