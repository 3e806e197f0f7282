// origin_mappings.json: the answer to "which domain is served from which bucket or origin",
// derived from the distributions' configs. For every domain a distribution answers to (its
// aliases and its *.cloudfront.net name) it lists the routes in CloudFront's precedence order
// (cache behaviours first, the default "*" last) and the origins behind each (an origin group
// lists its members in failover order); `buckets` is the reverse index, bucket → domains.
//
// Pure: it works on the Distribution shape, raw from the SDK or as written in the archive
// (normalization keeps the field names), so a distribution carried over from the previous
// version still appears here.

export type OriginType = 's3' | 's3-website' | 'api-gateway' | 'lambda-url' | 'load-balancer' | 'media' | 'custom';

export interface OriginTarget {
  originId: string;
  type: OriginType;
  domainName: string;
  originPath?: string;
  bucket?: string;
  /** how CloudFront reaches an S3 origin: origin access control, legacy identity, or none */
  access?: 'oac' | 'oai' | 'none';
  /** custom origins: http-only, https-only or match-viewer */
  protocol?: string;
}

export interface Route {
  pathPattern: string;
  targetOriginId: string;
  origins: OriginTarget[];
}

export interface DomainMapping {
  domain: string;
  distribution: string;
  enabled: boolean;
  routes: Route[];
}

export interface OriginMappings {
  domains: DomainMapping[];
  buckets: Record<string, string[]>;
}

interface Items<T> {
  Items?: T[] | undefined;
}
interface OriginLike {
  Id?: string;
  DomainName?: string;
  OriginPath?: string;
  S3OriginConfig?: { OriginAccessIdentity?: string };
  CustomOriginConfig?: { OriginProtocolPolicy?: string };
  OriginAccessControlId?: string;
}
interface BehaviorLike {
  PathPattern?: string;
  TargetOriginId?: string;
}
export interface DistributionLike {
  Id?: string;
  DomainName?: string;
  DistributionConfig?: {
    Enabled?: boolean;
    Aliases?: Items<string>;
    Origins?: Items<OriginLike>;
    OriginGroups?: Items<{ Id?: string; Members?: Items<{ OriginId?: string }> }>;
    DefaultCacheBehavior?: BehaviorLike;
    CacheBehaviors?: Items<BehaviorLike>;
  };
}

const S3_WEBSITE = /^(.+?)\.s3-website[.-]([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/i;
const S3_REST = /^(.+?)\.s3(?:[.-](?:dualstack\.)?[a-z0-9-]+)?\.amazonaws\.com(?:\.cn)?$/i;
const KNOWN: [RegExp, OriginType][] = [
  [/\.execute-api\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?$/i, 'api-gateway'],
  [/\.lambda-url\.[a-z0-9-]+\.on\.aws$/i, 'lambda-url'],
  [/\.elb\.amazonaws\.com(?:\.cn)?$/i, 'load-balancer'],
  [/\.(?:mediastore|mediapackage|mediapackagev2)\.[a-z0-9-]+\.amazonaws\.com$/i, 'media'],
];

export function describeOrigin(origin: OriginLike): OriginTarget {
  const domainName = origin.DomainName ?? '';
  const base: OriginTarget = { originId: origin.Id ?? '', type: 'custom', domainName };
  if (origin.OriginPath) base.originPath = origin.OriginPath;
  const website = S3_WEBSITE.exec(domainName);
  if (website) return { ...base, type: 's3-website', bucket: website[1]! };
  const rest = S3_REST.exec(domainName);
  if (origin.S3OriginConfig || rest) {
    const access = origin.OriginAccessControlId ? 'oac' : origin.S3OriginConfig?.OriginAccessIdentity ? 'oai' : 'none';
    return { ...base, type: 's3', ...(rest ? { bucket: rest[1]! } : {}), access };
  }
  const known = KNOWN.find(([re]) => re.test(domainName));
  return { ...base, type: known ? known[1] : 'custom', ...(origin.CustomOriginConfig?.OriginProtocolPolicy ? { protocol: origin.CustomOriginConfig.OriginProtocolPolicy } : {}) };
}

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function buildOriginMappings(distributions: readonly DistributionLike[]): OriginMappings {
  const domains: DomainMapping[] = [];
  const buckets = new Map<string, Set<string>>();
  for (const d of distributions) {
    const config = d.DistributionConfig ?? {};
    const origins = new Map((config.Origins?.Items ?? []).map((o) => [o.Id ?? '', describeOrigin(o)]));
    const groups = new Map((config.OriginGroups?.Items ?? []).map((g) => [g.Id ?? '', (g.Members?.Items ?? []).map((m) => m.OriginId ?? '')]));
    const resolve = (target: string): OriginTarget[] => {
      const members = groups.get(target);
      const ids = members ?? [target];
      return ids.map((id) => origins.get(id) ?? { originId: id, type: 'custom', domainName: '' });
    };
    const behaviors: BehaviorLike[] = [...(config.CacheBehaviors?.Items ?? []), { ...config.DefaultCacheBehavior, PathPattern: '*' }];
    const routes = behaviors.map((b) => ({ pathPattern: b.PathPattern ?? '*', targetOriginId: b.TargetOriginId ?? '', origins: resolve(b.TargetOriginId ?? '') }));
    const names = [...new Set([...(config.Aliases?.Items ?? []), ...(d.DomainName ? [d.DomainName] : [])])].sort(byString);
    for (const domain of names) {
      domains.push({ domain, distribution: d.Id ?? '', enabled: config.Enabled ?? false, routes });
      for (const r of routes) {
        for (const o of r.origins) {
          if (!o.bucket) continue;
          const set = buckets.get(o.bucket) ?? new Set<string>();
          set.add(domain);
          buckets.set(o.bucket, set);
        }
      }
    }
  }
  domains.sort((a, b) => byString(a.domain, b.domain) || byString(a.distribution, b.distribution));
  const bucketIndex: Record<string, string[]> = {};
  for (const name of [...buckets.keys()].sort(byString)) bucketIndex[name] = [...buckets.get(name)!].sort(byString);
  return { domains, buckets: bucketIndex };
}
