// The CloudFront collector's declared rules and its origin mappings, on AWS-shaped values:
// what must appear, what must not, which arrays are sorted and which keep their order.
import { describe, expect, it } from 'vitest';
import { makeFingerprinter } from '../../src/normalize/fingerprint.js';
import { normalize } from '../../src/normalize/rules.js';
import { globMatch } from '../../src/util/glob.js';
import { cloudfrontResources, cloudfrontRules } from '../../src/collectors/aws/cloudfront/rules.js';
import { buildOriginMappings, describeOrigin, type DistributionLike } from '../../src/collectors/aws/cloudfront/origin-mappings.js';

const fp = makeFingerprinter(Buffer.alloc(32, 5));

// Shaped like GetDistribution's Distribution in the CloudFront API reference.
const distribution = {
  Id: 'E1SITE',
  ARN: 'arn:aws:cloudfront::123456789012:distribution/E1SITE',
  Status: 'InProgress',
  LastModifiedTime: '2024-05-01T10:00:00Z',
  InProgressInvalidationBatches: 1,
  DomainName: 'd111.cloudfront.net',
  ActiveTrustedSigners: { Enabled: false, Quantity: 0 },
  ActiveTrustedKeyGroups: { Enabled: false, Quantity: 0 },
  AliasICPRecordals: [{ CNAME: 'www.example.com', ICPRecordalStatus: 'APPROVED' }],
  DistributionConfig: {
    CallerReference: 'site',
    Enabled: true,
    Aliases: { Quantity: 2, Items: ['www.example.com', 'example.com'] },
    Origins: {
      Quantity: 3,
      Items: [
        { Id: 'web-b', DomainName: 'backup-bucket.s3.us-west-2.amazonaws.com', S3OriginConfig: { OriginAccessIdentity: 'origin-access-identity/cloudfront/E2OAI' } },
        { Id: 'web-a', DomainName: 'site-bucket.s3.us-east-1.amazonaws.com', S3OriginConfig: { OriginAccessIdentity: '' }, OriginAccessControlId: 'E3OAC' },
        { Id: 'api', DomainName: 'api.example.com', CustomOriginConfig: { OriginProtocolPolicy: 'https-only', OriginSslProtocols: { Quantity: 2, Items: ['TLSv1.2', 'TLSv1.1'] } }, CustomHeaders: { Quantity: 2, Items: [{ HeaderName: 'X-Origin-Verify', HeaderValue: 'shared-secret-value' }, { HeaderName: 'X-Env', HeaderValue: 'prod' }] } },
      ],
    },
    OriginGroups: { Quantity: 1, Items: [{ Id: 'web', FailoverCriteria: { StatusCodes: { Quantity: 2, Items: [503, 500] } }, Members: { Quantity: 2, Items: [{ OriginId: 'web-a' }, { OriginId: 'web-b' }] } }] },
    DefaultCacheBehavior: { TargetOriginId: 'web', AllowedMethods: { Quantity: 2, Items: ['HEAD', 'GET'], CachedMethods: { Quantity: 2, Items: ['HEAD', 'GET'] } }, FunctionAssociations: { Quantity: 2, Items: [{ EventType: 'viewer-response', FunctionARN: 'b' }, { EventType: 'viewer-request', FunctionARN: 'a' }] } },
    CacheBehaviors: { Quantity: 2, Items: [{ PathPattern: '/z/*', TargetOriginId: 'api' }, { PathPattern: '/a/*', TargetOriginId: 'web-a' }] },
    CustomErrorResponses: { Quantity: 2, Items: [{ ErrorCode: 404 }, { ErrorCode: 403 }] },
  },
  Tags: { Items: [{ Key: 'team', Value: 'web' }, { Key: 'env', Value: 'prod' }] },
};

describe('cloudfront distribution rules', () => {
  const out = normalize(distribution, cloudfrontRules.distribution, fp) as any;
  const config = out.DistributionConfig;

  it('drops status, timestamps and counters; keeps identity and configuration', () => {
    for (const gone of ['Status', 'LastModifiedTime', 'InProgressInvalidationBatches', 'ActiveTrustedSigners', 'ActiveTrustedKeyGroups', 'AliasICPRecordals']) expect(out).not.toHaveProperty(gone);
    expect(out).toMatchObject({ Id: 'E1SITE', DomainName: 'd111.cloudfront.net', ARN: distribution.ARN });
    expect(config.CallerReference).toBe('site');
  });

  it('keeps origin custom header names, with values as keyed fingerprints', () => {
    expect(config.Origins.Items[0].CustomHeaders.Items.map((h: any) => h.HeaderName)).toEqual(['X-Env', 'X-Origin-Verify']);
    expect(JSON.stringify(out)).not.toContain('shared-secret-value');
    for (const h of config.Origins.Items[0].CustomHeaders.Items) expect(h.HeaderValue).toMatch(/^hmac-sha256:/);
  });

  it('sorts unordered sets, keeps precedence and failover order', () => {
    expect(config.Aliases.Items).toEqual(['example.com', 'www.example.com']);
    expect(config.Origins.Items.map((o: any) => o.Id)).toEqual(['api', 'web-a', 'web-b']);
    expect(config.Origins.Items[0].CustomOriginConfig.OriginSslProtocols.Items).toEqual(['TLSv1.1', 'TLSv1.2']);
    expect(config.DefaultCacheBehavior.AllowedMethods.Items).toEqual(['GET', 'HEAD']);
    expect(config.DefaultCacheBehavior.AllowedMethods.CachedMethods.Items).toEqual(['GET', 'HEAD']);
    expect(config.DefaultCacheBehavior.FunctionAssociations.Items.map((f: any) => f.EventType)).toEqual(['viewer-request', 'viewer-response']);
    expect(config.CustomErrorResponses.Items.map((e: any) => e.ErrorCode)).toEqual([403, 404]);
    expect(config.OriginGroups.Items[0].FailoverCriteria.StatusCodes.Items).toEqual([500, 503]);
    expect(out.Tags.Items.map((t: any) => t.Key)).toEqual(['env', 'team']);
    // Behaviour: CloudFront evaluates cache behaviours in order, and fails over in member order.
    expect(config.CacheBehaviors.Items.map((b: any) => b.PathPattern)).toEqual(['/z/*', '/a/*']);
    expect(config.OriginGroups.Items[0].Members.Items.map((m: any) => m.OriginId)).toEqual(['web-a', 'web-b']);
  });

  it('drops LastModifiedTime from policies and function stages', () => {
    expect(normalize({ Id: 'p', LastModifiedTime: 't', CachePolicyConfig: { Name: 'n' } }, cloudfrontRules.cachePolicy)).toEqual({ Id: 'p', CachePolicyConfig: { Name: 'n' } });
    const fn = normalize({ Name: 'f', Stages: [{ FunctionMetadata: { Stage: 'LIVE', CreatedTime: 't', LastModifiedTime: 't', FunctionARN: 'arn' } }] }, cloudfrontRules.function) as any;
    expect(fn.Stages[0].FunctionMetadata).toEqual({ Stage: 'LIVE', FunctionARN: 'arn' });
  });

  it('declares every file the collector writes, with the rules it writes them with', () => {
    const spec = (path: string) => cloudfrontResources.find((r) => globMatch(r.pattern, path));
    expect(spec('distribution_configs/E1SITE.json')!.rules).toBe(cloudfrontRules.distribution);
    expect(spec('distribution_configs/E1SITE.json')!.label!(out, 'distribution_configs/E1SITE.json')).toBe('E1SITE (example.com, www.example.com)');
    expect(spec('origin_mappings.json')!.rules).toBe(cloudfrontRules.originMappings);
    expect(spec('cache_policies/p.json')!.rules).toBe(cloudfrontRules.cachePolicy);
    expect(spec('origin_request_policies/p.json')!.rules).toBe(cloudfrontRules.cachePolicy);
    expect(spec('response_headers_policies/p.json')!.rules).toBe(cloudfrontRules.responseHeadersPolicy);
    expect(spec('functions/f/config.json')!.rules).toBe(cloudfrontRules.function);
    expect(spec('functions/f/live.js')!.kind).toBe('CloudFront function code');
    expect(spec('origin_access_controls/E3.json')!.rules).toBe(cloudfrontRules.accessControl);
    expect(spec('origin_access_identities/E2.json')!.rules).toBe(cloudfrontRules.accessControl);
  });
});

describe('origin mappings', () => {
  it('recognises the kinds of origin from their domain names and configs', () => {
    const kind = (DomainName: string, extra = {}) => describeOrigin({ Id: 'o', DomainName, ...extra });
    expect(kind('b.s3.amazonaws.com')).toMatchObject({ type: 's3', bucket: 'b', access: 'none' });
    expect(kind('my.dotted.bucket.s3.eu-west-1.amazonaws.com')).toMatchObject({ type: 's3', bucket: 'my.dotted.bucket' });
    expect(kind('b.s3-us-west-2.amazonaws.com')).toMatchObject({ type: 's3', bucket: 'b' });
    expect(kind('b.s3.dualstack.us-east-1.amazonaws.com')).toMatchObject({ type: 's3', bucket: 'b' });
    expect(kind('b.s3-website-us-east-1.amazonaws.com')).toMatchObject({ type: 's3-website', bucket: 'b' });
    expect(kind('b.s3-website.eu-central-1.amazonaws.com')).toMatchObject({ type: 's3-website', bucket: 'b' });
    expect(kind('b.s3.amazonaws.com', { S3OriginConfig: { OriginAccessIdentity: 'origin-access-identity/cloudfront/E2' } })).toMatchObject({ access: 'oai' });
    expect(kind('b.s3.amazonaws.com', { OriginAccessControlId: 'E3' })).toMatchObject({ access: 'oac' });
    expect(kind('x1.execute-api.us-east-1.amazonaws.com').type).toBe('api-gateway');
    expect(kind('abc.lambda-url.us-east-1.on.aws').type).toBe('lambda-url');
    expect(kind('my-alb-1.us-east-1.elb.amazonaws.com').type).toBe('load-balancer');
    expect(kind('origin.example.com', { CustomOriginConfig: { OriginProtocolPolicy: 'match-viewer' } })).toEqual({ originId: 'o', type: 'custom', domainName: 'origin.example.com', protocol: 'match-viewer' });
  });

  it('maps every domain to its routes in precedence order, origin groups in failover order, and buckets back to domains', () => {
    const m = buildOriginMappings([distribution as DistributionLike, { Id: 'E2OFF', DomainName: 'd222.cloudfront.net', DistributionConfig: { Enabled: false, Origins: { Items: [{ Id: 'w', DomainName: 'old.s3-website-us-east-1.amazonaws.com' }] }, DefaultCacheBehavior: { TargetOriginId: 'w' } } }]);
    expect(m.domains.map((d) => `${d.domain} ${d.distribution} ${d.enabled}`)).toEqual(['d111.cloudfront.net E1SITE true', 'd222.cloudfront.net E2OFF false', 'example.com E1SITE true', 'www.example.com E1SITE true']);
    const www = m.domains.find((d) => d.domain === 'www.example.com')!;
    expect(www.routes.map((r) => [r.pathPattern, r.origins.map((o) => o.bucket ?? o.domainName)])).toEqual([
      ['/z/*', ['api.example.com']],
      ['/a/*', ['site-bucket']],
      ['*', ['site-bucket', 'backup-bucket']],
    ]);
    expect(m.buckets).toEqual({
      'backup-bucket': ['d111.cloudfront.net', 'example.com', 'www.example.com'],
      old: ['d222.cloudfront.net'],
      'site-bucket': ['d111.cloudfront.net', 'example.com', 'www.example.com'],
    });
    // The same answer whatever order the distributions come in.
    expect(buildOriginMappings([...[distribution as DistributionLike]].reverse())).toEqual(buildOriginMappings([distribution as DistributionLike]));
  });

  it('reads a distribution as the archive stores it (normalized, fingerprinted) the same way', () => {
    const stored = normalize(distribution, cloudfrontRules.distribution, fp) as DistributionLike;
    const a = buildOriginMappings([distribution as DistributionLike]);
    const b = buildOriginMappings([stored]);
    expect(b.buckets).toEqual(a.buckets);
    expect(b.domains.map((d) => d.routes.map((r) => r.pathPattern))).toEqual(a.domains.map((d) => d.routes.map((r) => r.pathPattern)));
  });
});
