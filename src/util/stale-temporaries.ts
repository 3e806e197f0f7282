// Temporaries that a killed process left beside what it was writing (an export's
// `.NAME.tmp-PID-XXXXXXXX`, a checkout's `NAME.tmp-PID-XXXXXXXX/`). Each names the process
// that made it; one whose process no longer runs is removed before the next run writes the
// same target, so a kill never leaves a partial copy behind for good. A live process (or a
// recycled pid) keeps its temporary: removing one that is still being written would be worse.
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** Whether a process with this pid runs (EPERM: it runs, as another user). */
export function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The temporary's name for `target` in its folder: `${prefix}${target}.tmp-${pid}-${8 hex}`. */
export function temporaryName(target: string, pid: number, random: string, prefix = ''): string {
  return `${prefix}${target}.tmp-${pid}-${random}`;
}

/** Removes the temporaries of `target` in `dir` whose process is gone; returns how many. */
export async function sweepStaleTemporaries(dir: string, target: string, prefix = ''): Promise<number> {
  const start = `${prefix}${target}.tmp-`;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    if (!name.startsWith(start)) continue;
    const m = /^(\d+)-[0-9a-f]{8}$/.exec(name.slice(start.length));
    if (!m || Number(m[1]) === process.pid || processRuns(Number(m[1]))) continue;
    await rm(join(dir, name), { recursive: true, force: true });
    removed++;
  }
  return removed;
}
