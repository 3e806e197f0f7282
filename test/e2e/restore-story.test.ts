// The recovery story through the built CLI, as an on-call engineer would run it: commit a
// version of a site bucket, a DNS zone and a table; damage the estate (objects deleted, a
// page defaced, a record deleted, items deleted and one changed); `snap status` names the
// damage (exit 1); `snap restore v1.0 --dry-run` plans it and changes nothing; `--yes`
// puts it back; `snap status` then shows no drift (exit 0, no output), and a new snapshot
// has no difference from v1.0 in `snap diff`. (Lambda's part of the story runs in
// test/integration/lambda-restore.test.ts: moto's code download URL does not serve the
// package, so a CLI run cannot archive function code.)
import { ChangeResourceRecordSetsCommand, CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { CreateTableCommand, DeleteItemCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DeleteBucketPolicyCommand, DeleteObjectCommand, GetObjectCommand, PutBucketLoggingCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Archive } from '../../src/archive/archive.js';
import { expectStockGitAgrees, makeArchive } from '../helpers/archive.js';
import { snapCli } from '../helpers/cli.js';
import { clientOptions, useMoto } from '../helpers/moto.js';
import { INDEX_V1, put, s3Client, seedSite } from '../helpers/s3-seed.js';

const moto = useMoto();
const ZONE = 'sailjada.com.';

describe('damage, restore, no drift: the story through the CLI', { timeout: 240_000 }, () => {
  let archive: Archive;
  const s3 = s3Client(moto.endpoint);
  const r53 = new Route53Client(clientOptions(moto.endpoint));
  const ddb = new DynamoDBClient(clientOptions(moto.endpoint));
  let zoneId = '';
  afterAll(() => [s3, r53, ddb].forEach((c) => c.destroy()));

  const record = (action: 'CREATE' | 'DELETE', name: string, type: 'A' | 'CNAME' | 'TXT', value: string) => ({ Action: action, ResourceRecordSet: { Name: name, Type: type, TTL: 300, ResourceRecords: [{ Value: value }] } });

  beforeAll(async () => {
    await seedSite(moto.endpoint);
    await s3.send(new PutBucketLoggingCommand({ Bucket: 'site-prod', BucketLoggingStatus: {} })); // no access logs landing during the story
    const zone = await r53.send(new CreateHostedZoneCommand({ Name: ZONE, CallerReference: 'story' }));
    zoneId = zone.HostedZone!.Id!.replace('/hostedzone/', '');
    await r53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        ChangeBatch: { Changes: [record('CREATE', `www.${ZONE}`, 'CNAME', 'd111111abcdef8.cloudfront.net'), record('CREATE', `tickets.${ZONE}`, 'A', '192.0.2.10'), record('CREATE', ZONE, 'TXT', '"v=spf1 -all"')] },
      }),
    );
    await ddb.send(new CreateTableCommand({ TableName: 'events', BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }] }));
    for (const [id, price] of [['bob-dylan', '225'], ['sunset-cruise', '120'], ['jazz-night', '80']]) {
      await ddb.send(new PutItemCommand({ TableName: 'events', Item: { id: { S: id }, price: { N: price } } }));
    }
    archive = await makeArchive({ endpoint: moto.endpoint, collectors: { s3: { textMaxBytes: 4096, exclude: ['site-logs'] }, route53: {}, dynamodb: {} } });
    const commit = snapCli(archive.dir, ['commit', 'v1.0']);
    expect(commit.code, commit.stderr).toBe(0);
  });

  it('status names the damage, restore puts it back, status is clean', async () => {
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: 'site-prod' })); // the site's policy denies deletes
    await s3.send(new DeleteObjectCommand({ Bucket: 'site-prod', Key: 'events/data.json' }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'site-prod', Key: 'assets/logo.png' }));
    await put(s3, 'site-prod', 'events/index.html', INDEX_V1.replace('$120', '$12'), { ContentType: 'text/html; charset=utf-8', CacheControl: 'max-age=60', Metadata: { owner: 'web-team', build: '42' } });
    await r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: [record('DELETE', `tickets.${ZONE}`, 'A', '192.0.2.10')] } }));
    await ddb.send(new DeleteItemCommand({ TableName: 'events', Key: { id: { S: 'jazz-night' } } }));
    await ddb.send(new PutItemCommand({ TableName: 'events', Item: { id: { S: 'bob-dylan' }, price: { N: '1' } } }));

    const damaged = snapCli(archive.dir, ['status']);
    expect(damaged.code, damaged.stderr).toBe(1);
    for (const what of ['site-prod/events/data.json', 'site-prod/assets/logo.png', '-<p>Sunset cruise: $120</p>', 'tickets.sailjada.com.', 'policy', 'items of events']) expect(damaged.stdout).toContain(what);

    const dry = snapCli(archive.dir, ['restore', 'v1.0', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/create s3:\/\/site-prod\s+2 objects missing/);
    expect(dry.stdout).toMatch(/tickets\.sailjada\.com\./);
    expect(snapCli(archive.dir, ['status']).code).toBe(1); // a dry run changes nothing

    const applied = snapCli(archive.dir, ['restore', 'v1.0', '--yes']);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(await (await s3.send(new GetObjectCommand({ Bucket: 'site-prod', Key: 'events/index.html' }))).Body!.transformToString()).toBe(INDEX_V1);

    const clean = snapCli(archive.dir, ['status']);
    expect([clean.code, clean.stdout], clean.stderr).toEqual([0, '']);
    expect(snapCli(archive.dir, ['commit', 'v1.1']).code).toBe(0);
    expect(snapCli(archive.dir, ['diff', 'v1.0', 'v1.1'])).toMatchObject({ code: 0, stdout: '' });
    expectStockGitAgrees(archive.dir);
  });
});
