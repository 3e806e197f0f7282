// The notification hook: after each `snap commit`, the command in snap.config.json's `notify`
// section is run with the run's outcome as one JSON object on stdin, so a scheduled run speaks
// up only when something changed or broke (by default it runs for drift, partial and failed,
// not for unchanged). The outcome is also in the environment: SNAP_EVENT, SNAP_EXIT_CODE,
// SNAP_VERSION, SNAP_ARCHIVE.
//
//   {"format":"snap-commit-notice/1","event":"drift","exitCode":4,"version":"v1.4",
//    "previous":"v1.3","summary":"1 object changed in s3_buckets","changes":[{"service":
//    "s3_buckets","resources":1}],"status":"complete","collectors":[…],"coverage":0,
//    "error":null,"diff":"snap diff v1.3 v1.4","archive":"/srv/estate","at":"…"}
//
// A hook that fails (non-zero exit, not found, over its time) is reported on stderr; it never
// changes what the commit did or its exit code. Its own output goes to snap's stderr.
// The hook and everything it starts run in a session of their own, stopped together at the
// time limit (and when the hook exits, whatever it left running): nothing outlives the commit
// but what was started with `setsid` (a session of its own, on purpose).
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Archive } from '../archive/archive.js';
import type { CommitResult } from '../archive/commit.js';
import { listVersions } from '../archive/versions.js';
import type { SnapConfig } from '../config/schema.js';
import { serviceChanges } from '../diff/summary.js';
import { describeError, exitCodeFor, isSnapError } from '../errors.js';
import type { Redactor } from '../util/redact.js';

export type CommitEvent = 'drift' | 'unchanged' | 'partial' | 'failed';

export interface CommitNotice {
  format: 'snap-commit-notice/1';
  event: CommitEvent;
  /** what `snap commit` exits with */
  exitCode: number;
  at: string;
  archive: string;
  /** the version this run wrote; null when it wrote none */
  version: string | null;
  /** the version before it (for unchanged: the version nothing changed since) */
  previous: string | null;
  summary: string;
  changes: { service: string; resources: number }[];
  status: 'complete' | 'partial' | null;
  collectors: { id: string; status: string; errors: { resource: string; message: string }[] }[];
  coverage: number;
  error: { code: string; message: string } | null;
  /** the command that shows what changed */
  diff: string | null;
}

export type NotifyConfig = NonNullable<SnapConfig['notify']>;

/** Exit codes of `snap commit`, for monitors (README "Scheduled runs"). */
export const COMMIT_EXIT = { complete: 0, unchanged: 0, failed: 1, partial: 3, drift: 4 } as const;

/** The notice for a commit that ran to the end (written, partial, or nothing changed). */
export async function noticeForResult(archive: Archive, result: CommitResult, exitCode: number): Promise<CommitNotice> {
  const base = { format: 'snap-commit-notice/1' as const, exitCode, at: new Date().toISOString(), archive: archive.dir, error: null };
  const collectors = result.manifest.collectors.map((c) => ({ id: c.id, status: c.status, errors: c.errors }));
  if (result.unchangedSince) {
    return { ...base, event: 'unchanged', version: null, previous: result.unchangedSince, summary: `no changes since ${result.unchangedSince}; no version written`, changes: [], status: 'complete', collectors, coverage: result.manifest.coverage.length, diff: null };
  }
  const versions = await listVersions(archive.repo);
  const index = versions.findIndex((v) => v.name === result.version);
  const previous = index >= 0 ? versions[index + 1] ?? null : null;
  const changes = (await serviceChanges(archive.repo, previous?.treeOid ?? null, result.treeOid)).map((c) => ({ service: c.service, resources: c.resources }));
  const event: CommitEvent = result.partial ? 'partial' : changes.length ? 'drift' : 'unchanged';
  return {
    ...base,
    event,
    version: result.version,
    previous: previous?.name ?? null,
    summary: result.summary,
    changes,
    status: result.manifest.status,
    collectors,
    coverage: result.manifest.coverage.length,
    diff: previous ? `snap diff ${previous.name} ${result.version}` : null,
  };
}

/** The notice for a commit that failed (nothing written); its message through the command's secret filter. */
export function noticeForError(archive: Archive, err: unknown, redactor?: Redactor): CommitNotice {
  const message = describeError(err, redactor);
  return {
    format: 'snap-commit-notice/1',
    event: 'failed',
    exitCode: exitCodeFor(err),
    at: new Date().toISOString(),
    archive: archive.dir,
    version: null,
    previous: null,
    summary: `snap commit failed: ${message}`,
    changes: [],
    status: null,
    collectors: [],
    coverage: 0,
    error: { code: isSnapError(err) ? err.code : 'INTERNAL', message },
    diff: null,
  };
}

export interface HookOutcome {
  ran: boolean;
  ok: boolean;
  /** why it failed, for the warning */
  problem?: string;
}

/** The processes of session `sid` (Linux /proc; elsewhere none, and the group alone is signalled). */
function sessionMembers(sid: number): number[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // state, ppid, pgrp, session, …
      if (Number(fields[3]) === sid && fields[0] !== 'Z') out.push(Number(name));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** How long a stopped hook's group gets between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 1000;
/** How long output still flowing from a hook's leftover processes is read after the hook exits or is killed. */
const PIPE_GRACE_MS = 1000;

/**
 * Runs the hook for this notice when the config asks for its event.
 *
 * The hook runs in a process group of its own (detached), and the whole group is what is
 * bounded: at `timeoutSeconds` the group gets SIGTERM, then SIGKILL after a short grace, and
 * whatever the hook started and left behind (a `sleep` under `sh -c`, a backgrounded curl) is
 * stopped with it when the hook itself exits. Killing only the direct child left grandchildren
 * holding the output pipes open, and the commit waited for them however long they ran. The pipes
 * are read for a short bound after that, then closed: nothing of the hook outlives the commit.
 */
export async function runNotifyHook(archive: Archive, hook: NotifyConfig | undefined, notice: CommitNotice, output: (text: string) => void): Promise<HookOutcome> {
  if (!hook || !hook.on.includes(notice.event)) return { ran: false, ok: true };
  const [cmd, args] = typeof hook.command === 'string' ? ['/bin/sh', ['-c', hook.command]] : [hook.command[0]!, hook.command.slice(1)];
  const program = typeof hook.command === 'string' || isAbsolute(cmd) || !cmd.includes('/') ? cmd : resolve(archive.dir, cmd);
  const env = { ...process.env, SNAP_EVENT: notice.event, SNAP_EXIT_CODE: String(notice.exitCode), SNAP_VERSION: notice.version ?? '', SNAP_ARCHIVE: archive.dir };
  const child = spawn(program, args, { cwd: archive.dir, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  // The hook is a session leader (detached: setsid), so what it starts stays in its session even
  // when it moves to a process group of its own (a shell's job control, `set -m`); only `setsid`
  // leaves it. Signalled: the hook's group, and every process of its session.
  const signalGroup = (signal: NodeJS.Signals): boolean => {
    if (child.pid === undefined) return false;
    let any = false;
    for (const pid of [-child.pid, ...sessionMembers(child.pid)]) {
      try {
        process.kill(pid, signal);
        any = true;
      } catch {
        // gone already
      }
    }
    return any; // false: every process of the group and session has exited
  };
  // Should snap itself exit while the hook runs (an error, a signal handler calling exit), the group goes with it.
  const onExit = () => signalGroup('SIGKILL');
  process.once('exit', onExit);
  child.stdout.on('data', (b: Buffer) => output(b.toString('utf8')));
  child.stderr.on('data', (b: Buffer) => output(b.toString('utf8')));
  child.stdout.on('error', () => undefined);
  child.stderr.on('error', () => undefined);
  // A hook that does not read its stdin is not an error.
  child.stdin.on('error', () => undefined);
  child.stdin.end(`${JSON.stringify(notice)}\n`);

  const sleep = (ms: number) => new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms).unref());
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null } | { error: unknown }>((r) => {
    child.once('exit', (code, signal) => r({ code, signal }));
    child.once('error', (error) => r({ error }));
  });
  const closed = new Promise<'closed'>((r) => child.once('close', () => r('closed')));
  /** Stops what is left of the group, reads what it still writes for a short bound, then lets go of the pipes. */
  const endGroup = async (graceful: boolean) => {
    if (graceful && signalGroup('SIGTERM')) await Promise.race([closed, sleep(KILL_GRACE_MS)]);
    signalGroup('SIGKILL');
    await Promise.race([closed, sleep(PIPE_GRACE_MS)]);
    child.stdout.destroy();
    child.stderr.destroy();
  };
  try {
    const first = await Promise.race([exited, sleep(hook.timeoutSeconds * 1000)]);
    if (first === 'timeout') {
      await endGroup(true);
      return { ran: true, ok: false, problem: `it was still running after ${hook.timeoutSeconds}s and was stopped` };
    }
    if ('error' in first) {
      await endGroup(false);
      return { ran: true, ok: false, problem: `it could not be started: ${describeError(first.error)}` };
    }
    // The hook has exited; its output is read to the end unless something it left behind holds the pipes.
    if ((await Promise.race([closed, sleep(PIPE_GRACE_MS)])) !== 'closed') await endGroup(true);
    else signalGroup('SIGKILL'); // a leftover that closed its output may still run
    return first.code === 0 ? { ran: true, ok: true } : { ran: true, ok: false, problem: first.signal ? `it was ended by ${first.signal}` : `it exited with ${first.code}` };
  } finally {
    process.removeListener('exit', onExit);
  }
}
