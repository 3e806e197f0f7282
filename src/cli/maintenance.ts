// snap maintenance [--dry-run] [--rescan] [--json]
import { formatBytes } from '../util/log.js';
import { maintainVault } from '../vault/maintenance.js';
import { flag, type Command } from './command.js';

export const maintenanceCommand: Command = {
  name: 'maintenance',
  summary: "keep the vault's Object Lock retention ahead of need",
  help: `usage: snap maintenance [--dry-run] [--rescan] [--json]

For an archive with an S3 vault (store.url): every object the vault keeps for it (payloads,
history bundles, keys) whose Object Lock retention ends within the margin
(store.objectLock.marginDays) is extended to store.objectLock.days from now, so nothing a
version needs can lapse between commits. Dates this machine does not know (after
\`snap clone\`) are asked of S3 first. \`snap commit\` does the same for what falls due;
run this from a scheduler when commits are rarer than the margin. A key is extended only when
S3's record of it is what snap wrote (the SHA256 its name says, one for every single-part
object); one that is not is listed and left as it is, so wrong bytes are never locked in
(\`snap verify --all --read-data\` checks them).

It also puts the archive's fingerprint key back into the vault if it is missing, and counts
the staging copies that server-side capture leaves for the vault's lifecycle rule.

options:
  --dry-run  report what is due, change nothing
  --rescan   rebuild this machine's index of the vault from a listing and ask S3 for
             every retention date again (when something outside snap changed them)
  --json     the report as JSON

examples:
  snap maintenance
  snap maintenance --dry-run --json`,
  options: { 'dry-run': { type: 'boolean' }, rescan: { type: 'boolean' }, json: { type: 'boolean' } },
  positionals: [0, 0],
  exitCodes: { 0: 'done', 1: 'a key due was not extended: the vault does not hold what snap wrote there (listed)', 2: 'no vault, or an unusable one' },
  async run(ctx, args) {
    const archive = ctx.archive();
    const config = await archive.loadConfig();
    const r = await maintainVault(archive, config, { dryRun: flag(args, 'dry-run'), rescan: flag(args, 'rescan') });
    const refused = r.report.refused;
    for (const x of refused) ctx.err(`not extended: ${x.key} ${x.detail}\n`);
    if (flag(args, 'json')) {
      ctx.out(`${JSON.stringify(r, null, 2)}\n`);
      return refused.length ? 1 : 0;
    }
    if (ctx.quiet) return refused.length ? 1 : 0; // the report is for people; -q (cron) prints nothing when it went well
    const date = (s: number | null) => (s ? new Date(s * 1000).toISOString().slice(0, 10) : 'none');
    ctx.out(`vault ${r.vault} (${r.region}): ${r.report.kept.toLocaleString('en-US')} objects kept${r.rescanned !== null ? ` (index rebuilt from a listing: ${r.rescanned.toLocaleString('en-US')})` : ''}\n`);
    if (!r.retention) ctx.out('  no Object Lock retention configured (store.objectLock): nothing to extend\n');
    else {
      const verb = r.dryRun ? 'due' : 'extended';
      ctx.out(`  retention ${r.retention.mode} ${r.retention.days} days, margin ${r.retention.marginDays}: ${r.report.extended.toLocaleString('en-US')} ${verb}${r.report.learned ? ` (${r.report.learned} dates asked of S3)` : ''}\n`);
      ctx.out(`  earliest retention ${r.dryRun ? '' : 'now '}ends ${date(r.report.earliest)}\n`);
    }
    if (r.fingerprintKeyWritten) ctx.out('  fingerprint key written to the vault (it was missing)\n');
    if (r.staging.count) ctx.out(`  staging: ${r.staging.count.toLocaleString('en-US')} copies (${formatBytes(r.staging.bytes)}) left for the vault's lifecycle rule (README: the vault)\n`);
    if (refused.length) ctx.out(`  ${refused.length.toLocaleString('en-US')} due not extended: the vault does not hold what snap wrote there (listed above)\n`);
    return refused.length ? 1 : 0;
  },
};
