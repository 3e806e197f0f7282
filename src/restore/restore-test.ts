// `snap restore-test`: the quarterly recovery dry-run, automated. Restores a version into a
// scratch target (another endpoint or account, given explicitly: never the configured one),
// takes a live snapshot of what was restored from that target, and compares it with the
// version, service by service, modulo what re-creation changes (compare-restored.ts). The
// verdict is recorded as a git note on the version (refs/notes/snap-restore-tests) so
// `snap log` and `git log --notes` show when each version was last proven restorable.
import type { Archive } from '../archive/archive.js';
import { acquireLock } from '../archive/lock.js';
import { collectLive } from '../archive/live.js';
import type { ResourceChange } from '../diff/compare.js';
import { compareRestored } from './compare-restored.js';
import { UsageError } from '../errors.js';
import { readNote, writeNote } from '../git/notes.js';
import type { Logger, Progress } from '../util/log.js';
import type { Redactor } from '../util/redact.js';
import type { AnyCollector } from '../collectors/types.js';
import { applyPlan, planRestore, type AppliedChange, type RestorePlan } from './plan.js';

export const RESTORE_TEST_NOTES = 'refs/notes/snap-restore-tests';

export interface RestoreTestOptions {
  version: string;
  selectors: string[];
  endpoint?: string;
  profile?: string;
  secretsFile?: string;
  log: Logger;
  progress: Progress;
  collectors?: readonly AnyCollector[];
  now?: () => Date;
  /** the command's secret filter */
  redactor?: Redactor;
}

export interface RestoreTestResult {
  version: string;
  passed: boolean;
  services: string[];
  plan: RestorePlan;
  failedChanges: AppliedChange[];
  differences: ResourceChange[];
  note: string;
}

export async function restoreTest(archive: Archive, options: RestoreTestOptions): Promise<RestoreTestResult> {
  if (!options.endpoint && !options.profile) {
    throw new UsageError('restore-test needs a scratch target: --endpoint URL (another endpoint, e.g. an emulator) or --profile NAME (another account); it never restores over the configured estate');
  }
  const config = await archive.loadConfig();
  if (options.endpoint && options.endpoint === config.aws.endpoint && !options.profile) throw new UsageError('the scratch endpoint is the archive\'s own endpoint; choose another');
  if (options.profile && options.profile === config.aws.profile && !options.endpoint) throw new UsageError('the scratch profile is the archive\'s own profile; choose another');
  const target = { endpoint: options.endpoint, profile: options.profile };

  const plan = await planRestore(archive, { version: options.version, selectors: options.selectors, prune: false, rename: new Map(), secretsFile: options.secretsFile, ...target, collectors: options.collectors }, { log: options.log, redactor: options.redactor });
  const failedChanges = (await applyPlan(plan)).filter((r) => r.error);
  const roots = plan.services.map((s) => s.collector.root);
  const paths = plan.services.flatMap((s) => (s.selection.length ? s.selection.map((p) => `${s.collector.root}/${p}`) : [s.collector.root]));
  const live = await collectLive(archive, { paths: roots, progress: options.progress, log: options.log, aws: target, collectors: options.collectors, redactor: plan.redactor });
  const differences = await compareRestored(live.objects, plan.version.treeOid, live.treeOid, paths, options.collectors);
  const planningErrors = plan.services.filter((s) => s.error);
  const passed = differences.length === 0 && failedChanges.length === 0 && planningErrors.length === 0 && live.manifest.collectors.every((c) => c.status === 'ok');

  const when = (options.now ?? (() => new Date()))();
  const where = options.endpoint ? `endpoint ${options.endpoint}` : `profile ${options.profile}`;
  const note = [
    `restore-test ${passed ? 'passed' : 'FAILED'} ${when.toISOString()}`,
    `target: ${where}`,
    `restored: ${paths.join(', ') || '(nothing restorable)'}`,
    `differences: ${differences.length}, failed changes: ${failedChanges.length}${planningErrors.length ? `, services not planned: ${planningErrors.map((s) => s.collector.id).join(', ')}` : ''}`,
  ].join('\n');
  const release = await acquireLock(archive.lockPath, `snap restore-test ${plan.version.name}`);
  try {
    const who = await archive.identity(config);
    await writeNote(archive.repo, RESTORE_TEST_NOTES, plan.version.commitOid, note, { ...who, timestamp: Math.floor(when.getTime() / 1000), timezoneOffset: 0 });
  } finally {
    await release();
  }
  return { version: plan.version.name, passed, services: roots, plan, failedChanges, differences, note };
}

/** The last restore-test verdict recorded for a version's commit, as one line, or null. */
export async function lastRestoreTest(archive: Archive, commitOid: string): Promise<string | null> {
  const note = await readNote(archive.repo, RESTORE_TEST_NOTES, commitOid).catch(() => null);
  return note ? note.split('\n')[0]! : null;
}
