// What the files of cloudfront/ hold and the rules each is written with, as data (see the
// Lambda collector's rules.ts for the idea). CloudFront wraps every list as
// { Quantity, Items }; the arrays below are the ones AWS keeps in no meaningful order.
//
// Kept in their order on purpose, because the order is behaviour:
//   DistributionConfig.CacheBehaviors.Items   CloudFront tries them in this order (precedence)
//   OriginGroups.Items[].Members.Items        failover order (primary first)
//
// Secret: custom headers CloudFront adds to origin requests are commonly a shared secret the
// origin checks (e.g. X-Origin-Verify), so their values are kept as keyed fingerprints.
import { dnsName } from '../shared/dns-name.js';
import type { NormalizationRules } from '../../../normalize/rules.js';
import { safeSegment } from '../../../archive/paths.js';
import type { ResourceFileSpec } from '../../types.js';
import { describeOrigin, type DistributionLike } from './origin-mappings.js';

export const cloudfrontRules = {
  /** distribution_configs/<Id>.json: the Distribution (GetDistribution) with its Tags */
  distribution: {
    drop: ['ETag', 'Status', 'LastModifiedTime', 'InProgressInvalidationBatches', 'ActiveTrustedSigners', 'ActiveTrustedKeyGroups', 'AliasICPRecordals'],
    secrets: ['DistributionConfig.Origins.Items[].CustomHeaders.Items[].HeaderValue'],
    sortBy: {
      'DistributionConfig.Aliases.Items': null,
      'DistributionConfig.Origins.Items': 'Id',
      'DistributionConfig.Origins.Items[].CustomHeaders.Items': 'HeaderName',
      'DistributionConfig.Origins.Items[].CustomOriginConfig.OriginSslProtocols.Items': null,
      'DistributionConfig.OriginGroups.Items': 'Id',
      'DistributionConfig.OriginGroups.Items[].FailoverCriteria.StatusCodes.Items': null,
      'DistributionConfig.CustomErrorResponses.Items': 'ErrorCode',
      'DistributionConfig.Restrictions.GeoRestriction.Items': null,
      // in the default behaviour and in every cache behaviour
      '**.AllowedMethods.Items': null,
      '**.CachedMethods.Items': null,
      '**.TrustedSigners.Items': null,
      '**.TrustedKeyGroups.Items': null,
      '**.LambdaFunctionAssociations.Items': 'EventType',
      '**.FunctionAssociations.Items': 'EventType',
      '**.ForwardedValues.Headers.Items': null,
      '**.ForwardedValues.QueryStringCacheKeys.Items': null,
      '**.Cookies.WhitelistedNames.Items': null,
      'Tags.Items': 'Key',
    },
  },
  /** cache_policies/<Id>.json, origin_request_policies/<Id>.json: the policy */
  cachePolicy: {
    drop: ['LastModifiedTime'],
    sortBy: { '**.Headers.Items': null, '**.Cookies.Items': null, '**.QueryStrings.Items': null },
  },
  /** response_headers_policies/<Id>.json */
  responseHeadersPolicy: {
    drop: ['LastModifiedTime'],
    sortBy: {
      '**.CustomHeadersConfig.Items': 'Header',
      '**.RemoveHeadersConfig.Items': 'Header',
      '**.AccessControlAllowOrigins.Items': null,
      '**.AccessControlAllowHeaders.Items': null,
      '**.AccessControlAllowMethods.Items': null,
      '**.AccessControlExposeHeaders.Items': null,
    },
  },
  /** functions/<Name>/config.json: { Name, Stages: [FunctionSummary] } (stages sorted by the writer) */
  function: {
    drop: ['Stages[].FunctionMetadata.LastModifiedTime', 'Stages[].FunctionMetadata.CreatedTime'],
    sortBy: { 'Stages[].FunctionConfig.KeyValueStoreAssociations.Items': 'KeyValueStoreARN' },
  },
  /** origin_access_controls/<Id>.json, origin_access_identities/<Id>.json: as listed */
  accessControl: {},
  /** origin_mappings.json: built by origin-mappings.ts, already in a stable order */
  originMappings: {
    sortBy: { domains: ['domain', 'distribution'], 'buckets.*': null },
  },
} satisfies Record<string, NormalizationRules>;

const fileId = (path: string) => (path.split('/').pop() ?? path).replace(/\.json$/, '');

export const cloudfrontResources: readonly ResourceFileSpec[] = [
  {
    pattern: 'distribution_configs/*.json',
    kind: 'CloudFront distribution',
    rules: cloudfrontRules.distribution,
    // A re-created distribution gets a new id, ARN and *.cloudfront.net name; snap restore
    // gives it the caller reference "snap-restore:<old id>".
    assigned: ['Id', 'ARN', 'DomainName', 'DistributionConfig.CallerReference'],
    label: (value, path) => {
      const aliases = (value as { DistributionConfig?: { Aliases?: { Items?: string[] } } })?.DistributionConfig?.Aliases?.Items ?? [];
      return aliases.length ? `${fileId(path)} (${aliases.join(', ')})` : fileId(path);
    },
    names: (value) => {
      const d = value as DistributionLike | null;
      return [...(d?.DistributionConfig?.Aliases?.Items ?? []), ...(d?.DomainName ? [d.DomainName] : [])].map(dnsName);
    },
    // The buckets its origins serve from, so a diff shows a bucket's changes with the distribution.
    related: (value) => {
      const origins = (value as DistributionLike | null)?.DistributionConfig?.Origins?.Items ?? [];
      return [...new Set(origins.map((o) => describeOrigin(o).bucket).filter((b): b is string => Boolean(b)).map((b) => `s3_buckets/${safeSegment(b)}`))].sort();
    },
  },
  { pattern: 'origin_mappings.json', kind: 'CloudFront domains and the origins that serve them', rules: cloudfrontRules.originMappings, label: () => 'origin mappings' },
  { pattern: 'cache_policies/*.json', kind: 'CloudFront cache policy', rules: cloudfrontRules.cachePolicy, label: policyLabel('CachePolicyConfig') },
  { pattern: 'origin_request_policies/*.json', kind: 'CloudFront origin request policy', rules: cloudfrontRules.cachePolicy, label: policyLabel('OriginRequestPolicyConfig') },
  { pattern: 'response_headers_policies/*.json', kind: 'CloudFront response headers policy', rules: cloudfrontRules.responseHeadersPolicy, label: policyLabel('ResponseHeadersPolicyConfig') },
  { pattern: 'functions/*/config.json', kind: 'CloudFront function', rules: cloudfrontRules.function, label: (_v, path) => path.split('/')[1]! },
  { pattern: 'functions/*/*.js', kind: 'CloudFront function code', label: (_v, path) => `${path.split('/')[1]} (${fileId(path).replace(/\.js$/, '')})` },
  { pattern: 'origin_access_controls/*.json', kind: 'CloudFront origin access control', rules: cloudfrontRules.accessControl, label: nameLabel },
  { pattern: 'origin_access_identities/*.json', kind: 'CloudFront origin access identity', rules: cloudfrontRules.accessControl, label: (_v, path) => fileId(path) },
];

/** Caller references of distributions snap restore creates: the prefix, then the restored id. */
export const RESTORE_CALLER_PREFIX = 'snap-restore:';

/**
 * restore-test: a distribution re-created by snap restore is matched to the one it restores
 * (its caller reference names it), a custom policy by its name (both get new ids);
 * origin_mappings.json is a view of the distributions.
 */
export async function cloudfrontRestoreTestKey(rel: string, read: () => Promise<unknown>): Promise<string | null> {
  if (rel === 'origin_mappings.json') return null;
  if (/^distribution_configs\/[^/]+\.json$/.test(rel)) {
    const ref = ((await read().catch(() => null)) as DistributionLike & { DistributionConfig?: { CallerReference?: string } } | null)?.DistributionConfig?.CallerReference;
    return ref?.startsWith(RESTORE_CALLER_PREFIX) ? `distribution_configs/${safeSegment(ref.slice(RESTORE_CALLER_PREFIX.length))}.json` : rel;
  }
  const policy = /^(cache_policies|origin_request_policies|response_headers_policies)\/[^/]+\.json$/.exec(rel);
  if (policy) {
    const value = (await read().catch(() => null)) as Record<string, { Name?: string } | undefined> | null;
    const name = Object.entries(value ?? {}).find(([k]) => k.endsWith('PolicyConfig'))?.[1]?.Name;
    return name ? `${policy[1]}/name:${name}` : rel;
  }
  return rel;
}

function policyLabel(configKey: string) {
  return (value: unknown, path: string) => {
    const name = (value as Record<string, { Name?: string } | undefined>)?.[configKey]?.Name;
    return name ? `${name} (${fileId(path)})` : fileId(path);
  };
}

function nameLabel(value: unknown, path: string): string {
  const name = (value as { Name?: string })?.Name;
  return name ? `${name} (${fileId(path)})` : fileId(path);
}
