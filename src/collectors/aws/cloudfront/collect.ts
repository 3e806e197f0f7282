// The CloudFront collector (cloudfront/). CloudFront is global: one client in the home region.
//
//   distribution_configs/<Id>.json     each distribution (GetDistribution) with its tags
//   origin_mappings.json               domain → routes → origins, and bucket → domains
//   cache_policies/, origin_request_policies/, response_headers_policies/   custom policies
//   functions/<Name>/                  CloudFront Functions: config.json, development.js, live.js
//   origin_access_controls/, origin_access_identities/
//
// Every list follows Marker/NextMarker to the end. At most `concurrency` requests are in
// flight. A refused list or sub-call is a coverage finding; a distribution that fails
// otherwise is marked partial and its previous file is kept (and stays in the mappings).
import { CloudFrontClient, GetDistributionCommand, ListDistributionsCommand, ListTagsForResourceCommand, type DistributionSummary } from '@aws-sdk/client-cloudfront';
import { safeSegment } from '../../../archive/paths.js';
import { createLimiter, mapLimit } from '../../../util/limiter.js';
import type { Collector, CollectContext } from '../../types.js';
import { classifyAwsError, optionalConfig } from '../shared/errors.js';
import { allPages } from '../lambda/paginate.js';
import { collectCatalog, listOrFinding, type Send } from './catalog.js';
import { cloudfrontConfigSchema, type CloudFrontConfig } from './config.js';
import { collectFunctions } from './functions.js';
import { buildOriginMappings, type DistributionLike } from './origin-mappings.js';
import { restoreCloudFront } from './restore.js';
import { cloudfrontResources, cloudfrontRestoreTestKey, cloudfrontRules } from './rules.js';
import { cloudfrontRunbook } from './runbook.js';

async function collectDistributions(ctx: CollectContext<CloudFrontConfig>, client: CloudFrontClient, send: Send): Promise<void> {
  const resource = 'cloudfront/distributions';
  let summaries: DistributionSummary[] | null;
  try {
    summaries = await listOrFinding(ctx, resource, () =>
      allPages(resource, async (Marker) => {
        const r = (await send((o) => client.send(new ListDistributionsCommand({ Marker, MaxItems: 100 }), o))).DistributionList;
        return { items: r?.Items, next: r?.IsTruncated ? r.NextMarker : undefined };
      }),
    );
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    // Without the list nothing is known: keep the previous distributions and mappings whole.
    ctx.partial(resource, err);
    await ctx.carryOver('distribution_configs');
    await ctx.carryOver('origin_mappings.json');
    return;
  }
  // Refused: no mappings either, rather than an empty answer that would read as "no domains".
  if (!summaries) return;

  const ids = [...new Set(summaries.map((s) => s.Id).filter((id): id is string => !!id))].sort();
  ctx.progress.expect(ids.length);
  const written = await mapLimit(ids, ctx.config.concurrency, async (id): Promise<DistributionLike | null> => {
    const path = `distribution_configs/${safeSegment(id)}.json`;
    try {
      let distribution;
      try {
        distribution = (await send((o) => client.send(new GetDistributionCommand({ Id: id }), o))).Distribution;
      } catch (err) {
        if (classifyAwsError(err) === 'not-found') return null; // deleted since it was listed
        throw err;
      }
      if (!distribution) return null;
      const tags = await optionalConfig(ctx, `cloudfront/${path.replace(/\.json$/, '')}/tags`, () => send((o) => client.send(new ListTagsForResourceCommand({ Resource: distribution.ARN }), o)));
      const value = { ...distribution, ...(tags?.Tags ? { Tags: tags.Tags } : {}) };
      ctx.out.json(path, value, cloudfrontRules.distribution);
      ctx.count('distributions');
      ctx.progress.add(1);
      return distribution;
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      ctx.partial(`cloudfront/${path}`, err);
      // A failure must not read as a deletion: keep the previous file, and its mappings.
      const previous = await ctx.previous?.bytes(path);
      if (!previous || !(await ctx.carryOver(path))) return null;
      try {
        return JSON.parse(Buffer.from(previous).toString('utf8')) as DistributionLike;
      } catch {
        return null;
      }
    }
  });
  ctx.out.json('origin_mappings.json', buildOriginMappings(written.filter((d): d is DistributionLike => d !== null)), cloudfrontRules.originMappings);
}

export async function collectCloudFront(ctx: CollectContext<CloudFrontConfig>): Promise<void> {
  const client = ctx.aws.get(CloudFrontClient);
  const api = createLimiter(ctx.config.concurrency);
  const send: Send = (call) => api(() => call({ abortSignal: ctx.signal }));
  ctx.progress.phase('distributions');
  await Promise.all([collectDistributions(ctx, client, send), collectCatalog(ctx, client, send), collectFunctions(ctx, client, send)]);
}

export const cloudfrontCollector: Collector<CloudFrontConfig> = {
  id: 'cloudfront',
  title: 'CloudFront distributions',
  root: 'cloudfront',
  platform: 'aws',
  configSchema: cloudfrontConfigSchema,
  enabledByDefault: true,
  runbook: cloudfrontRunbook,
  resources: cloudfrontResources,
  collect: collectCloudFront,
  restore: restoreCloudFront,
  restoreTestKey: cloudfrontRestoreTestKey,
};
