// snap log [--stat] [--json] [--all]
import { countChanges } from '../archive/summary.js';
import { describeDrift, evaluateTrust, publishToGitQuietly, workingTreeDrift } from '../archive/trust.js';
import { listVersions } from '../archive/versions.js';
import { readHistory, type MainCommit } from '../retention/history.js';
import { signerSetOf } from '../retention/trust-signers.js';
import { collectorForPath, compareTrees } from '../diff/compare.js';
import { countByService } from '../diff/summary.js';
import { standingRestoreTests } from '../restore/restore-test.js';
import { summarizeSignature } from '../verify/signature.js';
import { flag, type Command } from './command.js';
import { paint } from './context.js';

export const logCommand: Command = {
  name: 'log',
  summary: 'list versions with date, signer and what changed',
  help: `usage: snap log [--stat] [--json] [--all]

Lists the archive's versions, newest first: name, date, whether the tag's signature is
good and by whom, a one-line summary of what changed since the version before, and when
the version was last proven restorable (snap restore-test).

A signature is good when the key that made it was trusted before the version (see
\`snap signers\`). A version signed by any other key, or one that changes the signers
without such a signature, shows as TAMPERED; \`snap verify\` says what exactly.

options:
  --stat   also count changed resources per service (compares each version with the one
           before it)
  --json   one JSON object per line: name, commit, date, signer, signature, summary,
           restoreTest (the newest verdict), restoreTests (what stands: the newest test of
           the whole version and every newer one of a single service, newest first), and
           with --stat a "services" list of {service, resources};
           signature is "good" or what is wrong (untrusted-key, bad-signature, unsigned,
           untrusted-signers-change); with --all, a forgotten version has "forgotten":
           {at, by, rule} instead
  --all    also the versions forgotten by policy (snap forget), in their place in history,
           and any commit on main that lost its tag some other way

examples:
  snap log
  snap log --stat`,
  options: { json: { type: 'boolean' }, stat: { type: 'boolean' }, all: { type: 'boolean' } },
  positionals: [0, 0],
  async run(ctx, args) {
    const archive = ctx.archive();
    const versions = await listVersions(archive.repo);
    const warn = (m: string) => ctx.err(`${paint(ctx, 'yellow', 'warning:')} ${m}\n`);
    const chain = await evaluateTrust(archive, { notify: warn, versions });
    await publishToGitQuietly(archive, chain, warn);
    const drift = await workingTreeDrift(archive, chain.current);
    if (drift) warn(describeDrift(drift));
    const json = flag(args, 'json');
    // Forgotten versions (and commits that lost their tag) in their place on main's history, for --all.
    const history = await readHistory(archive, signerSetOf(chain));
    const gone = history.main.filter((c): c is Exclude<MainCommit, { kind: 'version' } | { kind: 'init' }> => c.kind === 'forgotten' || c.kind === 'untagged' || c.kind === 'bad-record');
    const position = (commit: string) => history.order.get(commit) ?? Number.MAX_SAFE_INTEGER;
    const showGone = (before: number) => {
      while (flag(args, 'all') && gone.length && gone[0]!.position < before) {
        const c = gone.shift()!;
        const taken = c.kind === 'forgotten' ? c.taken : c.kind === 'untagged' ? c.date : null;
        const what =
          c.kind === 'forgotten'
            ? `forgotten ${c.record.forgotten.slice(0, 10)} by ${c.record.by.name} (${c.record.rule})`
            : c.kind === 'untagged'
              ? 'NO TAG: deleted outside snap forget (see snap verify --all)'
              : `NO TAG, and its forget record does not verify: ${c.why}`;
        if (json) {
          const forgotten = c.kind === 'forgotten' ? { at: c.record.forgotten, by: c.record.by, rule: c.record.rule } : null;
          ctx.out(`${JSON.stringify({ name: c.name, commit: c.commit, date: taken?.toISOString() ?? null, forgotten, ...(forgotten ? {} : { problem: what }) })}\n`);
        } else {
          const date = taken ? taken.toISOString().replace('T', ' ').replace(/:\d\d\.\d+Z$/, ' UTC') : '';
          ctx.out(`${paint(ctx, 'dim', c.name.padEnd(8))} ${date}  ${paint(ctx, c.kind === 'forgotten' ? 'dim' : 'red', what)}  ${paint(ctx, 'dim', c.commit.slice(0, 12))}\n`);
        }
      }
    };
    if (versions.length === 0 && !json) ctx.err('no versions yet: make one with `snap commit`\n');
    for (let i = 0; i < versions.length; i++) {
      const v = versions[i]!;
      showGone(position(v.commitOid));
      const older = versions[i + 1];
      const sig = summarizeSignature(chain.versions.get(v.name)!);
      const summary = v.message.split('\n')[0]!.replace(new RegExp(`^${v.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `), '');
      const tested = await standingRestoreTests(archive, v.commitOid);
      // The first version is counted by files per service folder (not the archive's own files):
      // reading every file of it would be wasted work.
      const services = !flag(args, 'stat')
        ? null
        : older
          ? countByService(await compareTrees(archive.repo, older.treeOid, v.treeOid))
          : [...(await countChanges(archive.repo, null, v.treeOid)).byFolder.entries()].filter(([folder]) => collectorForPath(folder)).map(([service, c]) => ({ service, resources: c.added, kind: 'file' }));
      if (json) {
        ctx.out(`${JSON.stringify({ name: v.name, commit: v.commitOid, date: v.date.toISOString(), signer: sig.signer, signature: sig.status, summary, restoreTest: tested[0] ?? null, restoreTests: tested, ...(services ? { services: services.map((s) => ({ service: s.service, resources: s.resources })) } : {}) })}\n`);
        continue;
      }
      const date = v.date.toISOString().replace('T', ' ').replace(/:\d\d\.\d+Z$/, ' UTC');
      const sigText = sig.text;
      ctx.out(`${paint(ctx, 'bold', v.name.padEnd(8))} ${date}  ${sig.ok ? paint(ctx, 'green', sigText) : paint(ctx, 'red', sigText)}  ${paint(ctx, 'dim', v.commitOid.slice(0, 12))}\n`);
      ctx.out(`         ${summary}\n`);
      for (const line of tested) ctx.out(`         ${line.includes('passed') ? paint(ctx, 'green', line) : paint(ctx, 'red', line)}\n`);
      for (const s of services ?? []) ctx.out(`           ${s.service.padEnd(22)} ${s.resources} resource${s.resources === 1 ? '' : 's'}\n`);
    }
    showGone(Number.MAX_SAFE_INTEGER);
    const hidden = history.main.filter((c) => c.kind === 'forgotten').length;
    if (hidden && !flag(args, 'all') && !json && !ctx.quiet) ctx.err(`${hidden} forgotten version${hidden === 1 ? '' : 's'} not shown (snap log --all)\n`);
    return 0;
  },
};
