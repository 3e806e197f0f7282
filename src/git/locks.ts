// Git's lock files (<ref>.lock, index.lock, config.lock), as snap takes them and as it finds
// them left behind. Git's protocol: create <file>.lock exclusively, write the new content into
// it, rename it over <file>; whoever finds the lock waits or fails. Git never breaks a lock by
// itself, because the file does not say who holds it. snap takes one over only when it knows
// the holder is gone:
//   - no running process has the file open (read from /proc on Linux), and
//   - the lock was made while a snap writer that has since died held the archive lock (the
//     dead writer's stale archive lock says when it started, and when it was found dead:
//     see archive/lock.ts), so a lock a git command makes now is never taken.
// Every other lock is refused with the exact fix (who holds it, or the `rm` to run when no
// git command is running). Taking over is atomic: the lock is renamed aside and the file
// moved is checked to be the very one judged stale before it is deleted.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { link, lstat, mkdir, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { SnapError } from '../errors.js';
import { crashPoint } from '../util/crash-points.js';

/** A snap writer that died while holding the archive lock: git locks it made are its leftovers. */
export interface DeadWriter {
  pid: number;
  command: string;
  /** when it took the archive lock: a git lock older than this is not its own */
  since: Date;
  /** when it was found dead (its lock taken over): a git lock newer than this is not its own */
  until: Date;
}

export interface LockState {
  path: string;
  mtime: Date;
  dev: number;
  ino: number;
  /** processes that have the file open; null when this system cannot tell */
  openBy: { pid: number; command: string }[] | null;
}

// Clock granularity and the moment between taking the archive lock and writing its record.
const WINDOW_SLACK_MS = 2000;

export async function inspectLock(path: string): Promise<LockState | null> {
  const st = await lstat(path).catch(() => null);
  if (!st) return null;
  return { path, mtime: st.mtime, dev: st.dev, ino: st.ino, openBy: processesWithOpen(path) };
}

/** Processes (other than this one) with `path` open, from /proc; null off Linux. */
export function processesWithOpen(path: string): { pid: number; command: string }[] | null {
  if (process.platform !== 'linux') return null;
  let target: string;
  let pids: string[];
  try {
    target = join(realpathSync(dirname(path)), basename(path));
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid);
  } catch {
    return null;
  }
  const out: { pid: number; command: string }[] = [];
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // gone, or another user's process (which cannot write this archive's .git anyway)
    }
    for (const fd of fds) {
      let to: string;
      try {
        to = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (to === target) {
        let command = '?';
        try {
          command = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
        } catch {
          /* exited meanwhile */
        }
        out.push({ pid: Number(pid), command });
        break;
      }
    }
  }
  return out;
}

export function isAbandoned(state: LockState, deadWriters: readonly DeadWriter[]): boolean {
  if (state.openBy === null || state.openBy.length > 0) return false;
  const t = state.mtime.getTime();
  return deadWriters.some((w) => t >= w.since.getTime() - WINDOW_SLACK_MS && t <= w.until.getTime() + WINDOW_SLACK_MS);
}

/** snap's folder for temporaries under .git (swept by the next writer): staged files, locks moved aside. */
export const SNAP_TMP_DIR = join('snap', 'tmp');

/**
 * Removes a lock judged stale, atomically: renames it aside (into .git/snap/tmp, never beside
 * it: under refs/ a moved-aside lock would read as a ref), checks the file moved is the one
 * inspected (same inode), and deletes it. Returns false, putting the file back, when the lock
 * was replaced in the meantime (someone released it and another process took it).
 */
export async function removeStaleLock(state: LockState, gitdir: string): Promise<boolean> {
  const dir = join(gitdir, SNAP_TMP_DIR);
  await mkdir(dir, { recursive: true });
  const aside = join(dir, `stale-lock-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await rename(state.path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  const moved = await lstat(aside);
  if (moved.ino !== state.ino || moved.dev !== state.dev) {
    await link(aside, state.path).catch(() => undefined); // put back the live lock; fails only if yet another was made
    await unlink(aside).catch(() => undefined);
    return false;
  }
  await unlink(aside);
  return true;
}

function describeAge(mtime: Date): string {
  return mtime.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

/** The refusal for a lock snap may not take over, naming the fix. */
export function lockRefusal(state: LockState, gitdir: string, what: string): SnapError {
  const rel = state.path.startsWith(`${gitdir}/`) ? `.git/${state.path.slice(gitdir.length + 1)}` : state.path;
  let message: string;
  if (state.openBy && state.openBy.length > 0) {
    const who = state.openBy.map((p) => `${p.command} (pid ${p.pid})`).join(', ');
    message = `${rel} is held by ${who}, which is updating ${what}; wait for it to finish, then run the command again`;
  } else if (state.openBy) {
    message = `${rel} was left at ${describeAge(state.mtime)} by a process that no longer has it open (a git command that was killed or crashed). If no git command is running in this archive, remove it and run the command again: rm '${state.path}'`;
  } else {
    message = `${rel} exists (since ${describeAge(state.mtime)}): a git command may be updating ${what}. If none is running in this archive, remove it and run the command again: rm '${state.path}'`;
  }
  return new SnapError('ARCHIVE_LOCKED', message, { lock: state.path, openBy: state.openBy });
}

export interface GitLockOptions {
  deadWriters?: readonly DeadWriter[];
  /** what the lock protects, for the refusal ("ref refs/heads/main", "the index") */
  what: string;
  gitdir: string;
  fsync?: boolean;
  mode?: number;
  /** crash-test hook point reached with the lock written, just before it is renamed into place */
  crashPoint?: string;
}

/**
 * Takes git's lock on `target` (creates `<target>.lock` exclusively) and returns it open for
 * writing; the caller writes it, closes it and renames it over `target` (or removes it). A
 * stale lock of a dead snap writer is taken over; any other is refused.
 */
export async function openGitLock(target: string, options: GitLockOptions): Promise<FileHandle> {
  const lock = `${target}.lock`;
  for (let attempt = 0; ; attempt++) {
    try {
      return await open(lock, 'wx', options.mode ?? 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const state = await inspectLock(lock);
      if (!state) continue; // released just now
      if (attempt < 2 && isAbandoned(state, options.deadWriters ?? []) && (await removeStaleLock(state, options.gitdir))) continue;
      throw lockRefusal(state, options.gitdir, options.what);
    }
  }
}

/**
 * Replaces `target` under git's lock protocol: `content` is called once the lock is held (so
 * it may check what `target` holds now), its bytes fill the lock file, which is then renamed
 * over `target`. A stale lock of a dead snap writer is taken over; any other is refused.
 */
export async function replaceUnderGitLock(target: string, content: () => Promise<Uint8Array | string>, options: GitLockOptions): Promise<void> {
  const lock = `${target}.lock`;
  const fh = await openGitLock(target, options);
  try {
    const bytes = await content();
    await fh.writeFile(bytes);
    if (options.fsync ?? true) await fh.sync();
    await fh.close();
    if (options.crashPoint) crashPoint(options.crashPoint);
    await rename(lock, target);
  } catch (err) {
    await fh.close().catch(() => undefined);
    await unlink(lock).catch(() => undefined);
    throw err;
  }
}
