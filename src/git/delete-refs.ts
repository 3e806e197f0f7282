// Deleting refs the way `git update-ref -d` does, so a stock git running at the same time sees
// each ref either there or gone: each ref's `<ref>.lock` is taken (created exclusively) and its
// value checked against what the caller expects; a ref that is also in packed-refs (after
// `git gc` or `git pack-refs`) is dropped from it by writing packed-refs.lock in full and
// renaming it over packed-refs; then the loose file goes, and the locks are released. A kill
// at any point leaves each ref either as it was or deleted, and at worst a lock file that
// names a dead writer (git itself says how to remove one).
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SnapError } from '../errors.js';

export interface RefDeletion {
  ref: string;
  /** the value the ref must still have; a ref that moved is left alone and reported */
  expected: string;
}

export interface DeletionResult {
  deleted: string[];
  /** refs that no longer had the expected value (or were already gone): left as they are */
  moved: { ref: string; found: string | null }[];
}

async function readLoose(gitdir: string, ref: string): Promise<string | null> {
  try {
    return (await readFile(join(gitdir, ref), 'utf8')).trim();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return null;
    throw err;
  }
}

async function readPacked(gitdir: string): Promise<string | null> {
  try {
    return await readFile(join(gitdir, 'packed-refs'), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function packedValue(text: string | null, ref: string): string | null {
  if (!text) return null;
  for (const line of text.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp === 40 && line.slice(41) === ref) return line.slice(0, 40);
  }
  return null;
}

async function takeLock(path: string, what: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  try {
    const fh = await open(path, 'wx');
    await fh.close();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new SnapError('ARCHIVE_LOCKED', `${what} is being changed by another process (${path} exists); if no git or snap process is running, remove that file and run the command again`, { path });
    }
    throw err;
  }
}

/** Deletes refs (all under one set of locks); refs whose value moved are left and reported. */
export async function deleteRefs(gitdir: string, deletions: readonly RefDeletion[]): Promise<DeletionResult> {
  const result: DeletionResult = { deleted: [], moved: [] };
  if (deletions.length === 0) return result;
  const locks: string[] = [];
  try {
    for (const d of deletions) {
      const lock = join(gitdir, `${d.ref}.lock`);
      await takeLock(lock, `ref ${d.ref}`);
      locks.push(lock);
    }
    const packedText = await readPacked(gitdir);
    const doomed: RefDeletion[] = [];
    for (const d of deletions) {
      const found = (await readLoose(gitdir, d.ref)) ?? packedValue(packedText, d.ref);
      if (found !== d.expected) result.moved.push({ ref: d.ref, found });
      else doomed.push(d);
    }
    const packedDoomed = new Set(doomed.filter((d) => packedValue(packedText, d.ref) !== null).map((d) => d.ref));
    if (packedDoomed.size > 0) {
      const lock = join(gitdir, 'packed-refs.lock');
      await takeLock(lock, 'packed-refs');
      locks.push(lock);
      // A ref's line may be followed by its peeled value ("^<oid>"), which goes with it.
      const kept: string[] = [];
      let dropping = false;
      for (const line of packedText!.split('\n')) {
        if (line.startsWith('^')) {
          if (!dropping) kept.push(line);
          continue;
        }
        dropping = line.length > 41 && line[40] === ' ' && packedDoomed.has(line.slice(41));
        if (!dropping) kept.push(line);
      }
      const fh = await open(lock, 'w');
      try {
        await fh.writeFile(kept.join('\n'));
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(lock, join(gitdir, 'packed-refs'));
      locks.pop();
    }
    for (const d of doomed) {
      await unlink(join(gitdir, d.ref)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
      result.deleted.push(d.ref);
    }
    return result;
  } finally {
    for (const lock of locks.reverse()) await unlink(lock).catch(() => undefined);
  }
}
