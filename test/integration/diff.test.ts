// snap diff and snap status against a real emulated estate: a change made through the SDK
// shows as exactly that change, field by field; a reorder that AWS may return is no change;
// an unchanged estate gives no output and exit code 0.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CloudFrontClient, CreateDistributionCommand, GetDistributionCommand, GetDistributionConfigCommand, UpdateDistributionCommand, type DistributionConfig } from '@aws-sdk/client-cloudfront';
import { ChangeResourceRecordSetsCommand, CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { Archive } from '../../src/archive/archive.js';
import { resolveVersion } from '../../src/archive/versions.js';
import { compareTrees } from '../../src/diff/compare.js';
import { diffDocumentSchema } from '../../src/diff/schema.js';
import { makeArchive, snapshot, tempDir } from '../helpers/archive.js';
import { snapCli } from '../helpers/cli.js';
import { clientOptions, useMoto } from '../helpers/moto.js';
import { describeDrift, drift } from '../helpers/restore.js';
import { createBucket, put, s3Client } from '../helpers/s3-seed.js';

const moto = useMoto();

function distribution(ttl: number, origins: string[]): DistributionConfig {
  return {
    CallerReference: 'diff-test',
    Comment: 'sailjada.com',
    Enabled: true,
    Aliases: { Quantity: 1, Items: ['www.sailjada.com'] },
    Origins: { Quantity: origins.length, Items: origins.map((id) => ({ Id: id, DomainName: `${id}.s3.amazonaws.com`, S3OriginConfig: { OriginAccessIdentity: '' } })) },
    DefaultCacheBehavior: { TargetOriginId: origins[0]!, ViewerProtocolPolicy: 'redirect-to-https', MinTTL: 0, DefaultTTL: ttl, ForwardedValues: { QueryString: false, Cookies: { Forward: 'none' } }, TrustedSigners: { Enabled: false, Quantity: 0 } },
  };
}

describe('snap diff and snap status', () => {
  let archive: Archive;
  let zoneId: string;
  let distributionId: string;
  const cf = () => new CloudFrontClient(clientOptions(moto.endpoint));
  const r53 = () => new Route53Client(clientOptions(moto.endpoint));
  const ddb = () => new DynamoDBClient(clientOptions(moto.endpoint));

  beforeAll(async () => {
    const created = await cf().send(new CreateDistributionCommand({ DistributionConfig: distribution(86400, ['sailjada-prod', 'sailjada-media']) }));
    distributionId = created.Distribution!.Id!;
    const zone = await r53().send(new CreateHostedZoneCommand({ Name: 'sailjada.com', CallerReference: 'diff-test' }));
    zoneId = zone.HostedZone!.Id!;
    await r53().send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: [{ Action: 'CREATE', ResourceRecordSet: { Name: 'www.sailjada.com', Type: 'CNAME', TTL: 300, ResourceRecords: [{ Value: 'd1.cloudfront.net' }] } }] } }));
    await ddb().send(new CreateTableCommand({ TableName: 'events', BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }] }));
    await ddb().send(new PutItemCommand({ TableName: 'events', Item: { id: { S: 'dylan' }, price: { N: '225' } } }));
    const site = await createBucket(moto.endpoint, 'sailjada-prod', 'us-east-1');
    await put(site, 'sailjada-prod', 'index.html', '<p>Tickets: $225</p>\n', { ContentType: 'text/html' });
    const tools = join(tempDir(), 'tools');
    mkdirSync(tools);
    writeFileSync(join(tools, 'release.py'), 'PRICE = 225\n');
    archive = await makeArchive({ endpoint: moto.endpoint, collectors: { s3: {}, cloudfront: {}, route53: {}, dynamodb: {}, local: { paths: [{ name: 'tools', path: tools }] } } });
    await snapshot(archive, 'v1.0');
  });

  it('finds no difference between two snapshots of an unchanged estate (exit 0, no output)', async () => {
    await snapshot(archive, 'v1.1');
    const cli = snapCli(archive.dir, ['diff', 'v1.0', 'v1.1']);
    expect([cli.code, cli.stdout]).toEqual([0, '']);
    expect(snapCli(archive.dir, ['diff', 'v1.0', 'v1.1', '--json']).stdout).toContain('"changes": []');
  });

  it('does not see a reorder of a keyed list as a change', async () => {
    const live = await cf().send(new GetDistributionConfigCommand({ Id: distributionId }));
    const reordered = distribution(86400, ['sailjada-media', 'sailjada-prod']);
    reordered.DefaultCacheBehavior!.TargetOriginId = 'sailjada-prod';
    await cf().send(new UpdateDistributionCommand({ Id: distributionId, IfMatch: live.ETag, DistributionConfig: reordered }));
    expect(describeDrift(await drift(archive, ['cloudfront']))).toEqual([]);
  });

  it('shows exactly the changes made, as status and as diff', async () => {
    const live = await cf().send(new GetDistributionConfigCommand({ Id: distributionId }));
    await cf().send(new UpdateDistributionCommand({ Id: distributionId, IfMatch: live.ETag, DistributionConfig: distribution(300, ['sailjada-prod', 'sailjada-media']) }));
    await r53().send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: [{ Action: 'UPSERT', ResourceRecordSet: { Name: 'www.sailjada.com', Type: 'CNAME', TTL: 60, ResourceRecords: [{ Value: 'staging.sailjada.com' }] } }] } }));
    await ddb().send(new PutItemCommand({ TableName: 'events', Item: { id: { S: 'dylan' }, price: { N: '195' } } }));

    const status = snapCli(archive.dir, ['status', '--json']);
    expect(status.code, status.stderr).toBe(1);
    const doc = diffDocumentSchema.parse(JSON.parse(status.stdout));
    const fields = doc.changes.flatMap((c) => (c.fields ?? []).map((f) => `${c.service} ${c.kind === 'CloudFront distribution' ? 'distribution' : c.label}: ${f.path}: ${JSON.stringify(f.old)} → ${JSON.stringify(f.new)}`));
    expect(fields).toEqual([
      'cloudfront distribution: DistributionConfig.DefaultCacheBehavior.DefaultTTL: 86400 → 300',
      'route53 www.sailjada.com. CNAME: ResourceRecords[Value=d1.cloudfront.net]: {"Value":"d1.cloudfront.net"} → undefined',
      'route53 www.sailjada.com. CNAME: ResourceRecords[Value=staging.sailjada.com]: undefined → {"Value":"staging.sailjada.com"}',
      'route53 www.sailjada.com. CNAME: TTL: 300 → 60',
    ]);
    expect(doc.changes.map((c) => `${c.status} ${c.path}`).filter((p) => !/origin_mappings|records\.json|distribution_configs/.test(p))).toEqual([
      expect.stringMatching(/^changed dynamodb\/us-east-1\/events\/items\.jsonl$/),
      expect.stringMatching(/^changed route53\/zones\/sailjada\.com~.*\/bind\.zone$/),
    ]);
    const items = doc.changes.find((c) => c.path.endsWith('items.jsonl'))!;
    expect(items.text).toMatch(/-.*"225".*\n\+.*"195"/);

    await snapshot(archive, 'v1.2');
    const text = snapCli(archive.dir, ['diff', 'v1.1', 'v1.2']);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('DistributionConfig.DefaultCacheBehavior.DefaultTTL: 86400 → 300');
    expect(text.stdout).toMatch(/^route53$/m);
    const stat = snapCli(archive.dir, ['diff', 'v1.1', 'v1.2', '--stat']);
    expect(stat.stdout).toMatch(/resources differ in 3 services/);
    const scoped = snapCli(archive.dir, ['diff', 'v1.1', 'v1.2', 'route53', '--name-only']);
    expect(scoped.stdout.trim().split('\n').every((l) => l.startsWith('~ route53/'))).toBe(true);
    expect(snapCli(archive.dir, ['log']).stdout).toMatch(/v1\.2 .*\n\s+\d+ .*changed in cloudfront/);
  });

  it('shows the changes of a bucket next to the distribution that serves it', async () => {
    const live = await cf().send(new GetDistributionConfigCommand({ Id: distributionId }));
    await cf().send(new UpdateDistributionCommand({ Id: distributionId, IfMatch: live.ETag, DistributionConfig: distribution(600, ['sailjada-prod', 'sailjada-media']) }));
    await put(s3Client(moto.endpoint), 'sailjada-prod', 'index.html', '<p>Tickets: $195</p>\n', { ContentType: 'text/html' });
    await snapshot(archive, 'v1.3');
    const text = snapCli(archive.dir, ['diff', 'v1.2', 'v1.3']).stdout;
    expect(text).toMatch(/~ \w+ \(www\.sailjada\.com\)  \(CloudFront distribution\)\n    ↔ related changes: s3_buckets\/sailjada-prod \(1 changed\)/);
    const doc = JSON.parse(snapCli(archive.dir, ['diff', 'v1.2', 'v1.3', 'cloudfront', '--json']).stdout);
    expect(doc.changes.find((c: { kind: string }) => c.kind === 'CloudFront distribution').related).toEqual(['s3_buckets/sailjada-media', 's3_buckets/sailjada-prod']);
  });

  it('shows a record next to the distribution it points at, when both changed', async () => {
    const d = await cf().send(new GetDistributionCommand({ Id: distributionId }));
    const live = await cf().send(new GetDistributionConfigCommand({ Id: distributionId }));
    await cf().send(new UpdateDistributionCommand({ Id: distributionId, IfMatch: live.ETag, DistributionConfig: distribution(900, ['sailjada-prod', 'sailjada-media']) }));
    await r53().send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: [{ Action: 'UPSERT', ResourceRecordSet: { Name: 'www.sailjada.com', Type: 'CNAME', TTL: 300, ResourceRecords: [{ Value: `${d.Distribution!.DomainName!.toUpperCase()}.` }] } }] } }));
    await snapshot(archive, 'v1.4');
    const text = snapCli(archive.dir, ['diff', 'v1.3', 'v1.4']).stdout;
    expect(text).toContain(`  ~ www.sailjada.com. CNAME  (record set)\n    ↔ related changes: cloudfront/distribution_configs/${distributionId}.json (1 changed)\n`);
    const doc = JSON.parse(snapCli(archive.dir, ['diff', 'v1.3', 'v1.4', '--json']).stdout);
    expect(diffDocumentSchema.parse(doc).changes.find((c: { kind: string }) => c.kind === 'record set')).toMatchObject({ related: [`cloudfront/distribution_configs/${distributionId}.json`] });
    expect(JSON.stringify(doc)).not.toContain('"names"');
  });

  it('compares two folders of one version with --between', async () => {
    const v = await resolveVersion(archive.repo, 'v1.2');
    const same = await compareTrees(archive.repo, v.treeOid, v.treeOid);
    expect(same).toEqual([]);
    const cli = snapCli(archive.dir, ['diff', 'v1.2', '--between', 'local_repos/tools', 'local_repos/tools']);
    expect([cli.code, cli.stdout]).toEqual([0, '']);
    expect(snapCli(archive.dir, ['diff', 'v1.2', '--between', 'local_repos/tools', 'nope']).code).toBe(2);
  });

  it('refuses bad input with exit code 2', () => {
    expect(snapCli(archive.dir, ['diff', 'v1.0']).code).toBe(2);
    expect(snapCli(archive.dir, ['diff', 'v1.0', 'v9']).code).toBe(2);
    expect(snapCli(archive.dir, ['status', 'no_such_service']).code).toBe(2);
  });
});
