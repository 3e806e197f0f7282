// snap forget --keep-… [--dry-run] [--json]
import { describeError, UsageError } from '../errors.js';
import { forgetVersions, type ForgetPlan, type PlannedVersion } from '../retention/forget.js';
import { parseDuration, UNLIMITED, type RetentionPolicy } from '../retention/policy.js';
import { FORGOTTEN_NOTES_REF } from '../retention/records.js';
import { historyToVault } from '../vault/push.js';
import { flag, str, type Command, type Parsed } from './command.js';
import { paint } from './context.js';

const COUNTS = [
  ['last', 'l'],
  ['hourly', 'H'],
  ['daily', 'd'],
  ['weekly', 'w'],
  ['monthly', 'm'],
  ['yearly', 'y'],
] as const;

/** A --keep-N count, checked by its rule (command.ts) when the arguments were parsed. */
function count(args: Parsed, name: string): number | undefined {
  const v = str(args, `keep-${name}`);
  if (v === undefined) return undefined;
  return v === 'unlimited' ? UNLIMITED : Number(v);
}

const COUNT_RULE = { kind: 'count', takes: 'a whole number of versions (0 or more), or "unlimited"', words: ['unlimited'] } as const;

export function policyFromArgs(args: Parsed): RetentionPolicy {
  const policy: RetentionPolicy = {};
  for (const [name] of COUNTS) {
    const n = count(args, name);
    if (n) policy[name] = n;
  }
  const within = str(args, 'keep-within');
  if (within !== undefined) {
    try {
      policy.within = parseDuration(within);
    } catch (err) {
      throw new UsageError(`--keep-within: ${(err as Error).message}`);
    }
  }
  const tags = args.values['keep-tag'];
  if (Array.isArray(tags) && tags.length) policy.tags = tags.map(String);
  return policy;
}

const when = (d: Date) => d.toISOString().replace('T', ' ').replace(/:\d\d\.\d+Z$/, ' UTC');

function json(plan: ForgetPlan): string {
  const v = (p: PlannedVersion) => ({ version: p.name, commit: p.commit, date: p.date.toISOString(), reasons: p.reasons });
  return `${JSON.stringify({ format: 'snap-forget-plan/1', dryRun: plan.dryRun, rule: plan.rule, keep: plan.keep.map(v), forget: plan.forget.map(v), notOnMain: plan.notOnMain.map(v), notSealed: plan.notSealed.map((t) => ({ version: t.name, commit: t.commit, date: t.date.toISOString(), why: t.why })), completed: plan.completed }, null, 2)}\n`;
}

export const forgetCommand: Command = {
  name: 'forget',
  summary: 'forget versions by a retention policy (restic --keep-* rules), with a signed record',
  help: `usage: snap forget --keep-… [--dry-run] [--json]

Applies a retention policy to the versions on main and forgets the others: each gets a
signed record (who, when, which policy) kept as a git note on its commit
(refs/notes/snap-forgotten), then its tag is deleted. A forgotten version is no longer
listed by \`snap log\` (\`snap log --all\` shows it) and \`snap verify --all\` reports it as
forgotten by policy, never as a deleted tag. Its payloads stay until \`snap prune\`.

The rules are restic's: a version stays when any option keeps it. Periods are calendar
hours, days, ISO weeks (Monday to Sunday), months and years in UTC, counting only periods
that hold a version, and the newest version of each period is the one kept; when an option
still has counts left at the oldest version, the oldest is kept too. "unlimited" keeps
every period. Whatever the policy, snap keeps the newest version and every version that
changes the trusted signers; versions not on main are left alone. With -q nothing is
printed (for cron; --json still prints the plan).

Only sealed snap versions are forgotten, and only they count for the policy: a signed
annotated tag, under the name its tag object gives, signed by a key trusted at that point
(the check \`snap verify\` makes). Any other tag (lightweight, moved with \`git tag -f\`,
unsigned, signed by an untrusted key) is left in place with no record, named in the
output, for \`snap verify\` to report; the command then exits 3.

options:
  -l, --keep-last N        the N newest versions
  -H, --keep-hourly N      the newest version of each of the last N hours that have one
  -d, --keep-daily N       … of each of the last N days
  -w, --keep-weekly N      … of each of the last N weeks
  -m, --keep-monthly N     … of each of the last N months
  -y, --keep-yearly N      … of each of the last N years
  --keep-within DURATION   every version within DURATION of the newest (1y6m, 30d, 36h)
  --keep-tag PATTERN       versions whose name matches (* and ?); repeatable: v1.0 'release-*'
  --dry-run                show which versions would go and why each kept one stays;
                           change nothing
  --json                   the plan as JSON: {rule, keep: [{version, date, reasons}],
                           forget: […], notOnMain: […], notSealed: [{version, why}],
                           dryRun}

examples:
  snap forget --keep-weekly 8 --keep-monthly 12 --keep-yearly 5 --dry-run
  snap forget --keep-last 4 --keep-tag v1.0
  snap forget --keep-within 90d && snap prune`,
  options: {
    ...Object.fromEntries(COUNTS.map(([name, short]) => [`keep-${name}`, { type: 'string', short }])),
    'keep-within': { type: 'string' },
    'keep-tag': { type: 'string', multiple: true },
    'dry-run': { type: 'boolean' },
    json: { type: 'boolean' },
  },
  positionals: [0, 0],
  values: {
    ...Object.fromEntries(COUNTS.map(([name]) => [`keep-${name}`, COUNT_RULE])),
    'keep-within': { kind: 'text', takes: 'a duration: numbers with y, m, d, h (1y6m, 30d, 36h)' },
    'keep-tag': { kind: 'text', takes: 'a version name pattern (* and ?), not empty' },
  },
  exitCodes: {
    0: 'the policy was applied (with --dry-run: the plan was shown)',
    3: 'the policy was applied to the sealed versions, but some tags are not sealed versions: left in place, not forgotten (`snap verify --all` reports them)',
  },
  async run(ctx, args) {
    const policy = policyFromArgs(args);
    const dryRun = flag(args, 'dry-run');
    const archive = ctx.archive();
    const plan = await forgetVersions(archive, { policy, dryRun });
    // With a vault, the records (notes) go there with the history, so a clone from it forgets them too.
    if (!dryRun && plan.forget.length) await historyToVault(archive, await archive.loadConfig()).catch((err: unknown) => ctx.err(`warning: the forget records are not in the vault yet (${describeError(err)}): run \`snap push\`\n`));
    const code = plan.notSealed.length ? 3 : 0;
    // Said even with -q and --json: evidence of tampering is never left to a quiet run.
    for (const t of plan.notSealed) ctx.err(`${t.name}: not a sealed version (${t.why}): left for \`snap verify\` to report, not forgotten\n`);
    if (flag(args, 'json')) {
      ctx.out(json(plan));
      return code;
    }
    if (ctx.quiet) return code; // -q (cron): the records and `snap log --all` tell what was forgotten
    const width = Math.max(8, ...[...plan.keep, ...plan.forget].map((v) => v.name.length));
    ctx.out(`policy: ${plan.rule}\n`);
    if (plan.completed.length) ctx.out(`${dryRun ? 'would complete' : 'completed'} an interrupted forget: ${plan.completed.join(', ')}\n`);
    ctx.out(`keep ${plan.keep.length} version${plan.keep.length === 1 ? '' : 's'}:\n`);
    for (const v of plan.keep) ctx.out(`  ${paint(ctx, 'green', v.name.padEnd(width))} ${when(v.date)}  ${v.reasons.join(', ')}\n`);
    ctx.out(`${dryRun ? 'would forget' : 'forget'} ${plan.forget.length} version${plan.forget.length === 1 ? '' : 's'}${plan.forget.length ? ':' : ''}\n`);
    for (const v of plan.forget) ctx.out(`  ${paint(ctx, 'red', v.name.padEnd(width))} ${when(v.date)}  kept by no rule of the policy\n`);
    for (const v of plan.notOnMain) ctx.out(`  ${v.name.padEnd(width)} ${when(v.date)}  not on main: left alone\n`);
    if (dryRun) ctx.out('dry run: nothing was forgotten\n');
    else if (plan.forget.length) ctx.out(`forgotten, each with a signed record (git log --notes=${FORGOTTEN_NOTES_REF.slice('refs/notes/'.length)}); their payloads stay until \`snap prune\`\n`);
    return code;
  },
};
