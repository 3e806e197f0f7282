// One writer per archive. `snap commit` (and anything else that writes) holds .git/snap/lock;
// a second writer is refused with the holder's pid, host and start time.
//
// The lock appears complete or not at all: its record is written to a temporary file that is
// then hard-linked to the lock's name (link(2) fails if the name exists, like an exclusive
// create, but the file is never seen empty). A lock whose holder no longer runs on this host
// (or whose pid now belongs to a process started after it) is taken over atomically: the
// taker first claims the take-over of that very record (a name derived from the record,
// made by link(2), so exactly one of the processes racing for it goes on), checks the lock
// still holds that record, and only then renames it aside. A live lock is never moved. The
// stale record is kept as `lock.dead-*` until the new writer has dealt with what the dead one
// left (git lock files it made, temporary packs: see recover.ts), then removed. A taker
// killed in the microseconds of its take-over leaves its claim; the next writer names the
// two files to remove rather than guess.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { link, lstat, mkdir, readFile, readdir, rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { SnapError } from '../errors.js';
import type { DeadWriter } from '../git/locks.js';
import { processRuns } from '../util/stale-temporaries.js';

export interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
  /** tells this holder's record from any other, even with a reused pid */
  token?: string;
}

/** The lock record of a writer that died, renamed aside when its lock was taken over. */
export interface DeadLock {
  file: string;
  holder: LockInfo | null;
  writer: DeadWriter;
}

export interface ArchiveLock {
  readonly path: string;
  readonly info: LockInfo;
  /** Throws unless this process still holds the lock (checked before refs move). */
  assertHeld(): Promise<void>;
  release(): Promise<void>;
}

const DEAD_PREFIX = 'dead-';
const CLAIM_PREFIX = 'claim-';
// An unreadable lock record younger than this may be one an older snap is still writing.
const UNREADABLE_GRACE_MS = 10_000;

/** When a process started, from /proc (Linux); null when unknown. */
function processStart(pid: number): Date | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]); // field 22 of proc(5), counted from the state field (3)
    const btime = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
    if (!btime || !Number.isFinite(ticks)) return null;
    return new Date((Number(btime[1]) + ticks / 100) * 1000); // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

/** Whether the holder of a lock record is gone: not running, or its pid reused since. */
function holderGone(holder: LockInfo): boolean {
  if (holder.host !== hostname()) return false; // cannot tell for another machine
  if (!processRuns(holder.pid)) return true;
  const started = processStart(holder.pid);
  const lockedAt = Date.parse(holder.startedAt);
  // a process that started well after the lock was taken cannot be the one that took it
  return started !== null && Number.isFinite(lockedAt) && started.getTime() > lockedAt + 5000;
}

function parseInfo(text: string): LockInfo | null {
  try {
    const v = JSON.parse(text) as LockInfo;
    return typeof v.pid === 'number' && typeof v.host === 'string' ? v : null;
  } catch {
    return null;
  }
}

function busy(path: string, holder: LockInfo | null): SnapError {
  const who = holder ? `${holder.command} (pid ${holder.pid} on ${holder.host}, started ${holder.startedAt})` : 'another snap process';
  const fix = holder && holder.host !== hostname() ? `; if that process is no longer running on ${holder.host}, remove the lock: rm '${path}'` : '';
  return new SnapError('ARCHIVE_LOCKED', `the archive is busy: ${who} holds ${path}${fix}`, { path, holder });
}

export async function acquireArchiveLock(path: string, command: string): Promise<ArchiveLock> {
  await mkdir(dirname(path), { recursive: true });
  const info: LockInfo = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), command, token: randomBytes(8).toString('hex') };
  const record = `${JSON.stringify(info)}\n`;
  const tmp = `${path}.new-${process.pid}-${info.token}`;
  await writeFile(tmp, record, { flag: 'wx' });
  try {
    for (let attempt = 0; attempt < 4; attempt++) {
      try {
        await link(tmp, path);
        return handle(path, info, record);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const seen = await readFile(path, 'utf8').catch(() => null);
      if (seen === null) continue; // released just now
      const holder = parseInfo(seen);
      const st = await lstat(path).catch(() => null);
      const stale = holder ? holderGone(holder) : st !== null && Date.now() - st.mtimeMs > UNREADABLE_GRACE_MS;
      if (!stale) throw busy(path, holder);
      // Take over. First claim the take-over of exactly this stale record: the claim's name comes
      // from the record, and link(2) makes it exclusively, so of all the processes that found
      // this record stale, one goes on; the claim holds this process's own record.
      const claim = `${path}.${CLAIM_PREFIX}${createHash('sha256').update(seen).digest('hex').slice(0, 16)}`;
      try {
        await link(tmp, claim);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const claimant = parseInfo((await readFile(claim, 'utf8').catch(() => '')) ?? '');
        if (claimant && !holderGone(claimant)) throw busy(path, claimant); // taking it over right now
        if (await readFile(claim, 'utf8').catch(() => null) === null) continue; // just finished
        throw new SnapError(
          'ARCHIVE_LOCKED',
          `a take-over of the archive lock ${path} was interrupted (the process that started it, ${claimant ? `pid ${claimant.pid}` : 'unknown'}, is gone); if no snap command is running in this archive, remove both and run the command again: rm '${path}' '${claim}'`,
          { path, claim },
        );
      }
      try {
        // The lock may have changed between reading it and claiming it (released, or taken over
        // and taken again): only the very record judged stale is moved, and nobody else moves it
        // while the claim stands (its holder is gone; other takers need this claim).
        if ((await readFile(path, 'utf8').catch(() => null)) !== seen) continue;
        const aside = join(dirname(path), `${basename(path)}.${DEAD_PREFIX}${holder?.pid ?? 'unknown'}-${randomBytes(4).toString('hex')}`);
        await rename(path, aside); // kept as the dead writer's record (see deadLocks)
      } finally {
        await unlink(claim).catch(() => undefined);
      }
    }
    throw new SnapError('ARCHIVE_LOCKED', `cannot take the archive lock ${path}: other writers keep taking it`, { path });
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

function handle(path: string, info: LockInfo, record: string): ArchiveLock {
  let released = false;
  const held = async () => (await readFile(path, 'utf8').catch(() => null)) === record;
  return {
    path,
    info,
    async assertHeld() {
      if (released || !(await held())) throw new SnapError('ARCHIVE_LOCKED', `the archive lock ${path} is no longer held by this process (another process took it over); nothing more was written`, { path });
    },
    async release() {
      if (released) return;
      released = true;
      if (await held()) await unlink(path).catch(() => undefined);
    },
  };
}

/** Compatibility wrapper: takes the lock and returns its release function. */
export async function acquireLock(path: string, command: string): Promise<() => Promise<void>> {
  const lock = await acquireArchiveLock(path, command);
  return () => lock.release();
}

/** The records of writers that died holding the lock, not yet dealt with. */
export async function deadLocks(path: string): Promise<DeadLock[]> {
  const dir = dirname(path);
  const prefix = `${basename(path)}.${DEAD_PREFIX}`;
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.startsWith(prefix));
  const out: DeadLock[] = [];
  for (const name of names) {
    const file = join(dir, name);
    const text = await readFile(file, 'utf8').catch(() => null);
    const st = await lstat(file).catch(() => null);
    if (text === null || !st) continue;
    const holder = parseInfo(text);
    const since = holder && Number.isFinite(Date.parse(holder.startedAt)) ? new Date(holder.startedAt) : st.mtime;
    // Renaming the record aside (the take-over) set its change time: the writer was dead by then.
    const until = st.ctime.getTime() >= since.getTime() ? st.ctime : new Date();
    out.push({ file, holder, writer: { pid: holder?.pid ?? 0, command: holder?.command ?? 'snap', since, until } });
  }
  return out;
}

export async function forgetDeadLocks(locks: DeadLock[]): Promise<void> {
  for (const l of locks) await unlink(l.file).catch(() => undefined);
}
