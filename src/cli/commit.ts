// snap commit [VERSION] [-m MESSAGE] [--lightsail-snapshot] [--skip-unchanged]
import { commitVersion, type CommitResult } from '../archive/commit.js';
import { payloadTotals } from '../archive/tree-writer.js';
import { describeError } from '../errors.js';
import { COMMIT_EXIT, noticeForError, noticeForResult, runNotifyHook, type CommitNotice } from '../schedule/notify.js';
import { formatBytes } from '../util/log.js';
import { historyToVault } from '../vault/push.js';
import { flag, str, type Command } from './command.js';
import { paint, paintErr } from './context.js';
import { listVersions, MAIN_REF } from '../archive/versions.js';
import { SealChecker, UNTRUSTED_OPTION, untrustedHelp } from './seal.js';

export const commitCommand: Command = {
  name: 'commit',
  summary: 'snapshot the estate as a new signed version',
  help: `usage: snap commit [VERSION] [-m MESSAGE] [--lightsail-snapshot] [--skip-unchanged] [--untrusted]

Collects every service enabled in snap.config.json, in parallel and each isolated, writes
the result as a new commit on main and seals it with a signed annotated tag VERSION.
Without VERSION the next minor version is used (v1.0, v1.1, …). A version is never
overwritten. VERSION is a tag name without '/' that stock git reads as this version only:
not HEAD, FETCH_HEAD, ORIG_HEAD or another of git's own refs, not main or another branch,
and without invisible characters or spaces of any kind. The working tree shows the new
version afterwards.

If a collector fails, the others are still written, the failed one's folder is carried
over from the previous version and marked stale in MANIFEST.md, and the exit code is 3.
With -q nothing is printed when the version is complete (for cron).

options:
  -m, --message MESSAGE   a note recorded in the commit and tag message
  --lightsail-snapshot    also request a new snapshot of each Lightsail instance, named
                          <instance>-<version>-<yyyymmdd>, and record it in the version
                          (as collectors.lightsail.createSnapshot does; this run only)
  --skip-unchanged        write no version when nothing changed since the last one (says
                          so, exit 0); a version that is written exits 4 (drift found), so
                          a scheduled run tells a monitor what happened
${untrustedHelp(26)}

A new version builds on the one main is on. When that version's seal does not hold (a
version planted in a vault, or main moved to a forged tag), nothing runs, the notify hook
included, unless --untrusted is given.

After each run, the command in snap.config.json's "notify" section (if any) is given the
outcome as JSON on stdin (README: "Retention and scheduled runs").

examples:
  snap commit v1.0
  snap commit -m "before the spring release"
  snap commit v1.0 --lightsail-snapshot
  snap -q commit --skip-unchanged          # a scheduled run: silent when nothing changed`,
  options: { message: { type: 'string', short: 'm' }, 'lightsail-snapshot': { type: 'boolean' }, 'skip-unchanged': { type: 'boolean' }, ...UNTRUSTED_OPTION },
  positionals: [0, 1],
  exitCodes: {
    0: 'a complete version was written (with --skip-unchanged: nothing changed, no version was written)',
    1: 'failed; nothing was written',
    2: 'bad input, or main is on a version whose seal does not hold (see --untrusted); nothing was written',
    3: 'a version was written but is partial (a collector failed: its folder is carried over and marked stale)',
    4: 'with --skip-unchanged: the estate changed and a new complete version was written (drift found)',
  },
  async run(ctx, args) {
    const archive = ctx.archive();
    const controller = new AbortController();
    const onSigint = () => controller.abort(new Error('interrupted'));
    process.once('SIGINT', onSigint);
    const skipUnchanged = flag(args, 'skip-unchanged');
    // A new version builds on main's: when that one is not sealed (a planted or forged version
    // main was moved to), nothing runs, not even the notify hook of a config it may have brought.
    // (Several tags may name main's commit: one whose seal holds is enough.)
    const tip = await archive.repo.resolveRef(MAIN_REF);
    const atTip = tip ? (await listVersions(archive.repo)).filter((v) => v.commitOid === tip) : [];
    const seals = new SealChecker(ctx, archive);
    const sealedAtTip = await someAsync(atTip, async (v) => (await seals.seal(v)).ok);
    if (atTip.length && !sealedAtTip) {
      await seals.require(atTip[0]!, flag(args, 'untrusted'), {
        doing: 'building on',
        todo: `build on`,
        fix: `move main back to the newest sealed version (\`snap log\` shows which), e.g. \`git update-ref refs/heads/main VERSION^{commit} && git reset -q --hard main\``,
      });
    }
    // The hook is told how the run ended, failures included; a config that cannot be read has no hook.
    const hook = await archive.loadConfig().then((c) => c.notify, () => undefined);
    const notify = async (notice: CommitNotice) => {
      const outcome = await runNotifyHook(archive, hook, notice, (text) => ctx.err(text));
      if (!outcome.ok) ctx.err(`${paintErr(ctx, 'yellow', 'warning:')} the notify hook did not complete (${outcome.problem}); the commit's outcome is as reported\n`);
    };
    try {
      let result: CommitResult;
      try {
        result = await commitVersion(archive, {
          version: args.positionals[0],
          message: str(args, 'message'),
          progress: ctx.progress(),
          log: ctx.logger(),
          signal: controller.signal,
          redactor: ctx.redactor,
          skipUnchanged,
          ...(flag(args, 'lightsail-snapshot') ? { collectorOverrides: { lightsail: { createSnapshot: true } } } : {}),
        });
      } catch (err) {
        await notify(noticeForError(archive, err, ctx.redactor));
        throw err;
      }
      if (result.unchangedSince) {
        if (!ctx.quiet) ctx.out(`no changes since ${result.unchangedSince}: no version written\n`);
        await notify(await noticeForResult(archive, result, COMMIT_EXIT.unchanged));
        return COMMIT_EXIT.unchanged;
      }
      const m = result.manifest;
      // A scheduled run (--skip-unchanged) prints the new version even with -q: that it was written is the news.
      const speak = !ctx.quiet || result.partial || skipUnchanged;
      const p = payloadTotals(m.totals);
      if (speak) {
        ctx.out(`${paint(ctx, 'bold', result.version)}  ${result.summary}\n`);
        ctx.out(`  commit ${result.commitOid.slice(0, 12)}, signed tag ${result.version}; ${m.totals.files} files, ${p.payloads} payloads (${formatBytes(p.bytes)} in the store) in ${(m.durationMs / 1000).toFixed(1)}s\n`);
        if (m.coverage.length) ctx.out(`  ${m.coverage.length} coverage finding(s): see MANIFEST.md\n`);
      }
      // With a vault, the version's history goes there too (a failure here leaves the version sealed).
      await historyToVault(archive, await archive.loadConfig()).catch((err: unknown) => ctx.err(`warning: ${result.version} is sealed, but its history is not in the vault yet (${describeError(err)}): run \`snap push\`\n`));
      const code = result.partial ? COMMIT_EXIT.partial : skipUnchanged ? COMMIT_EXIT.drift : COMMIT_EXIT.complete;
      if (result.partial) {
        for (const r of m.collectors.filter((c) => c.status !== 'ok')) {
          ctx.err(`${paintErr(ctx, 'yellow', 'partial:')} ${r.id} ${r.status}${r.staleFrom ? ` (carried over from ${r.staleFrom})` : ''}: ${r.errors.map((e) => `${e.resource}: ${e.message}`).join('; ')}\n`);
        }
      }
      await notify(await noticeForResult(archive, result, code));
      return code;
    } finally {
      process.removeListener('SIGINT', onSigint);
    }
  },
};

async function someAsync<T>(items: readonly T[], test: (item: T) => Promise<boolean>): Promise<boolean> {
  for (const item of items) if (await test(item)) return true;
  return false;
}
