// A full disk (ENOSPC) or an exhausted quota (EDQUOT), said once, the same way wherever it is
// met: what was being written, where, how much space is free there now, and how much more is
// needed when that is known. The caller (a commit) makes sure nothing was sealed; this names
// the fix.
import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { SnapError } from '../errors.js';
import { formatBytes } from './log.js';

/** Free bytes for an unprivileged writer on the filesystem holding `path` (or its nearest existing parent). */
export function freeBytes(path: string): number | null {
  for (let p = path, i = 0; i < 64; p = dirname(p), i++) {
    try {
      const st = statfsSync(p);
      return Number(st.bavail) * Number(st.bsize);
    } catch {
      if (dirname(p) === p) return null;
    }
  }
  return null;
}

export interface DiskFullContext {
  /** a path on the filesystem that is full */
  path: string;
  /** for people: "the snapshot", "the payload s3://b/k", "the sealed pack" */
  what: string;
  /** bytes still to be written when it failed, when known */
  needed?: number;
  /** what the failure left, for people: "nothing was sealed; v1.0 is as it was" */
  outcome?: string;
}

export function diskFullError(err: unknown, context: DiskFullContext): SnapError {
  if (err instanceof SnapError && err.code === 'DISK_FULL') {
    // Already said where it was met; a caller further up adds what the failure left.
    if (!context.outcome) return err;
    const d = err.data as { path: string; what: string; free: number | null; needed: number | null; errno: string };
    return new SnapError('DISK_FULL', message(d.errno, d.what, d.path, d.free, d.needed, context.outcome), { ...d, outcome: context.outcome }, { cause: err.cause });
  }
  const errno = (err as { code?: unknown })?.code === 'EDQUOT' ? 'EDQUOT' : 'ENOSPC';
  const free = freeBytes(context.path);
  const needed = context.needed && context.needed > 0 ? context.needed : null;
  return new SnapError('DISK_FULL', message(errno, context.what, context.path, free, needed, context.outcome), { path: context.path, what: context.what, free, needed, errno, ...(context.outcome ? { outcome: context.outcome } : {}) }, { cause: err });
}

function message(errno: string, what: string, path: string, free: number | null, needed: number | null, outcome: string | undefined): string {
  const quota = errno === 'EDQUOT' ? 'the disk quota is used up' : 'the disk is full';
  const room = `${free === null ? 'free space unknown' : `${formatBytes(free)} free`}${needed ? `; at least ${formatBytes(needed)} more is needed` : ''}`;
  return `${quota} (${errno}) writing ${what} under ${path} (${room})${outcome ? `; ${outcome}` : ''}: free space on that disk, or move the archive or store.path to a larger one, and run the command again`;
}
