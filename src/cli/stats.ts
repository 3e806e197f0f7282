// snap stats [--json] [--recent N]
import { archiveStats, type ArchiveStats } from '../retention/stats.js';
import { formatBytes } from '../util/log.js';
import { flag, str, type Command } from './command.js';

const objects = (n: number) => `${n} object${n === 1 ? '' : 's'}`;

function text(s: ArchiveStats): string {
  const lines: string[] = [];
  lines.push(`versions: ${s.versions.kept} kept${s.versions.kept ? ` (${s.versions.oldest} … ${s.versions.newest})` : ''}, ${s.versions.forgotten} forgotten`);
  lines.push(`store: ${objects(s.store.objects)}, ${formatBytes(s.store.bytes)} (${s.store.description})`);
  lines.push(`referenced by kept versions: ${objects(s.referenced.objects)}, ${formatBytes(s.referenced.bytes)}`);
  for (const x of s.services) lines.push(`  ${x.service.padEnd(18)} ${formatBytes(x.bytes).padStart(10)}  ${objects(x.objects)}`);
  lines.push(`dedup: the kept versions refer to ${formatBytes(s.logicalBytes)} of payloads, stored once in ${formatBytes(s.referenced.bytes)} (ratio ${s.dedupRatio.toFixed(2)})`);
  if (s.recent.length) {
    lines.push(`what the ${s.recent.length === 1 ? 'newest version' : `${s.recent.length} newest versions`} added to the store:`);
    const width = Math.max(...s.recent.map((r) => r.version.length));
    for (const r of s.recent) lines.push(`  ${r.version.padEnd(width)}  ${r.date.slice(0, 10)}  +${objects(r.added.objects)}, ${formatBytes(r.added.bytes)}  (refers to ${r.payloads} payloads, ${formatBytes(r.bytes)})`);
  }
  lines.push(`prune would free: ${objects(s.prune.objects)}, ${formatBytes(s.prune.bytes)}${s.prune.forgottenVersions ? ` (payloads of ${s.prune.forgottenVersions} forgotten versions and leftovers)` : ''}`);
  if (s.prune.interruptedForget.length) lines.push(`  counting ${s.prune.interruptedForget.join(', ')} as forgotten: an interrupted forget recorded them, and \`snap prune\` (or the next forget) deletes their tags first`);
  lines.push(`git history: ${formatBytes(s.git.bytes)} in .git/objects`);
  return `${lines.join('\n')}\n`;
}

export const statsCommand: Command = {
  name: 'stats',
  summary: 'how big the archive is: versions, store, bytes per service, dedup, what prune frees',
  help: `usage: snap stats [--json] [--recent N]

Counts the archive: versions kept and forgotten; the content store's objects and bytes;
the bytes each service's payloads take (a payload two services share counts for both);
the dedup ratio (what the kept versions refer to, each in full, against what is stored
once); what each recent version added to the store (payloads no older version had); what
\`snap prune\` would free (counting the versions an interrupted forget recorded as
forgotten, as prune completes that forget first); and the size of the git history.

options:
  --json       the figures as JSON: {versions, store, referenced, services, logicalBytes,
               dedupRatio, recent: [{version, date, payloads, bytes, added}], prune, git}
  --recent N   how many recent versions to show (default 5)

examples:
  snap stats
  snap stats --json | jq .prune`,
  options: { json: { type: 'boolean' }, recent: { type: 'string' } },
  positionals: [0, 0],
  values: { recent: { kind: 'count', takes: 'a whole number of versions (0 or more)' } },
  async run(ctx, args) {
    const recentText = str(args, 'recent'); // checked by its rule (command.ts)
    const archive = ctx.archive();
    const store = archive.openStore(await archive.loadConfig());
    const stats = await archiveStats(archive, store, { recent: recentText === undefined ? 5 : Number(recentText) }).finally(() => store.close?.());
    ctx.out(flag(args, 'json') ? `${JSON.stringify(stats, null, 2)}\n` : text(stats));
    return 0;
  },
};
