// snap commit [VERSION] [-m MESSAGE] [--lightsail-snapshot]
import { commitVersion } from '../archive/commit.js';
import { payloadTotals } from '../archive/tree-writer.js';
import { describeError } from '../errors.js';
import { formatBytes } from '../util/log.js';
import { historyToVault } from '../vault/push.js';
import { flag, str, type Command } from './command.js';
import { paint, paintErr } from './context.js';

export const commitCommand: Command = {
  name: 'commit',
  summary: 'snapshot the estate as a new signed version',
  help: `usage: snap commit [VERSION] [-m MESSAGE] [--lightsail-snapshot]

Collects every service enabled in snap.config.json, in parallel and each isolated, writes
the result as a new commit on main and seals it with a signed annotated tag VERSION.
Without VERSION the next minor version is used (v1.0, v1.1, …). A version is never
overwritten. The working tree shows the new version afterwards.

If a collector fails, the others are still written, the failed one's folder is carried
over from the previous version and marked stale in MANIFEST.md, and the exit code is 3.
With -q nothing is printed when the version is complete (for cron).

options:
  -m, --message MESSAGE   a note recorded in the commit and tag message
  --lightsail-snapshot    also request a new snapshot of each Lightsail instance, named
                          <instance>-<version>-<yyyymmdd>, and record it in the version
                          (as collectors.lightsail.createSnapshot does; this run only)

examples:
  snap commit v1.0
  snap commit -m "before the spring release"
  snap commit v1.0 --lightsail-snapshot`,
  options: { message: { type: 'string', short: 'm' }, 'lightsail-snapshot': { type: 'boolean' } },
  positionals: [0, 1],
  exitCodes: { 0: 'a complete version was written', 1: 'failed; nothing was written', 3: 'a version was written but is partial (a collector failed: its folder is carried over and marked stale)' },
  async run(ctx, args) {
    const archive = ctx.archive();
    const controller = new AbortController();
    const onSigint = () => controller.abort(new Error('interrupted'));
    process.once('SIGINT', onSigint);
    try {
      const result = await commitVersion(archive, {
        version: args.positionals[0],
        message: str(args, 'message'),
        progress: ctx.progress(),
        log: ctx.logger(),
        signal: controller.signal,
        redactor: ctx.redactor,
        ...(flag(args, 'lightsail-snapshot') ? { collectorOverrides: { lightsail: { createSnapshot: true } } } : {}),
      });
      const m = result.manifest;
      if (!ctx.quiet || result.partial) ctx.out(`${paint(ctx, 'bold', result.version)}  ${result.summary}\n`);
      const p = payloadTotals(m.totals);
      if (!ctx.quiet || result.partial) ctx.out(`  commit ${result.commitOid.slice(0, 12)}, signed tag ${result.version}; ${m.totals.files} files, ${p.payloads} payloads (${formatBytes(p.bytes)} in the store) in ${(m.durationMs / 1000).toFixed(1)}s\n`);
      if (m.coverage.length && (!ctx.quiet || result.partial)) ctx.out(`  ${m.coverage.length} coverage finding(s): see MANIFEST.md\n`);
      // With a vault, the version's history goes there too (a failure here leaves the version sealed).
      await historyToVault(archive, await archive.loadConfig()).catch((err: unknown) => ctx.err(`warning: ${result.version} is sealed, but its history is not in the vault yet (${describeError(err)}): run \`snap push\`\n`));
      if (result.partial) {
        for (const r of m.collectors.filter((c) => c.status !== 'ok')) {
          ctx.err(`${paintErr(ctx, 'yellow', 'partial:')} ${r.id} ${r.status}${r.staleFrom ? ` (carried over from ${r.staleFrom})` : ''}: ${r.errors.map((e) => `${e.resource}: ${e.message}`).join('; ')}\n`);
        }
        return 3;
      }
      return 0;
    } finally {
      process.removeListener('SIGINT', onSigint);
    }
  },
};
