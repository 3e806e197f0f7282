// The DynamoDB collector against moto, with tables and items made through the SDK: absent,
// present (keys, indexes, billing, streams, TTL, point-in-time recovery, tags), lossless
// item types, primary-key order, a large export going to the content store, paginated
// (over 100 tables, many scan pages in several segments), refused, a table deleted between
// listing and reading, a table failing unexpectedly, golden output and the contract.
//
// Known emulator gaps, and what stands in for them:
// - moto does not enforce IAM: AccessDenied comes from test/helpers/refusing-proxy.ts, which
//   answers as AWS documents for a refused DynamoDB call.
// - moto fails (HTTP 500) on a segmented scan of a table whose partition key is binary, so
//   the binary-key order test reads its table in one segment (scanSegments: 1).
// - moto keeps numbers as the client wrote them ("1E+2", "0.00100"), where DynamoDB
//   normalizes them ("100", "0.001"); the order tests rely on exact numeric comparison, which
//   holds for either form.
// - the race of a table deleted between ListTables and DescribeTable is made real by a
//   loopback proxy in this file that deletes the table in moto just before forwarding the
//   DescribeTable request; the same proxy answers one table's requests with a
//   non-retryable ValidationException to stand in for an unexpected failure.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { dirname, join } from 'node:path';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  PutItemCommand,
  TagResourceCommand,
  UpdateContinuousBackupsCommand,
  UpdateTimeToLiveCommand,
  type AttributeValue,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Archive } from '../../src/archive/archive.js';
import { openEntry } from '../../src/archive/listing.js';
import { dynamodbCollector } from '../../src/collectors/aws/dynamodb/collect.js';
import { collectorContract } from '../helpers/collector-contract.js';
import { makeArchive, readVersion, snapshot } from '../helpers/archive.js';
import { clientOptions, useMoto } from '../helpers/moto.js';
import { refusingProxy } from '../helpers/refusing-proxy.js';
import { BIG, TYPED_ITEM } from '../helpers/dynamodb-items.js';


const GOLDEN_DIR = join(import.meta.dirname, '..', 'golden', 'dynamodb');
const moto = useMoto();
const clients = new Map<string, DynamoDBClient>();
const ddb = (region = 'us-east-1') => {
  let c = clients.get(region);
  if (!c) clients.set(region, (c = new DynamoDBClient(clientOptions(moto.endpoint, region))));
  return c;
};
afterAll(() => clients.forEach((c) => c.destroy()));

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

async function createTable(input: Partial<CreateTableCommandInput> & { TableName: string; hash: [string, 'S' | 'N' | 'B']; range?: [string, 'S' | 'N' | 'B'] }, region = 'us-east-1'): Promise<void> {
  const { hash, range, ...rest } = input;
  const defs = [hash, ...(range ? [range] : [])];
  await ddb(region).send(
    new CreateTableCommand({
      BillingMode: 'PAY_PER_REQUEST',
      ...rest,
      KeySchema: [{ AttributeName: hash[0], KeyType: 'HASH' }, ...(range ? [{ AttributeName: range[0], KeyType: 'RANGE' as const }] : [])],
      AttributeDefinitions: [...(rest.AttributeDefinitions ?? []), ...defs.map(([n, t]) => ({ AttributeName: n, AttributeType: t }))],
    }),
  );
}

async function put(table: string, item: Record<string, AttributeValue>, region = 'us-east-1'): Promise<void> {
  await ddb(region).send(new PutItemCommand({ TableName: table, Item: item }));
}

const BIGGER = '12345678901234567890.12345678901'; // the same double as BIG: only exact comparison orders them

/** The exact line the lossless-types item (helpers/dynamodb-items.ts) must become. */
const TYPED_LINE =
  '{"b":{"B":"AP8B"},"bs":{"BS":["AQ==","AQI=","Ag=="]},"m":{"M":{"a":{"L":[{"N":"1.0"},{"BOOL":false},{"S":""}]},"z":{"NULL":true}}},' +
  '"ns":{"NS":["-2","1.50","3","100000000000000000000000000000000000001"]},"pk":{"S":"typed"},"sk":{"N":"12345678901234567890.123456789"},' +
  '"ss":{"SS":["B","a","b","\uffff","😀"]},"tiny":{"N":"0.000000000000000000000000000000000001"}}';

async function seed(): Promise<void> {
  await createTable({
    TableName: 'orders',
    hash: ['pk', 'S'],
    range: ['sk', 'N'],
    AttributeDefinitions: [{ AttributeName: 'status', AttributeType: 'S' }],
    GlobalSecondaryIndexes: [
      { IndexName: 'by-status', KeySchema: [{ AttributeName: 'status', KeyType: 'HASH' }], Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['total', 'customer'] } },
      { IndexName: 'all-by-status', KeySchema: [{ AttributeName: 'status', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } },
    ],
    LocalSecondaryIndexes: [{ IndexName: 'by-pk-status', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'status', KeyType: 'RANGE' }], Projection: { ProjectionType: 'KEYS_ONLY' } }],
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    SSESpecification: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: 'alias/orders' },
  });
  await ddb().send(new UpdateTimeToLiveCommand({ TableName: 'orders', TimeToLiveSpecification: { Enabled: true, AttributeName: 'expires' } }));
  await ddb().send(new UpdateContinuousBackupsCommand({ TableName: 'orders', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
  await ddb().send(new TagResourceCommand({ ResourceArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/orders', Tags: [{ Key: 'team', Value: 'shop' }, { Key: 'env', Value: 'prod' }] }));
  for (let i = 0; i < 20; i++) await put('orders', { pk: { S: `customer-${i % 4}` }, sk: { N: String(1000 - i * 7) }, status: { S: i % 2 ? 'open' : 'paid' }, total: { N: `${i}.99` } });
  await put('orders', TYPED_ITEM);

  await createTable({ TableName: 'numbers', hash: ['n', 'N'], BillingMode: 'PROVISIONED', ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 2 } });
  for (const n of [BIGGER, '10', '-2.5', '1E+2', '0.00100', BIG, '-10', '0', '2', '-0.5']) await put('numbers', { n: { N: n } });

  await createTable({ TableName: 'names', hash: ['name', 'S'] });
  for (const s of ['😀', 'a', '\uffff', 'B', 'é', 'ab', '']) if (s) await put('names', { name: { S: s } });
}

function dynamoArchive(endpoint = moto.endpoint, section: Record<string, unknown> = {}): Promise<Archive> {
  return makeArchive({ collectors: { dynamodb: { scanSegments: 3, scanPageLimit: 4, ...section } }, endpoint });
}

const lines = (text: string | null) => (text ?? '').split('\n').filter(Boolean);
const values = (text: string | null, key: string) => lines(text).map((l) => Object.values(JSON.parse(l)[key] as Record<string, string>)[0]);

describe('dynamodb collector: absent', () => {
  it('writes an empty table index for each region with no tables', async () => {
    const archive = await dynamoArchive(moto.endpoint, { regions: ['eu-west-1', 'us-east-1'] });
    const result = await snapshot(archive, 'v1.0', { collectors: [dynamodbCollector] });
    expect(result.manifest.collectors[0]).toMatchObject({ id: 'dynamodb', status: 'ok' });
    const v = await readVersion(archive, 'v1.0', 'dynamodb');
    expect((await v.list()).map((e) => e.name)).toEqual(['eu-west-1', 'us-east-1']);
    expect(await v.json('us-east-1/tables.json')).toEqual({ Region: 'us-east-1', Tables: [] });
    expect(result.manifest.coverage).toEqual([]);
  });
});

describe('dynamodb collector: present', () => {
  let archive: Archive;

  beforeAll(async () => {
    await moto.reset();
    await seed();
    archive = await dynamoArchive();
  });

  collectorContract({ archive: () => archive, root: 'dynamodb' });

  it('keeps each table schema and settings, without counters, transient states or moving restore windows', async () => {
    const v = await readVersion(archive, 'latest', 'dynamodb/us-east-1');
    expect(await v.json('tables.json')).toEqual({
      Region: 'us-east-1',
      Tables: ['names', 'numbers', 'orders'].map((t) => ({ TableName: t, Folder: `us-east-1/${t}` })),
    });
    const doc = (await v.json<any>('orders/table.json'))!;
    expect(doc.Table.KeySchema).toEqual([{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }]);
    expect(doc.Table.AttributeDefinitions.map((a: any) => a.AttributeName)).toEqual(['pk', 'sk', 'status']);
    expect(doc.Table.GlobalSecondaryIndexes.map((g: any) => g.IndexName)).toEqual(['all-by-status', 'by-status']);
    expect(doc.Table.GlobalSecondaryIndexes[1].Projection).toEqual({ ProjectionType: 'INCLUDE', NonKeyAttributes: ['customer', 'total'] });
    expect(doc.Table.LocalSecondaryIndexes.map((g: any) => g.IndexName)).toEqual(['by-pk-status']);
    expect(doc.Table.BillingModeSummary.BillingMode).toBe('PAY_PER_REQUEST');
    expect(doc.Table.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    expect(doc.Table.SSEDescription).toMatchObject({ SSEType: 'KMS' });
    expect(doc.TimeToLive).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expires' });
    expect(doc.ContinuousBackups.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus).toBe('ENABLED');
    expect(doc.Tags).toEqual([{ Key: 'env', Value: 'prod' }, { Key: 'team', Value: 'shop' }]);
    expect(doc.Export).toEqual({ File: 'items.jsonl', Storage: 'tree', Count: 21, Bytes: expect.any(Number) });
    const text = JSON.stringify(doc);
    for (const volatile of ['ItemCount', 'TableSizeBytes', 'TableStatus', 'IndexStatus', 'NumberOfDecreasesToday', 'EarliestRestorableDateTime', 'LatestRestorableDateTime', 'IndexSizeBytes']) {
      expect(text, volatile).not.toContain(volatile);
    }
    expect(doc.Table.CreationDateTime).toEqual(expect.any(String));
    const provisioned = (await v.json<any>('numbers/table.json'))!;
    expect(provisioned.Table.ProvisionedThroughput).toEqual({ ReadCapacityUnits: 5, WriteCapacityUnits: 2 });
  });

  it('reads every item through a parallel scan of many pages, one item per line', async () => {
    const v = await readVersion(archive, 'latest', 'dynamodb/us-east-1');
    const items = lines(await v.text('orders/items.jsonl'));
    expect(items).toHaveLength(21);
    expect(new Set(items).size).toBe(21);
    const manifest = (await v.json<any>('orders/table.json'))!.Export;
    expect(manifest.Bytes).toBe(Buffer.byteLength((await v.text('orders/items.jsonl'))!));
  });

  it('keeps every type losslessly: sets sorted, binary as base64, numbers as exact decimal strings', async () => {
    const v = await readVersion(archive, 'latest', 'dynamodb/us-east-1');
    const typed = lines(await v.text('orders/items.jsonl')).find((l) => l.includes('"typed"'));
    expect(typed).toBe(TYPED_LINE);
  });

  it('sorts items by primary key: partition then sort key, numbers exactly, strings by code point', async () => {
    const v = await readVersion(archive, 'latest', 'dynamodb/us-east-1');
    expect(values(await v.text('numbers/items.jsonl'), 'n')).toEqual(['-10', '-2.5', '-0.5', '0', '0.00100', '2', '10', '1E+2', BIG, BIGGER]);
    expect(values(await v.text('names/items.jsonl'), 'name')).toEqual(['B', 'a', 'ab', 'é', '\uffff', '😀']);
    const orders = lines(await v.text('orders/items.jsonl')).map((l) => JSON.parse(l));
    const keys = orders.map((o) => [o.pk.S, Number(o.sk.N)]);
    const sorted = [...keys].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : (a[1] as number) - (b[1] as number)));
    expect(keys).toEqual(sorted);
  });

  it('matches the golden normalized output (creation times and stream labels replaced; refresh with UPDATE_GOLDEN=1)', async () => {
    const v = await readVersion(archive, 'latest', 'dynamodb/us-east-1');
    const doc = (await v.json<any>('orders/table.json'))!;
    const stable = (text: string) => text.replaceAll(doc.Table.CreationDateTime, '<CREATION_DATE_TIME>').replaceAll(doc.Table.LatestStreamLabel, '<STREAM_LABEL>');
    expectGolden('orders/table.json', stable((await v.text('orders/table.json'))!));
    expectGolden('orders/items.jsonl', (await v.text('orders/items.jsonl'))!);
    expectGolden('numbers/items.jsonl', (await v.text('numbers/items.jsonl'))!);
  });

  it('streams an export larger than the threshold into the content store, with the same bytes behind a pointer', async () => {
    const big = await dynamoArchive(moto.endpoint, { itemsInTreeMaxBytes: 256 });
    const result = await snapshot(big, 'v1.0', { collectors: [dynamodbCollector] });
    const v = await readVersion(big, 'v1.0', 'dynamodb/us-east-1');
    const pointer = await v.pointer('orders/items.jsonl');
    expect(pointer).not.toBeNull();
    expect((await v.json<any>('orders/table.json'))!.Export).toMatchObject({ Storage: 'store', Count: 21, Bytes: pointer!.size });
    const chunks: Buffer[] = [];
    for await (const c of await openEntry(big.repo, big.openStore(await big.loadConfig()), result.treeOid, 'dynamodb/us-east-1/orders/items.jsonl')) chunks.push(c as Buffer);
    const inTree = await readVersion(archive, 'latest', 'dynamodb/us-east-1');
    expect(Buffer.concat(chunks).toString('utf8')).toBe(await inTree.text('orders/items.jsonl'));
    expect(result.manifest.collectors[0]!.counts['exports in the store']).toBeGreaterThan(0);
  });

  it('sorts binary keys by unsigned bytes (one scan segment: moto cannot segment-scan binary keys)', async () => {
    await createTable({ TableName: 'blobs', hash: ['id', 'B'] });
    for (const b of [[2], [1, 255], [1], [255], [0, 0], [128]]) await put('blobs', { id: { B: new Uint8Array(b) } });
    const single = await dynamoArchive(moto.endpoint, { scanSegments: 1 });
    await snapshot(single, 'v1.0', { collectors: [dynamodbCollector] });
    await ddb().send(new DeleteTableCommand({ TableName: 'blobs' }));
    const v = await readVersion(single, 'v1.0', 'dynamodb/us-east-1');
    expect(values(await v.text('blobs/items.jsonl'), 'id').map((b) => [...Buffer.from(b, 'base64')])).toEqual([[0, 0], [1], [1, 255], [2], [128], [255]]);
  });

  it('writes schemas only when items are turned off', async () => {
    const schemas = await dynamoArchive(moto.endpoint, { items: false });
    await snapshot(schemas, 'v1.0', { collectors: [dynamodbCollector] });
    const v = await readVersion(schemas, 'v1.0', 'dynamodb/us-east-1');
    expect(await v.entry('orders/items.jsonl')).toBeNull();
    expect((await v.json<any>('orders/table.json'))!.Export).toBeUndefined();
  });

  it('records refusals as coverage findings and goes on (AccessDenied from a stand-in: moto does not enforce IAM)', async () => {
    const proxy = await refusingProxy(moto.endpoint, (req) => {
      if (req.service !== 'dynamodb') return false;
      if (req.action === 'ListTables' && req.region === 'eu-west-1') return true;
      const table = (JSON.parse(req.body || '{}') as { TableName?: string }).TableName;
      return (req.action === 'Scan' && table === 'names') || (req.action === 'DescribeContinuousBackups' && table === 'orders') || (req.action === 'DescribeTable' && table === 'numbers');
    });
    const refused = await dynamoArchive(proxy.endpoint, { regions: ['eu-west-1', 'us-east-1'] });
    const result = await snapshot(refused, 'v1.0', { collectors: [dynamodbCollector] });
    expect(result.partial).toBe(false);
    expect(result.manifest.collectors[0]!.status).toBe('ok');
    expect(result.manifest.coverage).toEqual([
      { collector: 'dynamodb', resource: 'dynamodb/eu-west-1', reason: 'AccessDeniedException' },
      { collector: 'dynamodb', resource: 'dynamodb/us-east-1/names/items', reason: 'AccessDeniedException' },
      { collector: 'dynamodb', resource: 'dynamodb/us-east-1/numbers', reason: 'AccessDeniedException' },
      { collector: 'dynamodb', resource: 'dynamodb/us-east-1/orders/point_in_time_recovery', reason: 'AccessDeniedException' },
    ]);
    const v = await readVersion(refused, 'v1.0', 'dynamodb');
    expect(await v.entry('eu-west-1')).toBeNull();
    expect(await v.entry('us-east-1/numbers')).toBeNull();
    expect(await v.entry('us-east-1/names/table.json')).not.toBeNull();
    expect(await v.entry('us-east-1/names/items.jsonl')).toBeNull();
    const orders = (await v.json<any>('us-east-1/orders/table.json'))!;
    expect(orders.ContinuousBackups).toBeUndefined();
    expect(orders.TimeToLive).toBeDefined();
    expect(await v.entry('us-east-1/orders/items.jsonl')).not.toBeNull();
  });

  it('reports a table deleted between listing and reading as a finding, and a table failing unexpectedly as partial with its previous folder', async () => {
    await createTable({ TableName: 'vanishing', hash: ['id', 'S'] });
    let failing = false;
    const proxy = await interceptingProxy(moto.endpoint, async (target, body) => {
      const table = (body as { TableName?: string }).TableName;
      if (target === 'DescribeTable' && table === 'vanishing') {
        await ddb().send(new DeleteTableCommand({ TableName: 'vanishing' }));
        return null;
      }
      if (failing && target === 'DescribeTimeToLive' && table === 'orders') return { type: 'ValidationException', message: 'stand-in failure' };
      return null;
    });
    const flaky = await dynamoArchive(proxy);
    const first = await snapshot(flaky, 'v1.0', { collectors: [dynamodbCollector] });
    expect(first.manifest.coverage).toEqual([{ collector: 'dynamodb', resource: 'dynamodb/us-east-1/vanishing', reason: 'Deleted', detail: expect.any(String) }]);
    const v1 = await readVersion(flaky, 'v1.0', 'dynamodb/us-east-1');
    expect((await v1.json<any>('tables.json'))!.Tables.map((t: any) => t.TableName)).toEqual(['names', 'numbers', 'orders']);

    await put('orders', { pk: { S: 'customer-9' }, sk: { N: '1' } });
    failing = true;
    const second = await snapshot(flaky, 'v1.1', { collectors: [dynamodbCollector] });
    expect(second.partial).toBe(true);
    expect(second.manifest.collectors[0]!.errors).toEqual([{ resource: 'dynamodb/us-east-1/orders', message: expect.stringContaining('ValidationException') }]);
    const v2 = await readVersion(flaky, 'v1.1', 'dynamodb/us-east-1');
    expect((await v2.entry('orders'))!.oid).toBe((await v1.entry('orders'))!.oid);
    expect(await v2.text('orders/items.jsonl')).not.toContain('customer-9');
    expect((await v2.entry('numbers'))!.oid).toBe((await v1.entry('numbers'))!.oid);
  });
});

describe('dynamodb collector: paginated', () => {
  // Scan pages are exercised in 'present' (21 items, 3 segments, 4 items a page: at least 6
  // pages); here items are off, so the 101 tables cost only their schema reads.
  it('follows ListTables pages (101 tables, one more than a page)', async () => {
    await moto.reset();
    const names = Array.from({ length: 101 }, (_, i) => `t${String(i).padStart(3, '0')}`);
    for (let i = 0; i < names.length; i += 10) await Promise.all(names.slice(i, i + 10).map((n) => createTable({ TableName: n, hash: ['id', 'N'] })));
    const archive = await dynamoArchive(moto.endpoint, { items: false });
    const result = await snapshot(archive, 'v1.0', { collectors: [dynamodbCollector] });
    expect(result.manifest.collectors[0]!.counts.tables).toBe(101);
    const v = await readVersion(archive, 'v1.0', 'dynamodb/us-east-1');
    expect(((await v.json<any>('tables.json'))!.Tables as { TableName: string }[]).map((t) => t.TableName)).toEqual(names);
    expect(await v.entry('t100/table.json')).not.toBeNull();
  });
});

/**
 * A loopback proxy to moto for DynamoDB's JSON protocol. `handle` sees each operation before
 * it is forwarded: it may act first (delete a table, making a race real) and return null to
 * forward, or return an error to answer with, in DynamoDB's error format (HTTP 400,
 * x-amzn-ErrorType and __type), standing in for a failure moto cannot produce.
 */
async function interceptingProxy(target: string, handle: (operation: string, body: unknown) => Promise<{ type: string; message: string } | null>): Promise<string> {
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const operation = String(req.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
      let body: unknown = {};
      try {
        body = JSON.parse(raw.toString('utf8') || '{}');
      } catch {
        /* not JSON: forwarded as it is */
      }
      void handle(operation, body).then(
        (error) => {
          if (error) {
            res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': error.type, 'x-amzn-requestid': 'snap-test' });
            res.end(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${error.type}`, message: error.message }));
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
          fwd.end(raw);
        },
        () => {
          res.writeHead(502);
          res.end();
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}
