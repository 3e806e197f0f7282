// `snap restore-test` through the built CLI: a version of a site bucket (every configuration
// kind but logging, hostile keys in another bucket), a DynamoDB table, a hosted zone and a
// CloudFront distribution is restored into a second,
// empty moto server standing in for the scratch account, snapshotted there and compared
// with the version. The zone and the distribution are re-created with new ids there: they
// are matched to the version's by name and by the caller reference snap restore gives them. Intact, it passes (exit 0) and the verdict is recorded as a git note
// that `snap log` and stock `git log --notes` show. With one stored payload altered in the
// archive, it fails (exit 1) and names the object whose restored bytes differ. A versioned
// bucket with history passes: its current objects come back under new version ids.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CloudFrontClient, CreateDistributionCommand } from '@aws-sdk/client-cloudfront';
import { ChangeResourceRecordSetsCommand, CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Archive } from '../../src/archive/archive.js';
import { resetMoto, startMoto, type MotoServer } from '../../src/emulator/moto.js';
import { RESTORE_TEST_NOTES } from '../../src/restore/restore-test.js';
import { git, makeArchive, readVersion, snapshot } from '../helpers/archive.js';
import { snapCli } from '../helpers/cli.js';
import { clientOptions, useMoto } from '../helpers/moto.js';
import { INDEX_V1, put, s3Client, seedHostile, seedSite } from '../helpers/s3-seed.js';
import { CreateBucketCommand, DeleteObjectCommand, PutBucketLoggingCommand, PutBucketVersioningCommand } from '@aws-sdk/client-s3';
import type { ShardFile } from '../../src/collectors/aws/s3/manifest.js';

const moto = useMoto();

function findStoreFile(root: string, name: string): string | null {
  for (const e of readdirSync(root, { withFileTypes: true })) {
    const p = join(root, e.name);
    if (e.isDirectory()) {
      const found = findStoreFile(p, name);
      if (found) return found;
    } else if (e.name === name) return p;
  }
  return null;
}

describe('snap restore-test', { timeout: 240_000 }, () => {
  let archive: Archive;
  let scratch: MotoServer;

  beforeAll(async () => {
    scratch = await startMoto();
    await seedSite(moto.endpoint);
    await seedHostile(moto.endpoint);
    // moto delivers access logs as S3 does: a restored log bucket fills with the logs of the
    // restore-test's own requests, so the archive leaves the log bucket (and logging) out.
    await s3Client(moto.endpoint).send(new PutBucketLoggingCommand({ Bucket: 'site-prod', BucketLoggingStatus: {} }));
    // A versioned bucket with history (an overwritten object, a deleted one): re-created, it
    // holds the current objects under new version ids, and that is a pass.
    const s3 = s3Client(moto.endpoint);
    await s3.send(new CreateBucketCommand({ Bucket: 'site-history' }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'site-history', VersioningConfiguration: { Status: 'Enabled' } }));
    await put(s3, 'site-history', 'contract.txt', 'version one\n', { ContentType: 'text/plain' });
    await put(s3, 'site-history', 'contract.txt', 'version two\n', { ContentType: 'text/plain' });
    await put(s3, 'site-history', 'db/dump.sql.gz', Uint8Array.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 255]), { ContentType: 'application/gzip' });
    await put(s3, 'site-history', 'removed.txt', 'soon gone\n', { ContentType: 'text/plain' });
    await s3.send(new DeleteObjectCommand({ Bucket: 'site-history', Key: 'removed.txt' }));
    const ddb = new DynamoDBClient(clientOptions(moto.endpoint));
    await ddb.send(new CreateTableCommand({ TableName: 'orders', BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }] }));
    for (let i = 0; i < 5; i++) await ddb.send(new PutItemCommand({ TableName: 'orders', Item: { pk: { S: `order-${i}` }, total: { N: `${i}.50` } } }));
    ddb.destroy();
    const r53 = new Route53Client(clientOptions(moto.endpoint));
    const zone = await r53.send(new CreateHostedZoneCommand({ Name: 'sailjada.com', CallerReference: 'restore-test' }));
    await r53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zone.HostedZone!.Id!,
        ChangeBatch: { Changes: [{ Action: 'CREATE', ResourceRecordSet: { Name: 'tickets.sailjada.com', Type: 'A', TTL: 300, ResourceRecords: [{ Value: '192.0.2.10' }] } }] },
      }),
    );
    r53.destroy();
    const cf = new CloudFrontClient(clientOptions(moto.endpoint));
    await cf.send(
      new CreateDistributionCommand({
        DistributionConfig: {
          CallerReference: 'site',
          Comment: 'sailjada.com',
          Enabled: true,
          Aliases: { Quantity: 1, Items: ['www.sailjada.com'] },
          Origins: { Quantity: 1, Items: [{ Id: 'site', DomainName: 'site-prod.s3.amazonaws.com', S3OriginConfig: { OriginAccessIdentity: '' } }] },
          DefaultCacheBehavior: { TargetOriginId: 'site', ViewerProtocolPolicy: 'redirect-to-https', MinTTL: 0, DefaultTTL: 300, ForwardedValues: { QueryString: false, Cookies: { Forward: 'none' } }, TrustedSigners: { Enabled: false, Quantity: 0 } },
        },
      }),
    );
    cf.destroy();
    archive = await makeArchive({ endpoint: moto.endpoint, collectors: { s3: { textMaxBytes: 1024, exclude: ['site-logs'] }, dynamodb: {}, route53: {}, cloudfront: {} } });
    await snapshot(archive, 'v1.0');
  });
  afterAll(async () => {
    await scratch?.stop();
  });

  it('passes for an intact version and records the verdict on it', () => {
    const r = snapCli(archive.dir, ['restore-test', 'v1.0', '--endpoint', scratch.endpoint]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^PASSED: target: account \d{12} at http:\/\/127\.0\.0\.1:\d+; restored: s3_buckets, dynamodb, cloudfront, route53; differences: 0, failed changes: 0, left undone: 0$/m);
    expect(r.stdout).toMatch(/create s3:\/\/site-prod/);
    expect(r.stdout).toMatch(/create .*sailjada\.com/);
    expect(snapCli(archive.dir, ['log']).stdout).toMatch(/v1\.0 [\s\S]*restore-test passed \d{4}-\d\d-\d\dT/);
    expect(git(archive.dir, 'log', `--notes=${RESTORE_TEST_NOTES}`, '-1', 'v1.0')).toMatch(/restore-test passed/);
  });

  it('fails, naming the object, when a payload in the archive was altered', async () => {
    await resetMoto(scratch.endpoint);
    const shard = await (await readVersion(archive, 'v1.0', 's3_buckets/site-prod/objects')).json<ShardFile>('all.json');
    const page = shard!.objects.find((o) => o.key === 'events/index.html')!;
    const file = findStoreFile(join(archive.dir, '.git', 'snap', 'store'), (page as { sha256: string }).sha256);
    expect(file).not.toBeNull();
    writeFileSync(file!, readFileSync(file!, 'utf8').replace('$120', '$999'));
    expect(readFileSync(file!, 'utf8')).not.toBe(INDEX_V1);

    const r = snapCli(archive.dir, ['restore-test', 'v1.0', 's3_buckets', '--endpoint', scratch.endpoint]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^FAILED: /m);
    expect(r.stdout).toMatch(/site-prod\/events\/index\.html/);
    expect(snapCli(archive.dir, ['log']).stdout).toMatch(/restore-test FAILED/);
    // a later pass of another service does not hide that failure
    await resetMoto(scratch.endpoint);
    expect(snapCli(archive.dir, ['restore-test', 'v1.0', 'dynamodb', '--endpoint', scratch.endpoint]).code).toBe(0);
    const standing = JSON.parse(snapCli(archive.dir, ['log', '--json']).stdout.trim().split('\n')[0]!).restoreTests as string[];
    expect(standing).toEqual([expect.stringMatching(/^restore-test passed \S+ \(dynamodb only\)$/), expect.stringMatching(/^restore-test FAILED \S+ \(s3_buckets only\)$/), expect.stringMatching(/^restore-test passed \S+ \(every service snap restores\)$/)]);
    expect(snapCli(archive.dir, ['restore-test', 'v1.0', '--endpoint', moto.endpoint]).code).toBe(2); // never the archive's own estate
  });
});
