// One writer per archive. `snap commit` (and anything else that writes) holds
// .git/snap/lock, created exclusively; a second writer is refused with the holder's pid,
// host and start time. A lock left by a process that no longer runs on this host is taken
// over, so a crash never needs manual cleanup.
import { hostname } from 'node:os';
import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SnapError } from '../errors.js';

interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function acquireLock(path: string, command: string): Promise<() => Promise<void>> {
  await mkdir(dirname(path), { recursive: true });
  const info: LockInfo = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), command };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(path, 'wx');
      await fh.writeFile(`${JSON.stringify(info)}\n`);
      await fh.close();
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        await unlink(path).catch(() => undefined);
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let holder: LockInfo | null = null;
      try {
        holder = JSON.parse(await readFile(path, 'utf8')) as LockInfo;
      } catch {
        holder = null; // being written right now, or garbage: treat as held
      }
      if (attempt === 0 && holder && holder.host === info.host && !processRuns(holder.pid)) {
        await unlink(path).catch(() => undefined);
        continue;
      }
      const who = holder ? `${holder.command} (pid ${holder.pid} on ${holder.host}, started ${holder.startedAt})` : 'another snap process';
      throw new SnapError('ARCHIVE_LOCKED', `the archive is busy: ${who} holds ${path}`, { path, holder });
    }
  }
  throw new SnapError('ARCHIVE_LOCKED', `cannot take the archive lock ${path}`, { path });
}
