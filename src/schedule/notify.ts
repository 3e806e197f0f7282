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
import { spawn } from 'node:child_process';
import { isAbsolute, resolve } from 'node:path';
import type { Archive } from '../archive/archive.js';
import type { CommitResult } from '../archive/commit.js';
import { countChanges } from '../archive/summary.js';
import { listVersions } from '../archive/versions.js';
import type { SnapConfig } from '../config/schema.js';
import { compareTrees } from '../diff/compare.js';
import { countByService } from '../diff/summary.js';
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
  const changes = previous
    ? countByService(await compareTrees(archive.repo, previous.treeOid, result.treeOid)).map((c) => ({ service: c.service, resources: c.resources }))
    : [...(await countChanges(archive.repo, null, result.treeOid)).byFolder.entries()].map(([service, c]) => ({ service, resources: c.added }));
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

/** Runs the hook for this notice when the config asks for its event. */
export async function runNotifyHook(archive: Archive, hook: NotifyConfig | undefined, notice: CommitNotice, output: (text: string) => void): Promise<HookOutcome> {
  if (!hook || !hook.on.includes(notice.event)) return { ran: false, ok: true };
  const [cmd, args] = typeof hook.command === 'string' ? ['/bin/sh', ['-c', hook.command]] : [hook.command[0]!, hook.command.slice(1)];
  const program = typeof hook.command === 'string' || isAbsolute(cmd) || !cmd.includes('/') ? cmd : resolve(archive.dir, cmd);
  const env = { ...process.env, SNAP_EVENT: notice.event, SNAP_EXIT_CODE: String(notice.exitCode), SNAP_VERSION: notice.version ?? '', SNAP_ARCHIVE: archive.dir };
  return new Promise<HookOutcome>((done) => {
    let settled = false;
    const finish = (o: HookOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      done(o);
    };
    const child = spawn(program, args, { cwd: archive.dir, env, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdout.on('data', (b: Buffer) => output(b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => output(b.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 2000).unref();
      finish({ ran: true, ok: false, problem: `it was still running after ${hook.timeoutSeconds}s and was stopped` });
    }, hook.timeoutSeconds * 1000);
    child.on('error', (err) => finish({ ran: true, ok: false, problem: `it could not be started: ${describeError(err)}` }));
    child.on('close', (code, signal) => finish(code === 0 ? { ran: true, ok: true } : { ran: true, ok: false, problem: signal ? `it was ended by ${signal}` : `it exited with ${code}` }));
    // A hook that does not read its stdin is not an error.
    child.stdin.on('error', () => undefined);
    child.stdin.end(`${JSON.stringify(notice)}\n`);
  });
}
