// snap prune [--dry-run] [--json]
import { pruneArchive, type PruneReport } from '../retention/prune.js';
import { formatBytes, TerminalProgress } from '../util/log.js';
import { flag, type Command } from './command.js';
import { paint } from './context.js';

const size = (n: { objects: number; bytes: number }) => `${n.objects} payload${n.objects === 1 ? '' : 's'} (${formatBytes(n.bytes)})`;

function text(r: PruneReport): string {
  const lines: string[] = [];
  if (r.completedForgets.length) lines.push(`${r.dryRun ? 'would complete' : 'completed'} an interrupted forget: ${r.completedForgets.join(', ')}${r.dryRun ? ' (counted below as forgotten)' : ''}`);
  lines.push(`${r.keptVersions} kept version${r.keptVersions === 1 ? '' : 's'} need ${size(r.referenced)}; ${r.forgottenVersions} forgotten version${r.forgottenVersions === 1 ? '' : 's'}`);
  if (r.dryRun) lines.push(`would delete ${size(r.unreferenced)} that no kept version references`);
  else lines.push(`deleted ${size(r.deleted)} that no kept version references`);
  if (r.retained.length) {
    lines.push(`left ${r.retained.length} payload${r.retained.length === 1 ? '' : 's'} the store must keep for now (prune again after the date):`);
    for (const o of r.retained) lines.push(`  sha256:${o.oid} (${formatBytes(o.size)}) ${o.retainUntil ? `retained until ${o.retainUntil}` : o.detail}`);
  }
  const g = r.git;
  if (g.forgottenCommits && (g.tagObjectsDropped || g.tagObjectsInPacks || r.dryRun)) {
    lines.push(
      `git: ${r.dryRun ? 'would drop' : 'dropped'} ${g.tagObjectsDropped} tag object${g.tagObjectsDropped === 1 ? '' : 's'} of forgotten versions` +
        `${g.tagObjectsInPacks ? ` (${g.tagObjectsInPacks} more are in packs: \`git gc\` drops them)` : ''}; ` +
        `their ${g.forgottenCommits} commit${g.forgottenCommits === 1 ? '' : 's'} stay, as every later commit names its parent`,
    );
  }
  const after = r.dryRun ? { objects: r.before.objects - r.unreferenced.objects, bytes: r.before.bytes - r.unreferenced.bytes } : { objects: r.before.objects - r.deleted.objects, bytes: r.before.bytes - r.deleted.bytes };
  lines.push(`store: ${r.before.objects} → ${after.objects} objects, ${formatBytes(r.before.bytes)} → ${formatBytes(after.bytes)} (${r.store})`);
  return `${lines.join('\n')}\n`;
}

export const pruneCommand: Command = {
  name: 'prune',
  summary: 'delete payloads no kept version references (after snap forget)',
  help: `usage: snap prune [--dry-run] [--json]

Deletes from the content store every payload that no kept version references: the
payloads only forgotten versions (snap forget) held, and leftovers of interrupted runs.
Nothing a kept version needs is deleted, whichever version, bucket or service shares it.
With an S3 vault as the store, objects still under Object Lock retention are left and
listed with their retain-until date; a later prune deletes them. Git keeps the commits of
forgotten versions (every later commit names its parent); their tag objects are dropped.

Interrupted at any point, every kept version still verifies; run it again to finish.
A forget interrupted between its records and its tag deletions is completed first; with
--dry-run its versions are counted as forgotten, as the real run will count them.
With -q nothing is printed (for cron; --json still prints the report).

options:
  --dry-run   show what would be deleted; delete nothing
  --json      the report as JSON: {keptVersions, forgottenVersions, before, referenced,
              unreferenced, deleted, retained: [{oid, size, retainUntil}], git, objects}

examples:
  snap prune --dry-run
  snap forget --keep-weekly 12 --keep-monthly 24 && snap prune`,
  options: { 'dry-run': { type: 'boolean' }, json: { type: 'boolean' } },
  positionals: [0, 0],
  async run(ctx, args) {
    const archive = ctx.archive();
    const config = await archive.loadConfig();
    const store = archive.openStore(config);
    const progress = ctx.progress();
    const task = progress instanceof TerminalProgress ? progress.task('prune') : null;
    const report = await pruneArchive(archive, store, {
      dryRun: flag(args, 'dry-run'),
      onVersion: (name) => task?.phase(`reading what ${name} references`),
      onDeleted: (done, total) => {
        task?.expect(total);
        task?.add(1);
        if (done === total) task?.phase('deleted');
      },
    }).finally(() => {
      progress.stop();
      store.close?.();
    });
    if (flag(args, 'json')) ctx.out(`${JSON.stringify({ format: 'snap-prune/1', ...report }, null, 2)}\n`);
    else if (!ctx.quiet) ctx.out(text(report).replace(/^(deleted|would delete)/m, (m) => paint(ctx, 'bold', m)));
    return 0;
  },
};
