// `snap restore-test`: the quarterly recovery dry-run, automated. Restores a version into a
// scratch target (another endpoint or account, given explicitly), takes a live snapshot of
// what was restored from that target, and compares it with the version, service by service,
// modulo what re-creation changes (compare-restored.ts).
//
// Never the estate: the target is identified before anything is planned, and refused when it
// is the estate the version was taken from or the one the archive is configured for, however
// it is named (target.ts); every request is checked again as it is sent. Only AWS services
// are restore-tested: the others (Apps Script) would write to their configured projects.
//
// The verdict is recorded as a git note on the version (refs/notes/snap-restore-tests), newest
// first above the earlier ones, naming what was tested: `snap log` shows "restore-test passed …
// (route53 only)" for a test of one service, never the whole version.
import type { Archive } from '../archive/archive.js';
import type { VersionInfo } from '../archive/versions.js';
import { acquireLock } from '../archive/lock.js';
import { collectLive } from '../archive/live.js';
import { describeTarget } from '../collectors/aws/shared/target.js';
import type { ResourceChange } from '../diff/compare.js';
import { compareRestored } from './compare-restored.js';
import { UsageError } from '../errors.js';
import { readNote, writeNote } from '../git/notes.js';
import type { Logger, Progress } from '../util/log.js';
import type { AnyCollector } from '../collectors/types.js';
import { outcomeOf, type RestoreOutcome } from './outcome.js';
import { applyPlan, planRestore, type AppliedChange, type RestorePlan } from './plan.js';
import { endpointOption, estatesOf } from './target.js';
import type { Redactor } from '../util/redact.js';

export const RESTORE_TEST_NOTES = 'refs/notes/snap-restore-tests';

/** Verdicts kept in a version's note, newest first. */
const KEPT_VERDICTS = 20;

/** The verdicts a version's note holds, newest first, each as it was written. */
function verdictsOf(note: string): string[] {
  return note.trim() ? note.trim().split(/\n\n(?=restore-test )/) : [];
}

export interface RestoreTestOptions {
  /** a version name, or the version already resolved (see RestoreRequest.version) */
  version: string | VersionInfo;
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
  /** the top-level folders restored */
  services: string[];
  /** what was tested, for people: "every AWS service snap restores", "route53 only" */
  scope: string;
  plan: RestorePlan;
  outcome: RestoreOutcome;
  failedChanges: AppliedChange[];
  differences: ResourceChange[];
  note: string;
}

export async function restoreTest(archive: Archive, options: RestoreTestOptions): Promise<RestoreTestResult> {
  if (!options.endpoint && !options.profile) {
    throw new UsageError('restore-test needs a scratch target: --endpoint URL (another endpoint, e.g. an emulator) or --profile NAME (another account); it never restores over the estate');
  }
  // The endpoint in normal form for the live snapshot too, as the restore writes with it.
  const target = { endpoint: options.endpoint ? endpointOption(options.endpoint) : undefined, profile: options.profile };
  const plan = await planRestore(
    archive,
    {
      version: options.version,
      selectors: options.selectors,
      prune: false,
      rename: new Map(),
      secretsFile: options.secretsFile,
      ...target,
      collectors: options.collectors,
      platforms: ['aws'],
      refuse: (version, config) => estatesOf(archive, version, config),
    },
    { log: options.log, redactor: options.redactor },
  );
  if (plan.services.length === 0) {
    plan.close();
    throw new UsageError(`${plan.version.name} holds nothing a restore-test can restore (it restores AWS services only)`);
  }
  const results = await applyPlan(plan);
  const outcome = outcomeOf(plan, results);
  const failedChanges = outcome.failed;
  const roots = plan.services.map((s) => s.collector.root);
  const paths = plan.services.flatMap((s) => (s.selection.length ? s.selection.map((p) => `${s.collector.root}/${p}`) : [s.collector.root]));
  const live = await collectLive(archive, { paths: roots, progress: options.progress, log: options.log, aws: target, collectors: options.collectors, redactor: plan.redactor });
  const differences = await compareRestored(live.objects, plan.version.treeOid, live.treeOid, paths, options.collectors);
  const planningErrors = plan.services.filter((s) => s.error);
  const passed = differences.length === 0 && outcome.leftUndone.length === 0 && live.manifest.collectors.every((c) => c.status === 'ok');
  const scope = options.selectors.length ? `${paths.join(', ')} only` : plan.skipped.length ? 'every AWS service snap restores' : 'every service snap restores';

  const when = (options.now ?? (() => new Date()))();
  const undone = outcome.leftUndone.filter((u) => u.kind === 'cannot').length;
  const verdict = [
    `restore-test ${passed ? 'passed' : 'FAILED'} ${when.toISOString()} (${scope})`,
    `target: ${plan.target ? describeTarget(plan.target) : options.endpoint ? `endpoint ${options.endpoint}` : `profile ${options.profile}`}`,
    `restored: ${paths.join(', ')}`,
    `differences: ${differences.length}, failed changes: ${failedChanges.length}, left undone: ${undone}${planningErrors.length ? `, services not planned: ${planningErrors.map((s) => s.collector.id).join(', ')}` : ''}`,
    ...(plan.skipped.length ? [`not restore-tested: ${plan.skipped.map((k) => k.collector.root).join(', ')} (not AWS)`] : []),
  ].join('\n');
  const release = await acquireLock(archive.lockPath, `snap restore-test ${plan.version.name}`);
  try {
    const config = await archive.loadConfig();
    const who = await archive.identity(config);
    const earlier = (await readNote(archive.repo, RESTORE_TEST_NOTES, plan.version.commitOid).catch(() => null)) ?? '';
    const kept = verdictsOf(earlier).slice(0, KEPT_VERDICTS - 1);
    await writeNote(archive.repo, RESTORE_TEST_NOTES, plan.version.commitOid, [verdict, ...kept].join('\n\n'), { ...who, timestamp: Math.floor(when.getTime() / 1000), timezoneOffset: 0 });
  } finally {
    await release();
  }
  return { version: plan.version.name, passed, services: roots, scope, plan, outcome, failedChanges, differences, note: verdict };
}

/**
 * What the restore-tests recorded for a version's commit say now, one line each, newest first
 * (none: empty): the newest test of the whole version, and after it the newest of each
 * narrower scope. A later pass of one service never hides an earlier failure of another.
 */
export async function standingRestoreTests(archive: Archive, commitOid: string): Promise<string[]> {
  const note = await readNote(archive.repo, RESTORE_TEST_NOTES, commitOid).catch(() => null);
  if (!note?.trim()) return [];
  const verdicts = verdictsOf(note).map((v) => v.split('\n')[0]!);
  const shown: string[] = [];
  const scopes = new Set<string>();
  for (const line of verdicts) {
    const scope = /\(([^)]*)\)$/.exec(line)?.[1] ?? line;
    if (scopes.has(scope)) continue;
    scopes.add(scope);
    shown.push(line);
    if (!scope.endsWith(' only')) break; // the whole version: anything older is superseded
  }
  return shown;
}
