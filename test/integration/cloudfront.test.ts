// The CloudFront collector against moto, distributions and origin access controls created
// through the SDK.
//
// moto (5.2) lacks part of the CloudFront API, so a loopback stand-in sits in front of it,
// shaped from the CloudFront API reference (2020-05-31, REST-XML):
// - it answers ListCachePolicies, ListOriginRequestPolicies, ListResponseHeadersPolicies,
//   ListFunctions / GetFunction (CloudFront Functions) and
//   ListCloudFrontOriginAccessIdentities from fixtures below, with a fresh LastModifiedTime on
//   every answer (a volatile field the collector must drop);
// - it pages ListDistributions (moto answers in one page) with Marker / NextMarker /
//   IsTruncated, at most 2 items a page, as every fixture list is paged;
// - it can fail GetDistribution for chosen ids with a non-retryable error;
// - everything else goes to moto unchanged.
// moto does not enforce IAM: refusals come from test/helpers/refusing-proxy.ts in front of
// the stand-in, answering as AWS does (403 AccessDenied). moto also rejects origin groups
// (NoSuchOrigin) and drops S3OriginConfig and OriginAccessControlId from origins, so origin
// groups and S3 access kinds are covered by the origin-mappings unit test instead.
import { createServer } from 'node:http';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudFrontClient, CreateDistributionWithTagsCommand, CreateOriginAccessControlCommand, type DistributionConfig } from '@aws-sdk/client-cloudfront';
import type { Archive } from '../../src/archive/archive.js';
import { archiveContainsBytes, collectorContract } from '../helpers/collector-contract.js';
import { makeArchive, readVersion, snapshot } from '../helpers/archive.js';
import { clientOptions, useMoto } from '../helpers/moto.js';
import { refusingProxy } from '../helpers/refusing-proxy.js';
import { forward, readBody, reply } from '../helpers/forwarding.js';


const ORIGIN_SECRET = 'origin-verify-planted-secret-5d1c';
const UPDATE_GOLDEN = process.env.UPDATE_GOLDEN === '1';
const NS = 'http://cloudfront.amazonaws.com/doc/2020-05-31/';

// ---- the stand-in's fixtures (XML as the API reference shapes it) ----------------------------

const list = (tag: string, items: string[]) => `<${tag}><Quantity>${items.length}</Quantity>${items.length ? `<Items>${items.join('')}</Items>` : ''}</${tag}>`;
const names = (tag: string, values: string[]) => list(tag, values.map((v) => `<Name>${v}</Name>`));

interface Fixtures {
  cachePolicies: { id: string; config: string }[];
  originRequestPolicies: { id: string; config: string }[];
  responseHeadersPolicies: { id: string; config: string }[];
  functions: { name: string; stages: ('DEVELOPMENT' | 'LIVE')[]; code: Record<string, string>; comment: string }[];
  originAccessIdentities: { id: string; canonical: string; comment: string }[];
}

const EMPTY: Fixtures = { cachePolicies: [], originRequestPolicies: [], responseHeadersPolicies: [], functions: [], originAccessIdentities: [] };

const cachePolicyConfig = (name: string, headers: string[]) =>
  `<CachePolicyConfig><Comment>${name} policy</Comment><Name>${name}</Name><DefaultTTL>86400</DefaultTTL><MaxTTL>31536000</MaxTTL><MinTTL>1</MinTTL>` +
  `<ParametersInCacheKeyAndForwardedToOrigin><EnableAcceptEncodingGzip>true</EnableAcceptEncodingGzip><EnableAcceptEncodingBrotli>true</EnableAcceptEncodingBrotli>` +
  `<HeadersConfig><HeaderBehavior>whitelist</HeaderBehavior>${names('Headers', headers)}</HeadersConfig>` +
  `<CookiesConfig><CookieBehavior>none</CookieBehavior></CookiesConfig>` +
  `<QueryStringsConfig><QueryStringBehavior>whitelist</QueryStringBehavior>${names('QueryStrings', ['v', 'lang'])}</QueryStringsConfig>` +
  `</ParametersInCacheKeyAndForwardedToOrigin></CachePolicyConfig>`;

const SEEDED: Fixtures = {
  cachePolicies: [
    { id: 'a1b2c3d4-0000-4000-8000-000000000001', config: cachePolicyConfig('site-default', ['Origin', 'Accept-Language']) },
    { id: 'a1b2c3d4-0000-4000-8000-000000000002', config: cachePolicyConfig('api-short', ['Authorization']) },
    { id: 'a1b2c3d4-0000-4000-8000-000000000003', config: cachePolicyConfig('static-long', []) },
  ],
  originRequestPolicies: [
    {
      id: 'b1b2c3d4-0000-4000-8000-000000000001',
      config: `<OriginRequestPolicyConfig><Comment>api</Comment><Name>api-forward</Name><HeadersConfig><HeaderBehavior>whitelist</HeaderBehavior>${names('Headers', ['X-Request-Id', 'Accept'])}</HeadersConfig><CookiesConfig><CookieBehavior>all</CookieBehavior></CookiesConfig><QueryStringsConfig><QueryStringBehavior>all</QueryStringBehavior></QueryStringsConfig></OriginRequestPolicyConfig>`,
    },
  ],
  responseHeadersPolicies: [
    {
      id: 'c1b2c3d4-0000-4000-8000-000000000001',
      config:
        `<ResponseHeadersPolicyConfig><Comment>security</Comment><Name>security-headers</Name>` +
        list('CustomHeadersConfig', [
          '<ResponseHeadersPolicyCustomHeader><Header>X-Served-By</Header><Value>snap-test</Value><Override>true</Override></ResponseHeadersPolicyCustomHeader>',
          '<ResponseHeadersPolicyCustomHeader><Header>Permissions-Policy</Header><Value>camera=()</Value><Override>false</Override></ResponseHeadersPolicyCustomHeader>',
        ]) +
        `<SecurityHeadersConfig><StrictTransportSecurity><Override>true</Override><IncludeSubdomains>true</IncludeSubdomains><Preload>false</Preload><AccessControlMaxAgeSec>63072000</AccessControlMaxAgeSec></StrictTransportSecurity></SecurityHeadersConfig>` +
        `</ResponseHeadersPolicyConfig>`,
    },
  ],
  functions: [
    {
      name: 'redirect-www',
      stages: ['DEVELOPMENT', 'LIVE'],
      comment: 'apex to www',
      code: {
        LIVE: 'function handler(event) {\n  return event.request;\n}\n',
        DEVELOPMENT: 'function handler(event) {\n  // not yet published\n  return event.request;\n}\n',
      },
    },
    { name: 'add-headers', stages: ['DEVELOPMENT'], comment: 'draft', code: { DEVELOPMENT: 'function handler(event) {\n  return event.response;\n}\n' } },
    { name: 'strip-cookies', stages: ['DEVELOPMENT'], comment: 'draft', code: { DEVELOPMENT: 'function handler(event) {\n  delete event.request.cookies;\n  return event.request;\n}\n' } },
  ],
  originAccessIdentities: [{ id: 'E2LEGACYOAI01', canonical: 'c0ffee'.repeat(16), comment: 'legacy bucket access' }],
};

/** Marker-paged slice of a list, as CloudFront pages: NextMarker only when more follow. */
function pageOf<T>(items: T[], query: URLSearchParams, size: number): { page: T[]; next: string | null } {
  const start = Number(query.get('Marker') || '0');
  const max = Math.min(Number(query.get('MaxItems') || '100'), size);
  return { page: items.slice(start, start + max), next: start + max < items.length ? String(start + max) : null };
}

interface StandIn {
  endpoint: string;
  fixtures: Fixtures;
  /** list requests served: "<list>:<marker>" */
  pages: string[];
  /** GetDistribution of these ids fails with a non-retryable error */
  failIds: Set<string>;
}

async function cloudfrontStandIn(target: string, fixtures: Fixtures, pageSize = 2): Promise<StandIn> {
  const state: StandIn = { endpoint: '', fixtures, pages: [], failIds: new Set() };
  const xml = (status: number, body: string) => ({ status, headers: { 'content-type': 'text/xml' }, body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}` });
  const policyList = (kind: string, items: { id: string; config: string }[], q: URLSearchParams) => {
    const { page, next } = pageOf(items, q, pageSize);
    state.pages.push(`${kind}:${q.get('Marker') ?? ''}`);
    const now = new Date().toISOString();
    const summaries = page.map((p) => `<${kind}Summary><Type>custom</Type><${kind}><Id>${p.id}</Id><LastModifiedTime>${now}</LastModifiedTime>${p.config}</${kind}></${kind}Summary>`);
    return xml(200, `<${kind}List xmlns="${NS}">${next ? `<NextMarker>${next}</NextMarker>` : ''}<MaxItems>${pageSize}</MaxItems><Quantity>${page.length}</Quantity>${page.length ? `<Items>${summaries.join('')}</Items>` : ''}</${kind}List>`);
  };

  const answer = async (method: string, url: URL): Promise<{ status: number; headers: Record<string, string>; body: string | Buffer } | null> => {
    const q = url.searchParams;
    const path = url.pathname;
    if (method !== 'GET') return null;
    if (path === '/2020-05-31/cache-policy') return policyList('CachePolicy', state.fixtures.cachePolicies, q);
    if (path === '/2020-05-31/origin-request-policy') return policyList('OriginRequestPolicy', state.fixtures.originRequestPolicies, q);
    if (path === '/2020-05-31/response-headers-policy') return policyList('ResponseHeadersPolicy', state.fixtures.responseHeadersPolicies, q);
    if (path === '/2020-05-31/origin-access-identity/cloudfront') {
      const { page, next } = pageOf(state.fixtures.originAccessIdentities, q, pageSize);
      state.pages.push(`OriginAccessIdentity:${q.get('Marker') ?? ''}`);
      const items = page.map((o) => `<CloudFrontOriginAccessIdentitySummary><Id>${o.id}</Id><S3CanonicalUserId>${o.canonical}</S3CanonicalUserId><Comment>${o.comment}</Comment></CloudFrontOriginAccessIdentitySummary>`);
      return xml(200, `<CloudFrontOriginAccessIdentityList xmlns="${NS}"><Marker>${q.get('Marker') ?? ''}</Marker>${next ? `<NextMarker>${next}</NextMarker>` : ''}<MaxItems>${pageSize}</MaxItems><IsTruncated>${next ? 'true' : 'false'}</IsTruncated><Quantity>${page.length}</Quantity>${items.length ? `<Items>${items.join('')}</Items>` : ''}</CloudFrontOriginAccessIdentityList>`);
    }
    if (path === '/2020-05-31/function') {
      const stage = q.get('Stage');
      const all = state.fixtures.functions.flatMap((f) => f.stages.filter((s) => !stage || s === stage).map((s) => ({ f, s })));
      const { page, next } = pageOf(all, q, pageSize);
      state.pages.push(`Function(${stage}):${q.get('Marker') ?? ''}`);
      const now = new Date().toISOString();
      const items = page.map(
        ({ f, s }) =>
          `<FunctionSummary><Name>${f.name}</Name><Status>${s === 'LIVE' ? 'DEPLOYED' : 'UNPUBLISHED'}</Status><FunctionConfig><Comment>${f.comment}</Comment><Runtime>cloudfront-js-2.0</Runtime></FunctionConfig>` +
          `<FunctionMetadata><FunctionARN>arn:aws:cloudfront::123456789012:function/${f.name}</FunctionARN><Stage>${s}</Stage><CreatedTime>${now}</CreatedTime><LastModifiedTime>${now}</LastModifiedTime></FunctionMetadata></FunctionSummary>`,
      );
      return xml(200, `<FunctionList xmlns="${NS}">${next ? `<NextMarker>${next}</NextMarker>` : ''}<MaxItems>${pageSize}</MaxItems><Quantity>${page.length}</Quantity>${items.length ? `<Items>${items.join('')}</Items>` : ''}</FunctionList>`);
    }
    const fn = /^\/2020-05-31\/function\/([^/]+)$/.exec(path);
    if (fn) {
      const f = state.fixtures.functions.find((x) => x.name === decodeURIComponent(fn[1]!));
      const stage = q.get('Stage') ?? 'DEVELOPMENT';
      const code = f?.code[stage];
      if (!code) return xml(404, `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>NoSuchFunctionExists</Code><Message>The function does not exist.</Message></Error><RequestId>standin</RequestId></ErrorResponse>`);
      return { status: 200, headers: { 'content-type': 'application/octet-stream', etag: `E${Date.now()}` }, body: Buffer.from(code) };
    }
    const dist = /^\/2020-05-31\/distribution\/([^/]+)$/.exec(path);
    if (dist && state.failIds.has(dist[1]!)) {
      return xml(400, `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>InvalidArgument</Code><Message>stand-in failure</Message></Error><RequestId>standin</RequestId></ErrorResponse>`);
    }
    return null;
  };

  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const local = await answer(req.method ?? 'GET', url);
    if (local) {
      res.writeHead(local.status, local.headers);
      res.end(local.body);
      return;
    }
    const isDistributionList = req.method === 'GET' && url.pathname === '/2020-05-31/distribution';
    const query = new URLSearchParams(url.searchParams);
    if (isDistributionList) {
      url.searchParams.delete('Marker');
      url.searchParams.delete('MaxItems');
    }
    const forwarded = await forward(target, req, url, body);
    const up = forwarded.up;
    let payload = forwarded.payload;
    if (isDistributionList && up.ok) {
      const summaries = payload.toString('utf8').match(/<DistributionSummary>[\s\S]*?<\/DistributionSummary>/g) ?? [];
      const { page, next } = pageOf(summaries, query, pageSize);
      state.pages.push(`Distribution:${query.get('Marker') ?? ''}`);
      payload = Buffer.from(
        `<?xml version="1.0" encoding="UTF-8"?>\n<DistributionList xmlns="${NS}"><Marker>${query.get('Marker') ?? ''}</Marker>${next ? `<NextMarker>${next}</NextMarker>` : ''}<MaxItems>${pageSize}</MaxItems><IsTruncated>${next ? 'true' : 'false'}</IsTruncated><Quantity>${page.length}</Quantity>${page.length ? `<Items>${page.join('')}</Items>` : ''}</DistributionList>`,
      );
    }
    reply(res, up, payload);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  state.endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return state;
}

// ---- helpers ----------------------------------------------------------------------------------

function golden(name: string, actual: unknown): void {
  const file = fileURLToPath(new URL(`../golden/cloudfront/${name}.json`, import.meta.url));
  const text = `${JSON.stringify(actual, null, 2)}\n`;
  if (UPDATE_GOLDEN) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  if (!existsSync(file)) throw new Error(`${file} is missing: run the tests with UPDATE_GOLDEN=1 to write it, then review it`);
  expect(text).toBe(readFileSync(file, 'utf8'));
}

/** Every file of a tree folder, with ids the emulator makes up replaced by stable names. */
async function folderContents(archive: Archive, version: string, prefix: string, rename: Map<string, string>): Promise<Record<string, unknown>> {
  const v = await readVersion(archive, version, prefix);
  const mask = (s: string) => {
    let out = s.replace(/hmac-sha256:[0-9a-f]{32}/g, 'hmac-sha256:<fingerprint>');
    for (const [from, to] of rename) out = out.split(from).join(to);
    return out;
  };
  const entries: [string, unknown][] = [];
  const walk = async (path: string) => {
    for (const e of await v.list(path)) {
      const p = path ? `${path}/${e.name}` : e.name;
      if (e.mode === '40000') await walk(p);
      else {
        const text = mask((await v.text(p))!);
        entries.push([mask(p), p.endsWith('.json') ? JSON.parse(text) : text]);
      }
    }
  };
  await walk('');
  // The mappings are sorted by domain, and the emulator makes up the *.cloudfront.net names:
  // sorted again after renaming, so the golden file does not change from run to run.
  const mappings = entries.find(([p]) => p === 'origin_mappings.json')?.[1] as { domains: { domain: string }[]; buckets: Record<string, string[]> } | undefined;
  if (mappings) {
    mappings.domains.sort((a, b) => (a.domain < b.domain ? -1 : 1));
    for (const list of Object.values(mappings.buckets)) list.sort();
  }
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : 1)));
}

const report = (r: Awaited<ReturnType<typeof snapshot>>) => r.manifest.collectors.find((c) => c.id === 'cloudfront')!;
const findings = (r: Awaited<ReturnType<typeof snapshot>>) => r.manifest.coverage.filter((c) => c.collector === 'cloudfront').map((c) => `${c.resource} ${c.reason}`);

const moto = useMoto();
const emptyStandIn = await cloudfrontStandIn(moto.endpoint, EMPTY);
const standIn = await cloudfrontStandIn(moto.endpoint, SEEDED);
const refusing = await refusingProxy(standIn.endpoint, (req) => req.service === 'cloudfront' && (req.path === '/2020-05-31/tagging' || req.path === '/2020-05-31/cache-policy' || req.path === '/2020-05-31/function/add-headers'));

describe('cloudfront collector, empty account', () => {
  it('writes an empty origin mapping and nothing else, without failing', async () => {
    const archive = await makeArchive({ collectors: { cloudfront: {} }, endpoint: emptyStandIn.endpoint });
    const result = await snapshot(archive, 'v1.0');
    expect(report(result).status).toBe('ok');
    expect(findings(result)).toEqual([]);
    const v = await readVersion(archive, 'v1.0', 'cloudfront');
    expect((await v.list()).map((e) => e.name)).toEqual(['origin_mappings.json']);
    expect(await v.json('origin_mappings.json')).toEqual({ buckets: {}, domains: [] });
  });

  it('against moto alone, the lists moto lacks are coverage findings, not failures', async () => {
    const archive = await makeArchive({ collectors: { cloudfront: {} }, endpoint: moto.endpoint });
    const result = await snapshot(archive, 'v1.0');
    expect(report(result).status).toBe('ok');
    expect(findings(result)).toEqual([
      'cloudfront/cache_policies NotOffered',
      'cloudfront/functions NotOffered',
      'cloudfront/origin_access_identities NotOffered',
      'cloudfront/origin_request_policies NotOffered',
      'cloudfront/response_headers_policies NotOffered',
    ]);
  });
});

describe('cloudfront collector', () => {
  let archive: Archive;
  const ids = new Map<string, string>(); // CallerReference → distribution id
  const rename = new Map<string, string>(); // emulator-made ids → stable names, for the golden file
  let firstSnapshotMs = 0;

  beforeAll(async () => {
    const cf = new CloudFrontClient(clientOptions(moto.endpoint));
    const oac = await cf.send(new CreateOriginAccessControlCommand({ OriginAccessControlConfig: { Name: 'site-oac', Description: 'site bucket', SigningProtocol: 'sigv4', SigningBehavior: 'always', OriginAccessControlOriginType: 's3' } }));
    rename.set(oac.OriginAccessControl!.Id!, '<oac:site-oac>');
    const behavior = (target: string) => ({
      TargetOriginId: target,
      ViewerProtocolPolicy: 'redirect-to-https' as const,
      CachePolicyId: SEEDED.cachePolicies[0]!.id,
      AllowedMethods: { Quantity: 3, Items: ['OPTIONS' as const, 'HEAD' as const, 'GET' as const], CachedMethods: { Quantity: 2, Items: ['HEAD' as const, 'GET' as const] } },
    });
    const configs: DistributionConfig[] = [
      {
        CallerReference: 'site',
        Comment: 'main site',
        Enabled: true,
        Aliases: { Quantity: 2, Items: ['www.example.com', 'example.com'] },
        DefaultRootObject: 'index.html',
        Origins: {
          Quantity: 2,
          Items: [
            { Id: 'api', DomainName: 'abc123.execute-api.us-east-1.amazonaws.com', OriginPath: '/prod', CustomOriginConfig: { HTTPPort: 80, HTTPSPort: 443, OriginProtocolPolicy: 'https-only' }, CustomHeaders: { Quantity: 1, Items: [{ HeaderName: 'X-Origin-Verify', HeaderValue: ORIGIN_SECRET }] } },
            { Id: 'site-s3', DomainName: 'site-bucket.s3.us-east-1.amazonaws.com', S3OriginConfig: { OriginAccessIdentity: '' }, OriginAccessControlId: oac.OriginAccessControl!.Id! },
          ],
        },
        DefaultCacheBehavior: behavior('site-s3'),
        // Precedence order, deliberately not alphabetical: it must be kept.
        CacheBehaviors: { Quantity: 2, Items: [{ PathPattern: '/api/*', ...behavior('api') }, { PathPattern: '/assets/*', ...behavior('site-s3') }] },
      },
      {
        CallerReference: 'media',
        Comment: 'media',
        Enabled: true,
        Aliases: { Quantity: 1, Items: ['media.example.com'] },
        Origins: { Quantity: 1, Items: [{ Id: 'media-s3', DomainName: 'media-bucket.s3.amazonaws.com', S3OriginConfig: { OriginAccessIdentity: `origin-access-identity/cloudfront/${SEEDED.originAccessIdentities[0]!.id}` } }] },
        DefaultCacheBehavior: behavior('media-s3'),
      },
      {
        CallerReference: 'legacy',
        Comment: 'old website bucket',
        Enabled: false,
        Origins: { Quantity: 1, Items: [{ Id: 'legacy-web', DomainName: 'legacy-site.s3-website-us-east-1.amazonaws.com', CustomOriginConfig: { HTTPPort: 80, HTTPSPort: 443, OriginProtocolPolicy: 'http-only' } }] },
        DefaultCacheBehavior: behavior('legacy-web'),
      },
    ];
    for (const config of configs) {
      const tags = config.CallerReference === 'site' ? [{ Key: 'team', Value: 'web' }, { Key: 'env', Value: 'prod' }] : [];
      const d = (await cf.send(new CreateDistributionWithTagsCommand({ DistributionConfigWithTags: { DistributionConfig: config, Tags: { Items: tags } } }))).Distribution!;
      ids.set(config.CallerReference!, d.Id!);
      rename.set(d.Id!, `<distribution:${config.CallerReference}>`);
      rename.set(d.DomainName!, `<domain:${config.CallerReference}>.cloudfront.net`);
    }
    archive = await makeArchive({ collectors: { cloudfront: {} }, endpoint: standIn.endpoint });
    const started = Date.now();
    const result = await snapshot(archive, 'v1.0');
    firstSnapshotMs = Date.now() - started;
    expect(report(result).status).toBe('ok');
    expect(findings(result)).toEqual([]);
  });

  afterAll(() => {
    console.info(`cloudfront: first snapshot of 3 distributions, 5 policies, 3 functions, 2 access controls took ${firstSnapshotMs} ms`);
  });

  it('archives each distribution without volatile fields, with tags, secret origin headers as fingerprints', async () => {
    const v = await readVersion(archive, 'v1.0', 'cloudfront');
    const site = (await v.json<any>(`distribution_configs/${ids.get('site')}.json`))!;
    for (const volatile of ['Status', 'LastModifiedTime', 'InProgressInvalidationBatches', 'ETag', 'ActiveTrustedSigners']) expect(site).not.toHaveProperty(volatile);
    expect(site.DomainName).toMatch(/\.cloudfront\.net$/);
    expect(site.DistributionConfig.Aliases.Items).toEqual(['example.com', 'www.example.com']);
    expect(site.DistributionConfig.Origins.Items.map((o: any) => o.Id)).toEqual(['api', 'site-s3']);
    expect(site.DistributionConfig.CacheBehaviors.Items.map((b: any) => b.PathPattern)).toEqual(['/api/*', '/assets/*']);
    expect(site.DistributionConfig.DefaultCacheBehavior.AllowedMethods.Items).toEqual(['GET', 'HEAD', 'OPTIONS']);
    const header = site.DistributionConfig.Origins.Items[0].CustomHeaders.Items[0];
    expect(header).toEqual({ HeaderName: 'X-Origin-Verify', HeaderValue: expect.stringMatching(/^hmac-sha256:[0-9a-f]{32}$/) });
    expect(site.Tags.Items).toEqual([{ Key: 'env', Value: 'prod' }, { Key: 'team', Value: 'web' }]);
    expect((await v.list('distribution_configs')).length).toBe(3);
  });

  it('answers which domain is served from which bucket or origin', async () => {
    const v = await readVersion(archive, 'v1.0', 'cloudfront');
    const m = (await v.json<any>('origin_mappings.json'))!;
    const cfDomain = expect.stringMatching(/\.cloudfront\.net$/);
    expect(m.buckets).toEqual({ 'legacy-site': [cfDomain], 'media-bucket': expect.arrayContaining(['media.example.com', cfDomain]), 'site-bucket': expect.arrayContaining(['example.com', 'www.example.com', cfDomain]) });
    expect(m.buckets['site-bucket']).toHaveLength(3);
    const www = m.domains.find((d: any) => d.domain === 'www.example.com');
    expect(www).toMatchObject({ distribution: ids.get('site'), enabled: true });
    expect(www.routes.map((r: any) => [r.pathPattern, r.origins.map((o: any) => `${o.type}:${o.bucket ?? o.domainName}${o.originPath ?? ''}`)])).toEqual([
      ['/api/*', ['api-gateway:abc123.execute-api.us-east-1.amazonaws.com/prod']],
      ['/assets/*', ['s3:site-bucket']],
      ['*', ['s3:site-bucket']],
    ]);
    // moto drops S3OriginConfig and OriginAccessControlId from what it stores, so `access`
    // (oac / oai / none) is covered by the origin-mappings unit test, not here.
    expect(m.domains.find((d: any) => d.domain === 'media.example.com').routes[0].origins[0]).toMatchObject({ type: 's3', bucket: 'media-bucket' });
  });

  it('archives custom policies, CloudFront Functions with their code per stage, and origin access controls', async () => {
    const v = await readVersion(archive, 'v1.0', 'cloudfront');
    expect((await v.list('cache_policies')).map((e) => e.name)).toEqual(SEEDED.cachePolicies.map((p) => `${p.id}.json`));
    const policy = (await v.json<any>(`cache_policies/${SEEDED.cachePolicies[0]!.id}.json`))!;
    expect(policy).not.toHaveProperty('LastModifiedTime');
    expect(policy.CachePolicyConfig.ParametersInCacheKeyAndForwardedToOrigin.HeadersConfig.Headers.Items).toEqual(['Accept-Language', 'Origin']);
    expect((await v.json<any>(`origin_request_policies/${SEEDED.originRequestPolicies[0]!.id}.json`))!.OriginRequestPolicyConfig.Name).toBe('api-forward');
    const rhp = (await v.json<any>(`response_headers_policies/${SEEDED.responseHeadersPolicies[0]!.id}.json`))!;
    expect(rhp.ResponseHeadersPolicyConfig.CustomHeadersConfig.Items.map((h: any) => h.Header)).toEqual(['Permissions-Policy', 'X-Served-By']);
    expect(await v.text('functions/redirect-www/live.js')).toBe(SEEDED.functions[0]!.code.LIVE);
    expect(await v.text('functions/redirect-www/development.js')).toBe(SEEDED.functions[0]!.code.DEVELOPMENT);
    expect(await v.entry('functions/add-headers/live.js')).toBeNull();
    const fn = (await v.json<any>('functions/redirect-www/config.json'))!;
    expect(fn.Stages.map((s: any) => [s.FunctionMetadata.Stage, s.Status])).toEqual([['DEVELOPMENT', 'UNPUBLISHED'], ['LIVE', 'DEPLOYED']]);
    expect(fn.Stages[0].FunctionMetadata).not.toHaveProperty('LastModifiedTime');
    expect((await v.list('origin_access_controls')).length).toBe(1);
    expect(await v.json(`origin_access_identities/${SEEDED.originAccessIdentities[0]!.id}.json`)).toEqual({ Comment: 'legacy bucket access', Id: 'E2LEGACYOAI01', S3CanonicalUserId: 'c0ffee'.repeat(16) });
  });

  it('matches the golden normalized output (refresh with UPDATE_GOLDEN=1)', async () => {
    golden('tree', await folderContents(archive, 'v1.0', 'cloudfront', rename));
  });

  it('follows every page of every list', () => {
    const pagesOf = (list: string) => standIn.pages.filter((p) => p.startsWith(`${list}:`)).map((p) => p.slice(list.length + 1));
    expect(pagesOf('Distribution').slice(0, 2)).toEqual(['', '2']);
    expect(pagesOf('CachePolicy').slice(0, 2)).toEqual(['', '2']);
    expect(pagesOf('Function(DEVELOPMENT)').slice(0, 2)).toEqual(['', '2']);
  });

  collectorContract({ archive: () => archive, root: 'cloudfront', secrets: [ORIGIN_SECRET] });

  it('records refusals as coverage findings and goes on (moto does not enforce IAM: a stand-in answers as AWS does)', async () => {
    const refused = await makeArchive({ collectors: { cloudfront: {} }, endpoint: refusing.endpoint });
    const result = await snapshot(refused, 'v1.0');
    expect(report(result).status).toBe('ok');
    expect(findings(result)).toEqual([
      'cloudfront/cache_policies AccessDenied',
      ...[...ids.values()].sort().map((id) => `cloudfront/distribution_configs/${id}/tags AccessDenied`),
      'cloudfront/functions/add-headers AccessDenied',
    ]);
    const v = await readVersion(refused, 'v1.0', 'cloudfront');
    expect(await v.entry('cache_policies')).toBeNull();
    expect((await v.json<any>(`distribution_configs/${ids.get('site')}.json`))!).not.toHaveProperty('Tags');
    expect(await v.text('functions/redirect-www/live.js')).toBe(SEEDED.functions[0]!.code.LIVE);
  });

  it('keeps the previous file of a distribution that fails, and its domains in the mappings', async () => {
    const siteId = ids.get('site')!;
    const before = await readVersion(archive, 'latest', 'cloudfront');
    standIn.failIds.add(siteId);
    try {
      const result = await snapshot(archive);
      expect(report(result)).toMatchObject({ status: 'partial', errors: [{ resource: `cloudfront/distribution_configs/${siteId}.json`, message: expect.stringContaining('stand-in failure') }] });
      const after = await readVersion(archive, 'latest', 'cloudfront');
      expect((await after.entry(`distribution_configs/${siteId}.json`))!.oid).toBe((await before.entry(`distribution_configs/${siteId}.json`))!.oid);
      expect((await after.entry('origin_mappings.json'))!.oid).toBe((await before.entry('origin_mappings.json'))!.oid);
    } finally {
      standIn.failIds.clear();
    }
    expect(archiveContainsBytes(archive.dir, ORIGIN_SECRET)).toEqual([]);
  });
});
