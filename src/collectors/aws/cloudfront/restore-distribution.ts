// Restoring CloudFront distributions (distribution_configs/<Id>.json) to what a version holds:
//
//   exists    UpdateDistribution with the version's DistributionConfig; the live ETag is read
//             at apply time (IfMatch) and the live CallerReference kept (CloudFront refuses a
//             changed one)
//   missing   CreateDistributionWithTags with CallerReference "snap-restore:<old id>", so a
//             second apply is answered with the distribution the first made, and a later plan
//             finds it; it gets a new id and *.cloudfront.net name (noted, with aliases that
//             another distribution holds, which CloudFront refuses)
//   tags      TagResource / UntagResource to the version's set
//
// Origin custom headers are secrets in the archive (keyed fingerprints): each value comes from
// the live header when its fingerprint matches, else from the secrets file under scope
// "cloudfront:<Id>", name "<origin id>/<header name>", else the live value is kept (noted).
import {
  CloudFrontClient,
  CreateDistributionWithTagsCommand,
  GetDistributionCommand,
  GetDistributionConfigCommand,
  ListDistributionsCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateDistributionCommand,
  type Distribution,
  type DistributionConfig,
  type DistributionSummary,
  type Tag,
} from '@aws-sdk/client-cloudfront';
import { diffJson } from '../../../diff/json-diff.js';
import { normalize } from '../../../normalize/rules.js';
import type { Json } from '../../../normalize/stable-json.js';
import type { RestoreContext } from '../../../restore/types.js';
import { awsErrorName } from '../shared/errors.js';
import { allPages } from '../lambda/paginate.js';
import { resolveSecrets } from '../shared/restore-secrets.js';
import type { CloudFrontConfig } from './config.js';
import { describeFields } from './restore-diff.js';
import { cloudfrontRules, RESTORE_CALLER_PREFIX } from './rules.js';
import { unlessNotFound } from '../shared/restore-reads.js';

type Ctx = RestoreContext<CloudFrontConfig>;

interface ArchivedDistribution {
  Id?: string;
  ARN?: string;
  DomainName?: string;
  DistributionConfig?: DistributionConfig;
  Tags?: { Items?: Tag[] };
}

export const restoreCallerReference = (id: string) => `${RESTORE_CALLER_PREFIX}${id}`;

/** Every distribution of the account, listed once per plan (only when one is missing). */
function summaries(ctx: Ctx, client: CloudFrontClient): () => Promise<DistributionSummary[]> {
  let listed: Promise<DistributionSummary[]> | null = null;
  return () =>
    (listed ??= allPages('cloudfront distributions', async (Marker) => {
      const r = (await client.send(new ListDistributionsCommand({ Marker, MaxItems: 100 }), { abortSignal: ctx.signal })).DistributionList;
      return { items: r?.Items, next: r?.IsTruncated ? r.NextMarker : undefined };
    }));
}

/** The config as written in the archive (normalized, secrets fingerprinted), for comparing. */
function comparable(ctx: Ctx, config: DistributionConfig): Json {
  const { CallerReference: _ignored, ...rest } = config;
  return normalize({ DistributionConfig: rest }, cloudfrontRules.distribution, ctx.fingerprint);
}

type Origins = NonNullable<NonNullable<DistributionConfig['Origins']>['Items']>;

/** Header values by "<origin id>/<header name>". */
function headerValues(origins: Origins | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const o of origins ?? []) for (const h of o.CustomHeaders?.Items ?? []) out[`${o.Id}/${h.HeaderName}`] = h.HeaderValue ?? '';
  return out;
}

/** The version's config with origin header values put back (or left out, noted). */
function withHeaderValues(ctx: Ctx, id: string, label: string, archived: DistributionConfig, live: DistributionConfig | null): DistributionConfig {
  const resolved = resolveSecrets(ctx, { archived: headerValues(archived.Origins?.Items), live: headerValues(live?.Origins?.Items), scope: `cloudfront:${id}`, kind: 'origin header', resource: label });
  const config = structuredClone(archived);
  for (const o of config.Origins?.Items ?? []) {
    if (!o.CustomHeaders?.Items) continue;
    const items = o.CustomHeaders.Items.filter((h) => Object.hasOwn(resolved.values, `${o.Id}/${h.HeaderName}`)).map((h) => ({ HeaderName: h.HeaderName, HeaderValue: resolved.values[`${o.Id}/${h.HeaderName}`] }));
    o.CustomHeaders = { Quantity: items.length, Items: items };
  }
  return config;
}

function tagMap(tags: Tag[] | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
}

function planTags(ctx: Ctx, client: CloudFrontClient, label: string, arn: () => Promise<string>, want: Record<string, string>, have: Record<string, string>): void {
  const set = Object.entries(want).filter(([k, v]) => have[k] !== v);
  const remove = Object.keys(have).filter((k) => !(k in want));
  if (!set.length && !remove.length) return;
  ctx.plan({
    resource: `${label} tags`,
    action: 'update',
    detail: `tags ${[...set.map(([k]) => `${k in have ? '~' : '+'}${k}`), ...remove.map((k) => `-${k}`)].join(' ')}`,
    apply: async () => {
      const resource = await arn();
      if (set.length) await client.send(new TagResourceCommand({ Resource: resource, Tags: { Items: set.map(([Key, Value]) => ({ Key, Value })) } }), { abortSignal: ctx.signal });
      if (remove.length) await client.send(new UntagResourceCommand({ Resource: resource, TagKeys: { Items: remove } }), { abortSignal: ctx.signal });
    },
  });
}

/** A distribution an earlier restore of `id` created (found by its CallerReference), if any. */
async function restoredEarlier(ctx: Ctx, client: CloudFrontClient, list: () => Promise<DistributionSummary[]>, id: string): Promise<string | null> {
  for (const s of await list()) {
    if (!s.Id) continue;
    const c = await unlessNotFound(() => client.send(new GetDistributionConfigCommand({ Id: s.Id }), { abortSignal: ctx.signal }));
    if (c?.DistributionConfig?.CallerReference === restoreCallerReference(id)) return s.Id;
  }
  return null;
}

export async function planDistributions(ctx: Ctx, client: CloudFrontClient, files: string[]): Promise<void> {
  const list = summaries(ctx, client);
  for (const path of files) {
    const archived = await ctx.version.json<ArchivedDistribution>(path);
    const config = archived?.DistributionConfig;
    const originalId = archived?.Id ?? path.split('/').pop()!.replace(/\.json$/, '');
    if (!config) {
      ctx.cannot(`cloudfront ${originalId}`, 'the version holds no DistributionConfig for it: nothing to restore');
      continue;
    }
    let id = ctx.rename.get(originalId) ?? originalId;
    let live: Distribution | null = (await unlessNotFound(() => client.send(new GetDistributionCommand({ Id: id }), { abortSignal: ctx.signal })))?.Distribution ?? null;
    if (!live) {
      const earlier = await restoredEarlier(ctx, client, list, originalId);
      if (earlier) {
        ctx.note(`cloudfront ${originalId}`, `restored earlier as distribution ${earlier}: that one is brought to the version`);
        id = earlier;
        live = (await client.send(new GetDistributionCommand({ Id: id }), { abortSignal: ctx.signal })).Distribution ?? null;
      }
    }
    const aliases = config.Aliases?.Items ?? [];
    const label = `cloudfront ${id}${aliases.length ? ` (${aliases.join(', ')})` : ''}`;
    const wantTags = tagMap(archived?.Tags?.Items);

    if (!live?.DistributionConfig) {
      const desired = withHeaderValues(ctx, originalId, label, config, null);
      const taken = new Map<string, string>();
      for (const s of await list()) for (const a of s.Aliases?.Items ?? []) taken.set(a, s.Id ?? '?');
      const conflicts = aliases.filter((a) => taken.has(a));
      if (conflicts.length) {
        ctx.note(label, `${conflicts.map((a) => `${a} is attached to distribution ${taken.get(a)}`).join('; ')}: CloudFront refuses an alias on two distributions (CNAMEAlreadyExists), so the create will fail until the alias is moved`);
      }
      ctx.note(label, `a re-created distribution gets a new id and *.cloudfront.net domain name (was ${archived?.DomainName ?? 'unknown'}): DNS records that point at the old name must follow`);
      const tags = Object.entries(wantTags).map(([Key, Value]) => ({ Key, Value }));
      ctx.plan({
        resource: label,
        action: 'create',
        detail: `distribution from ${ctx.versionName}: ${desired.Origins?.Quantity ?? 0} origins, ${aliases.length} aliases`,
        apply: async () => {
          try {
            await client.send(
              new CreateDistributionWithTagsCommand({ DistributionConfigWithTags: { DistributionConfig: { ...desired, CallerReference: restoreCallerReference(originalId) }, Tags: { Items: tags } } }),
              { abortSignal: ctx.signal },
            );
          } catch (err) {
            // An earlier apply made it (CloudFront answers a repeated CallerReference so).
            if (awsErrorName(err) !== 'DistributionAlreadyExists') throw err;
          }
        },
      });
      continue;
    }

    const liveConfig = live.DistributionConfig;
    const desired = withHeaderValues(ctx, originalId, label, config, liveConfig);
    const fields = diffJson(comparable(ctx, liveConfig), comparable(ctx, desired), cloudfrontRules.distribution);
    if (fields.length) {
      const target = id;
      ctx.plan({
        resource: label,
        action: 'update',
        detail: describeFields(fields, { strip: 'DistributionConfig.' }),
        apply: async () => {
          // The ETag and CallerReference of the moment: the update is refused with a stale ETag.
          const current = await client.send(new GetDistributionConfigCommand({ Id: target }), { abortSignal: ctx.signal });
          await client.send(
            new UpdateDistributionCommand({ Id: target, IfMatch: current.ETag, DistributionConfig: { ...desired, CallerReference: current.DistributionConfig?.CallerReference ?? desired.CallerReference } }),
            { abortSignal: ctx.signal },
          );
        },
      });
    }
    if (archived?.Tags) {
      const arn = live.ARN!;
      const have = tagMap((await client.send(new ListTagsForResourceCommand({ Resource: arn }), { abortSignal: ctx.signal })).Tags?.Items);
      planTags(ctx, client, label, async () => arn, wantTags, have);
    }
  }
}
