// The account-wide CloudFront objects whose list calls already return the whole object:
// custom cache, origin-request and response-headers policies (AWS-managed ones are the same
// for everyone and are left out), origin access controls and legacy origin access
// identities. Each becomes one file <folder>/<Id>.json.
//
// A list that is refused (or that the endpoint does not offer: NotFound on a list call means
// the API is not there, as with an emulator) is a coverage finding; any other failure marks
// the collector partial and keeps the previous version's folder.
import {
  ListCachePoliciesCommand,
  ListCloudFrontOriginAccessIdentitiesCommand,
  ListOriginAccessControlsCommand,
  ListOriginRequestPoliciesCommand,
  ListResponseHeadersPoliciesCommand,
  type CloudFrontClient,
} from '@aws-sdk/client-cloudfront';
import { safeSegment } from '../../../archive/paths.js';
import type { NormalizationRules } from '../../../normalize/rules.js';
import type { CollectContext } from '../../types.js';
import { awsErrorName, classifyAwsError, recordRefusal } from '../shared/errors.js';
import { allPages, type Page } from '../lambda/paginate.js';
import type { CloudFrontConfig } from './config.js';
import { cloudfrontRules } from './rules.js';

export type Send = <T>(call: (options: { abortSignal: AbortSignal }) => Promise<T>) => Promise<T>;

const PAGE = 100;

interface CatalogKind {
  folder: string;
  count: string;
  rules: NormalizationRules;
  /** one page of the list: [id, value to write] pairs */
  page(client: CloudFrontClient, marker: string | undefined, options: { abortSignal: AbortSignal }): Promise<Page<[string, unknown]>>;
}

const KINDS: CatalogKind[] = [
  {
    folder: 'cache_policies',
    count: 'cachePolicies',
    rules: cloudfrontRules.cachePolicy,
    async page(client, Marker, o) {
      const r = (await client.send(new ListCachePoliciesCommand({ Type: 'custom', Marker, MaxItems: PAGE }), o)).CachePolicyList;
      return { items: r?.Items?.map((s) => [s.CachePolicy?.Id ?? '', s.CachePolicy]), next: r?.NextMarker };
    },
  },
  {
    folder: 'origin_request_policies',
    count: 'originRequestPolicies',
    rules: cloudfrontRules.cachePolicy,
    async page(client, Marker, o) {
      const r = (await client.send(new ListOriginRequestPoliciesCommand({ Type: 'custom', Marker, MaxItems: PAGE }), o)).OriginRequestPolicyList;
      return { items: r?.Items?.map((s) => [s.OriginRequestPolicy?.Id ?? '', s.OriginRequestPolicy]), next: r?.NextMarker };
    },
  },
  {
    folder: 'response_headers_policies',
    count: 'responseHeadersPolicies',
    rules: cloudfrontRules.responseHeadersPolicy,
    async page(client, Marker, o) {
      const r = (await client.send(new ListResponseHeadersPoliciesCommand({ Type: 'custom', Marker, MaxItems: PAGE }), o)).ResponseHeadersPolicyList;
      return { items: r?.Items?.map((s) => [s.ResponseHeadersPolicy?.Id ?? '', s.ResponseHeadersPolicy]), next: r?.NextMarker };
    },
  },
  {
    folder: 'origin_access_controls',
    count: 'originAccessControls',
    rules: cloudfrontRules.accessControl,
    async page(client, Marker, o) {
      const r = (await client.send(new ListOriginAccessControlsCommand({ Marker, MaxItems: PAGE }), o)).OriginAccessControlList;
      return { items: r?.Items?.map((s) => [s.Id ?? '', s]), next: r?.IsTruncated === false ? undefined : r?.NextMarker };
    },
  },
  {
    folder: 'origin_access_identities',
    count: 'originAccessIdentities',
    rules: cloudfrontRules.accessControl,
    async page(client, Marker, o) {
      const r = (await client.send(new ListCloudFrontOriginAccessIdentitiesCommand({ Marker, MaxItems: PAGE }), o)).CloudFrontOriginAccessIdentityList;
      return { items: r?.Items?.map((s) => [s.Id ?? '', s]), next: r?.IsTruncated === false ? undefined : r?.NextMarker };
    },
  },
];

/**
 * Runs a list that may be refused: returns null (after recording a finding) when it is, or
 * when the endpoint does not offer it; rethrows anything else.
 */
export async function listOrFinding<T>(ctx: CollectContext<CloudFrontConfig>, resource: string, list: () => Promise<T>): Promise<T | null> {
  try {
    return await list();
  } catch (err) {
    if (recordRefusal(ctx, resource, err)) return null;
    if (classifyAwsError(err) === 'not-found') {
      ctx.finding({ resource, reason: 'NotAvailable', detail: `the endpoint does not offer this list (${awsErrorName(err)})` });
      return null;
    }
    throw err;
  }
}

export async function collectCatalog(ctx: CollectContext<CloudFrontConfig>, client: CloudFrontClient, send: Send): Promise<void> {
  await Promise.all(
    KINDS.map(async (kind) => {
      const resource = `cloudfront/${kind.folder}`;
      try {
        const items = await listOrFinding(ctx, resource, () => allPages(resource, (marker) => send((o) => kind.page(client, marker, o))));
        if (!items) return;
        for (const [id, value] of items) {
          if (!id) continue;
          ctx.out.json(`${kind.folder}/${safeSegment(id)}.json`, value, kind.rules);
          ctx.count(kind.count);
        }
      } catch (err) {
        if (ctx.signal.aborted) throw err;
        ctx.partial(resource, err);
        await ctx.carryOver(kind.folder);
      }
    }),
  );
}
