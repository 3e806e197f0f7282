// snap diff A B [PATH…] · snap diff VERSION --between LEFT RIGHT · snap status [PATH…]
import { collectLive, type LiveTree } from '../archive/live.js';
import { checkVersionSpec, resolveVersion } from '../archive/versions.js';
import { compareFolders, compareTrees, type ObjectSource, type ResourceChange } from '../diff/compare.js';
import { renderNameOnly, renderStat, renderText, toDocument } from '../diff/render.js';
import { UsageError } from '../errors.js';
import type { Archive } from '../archive/archive.js';
import { flag, type Command, type Parsed } from './command.js';
import { paint, paintErr, type CliContext } from './context.js';
import type { UnreadService } from '../diff/schema.js';
import { SealChecker } from './seal.js';

const OUTPUT_HELP = `output:
  --stat        counts per service and per resource
  --name-only   the changed files only
  --json        one object per changed resource file (schema "snap-diff/1", see README)
  colour on a terminal only; --no-color or NO_COLOR=1 turn it off`;

const DIFF_EXIT_CODES = {
  0: 'no differences',
  1: 'differences found (or the comparison failed: see the message)',
  3: 'some service could not be read live: what it could not read is shown as unchanged, and named',
} as const;

const outputOptions = { stat: { type: 'boolean' }, 'name-only': { type: 'boolean' }, json: { type: 'boolean' } } as const;

function render(ctx: CliContext, args: Parsed, from: string, to: string, changes: ResourceChange[], unread: UnreadService[] = []): void {
  const painter = (style: Parameters<typeof paint>[1], text: string) => paint(ctx, style, text);
  if (flag(args, 'json')) ctx.out(`${JSON.stringify(toDocument(from, to, changes, unread), null, 2)}\n`);
  else if (flag(args, 'name-only')) ctx.out(renderNameOnly(changes));
  else if (flag(args, 'stat')) ctx.out(renderStat(changes, painter));
  else ctx.out(renderText(changes, painter));
}

async function side(ctx: CliContext, archive: Archive, seals: SealChecker, spec: string, paths: string[]): Promise<{ name: string; tree: string; source: ObjectSource; live: LiveTree | null }> {
  if (spec === 'live') {
    const live = await collectLive(archive, { paths, progress: ctx.progress(), log: ctx.logger(), redactor: ctx.redactor });
    return { name: 'live', tree: live.treeOid, source: live.objects, live };
  }
  const v = await resolveVersion(archive.repo, spec);
  await seals.warn(v);
  return { name: v.name, tree: v.treeOid, source: archive.repo, live: null };
}

/** The services a live side could not read (completely): compared as unchanged where unread. */
function unreadServices(live: LiveTree | null): UnreadService[] {
  if (!live) return [];
  return live.manifest.collectors.filter((c): c is typeof c & { status: UnreadService['status'] } => c.status !== 'ok').map((c) => ({ service: c.id, status: c.status, errors: c.errors }));
}

/** Names each unread service on stderr, whatever the output format (the JSON document also lists them). */
function reportUnread(ctx: CliContext, unread: UnreadService[]): void {
  for (const u of unread) ctx.err(`${paintErr(ctx, 'yellow', 'warning:')} ${u.service} could not be read ${u.status === 'partial' ? 'completely ' : ''}live (${u.errors.map((e) => `${e.resource}: ${e.message}`).join('; ')}); what it could not read is shown as unchanged\n`);
}

export const diffCommand: Command = {
  name: 'diff',
  summary: 'show what changed between two versions (or a version and live)',
  help: `usage: snap diff A B [PATH…] [--stat | --name-only | --json]
       snap diff VERSION --between LEFT RIGHT

Shows config drift between A and B resource by resource: JSON field paths with old → new
values (keyed lists such as origins, cache behaviours, records and tags are matched by
identity, so a reorder is not a change), line diffs of text content (pages, code, zone
files), size and sha256 of payloads, and "value changed" for fingerprinted secrets.
A and B are versions, "latest", commit ids, or "live" (the estate now, collected without
writing anything). PATH limits the comparison to services or resources.
--between compares two folders of one version, such as a prod bucket and its staging copy.

${OUTPUT_HELP}

examples:
  snap diff v1.0 v1.1
  snap diff v1.0 v1.1 cloudfront s3_buckets/sailjada-prod --stat
  snap diff v1.1 --between s3_buckets/sailjada-prod s3_buckets/sailjada-staging
  snap diff latest live route53`,
  options: { ...outputOptions, between: { type: 'string', multiple: true } },
  positionals: [1, Infinity],
  exitCodes: DIFF_EXIT_CODES,
  async run(ctx, args) {
    const between = args.values.between as string[] | undefined;
    // Version arguments are names, checked before anything is read (paths after them are not versions).
    for (const spec of args.positionals.slice(0, between ? 1 : 2)) checkVersionSpec(spec, { allowLive: !between });
    const archive = ctx.archive();
    if (between) {
      if (between.length !== 1 || args.positionals.length !== 2) throw new UsageError('snap diff: use --between LEFT RIGHT with one version (snap diff VERSION --between LEFT RIGHT)');
      const v = await resolveVersion(archive.repo, args.positionals[0]!);
      await new SealChecker(ctx, archive).warn(v);
      const [left, right] = [between[0]!.replace(/\/+$/, ''), args.positionals[1]!.replace(/\/+$/, '')];
      for (const p of [left, right]) if (!(await archive.repo.entryAt(v.treeOid, p))) throw new UsageError(`snap diff: ${v.name} has no ${p}`);
      const changes = await compareFolders(archive.repo, v.treeOid, left, right);
      render(ctx, args, `${v.name}:${left}`, `${v.name}:${right}`, changes);
      return changes.length ? 1 : 0;
    }
    if (args.positionals.length < 2) throw new UsageError('snap diff: needs two versions (or a version and "live"), e.g. snap diff v1.0 v1.1');
    const [aSpec, bSpec, ...paths] = args.positionals as [string, string, ...string[]];
    if (aSpec === 'live' && bSpec === 'live') throw new UsageError('snap diff: compare live with a version, not with itself');
    const seals = new SealChecker(ctx, archive);
    const a = await side(ctx, archive, seals, aSpec, paths);
    const b = await side(ctx, archive, seals, bSpec, paths);
    const live = a.live ?? b.live;
    const source = live ? live.objects : archive.repo;
    const scope = paths.length ? paths : live ? live.roots : [];
    const changes = await compareTrees(source, a.tree, b.tree, { paths: scope });
    const unread = unreadServices(live);
    render(ctx, args, a.name, b.name, changes, unread);
    reportUnread(ctx, unread);
    return unread.length ? 3 : changes.length ? 1 : 0;
  },
};

export const statusCommand: Command = {
  name: 'status',
  summary: 'show drift between the live estate and the latest version',
  help: `usage: snap status [PATH…] [--stat | --name-only | --json]

Collects the live estate (every enabled service, or those owning the given paths) without
writing anything to the archive, and shows how it differs from the latest version, as
\`snap diff latest live\` does.

${OUTPUT_HELP}

examples:
  snap status
  snap status s3_buckets/sailjada-prod route53 --stat`,
  options: outputOptions,
  positionals: [0, Infinity],
  exitCodes: DIFF_EXIT_CODES,
  async run(ctx, args) {
    const archive = ctx.archive();
    const latest = await resolveVersion(archive.repo, 'latest');
    await new SealChecker(ctx, archive).warn(latest);
    const live = await collectLive(archive, { paths: args.positionals, progress: ctx.progress(), log: ctx.logger(), redactor: ctx.redactor });
    const changes = await compareTrees(live.objects, latest.treeOid, live.treeOid, { paths: args.positionals.length ? args.positionals : live.roots });
    const unread = unreadServices(live);
    render(ctx, args, latest.name, 'live', changes, unread);
    reportUnread(ctx, unread);
    if (!flag(args, 'json') && !ctx.quiet) {
      const scope = unread.length ? ` in what could be read (${unread.map((u) => u.service).join(', ')}: not completely)` : '';
      ctx.err(changes.length ? `drift since ${latest.name}: ${changes.length} change${changes.length === 1 ? '' : 's'}${scope}\n` : `no drift since ${latest.name}${scope}\n`);
    }
    return unread.length ? 3 : changes.length ? 1 : 0;
  },
};

