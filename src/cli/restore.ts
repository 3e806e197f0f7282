// snap restore VERSION [SELECTOR…] [--dry-run] [--yes] [--prune] [--rename OLD=NEW]… [--secrets FILE]
// snap restore-test VERSION [SELECTOR…] (--endpoint URL | --profile NAME)
import { checkVersionSpec, resolveVersion } from '../archive/versions.js';
import { createInterface } from 'node:readline/promises';
import { describeTarget } from '../collectors/aws/shared/target.js';
import { outcomeOf, undoneInPlan, type RestoreOutcome } from '../restore/outcome.js';
import { applyPlan, planRestore, type RestorePlan } from '../restore/plan.js';
import { restoreTest } from '../restore/restore-test.js';
import { renderText, toDocument } from '../diff/render.js';
import { UsageError } from '../errors.js';
import { flag, str, type Command } from './command.js';
import { paint, paintErr, type CliContext } from './context.js';
import { SealChecker, UNTRUSTED_OPTION, untrustedHelp } from './seal.js';

const MARK = { create: '+', update: '~', delete: '-' } as const;

export function parseRenames(values: unknown): Map<string, string> {
  const map = new Map<string, string>();
  for (const v of (values as string[] | undefined) ?? []) {
    const m = /^([^=]+)=([^=]+)$/.exec(v);
    if (!m) throw new UsageError(`--rename needs OLD=NEW, got ${JSON.stringify(v)}`);
    map.set(m[1]!, m[2]!);
  }
  return map;
}

const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Prints the plan; returns the number of changes it holds. */
export function renderPlan(ctx: CliContext, plan: RestorePlan): number {
  const total = plan.services.reduce((n, s) => n + s.changes.length, 0);
  const undone = plan.services.reduce((n, s) => n + s.undone.length, 0);
  ctx.out(`${paint(ctx, 'bold', `Restore plan for ${plan.version.name}`)}: ${count(total, 'change')}${undone ? paint(ctx, 'yellow', `, ${count(undone, 'difference')} it cannot put right`) : ''}\n`);
  if (plan.target) {
    ctx.out(`  target: ${paint(ctx, 'bold', describeTarget(plan.target))}${plan.target.arn ? paint(ctx, 'dim', ` as ${plan.target.arn}`) : ''}\n`);
    ctx.out(paint(ctx, 'dim', plan.source ? `  ${plan.version.name} was taken from ${describeTarget(plan.source)}\n` : `  ${plan.version.name} does not record the estate it was taken from\n`));
  }
  for (const s of plan.services) {
    const scope = s.selection.length ? ` (${s.selection.map((p) => `${s.collector.root}/${p}`).join(', ')})` : '';
    const clean = s.changes.length === 0 && s.undone.length === 0 && !s.error;
    ctx.out(`  ${paint(ctx, 'bold', s.collector.root)}${scope}${clean ? paint(ctx, 'dim', '  matches the version') : ''}\n`);
    if (s.error) ctx.out(`    ${paint(ctx, 'red', `cannot plan: ${s.error}`)}\n`);
    for (const c of s.changes) {
      const colour = c.action === 'create' ? 'green' : c.action === 'delete' ? 'red' : 'yellow';
      ctx.out(`    ${paint(ctx, colour, `${MARK[c.action]} ${c.action.padEnd(6)}`)} ${c.resource}${c.detail ? paint(ctx, 'dim', `  ${c.detail}`) : ''}\n`);
    }
    for (const u of s.undone) ctx.out(`    ${paint(ctx, 'red', '! cannot')} ${u.resource}: ${u.message}\n`);
    for (const n of s.notes) ctx.out(`    ${paint(ctx, 'dim', '  note  ')} ${n.resource}: ${n.message}\n`);
  }
  for (const k of plan.skipped) ctx.out(`  ${paint(ctx, 'bold', k.collector.root)}${paint(ctx, 'dim', `  left out: ${k.why}`)}\n`);
  return total;
}

/** The end of a restore: what was done, everything left undone, and how to see what is left. */
export function renderOutcome(ctx: CliContext, outcome: RestoreOutcome, total: number): void {
  if (outcome.leftUndone.length === 0) {
    ctx.out(`${paint(ctx, 'green', 'Restored')}: ${count(outcome.applied, 'change')} applied, nothing left undone.\n`);
    return;
  }
  ctx.out(`\n${paint(ctx, 'bold', `Left undone (${outcome.leftUndone.length}):`)}\n`);
  for (const u of outcome.leftUndone) ctx.out(`  ${paint(ctx, u.kind === 'cannot' ? 'yellow' : 'red', `! ${u.kind.padEnd(11)}`)} ${u.resource}: ${u.message}\n`);
  const failed = outcome.failed.length ? `, ${outcome.failed.length} failed` : '';
  ctx.out(`${paint(ctx, 'red', 'Restore incomplete')}: ${outcome.applied} of ${count(total, 'change')} applied${failed}; ${count(outcome.leftUndone.length, 'item')} left undone.\n`);
  if (outcome.whatIsLeft) ctx.out(`What is left: ${outcome.whatIsLeft}\n`);
}

async function confirm(ctx: CliContext, question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: ctx.io.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

export const restoreCommand: Command = {
  name: 'restore',
  summary: 'put a version back (prints a plan first; applies with --yes)',
  help: `usage: snap restore VERSION [SELECTOR…] [--dry-run] [--yes] [--prune]
                    [--rename OLD=NEW]… [--secrets FILE] [--endpoint URL] [--profile NAME]

Compares the live estate with VERSION and prints a plan: what will be created, updated
and deleted, per resource, like a plan in an infrastructure tool. The plan is applied
only with --yes (or after you confirm it on a terminal). Services are restored in
dependency order: IAM, S3, DynamoDB, Lambda (layers before the functions that use them),
API Gateway, CloudFront, Route53, Apps Script. SES, RDS, Lightsail and local folders are
not restored by snap: \`snap runbook\` gives the steps for them.

SELECTOR names what to restore by its folder in the archive: a service (route53,
s3_buckets) or a resource (s3_buckets/queenofsandiego-prod,
lambda_functions/update_dashboard). Without selectors, everything in the version that
snap can restore is restored.

Nothing the version does not name is deleted unless --prune is given.

Secret values (Lambda environment variables, API Gateway stage variables) are not in
the archive. A live value whose fingerprint matches the version's is kept; any other
must be given in --secrets FILE, a JSON object such as
  {"lambda:update_dashboard": {"STRIPE_SECRET_KEY": "…"}}
or the plan notes that it cannot be restored.

options:
  --dry-run           print the plan only
  --yes               apply without asking
  --prune             also delete what the version does not name
  --rename OLD=NEW    restore bucket/table/zone/function OLD under the name NEW (e.g. staging)
  --secrets FILE      values for secrets the archive holds only as fingerprints
  --endpoint URL      restore into another endpoint (a scratch account, an emulator)
  --profile NAME      restore with another AWS profile (another account)
${untrustedHelp(22)}

Before anything else, snap checks the version's seal as \`snap verify\` does (signed by a key
trusted at that version, the tag filed under its own name, on main) and refuses a version
whose seal does not hold, before any request (exit code 2), unless --untrusted is given.
Then, before planning, snap asks STS whom the credentials belong to and sees where the requests
go: the plan names that target (account and endpoint) and the estate the version was taken
from. A difference the plan cannot put right (code or a secret value the archive lacks, a
setting the API cannot change) is listed with "! cannot"; after applying, everything left
undone is listed again with the command that shows what is left (snap diff VERSION live …).

examples:
  snap restore v1.0 s3_buckets/queenofsandiego-prod --dry-run
  snap restore v1.0 route53 --yes
  snap restore v1.0 s3_buckets/sailjada-prod --rename sailjada-prod=sailjada-staging --yes`,
  options: {
    'dry-run': { type: 'boolean' },
    yes: { type: 'boolean', short: 'y' },
    prune: { type: 'boolean' },
    rename: { type: 'string', multiple: true },
    secrets: { type: 'string' },
    endpoint: { type: 'string' },
    profile: { type: 'string' },
    ...UNTRUSTED_OPTION,
  },
  positionals: [1, Infinity],
  exitCodes: {
    0: 'restored completely (or nothing to do; --dry-run: the plan was made)',
    1: 'a change failed or a service could not be planned',
    2: 'bad input, not confirmed, or the version is not sealed by a trusted signer (see --untrusted); nothing was written',
    3: 'applied but incomplete: every planned change was applied and some difference is left undone (listed at the end)',
  },
  async run(ctx, args) {
    const [version, ...selectors] = args.positionals as [string, ...string[]];
    checkVersionSpec(version);
    const archive = ctx.archive();
    // The version checked is the version planned: the name is not looked up a second time.
    const resolved = await resolveVersion(archive.repo, version);
    await new SealChecker(ctx, archive).require(resolved, flag(args, 'untrusted'), { doing: 'restoring', todo: 'restore' });
    const plan = await planRestore(
      archive,
      { version: resolved, selectors, prune: flag(args, 'prune'), rename: parseRenames(args.values.rename), secretsFile: str(args, 'secrets'), endpoint: str(args, 'endpoint'), profile: str(args, 'profile') },
      { log: ctx.logger(), redactor: ctx.redactor },
    );
    // -q --yes (cron) prints nothing when everything is restored: the plan only where planning failed.
    const quietApply = ctx.quiet && flag(args, 'yes') && !flag(args, 'dry-run');
    const total = quietApply ? plan.services.reduce((n, s) => n + s.changes.length, 0) : renderPlan(ctx, plan);
    if (quietApply) for (const s of plan.services) if (s.error) ctx.err(`${paintErr(ctx, 'red', 'cannot plan')} ${s.collector.root}: ${s.error}\n`);
    if (flag(args, 'dry-run')) {
      plan.close();
      const undone = undoneInPlan(plan);
      if (!ctx.quiet) ctx.err(`dry run: nothing was changed${undone.length ? `; ${undone.length} ${undone.length === 1 ? 'item' : 'items'} above would be left undone` : ''}\n`);
      return plan.services.some((s) => s.error) ? 1 : 0;
    }
    if (total > 0 && !flag(args, 'yes')) {
      const interactive = Boolean(process.stdin.isTTY) && Boolean(ctx.io.stderr.isTTY);
      if (!interactive || !(await confirm(ctx, `Apply these ${total} changes to ${plan.target ? describeTarget(plan.target) : 'the estate'}? [y/N] `))) {
        plan.close();
        ctx.err(interactive ? 'not applied\n' : 'not applied: re-run with --yes to apply the plan (no terminal to confirm on)\n');
        return 2;
      }
    }
    const results = await applyPlan(plan, (r) => {
      if (r.error) ctx.err(`${paintErr(ctx, 'red', 'failed')} ${r.change.action} ${r.change.resource}: ${r.error}\n`);
      else if (!ctx.quiet) ctx.err(`done   ${r.change.action} ${r.change.resource}\n`);
    });
    const outcome = outcomeOf(plan, results);
    if (!ctx.quiet || outcome.exitCode !== 0) renderOutcome(ctx, outcome, total);
    return outcome.exitCode;
  },
};

export const restoreTestCommand: Command = {
  name: 'restore-test',
  summary: 'prove a version restores: restore into a scratch target and compare',
  help: `usage: snap restore-test VERSION [SELECTOR…] (--endpoint URL | --profile NAME) [--secrets FILE] [--json]

The quarterly recovery dry-run, automated. Restores VERSION (or the selected services and
resources) into a scratch target: another endpoint (--endpoint, e.g. an emulator) or another
account (--profile). Then takes a live snapshot of what was restored there and compares it
with the version. Prints the differences; exit code 0 only when there are none and nothing
was left undone. Only AWS services are restore-tested (an Apps Script restore would write to
the configured projects).

Never the estate: before anything is planned, snap identifies the target (the account STS
names for the credentials, and the endpoint the requests really go to) and refuses it when
it is the estate the version was taken from (recorded in the version; for older versions,
the endpoint and profile of its snap.config.json) or the one the archive is configured for,
however it is named: --endpoint, AWS_ENDPOINT_URL, snap.config.json, another spelling of the
same endpoint (localhost, 127.0.0.1, a trailing slash), another profile of the same account.
Nothing is written then (exit code 2). Every request is checked again as it is sent. A
version whose seal does not hold (see \`snap verify\`) is refused the same way, before any
request, unless --untrusted is given.

The verdict is recorded on the version as a git note (refs/notes/snap-restore-tests), with
what was tested: \`snap log\` shows when each version was last proven restorable, and for
which services ("(route53 only)"); so does \`git log --notes=snap-restore-tests\`.

options:
  --endpoint URL   the scratch endpoint
  --profile NAME   the scratch account's AWS profile
  --secrets FILE   secret values to restore (see snap restore --help)
  --json           the verdict and differences as JSON (differences in the snap-diff/1 schema)
${untrustedHelp(19)}

examples:
  snap restore-test v1.1 --profile restore-drill
  snap restore-test v1.1 s3_buckets route53 --endpoint http://127.0.0.1:5000`,
  options: { endpoint: { type: 'string' }, profile: { type: 'string' }, secrets: { type: 'string' }, json: { type: 'boolean' }, ...UNTRUSTED_OPTION },
  positionals: [1, Infinity],
  exitCodes: { 0: 'passed: what was restored matches the version', 1: 'failed: differences, failed changes or items left undone (listed)', 2: 'bad input, the target is the estate, or the version is not sealed by a trusted signer (see --untrusted); nothing was written' },
  async run(ctx, args) {
    const [version, ...selectors] = args.positionals as [string, ...string[]];
    checkVersionSpec(version);
    const archive = ctx.archive();
    const resolved = await resolveVersion(archive.repo, version);
    await new SealChecker(ctx, archive).require(resolved, flag(args, 'untrusted'), { doing: 'restore-testing', todo: 'restore-test' });
    const result = await restoreTest(archive, { version: resolved, selectors, endpoint: str(args, 'endpoint'), profile: str(args, 'profile'), secretsFile: str(args, 'secrets'), log: ctx.logger(), progress: ctx.progress(), redactor: ctx.redactor });
    if (flag(args, 'json')) {
      ctx.out(
        `${JSON.stringify(
          {
            version: result.version,
            passed: result.passed,
            scope: result.scope,
            target: result.plan.target,
            services: result.services,
            failedChanges: result.failedChanges.map((f) => ({ service: f.service, resource: f.change.resource, action: f.change.action, error: f.error })),
            leftUndone: result.outcome.leftUndone,
            differences: toDocument(result.version, 'restored', result.differences).changes,
          },
          null,
          2,
        )}\n`,
      );
    } else if (!(ctx.quiet && result.passed)) {
      renderPlan(ctx, result.plan);
      if (result.outcome.leftUndone.length) {
        ctx.out(`\n${paint(ctx, 'bold', `Left undone (${result.outcome.leftUndone.length}):`)}\n`);
        for (const u of result.outcome.leftUndone) ctx.out(`  ${paint(ctx, u.kind === 'cannot' ? 'yellow' : 'red', `! ${u.kind.padEnd(11)}`)} ${u.resource}: ${u.message}\n`);
      }
      if (result.differences.length) {
        ctx.out(`\n${paint(ctx, 'bold', 'What was restored differs from the version:')}\n`);
        ctx.out(renderText(result.differences, (style, text) => paint(ctx, style, text)));
      }
      ctx.out(`\n${result.passed ? paint(ctx, 'green', 'PASSED') : paint(ctx, 'red', 'FAILED')}: ${result.note.split('\n').slice(1).join('; ')}\n`);
    }
    return result.passed ? 0 : 1;
  },
};
