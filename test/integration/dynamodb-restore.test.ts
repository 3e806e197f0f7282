// snap restore for DynamoDB against moto: snapshot seeded tables (one export in the content
// store behind a pointer, one in the tree), damage them through the SDK (items deleted, an
// item changed, an item added, a whole table deleted), plan (exactly the expected changes;
// planning only reads), restore, and show that a new live snapshot equals the version. Also:
// lossless types round-trip (sets, binary, exact numbers), prune off keeps extra items and
// prune on deletes them, a rename into a scratch table created from the schema, and a re-run
// plans nothing.
//
// Known emulator gaps:
// - a re-created table has a new creation time and table id in moto as in AWS: those fields
//   are the only drift of its table.json, and the test says so.
// - moto keeps numbers as the client wrote them ("1E+2"); the restore writes the archived
//   strings back unchanged, so they round-trip exactly either way.
import {
  PutResourcePolicyCommand,
  CreateTableCommand,
  DeleteItemCommand,
  DeleteTableCommand,
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TagResourceCommand,
  UpdateContinuousBackupsCommand,
  UpdateTimeToLiveCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Archive } from '../../src/archive/archive.js';
import { openEntry } from '../../src/archive/listing.js';
import { itemLine } from '../../src/collectors/aws/dynamodb/attribute-value.js';
import { dynamodbCollector } from '../../src/collectors/aws/dynamodb/collect.js';
import { fromDynamoItem, itemKey } from '../../src/collectors/aws/dynamodb/restore-items.js';
import { makeArchive, readVersion, snapshot } from '../helpers/archive.js';
import { clientOptions, useMoto } from '../helpers/moto.js';
import { refusingProxy, type RequestInfo } from '../helpers/refusing-proxy.js';
import { describeDrift, drift, plan, restore } from '../helpers/restore.js';
import { BIG, TYPED_ITEM } from '../helpers/dynamodb-items.js';

const moto = useMoto();
const ddb = new DynamoDBClient(clientOptions(moto.endpoint));
afterAll(() => ddb.destroy());
const collectors = [dynamodbCollector];

const order = (i: number): Record<string, AttributeValue> => ({ pk: { S: `customer-${i % 4}` }, sk: { N: String(1000 - i * 7) }, status: { S: i % 2 ? 'open' : 'paid' }, total: { N: `${i}.99` } });
const NUMBERS = ['10', '-2.5', '1E+2', '0.00100', BIG, '0'];

async function put(table: string, item: Record<string, AttributeValue>): Promise<void> {
  await ddb.send(new PutItemCommand({ TableName: table, Item: item }));
}

async function seed(): Promise<void> {
  await ddb.send(
    new CreateTableCommand({
      TableName: 'orders',
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'N' },
        { AttributeName: 'status', AttributeType: 'S' },
      ],
      GlobalSecondaryIndexes: [{ IndexName: 'by-status', KeySchema: [{ AttributeName: 'status', KeyType: 'HASH' }], Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['total', 'customer'] } }],
      LocalSecondaryIndexes: [{ IndexName: 'by-pk-status', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'status', KeyType: 'RANGE' }], Projection: { ProjectionType: 'KEYS_ONLY' } }],
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      SSESpecification: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: 'alias/orders' },
    }),
  );
  await ddb.send(new UpdateTimeToLiveCommand({ TableName: 'orders', TimeToLiveSpecification: { Enabled: true, AttributeName: 'expires' } }));
  await ddb.send(new UpdateContinuousBackupsCommand({ TableName: 'orders', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
  await ddb.send(new TagResourceCommand({ ResourceArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/orders', Tags: [{ Key: 'team', Value: 'shop' }] }));
  for (let i = 0; i < 20; i++) await put('orders', order(i));
  await put('orders', TYPED_ITEM);

  await ddb.send(
    new CreateTableCommand({
      TableName: 'numbers',
      BillingMode: 'PROVISIONED',
      ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 2 },
      KeySchema: [{ AttributeName: 'n', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'n', AttributeType: 'N' }],
      Tags: [{ Key: 'env', Value: 'test' }],
    }),
  );
  await ddb.send(new UpdateTimeToLiveCommand({ TableName: 'numbers', TimeToLiveSpecification: { Enabled: true, AttributeName: 'gone_at' } }));
  for (const n of NUMBERS) await put('numbers', { n: { N: n }, label: { S: `number ${n}` } });
}

const getItem = async (table: string, key: Record<string, AttributeValue>) => (await ddb.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;

function lines(p: Awaited<ReturnType<typeof plan>>): string[] {
  return p.services.flatMap((s) => s.changes.map((c) => `${c.action} ${c.resource}: ${c.detail}`)).sort();
}

async function entryText(archive: Archive, version: string, path: string): Promise<string> {
  const v = await readVersion(archive, version);
  const chunks: Buffer[] = [];
  for await (const c of await openEntry(archive.repo, archive.openStore(await archive.loadConfig()), v.treeOid, path)) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The fields of a table.json that a re-created table cannot keep (AWS gives them anew). */
const RECREATED_FIELDS = /^Table\.(CreationDateTime|TableId|LatestStreamArn|LatestStreamLabel)$/;

describe('dynamodb restore', () => {
  let archive: Archive;
  const requests: RequestInfo[] = [];
  let recording = false;

  beforeAll(async () => {
    await seed();
    const recorder = await refusingProxy(moto.endpoint, (req) => {
      if (recording) requests.push(req);
      return false;
    });
    // orders (about 2 KB of items) goes to the content store, numbers stays in the tree.
    archive = await makeArchive({ collectors: { dynamodb: { itemsInTreeMaxBytes: 1024, scanSegments: 2 } }, endpoint: recorder.endpoint });
    await snapshot(archive, 'v1.0', { collectors });
    const v = await readVersion(archive, 'v1.0', 'dynamodb/us-east-1');
    expect(await v.pointer('orders/items.jsonl')).not.toBeNull();
    expect(await v.pointer('numbers/items.jsonl')).toBeNull();
  });

  it('plans exactly what the damage undid, reading only', async () => {
    await ddb.send(new DeleteItemCommand({ TableName: 'orders', Key: { pk: order(0).pk!, sk: order(0).sk! } }));
    await ddb.send(new DeleteItemCommand({ TableName: 'orders', Key: { pk: order(5).pk!, sk: order(5).sk! } }));
    await ddb.send(new DeleteItemCommand({ TableName: 'orders', Key: { pk: TYPED_ITEM.pk!, sk: TYPED_ITEM.sk! } }));
    await put('orders', { ...order(7), total: { N: '0' } });
    await put('orders', { pk: { S: 'customer-9' }, sk: { N: '1' }, status: { S: 'new' } });
    await ddb.send(new DeleteTableCommand({ TableName: 'numbers' }));

    recording = true;
    const p = await plan(archive, { version: 'v1.0', collectors });
    recording = false;
    p.close();
    expect(p.services.map((x) => x.error)).toEqual([undefined]);
    expect(lines(p)).toEqual(
      [
        'update dynamodb orders (us-east-1) items: 3 items missing, 1 item differs',
        'create dynamodb numbers (us-east-1): missing: keys n (N), PROVISIONED 5/2, TTL on gone_at, 1 tag',
        'create dynamodb numbers (us-east-1) items: 6 items into the new table',
      ].sort(),
    );
    expect(p.services[0]!.notes).toEqual([{ resource: 'dynamodb orders (us-east-1)', message: '1 live item the version does not have is kept (--prune deletes them)' }]);
    const actions = new Set(requests.filter((r) => r.service === 'dynamodb').map((r) => r.action));
    expect([...actions].filter((a) => !/^(Describe|List|Scan|Get)/.test(a ?? ''))).toEqual([]);
    expect(actions.has('Scan')).toBe(true);
    expect(await getItem('orders', { pk: TYPED_ITEM.pk!, sk: TYPED_ITEM.sk! })).toBeUndefined();
  });

  it('restores items (lossless types included) and re-creates the missing table from its schema; only extra items and new-table identity remain', async () => {
    await restore(archive, { version: 'v1.0', collectors });
    // Sets come back as sets (DynamoDB keeps no order in them): compared in the archived, canonical form.
    expect(itemLine((await getItem('orders', { pk: TYPED_ITEM.pk!, sk: TYPED_ITEM.sk! }))!)).toBe(itemLine(TYPED_ITEM));
    expect(await getItem('orders', { pk: { S: 'customer-9' }, sk: { N: '1' } })).toBeDefined();

    // numbers: items exactly as archived; table.json differs only where a new table must.
    const numbers = await drift(archive, ['dynamodb/us-east-1/numbers'], { version: 'v1.0', collectors });
    expect(numbers.map((c) => c.path)).toEqual(['dynamodb/us-east-1/numbers/table.json']);
    expect(numbers[0]!.fields!.map((f) => f.path).filter((f) => !RECREATED_FIELDS.test(f))).toEqual([]);
    const ttl = (await ddb.send(new DescribeTimeToLiveCommand({ TableName: 'numbers' }))).TimeToLiveDescription;
    expect(ttl).toMatchObject({ TimeToLiveStatus: 'ENABLED', AttributeName: 'gone_at' });
    expect(await getItem('numbers', { n: { N: '1E+2' } })).toEqual({ n: { N: '1E+2' }, label: { S: 'number 1E+2' } });

    // orders: only the extra item (kept without --prune) shows.
    const orders = describeDrift(await drift(archive, ['dynamodb/us-east-1/orders'], { version: 'v1.0', collectors }));
    expect(orders).toEqual(['changed dynamodb/us-east-1/orders/items.jsonl', 'changed dynamodb/us-east-1/orders/table.json [Export.Bytes, Export.Count]']);
  });

  it('deletes items the version does not have only with --prune; then no drift, and a re-run plans nothing', async () => {
    const pruned = await restore(archive, { version: 'v1.0', collectors, prune: true, selectors: ['dynamodb/us-east-1/orders'] });
    expect(lines(pruned)).toEqual(['delete dynamodb orders (us-east-1) items: 1 item not in the version']);
    expect(await getItem('orders', { pk: { S: 'customer-9' }, sk: { N: '1' } })).toBeUndefined();
    expect(describeDrift(await drift(archive, ['dynamodb/us-east-1/orders'], { version: 'v1.0', collectors }))).toEqual([]);
    const again = await plan(archive, { version: 'v1.0', collectors, prune: true });
    again.close();
    expect(lines(again)).toEqual([]);
    expect(again.services[0]!.notes).toEqual([]);
  });

  it('puts settings of an existing table back: time to live, point-in-time recovery, tags', async () => {
    await ddb.send(new UpdateTimeToLiveCommand({ TableName: 'orders', TimeToLiveSpecification: { Enabled: false, AttributeName: 'expires' } }));
    await ddb.send(new UpdateContinuousBackupsCommand({ TableName: 'orders', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false } }));
    await ddb.send(new TagResourceCommand({ ResourceArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/orders', Tags: [{ Key: 'team', Value: 'other' }] }));
    const p = await restore(archive, { version: 'v1.0', collectors, selectors: ['dynamodb/us-east-1/orders'] });
    expect(lines(p)).toEqual(
      [
        'update dynamodb orders (us-east-1): TTL off → on (expires)',
        'update dynamodb orders (us-east-1): point-in-time recovery off → on',
        'update dynamodb orders (us-east-1): tags differ: ~team',
      ].sort(),
    );
    expect(describeDrift(await drift(archive, ['dynamodb/us-east-1/orders'], { version: 'v1.0', collectors }))).toEqual([]);
  });

  it('restores into a scratch table by rename (each change applied twice): created from the schema, the same items', async () => {
    // Every change applied twice: applying is safe to repeat.
    const p = await plan(archive, { version: 'v1.0', collectors, rename: new Map([['orders', 'orders-scratch']]), selectors: ['dynamodb/us-east-1/orders'] });
    for (const c of p.services.flatMap((x) => x.changes)) {
      await c.apply();
      await c.apply();
    }
    p.close();
    expect(lines(p)).toEqual([
      'create dynamodb orders-scratch (us-east-1) items: 21 items into the new table',
      'create dynamodb orders-scratch (us-east-1): missing: keys pk (S) + sk (N), PAY_PER_REQUEST, 1 global index, 1 local index, stream NEW_AND_OLD_IMAGES, SSE KMS, TTL on expires, point-in-time recovery, 1 tag',
    ]);
    const table = (await ddb.send(new DescribeTableCommand({ TableName: 'orders-scratch' }))).Table!;
    expect(table.GlobalSecondaryIndexes!.map((g) => [g.IndexName, g.Projection])).toEqual([['by-status', { ProjectionType: 'INCLUDE', NonKeyAttributes: expect.arrayContaining(['customer', 'total']) }]]);
    expect(table.LocalSecondaryIndexes!.map((g) => g.IndexName)).toEqual(['by-pk-status']);
    expect(table.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    expect((await ddb.send(new DescribeContinuousBackupsCommand({ TableName: 'orders-scratch' }))).ContinuousBackupsDescription!.PointInTimeRecoveryDescription!.PointInTimeRecoveryStatus).toBe('ENABLED');
    // A snapshot of the scratch table holds exactly the version's items.
    await snapshot(archive, 'v1.1', { collectors });
    expect(await entryText(archive, 'v1.1', 'dynamodb/us-east-1/orders-scratch/items.jsonl')).toBe(await entryText(archive, 'v1.0', 'dynamodb/us-east-1/orders/items.jsonl'));
    const again = await plan(archive, { version: 'v1.0', collectors, rename: new Map([['orders', 'orders-scratch']]), selectors: ['dynamodb/us-east-1/orders'] });
    again.close();
    expect(lines(again)).toEqual([]);
  });

  it('puts an existing table\'s resource policy back; its statements reordered are no change', async () => {
    const arn = 'arn:aws:dynamodb:us-east-1:123456789012:table/orders';
    const statements = [
      { Sid: 'ReadOrders', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'dynamodb:GetItem', Resource: arn },
      { Sid: 'NoDelete', Effect: 'Deny', Principal: '*', Action: 'dynamodb:DeleteTable', Resource: arn },
    ];
    const put = (s: typeof statements) => ddb.send(new PutResourcePolicyCommand({ ResourceArn: arn, Policy: JSON.stringify({ Version: '2012-10-17', Statement: s }) }));
    await put(statements);
    await snapshot(archive, 'v1.2', { collectors });
    await put([...statements].reverse());
    const reordered = await plan(archive, { version: 'v1.2', collectors, selectors: ['dynamodb/us-east-1/orders'] });
    reordered.close();
    expect(lines(reordered)).toEqual([]);
    await put([{ ...statements[0]!, Action: 'dynamodb:*' }, statements[1]!]);
    const p = await restore(archive, { version: 'v1.2', collectors, selectors: ['dynamodb/us-east-1/orders'] });
    expect(lines(p)).toEqual(['update dynamodb orders (us-east-1): resource policy differs from the version']);
    expect(describeDrift(await drift(archive, ['dynamodb/us-east-1/orders'], { version: 'v1.2', collectors }))).toEqual([]);
  });
});

describe('dynamodb restore: archived items back to values', () => {
  it('turns every archived type back losslessly, and names equal numeric keys alike', () => {
    const line = itemLine(TYPED_ITEM);
    const back = fromDynamoItem(JSON.parse(line));
    expect(itemLine(back)).toBe(line);
    expect([...back.b!.B!]).toEqual([0, 255, 1]);
    expect(back.sk!.N).toBe(BIG);
    const keys = { hash: 'n' };
    expect(itemKey({ n: { N: '1E+2' } }, keys)).toBe(itemKey({ n: { N: '100.0' } }, keys));
    expect(itemKey({ n: { N: '100' } }, keys)).not.toBe(itemKey({ n: { N: '10' } }, keys));
    // an attribute named __proto__ stays an attribute
    const odd = fromDynamoItem(JSON.parse('{"__proto__":{"S":"x"},"id":{"S":"1"}}'));
    expect(Object.keys(odd).sort()).toEqual(['__proto__', 'id']);
  });
});
