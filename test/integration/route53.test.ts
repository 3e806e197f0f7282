// The Route53 collector against moto, with zones, records and health checks made through the
// SDK: absent, present (public and private zones, every routing policy, alias records),
// golden normalized output, paginated, refused, a zone that fails unexpectedly, and the
// collector contract.
//
// Known emulator gaps, and what stands in for them:
// - moto does not enforce IAM: AccessDenied comes from test/helpers/refusing-proxy.ts, which
//   answers as AWS documents for a refused Route53 call.
// - moto ignores StartRecordIdentifier when paging record sets and restarts a page boundary
//   at the first record of that name and type; the collector de-duplicates, and the
//   paginated test puts routed records across a page boundary on purpose.
// - moto gives alias records a TTL of 0 (AWS gives none) and an SOA value in a Python
//   repr form; both show in the golden files as moto returns them.
// - moto always answers GetDNSSEC with NOT_SIGNING, so signing keys are not exercised here.
// - there is no CloudWatch Logs client among snap's dependencies; the log group that query
//   logging needs is made with one raw JSON-protocol request to moto.
// - an unexpected (non-refusal) failure is provoked by a small loopback proxy in this file
//   that answers one request with a non-retryable error in Route53's XML error format.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { dirname, join } from 'node:path';
import {
  ChangeResourceRecordSetsCommand,
  ChangeTagsForResourceCommand,
  CreateHealthCheckCommand,
  CreateHostedZoneCommand,
  CreateQueryLoggingConfigCommand,
  AssociateVPCWithHostedZoneCommand,
  Route53Client,
  type Change,
} from '@aws-sdk/client-route-53';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Archive } from '../../src/archive/archive.js';
import { route53Collector, zoneFolder } from '../../src/collectors/aws/route53/collect.js';
import { collectorContract } from '../helpers/collector-contract.js';
import { makeArchive, readVersion, snapshot } from '../helpers/archive.js';
import { clientOptions, useMoto } from '../helpers/moto.js';
import { refusingProxy } from '../helpers/refusing-proxy.js';


const GOLDEN_DIR = join(import.meta.dirname, '..', 'golden', 'route53');
const moto = useMoto();
const r53 = new Route53Client(clientOptions(moto.endpoint));
afterAll(() => r53.destroy());

function expectGolden(name: string, actual: string): void {
  const file = join(GOLDEN_DIR, name);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  let expected: string;
  try {
    expected = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`golden file ${file} is missing; run the tests with UPDATE_GOLDEN=1 to write it`);
  }
  expect(actual).toBe(expected);
}

const bare = (id: string | undefined) => (id ?? '').replace(/^\/hostedzone\//, '');

async function createZone(name: string, options: { vpc?: string; comment?: string } = {}): Promise<string> {
  const out = await r53.send(
    new CreateHostedZoneCommand({
      Name: name,
      CallerReference: `${name}-${Math.random()}`,
      ...(options.vpc ? { VPC: { VPCRegion: 'us-east-1', VPCId: options.vpc } } : {}),
      HostedZoneConfig: { PrivateZone: Boolean(options.vpc), ...(options.comment ? { Comment: options.comment } : {}) },
    }),
  );
  return bare(out.HostedZone!.Id);
}

async function change(zoneId: string, changes: Change[]): Promise<void> {
  await r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: changes } }));
}

const create = (rr: Change['ResourceRecordSet']): Change => ({ Action: 'CREATE', ResourceRecordSet: rr });

/** A CloudWatch Logs group for query logging (no Logs client in snap's dependencies: one raw request). */
async function createLogGroup(name: string): Promise<void> {
  const res = await fetch(`${moto.endpoint}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'Logs_20140328.CreateLogGroup',
      authorization: 'AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/logs/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: JSON.stringify({ logGroupName: name }),
  });
  expect(res.status).toBe(200);
}

interface Seeded {
  publicId: string;
  privateId: string;
  twinId: string;
  healthCheckId: string;
  queryLogId: string;
}

async function seed(): Promise<Seeded> {
  const publicId = await createZone('example.com', { comment: 'main site' });
  const privateId = await createZone('internal.example', { vpc: 'vpc-0a1b2c3d', comment: 'inside' });
  await r53.send(new AssociateVPCWithHostedZoneCommand({ HostedZoneId: privateId, VPC: { VPCRegion: 'eu-west-1', VPCId: 'vpc-0e0e0e0e' } }));
  const twinId = await createZone('example.com', { vpc: 'vpc-0a1b2c3d', comment: 'split horizon' });
  const hc = await r53.send(
    new CreateHealthCheckCommand({
      CallerReference: 'hc-origin',
      HealthCheckConfig: { Type: 'HTTPS', FullyQualifiedDomainName: 'origin.example.com', ResourcePath: '/health', Port: 443, RequestInterval: 30, FailureThreshold: 3 },
    }),
  );
  const healthCheckId = hc.HealthCheck!.Id!;
  await change(publicId, [
    create({ Name: 'example.com', Type: 'A', AliasTarget: { HostedZoneId: 'Z2FDTNDATAQYW2', DNSName: 'd111111abcdef8.cloudfront.net', EvaluateTargetHealth: false } }),
    create({ Name: 'example.com', Type: 'MX', TTL: 300, ResourceRecords: [{ Value: '20 mail2.example.com' }, { Value: '10 mail.example.com.' }] }),
    create({ Name: 'example.com', Type: 'TXT', TTL: 300, ResourceRecords: [{ Value: '"v=spf1 include:amazonses.com -all"' }, { Value: '"part one" "part two"' }] }),
    create({ Name: 'www.example.com', Type: 'CNAME', TTL: 300, ResourceRecords: [{ Value: 'example.com' }] }),
    create({ Name: '*.example.com', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '192.0.2.10' }] }),
    create({ Name: 'api.example.com', Type: 'A', SetIdentifier: 'blue', Weight: 90, TTL: 60, ResourceRecords: [{ Value: '192.0.2.1' }], HealthCheckId: healthCheckId }),
    create({ Name: 'api.example.com', Type: 'A', SetIdentifier: 'green', Weight: 10, TTL: 60, ResourceRecords: [{ Value: '192.0.2.2' }] }),
    create({ Name: 'lat.example.com', Type: 'A', SetIdentifier: 'us', Region: 'us-east-1', TTL: 60, ResourceRecords: [{ Value: '192.0.2.3' }] }),
    create({ Name: 'lat.example.com', Type: 'A', SetIdentifier: 'eu', Region: 'eu-west-1', TTL: 60, ResourceRecords: [{ Value: '192.0.2.4' }] }),
    create({ Name: 'fo.example.com', Type: 'A', SetIdentifier: 'primary', Failover: 'PRIMARY', TTL: 60, ResourceRecords: [{ Value: '192.0.2.5' }], HealthCheckId: healthCheckId }),
    create({ Name: 'fo.example.com', Type: 'A', SetIdentifier: 'secondary', Failover: 'SECONDARY', AliasTarget: { HostedZoneId: 'Z3AQBSTGFYJSTF', DNSName: 's3-website-us-east-1.amazonaws.com', EvaluateTargetHealth: true } }),
    create({ Name: 'geo.example.com', Type: 'A', SetIdentifier: 'europe', GeoLocation: { ContinentCode: 'EU' }, TTL: 60, ResourceRecords: [{ Value: '192.0.2.6' }] }),
    create({ Name: 'geo.example.com', Type: 'A', SetIdentifier: 'default', GeoLocation: { CountryCode: '*' }, TTL: 60, ResourceRecords: [{ Value: '192.0.2.7' }] }),
    create({ Name: 'mv.example.com', Type: 'A', SetIdentifier: 'mv-1', MultiValueAnswer: true, TTL: 60, ResourceRecords: [{ Value: '192.0.2.8' }] }),
    create({ Name: '_sip._tcp.example.com', Type: 'SRV', TTL: 300, ResourceRecords: [{ Value: '10 5 5060 sip.example.com' }] }),
    create({ Name: 'v6.example.com', Type: 'AAAA', TTL: 300, ResourceRecords: [{ Value: '2001:db8::1' }] }),
  ]);
  await change(privateId, [create({ Name: 'db.internal.example', Type: 'CNAME', TTL: 60, ResourceRecords: [{ Value: 'db-1.cluster.local' }] })]);
  await change(twinId, [create({ Name: 'www.example.com', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '10.0.0.5' }] })]);
  await r53.send(new ChangeTagsForResourceCommand({ ResourceType: 'hostedzone', ResourceId: publicId, AddTags: [{ Key: 'team', Value: 'web' }, { Key: 'env', Value: 'prod' }] }));
  await r53.send(new ChangeTagsForResourceCommand({ ResourceType: 'healthcheck', ResourceId: healthCheckId, AddTags: [{ Key: 'owner', Value: 'ops' }] }));
  await createLogGroup('/aws/route53/example.com');
  const qlc = await r53.send(new CreateQueryLoggingConfigCommand({ HostedZoneId: publicId, CloudWatchLogsLogGroupArn: 'arn:aws:logs:us-east-1:123456789012:log-group:/aws/route53/example.com:*' }));
  return { publicId, privateId, twinId, healthCheckId, queryLogId: qlc.QueryLoggingConfig!.Id! };
}

function route53Archive(endpoint = moto.endpoint, section: Record<string, unknown> = {}): Promise<Archive> {
  return makeArchive({ collectors: { route53: section }, endpoint });
}

describe('route53 collector: absent', () => {
  it('writes an empty zone index when the account has no zones, and nothing else', async () => {
    const archive = await route53Archive();
    const result = await snapshot(archive, 'v1.0', { collectors: [route53Collector] });
    expect(result.manifest.collectors[0]).toMatchObject({ id: 'route53', status: 'ok' });
    const v = await readVersion(archive, 'v1.0', 'route53');
    expect(await v.json('zones.json')).toEqual({ HostedZones: [] });
    expect((await v.list()).map((e) => e.name)).toEqual(['zones.json']);
    expect(result.manifest.coverage).toEqual([]);
  });
});

describe('route53 collector: present', () => {
  let archive: Archive;
  let s: Seeded;

  beforeAll(async () => {
    await moto.reset();
    s = await seed();
    archive = await route53Archive();
  });

  collectorContract({ archive: () => archive, root: 'route53' });

  it('indexes every zone, public and private, in a folder named by name and id', async () => {
    const v = await readVersion(archive, 'latest', 'route53');
    const index = (await v.json<{ HostedZones: { Id: string; Name: string; PrivateZone: boolean; Folder: string }[] }>('zones.json'))!;
    const expected = [
      { Id: s.publicId, Name: 'example.com.', PrivateZone: false, Folder: `zones/example.com~${s.publicId}` },
      { Id: s.privateId, Name: 'internal.example.', PrivateZone: true, Folder: `zones/internal.example~${s.privateId}` },
      { Id: s.twinId, Name: 'example.com.', PrivateZone: true, Folder: `zones/example.com~${s.twinId}` },
    ].sort((a, b) => (a.Id < b.Id ? -1 : 1));
    expect(index.HostedZones).toEqual(expected);
    expect(zoneFolder('example.com.', s.publicId)).toBe(`zones/example.com~${s.publicId}`);
    for (const z of expected) expect(await v.entry(`${z.Folder}/zone.json`)).not.toBeNull();
  });

  it('keeps zone configuration without volatile fields: VPCs of private zones, tags, query logging, DNSSEC', async () => {
    const v = await readVersion(archive, 'latest', 'route53');
    const pub = (await v.json<any>(`zones/example.com~${s.publicId}/zone.json`))!;
    expect(pub.HostedZone).toEqual({ Id: `/hostedzone/${s.publicId}`, Name: 'example.com.', Config: { Comment: 'main site', PrivateZone: false } });
    expect(pub.Tags).toEqual([{ Key: 'env', Value: 'prod' }, { Key: 'team', Value: 'web' }]);
    expect(pub.QueryLoggingConfigs).toEqual([{ Id: s.queryLogId, HostedZoneId: s.publicId, CloudWatchLogsLogGroupArn: 'arn:aws:logs:us-east-1:123456789012:log-group:/aws/route53/example.com:*' }]);
    expect(pub.DNSSEC.Status.ServeSignature).toBe('NOT_SIGNING');
    expect(pub.DelegationSet.NameServers.length).toBeGreaterThan(0);
    const priv = (await v.json<any>(`zones/internal.example~${s.privateId}/zone.json`))!;
    expect(priv.VPCs).toEqual([
      { VPCRegion: 'eu-west-1', VPCId: 'vpc-0e0e0e0e' },
      { VPCRegion: 'us-east-1', VPCId: 'vpc-0a1b2c3d' },
    ]);
    expect(priv.DNSSEC).toBeUndefined();
    expect(JSON.stringify(pub) + JSON.stringify(priv)).not.toMatch(/ResourceRecordSetCount|CallerReference/);
  });

  it('keeps every record set, routed and alias ones included, sorted by name, type and set identifier', async () => {
    const v = await readVersion(archive, 'latest', 'route53');
    const doc = (await v.json<any>(`zones/example.com~${s.publicId}/records.json`))!;
    const ids = doc.ResourceRecordSets.map((r: any) => [r.Name, r.Type, r.SetIdentifier ?? null]);
    const sorted = [...ids].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
    expect(ids).toEqual(sorted);
    const find = (name: string, type: string, set?: string) => doc.ResourceRecordSets.find((r: any) => r.Name === name && r.Type === type && r.SetIdentifier === set);
    expect(find('example.com.', 'A').AliasTarget).toMatchObject({ DNSName: 'd111111abcdef8.cloudfront.net' });
    expect(find('api.example.com.', 'A', 'blue')).toMatchObject({ Weight: 90, HealthCheckId: s.healthCheckId });
    expect(find('lat.example.com.', 'A', 'eu').Region).toBe('eu-west-1');
    expect(find('fo.example.com.', 'A', 'secondary')).toMatchObject({ Failover: 'SECONDARY', AliasTarget: { EvaluateTargetHealth: true } });
    expect(find('geo.example.com.', 'A', 'europe').GeoLocation).toEqual({ ContinentCode: 'EU' });
    expect(find('mv.example.com.', 'A', 'mv-1').MultiValueAnswer).toBe(true);
    // values of one record set are a set: sorted
    expect(find('example.com.', 'MX').ResourceRecords).toEqual([{ Value: '10 mail.example.com.' }, { Value: '20 mail2.example.com' }]);
    expect(find('\\052.example.com.', 'A') ?? find('*.example.com.', 'A')).toBeDefined();
  });

  it('writes a BIND zone file: $ORIGIN, $TTL, absolute names in record data, aliases and routing as comments', async () => {
    const v = await readVersion(archive, 'latest', 'route53');
    const text = (await v.text(`zones/example.com~${s.publicId}/bind.zone`))!;
    const lines = text.split('\n');
    expect(lines).toContain('$ORIGIN example.com.');
    expect(lines.some((l) => l.startsWith('$TTL '))).toBe(true);
    expect(text).toMatch(/^www\s+300\s+IN CNAME\s+example\.com\.$/m);
    expect(text).toMatch(/^@\s+300\s+IN MX\s+20 mail2\.example\.com\.$/m);
    expect(text).toMatch(/^\*\s+60\s+IN A\s+192\.0\.2\.10$/m);
    expect(text).toMatch(/^_sip\._tcp\s+300\s+IN SRV\s+10 5 5060 sip\.example\.com\.$/m);
    expect(text).toMatch(/^; @\s+ALIAS A\s+d111111abcdef8\.cloudfront\.net\. ; hosted-zone=Z2FDTNDATAQYW2 evaluate-target-health=no$/m);
    expect(text).toMatch(/^api\s+60\s+IN A\s+192\.0\.2\.1 ; set="blue" weight=90 health-check=/m);
    expect(text).toMatch(/^geo\s+60\s+IN A\s+192\.0\.2\.7 ; set="default" geolocation=country:\*$/m);
    expect(text).toMatch(/^; fo\s+ALIAS A\s+s3-website-us-east-1\.amazonaws\.com\. ; hosted-zone=Z3AQBSTGFYJSTF evaluate-target-health=yes set="secondary" failover=SECONDARY$/m);
    // the apex SOA and NS come first
    const records = lines.filter((l) => l && !l.startsWith(';') && !l.startsWith('$'));
    expect(records[0]).toMatch(/^@\s+\d+\s+IN SOA/);
    expect(records[1]).toMatch(/^@\s+\d+\s+IN NS/);
  });

  it('keeps health checks with their tags and the records that use them, without the version counter', async () => {
    const v = await readVersion(archive, 'latest', 'route53');
    const doc = (await v.json<any>(`health_checks/${s.healthCheckId}.json`))!;
    expect(doc.HealthCheck.HealthCheckConfig).toMatchObject({ Type: 'HTTPS', FullyQualifiedDomainName: 'origin.example.com', ResourcePath: '/health' });
    expect(doc.HealthCheck.HealthCheckVersion).toBeUndefined();
    expect(doc.HealthCheck.CallerReference).toBeUndefined();
    expect(doc.Tags).toEqual([{ Key: 'owner', Value: 'ops' }]);
    expect(doc.ReferencedBy).toEqual([
      { HostedZoneId: s.publicId, Name: 'api.example.com.', Type: 'A', SetIdentifier: 'blue' },
      { HostedZoneId: s.publicId, Name: 'fo.example.com.', Type: 'A', SetIdentifier: 'primary' },
    ]);
  });

  it('matches the golden normalized output (ids replaced; refresh with UPDATE_GOLDEN=1)', async () => {
    const v = await readVersion(archive, 'latest', 'route53');
    const folder = `zones/example.com~${s.publicId}`;
    const stable = (text: string) =>
      text
        .replaceAll(s.publicId, '<PUBLIC_ZONE_ID>')
        .replaceAll(s.healthCheckId, '<HEALTH_CHECK_ID>')
        .replaceAll(s.queryLogId, '<QUERY_LOGGING_CONFIG_ID>');
    expectGolden('example.com/zone.json', stable((await v.text(`${folder}/zone.json`))!));
    expectGolden('example.com/records.json', stable((await v.text(`${folder}/records.json`))!));
    expectGolden('example.com/bind.zone', stable((await v.text(`${folder}/bind.zone`))!));
    expectGolden('health_check.json', stable((await v.text(`health_checks/${s.healthCheckId}.json`))!));
  });

  it('records refusals as coverage findings and goes on (AccessDenied from a stand-in: moto does not enforce IAM)', async () => {
    // Refuse the record listing of one zone and the account's health checks.
    const proxy = await refusingProxy(moto.endpoint, (req) => req.service === 'route53' && (req.path.endsWith(`/hostedzone/${s.privateId}/rrset`) || req.path.endsWith('/healthcheck')));
    const refused = await route53Archive(proxy.endpoint);
    const result = await snapshot(refused, 'v1.0', { collectors: [route53Collector] });
    expect(result.partial).toBe(false);
    expect(result.manifest.collectors[0]!.status).toBe('ok');
    expect(result.manifest.coverage).toEqual([
      { collector: 'route53', resource: 'route53/health_checks', reason: 'AccessDenied' },
      { collector: 'route53', resource: `route53/zones/internal.example~${s.privateId}/records`, reason: 'AccessDenied' },
    ]);
    const v = await readVersion(refused, 'v1.0', 'route53');
    expect(await v.entry(`zones/internal.example~${s.privateId}/zone.json`)).not.toBeNull();
    expect(await v.entry(`zones/internal.example~${s.privateId}/records.json`)).toBeNull();
    expect(await v.entry(`zones/example.com~${s.publicId}/records.json`)).not.toBeNull();
    expect(await v.entry('health_checks')).toBeNull();
    expect(proxy.refused.length).toBeGreaterThan(0);
  });

  it('records a refused zone listing as a finding, not a failure', async () => {
    const proxy = await refusingProxy(moto.endpoint, (req) => req.service === 'route53' && /\/hostedzone$/.test(req.path));
    const refused = await route53Archive(proxy.endpoint);
    const result = await snapshot(refused, 'v1.0', { collectors: [route53Collector] });
    expect(result.manifest.collectors[0]!.status).toBe('ok');
    expect(result.manifest.coverage).toEqual([{ collector: 'route53', resource: 'route53/zones', reason: 'AccessDenied' }]);
    const v = await readVersion(refused, 'v1.0', 'route53');
    expect(await v.entry('zones.json')).toBeNull();
    expect(await v.entry(`health_checks/${s.healthCheckId}.json`)).not.toBeNull();
  });

  it('carries a zone that fails unexpectedly over from the previous version and marks the snapshot partial', async () => {
    let failing = false;
    const proxy = await faultProxy(moto.endpoint, (path) => failing && path.endsWith(`/hostedzone/${s.publicId}/rrset`));
    const flaky = await route53Archive(proxy);
    await snapshot(flaky, 'v1.0', { collectors: [route53Collector] });
    await change(s.publicId, [create({ Name: 'new.example.com', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '192.0.2.99' }] })]);
    failing = true;
    const result = await snapshot(flaky, 'v1.1', { collectors: [route53Collector] });
    expect(result.partial).toBe(true);
    expect(result.manifest.collectors[0]!.errors).toEqual([{ resource: `route53/zones/example.com~${s.publicId}`, message: expect.stringContaining('InvalidInput') }]);
    const folder = `zones/example.com~${s.publicId}`;
    const before = await readVersion(flaky, 'v1.0', 'route53');
    const after = await readVersion(flaky, 'v1.1', 'route53');
    expect((await after.entry(folder))!.oid).toBe((await before.entry(folder))!.oid);
    expect(await after.text(`${folder}/records.json`)).not.toContain('new.example.com');
    expect(await after.text(`zones/internal.example~${s.privateId}/records.json`)).toContain('db.internal.example.');
    await change(s.publicId, [{ Action: 'DELETE', ResourceRecordSet: { Name: 'new.example.com', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '192.0.2.99' }] } }]);
  });
});

describe('route53 collector: paginated', () => {
  it('follows zone pages (101 zones, one more than a page) and record pages (over 300 records, routed records across a boundary)', async () => {
    await moto.reset();
    const big = await createZone('big.example');
    const changes: Change[] = [];
    for (let i = 0; i < 340; i++) changes.push(create({ Name: `host${String(i).padStart(3, '0')}.big.example`, Type: 'A', TTL: 60, ResourceRecords: [{ Value: `10.0.${i >> 8}.${i & 255}` }] }));
    // The first page (300) ends inside a routed group: NS, SOA, host000..host296 A are 299 record sets, then host296 TXT w0..w5.
    for (let w = 0; w < 6; w++) changes.push(create({ Name: 'host296.big.example', Type: 'TXT', SetIdentifier: `w${w}`, Weight: w, TTL: 60, ResourceRecords: [{ Value: `"w${w}"` }] }));
    await change(big, changes);
    for (let i = 0; i < 100; i += 8) await Promise.all(Array.from({ length: Math.min(8, 100 - i) }, (_, k) => createZone(`zone${String(i + k).padStart(3, '0')}.example`)));
    const archive = await route53Archive(moto.endpoint, { concurrency: 8 });
    const result = await snapshot(archive, 'v1.0', { collectors: [route53Collector] });
    expect(result.manifest.collectors[0]!.counts['hosted zones']).toBe(101);
    const v = await readVersion(archive, 'v1.0', 'route53');
    expect(((await v.json<any>('zones.json'))!.HostedZones as unknown[]).length).toBe(101);
    const records = (await v.json<any>(`zones/big.example~${big}/records.json`))!.ResourceRecordSets as any[];
    expect(records.length).toBe(340 + 6 + 2);
    expect(new Set(records.map((r) => JSON.stringify([r.Name, r.Type, r.SetIdentifier]))).size).toBe(records.length);
    expect(records.filter((r) => r.Type === 'TXT').map((r) => r.SetIdentifier)).toEqual(['w0', 'w1', 'w2', 'w3', 'w4', 'w5']);
  });
});

/**
 * A loopback proxy to moto that answers matching requests with a non-retryable error in
 * Route53's XML error format (InvalidInput), standing in for an unexpected failure.
 */
async function faultProxy(target: string, fail: (path: string) => boolean): Promise<string> {
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (fail(path)) {
        res.writeHead(400, { 'content-type': 'text/xml' });
        res.end('<ErrorResponse><Error><Type>Sender</Type><Code>InvalidInput</Code><Message>stand-in failure</Message></Error><RequestId>snap-test</RequestId></ErrorResponse>');
        return;
      }
      const fwd = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      fwd.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      fwd.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}
