// The Lambda collector against moto, with functions, versions, aliases, URLs, policies,
// concurrency, tags and event source mappings created through the SDK.
//
// Stand-ins, each for something moto does not do:
// - Code downloads: moto's Code.Location names a real AWS host, which tests never contact.
//   The collector's fetcher is replaced by one that answers from the packages the test made
//   (keyed by sha256) and counts its calls.
// - Pagination: moto answers every Lambda list in one page. A loopback proxy in front of it
//   pages ListFunctions, ListAliases, ListVersionsByFunction and ListEventSourceMappings the
//   way AWS documents (Marker in, NextMarker out, at most 2 items a page here).
// - Refusals: moto does not enforce IAM, so test/helpers/refusing-proxy.ts answers chosen
//   calls with AWS's AccessDeniedException.
// Not testable on moto and so not tested here (the collector handles them for real AWS):
// ListProvisionedConcurrencyConfigs (moto answers 404 HTML: a NotOffered finding) and
// ListFunctionEventInvokeConfigs with a config present (moto returns LastModified in a form
// the SDK cannot parse), so no event invoke config is seeded.
import { createServer } from 'node:http';
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { strToU8, zipSync, type Zippable } from 'fflate';
import {
  AddPermissionCommand,
  CreateAliasCommand,
  CreateEventSourceMappingCommand,
  CreateFunctionCommand,
  CreateFunctionUrlConfigCommand,
  LambdaClient,
  PublishLayerVersionCommand,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Archive } from '../../src/archive/archive.js';
import { createLambdaCollector } from '../../src/collectors/aws/lambda/collect.js';
import type { CodeRequest } from '../../src/collectors/aws/lambda/fetch-code.js';
import { MANIFEST_PATH } from '../../src/archive/manifest.js';
import { archiveContainsBytes, collectorContract } from '../helpers/collector-contract.js';
import { makeArchive, readVersion, snapshot } from '../helpers/archive.js';
import { clientOptions, useMoto } from '../helpers/moto.js';
import { refusingProxy } from '../helpers/refusing-proxy.js';
import { forward, readBody, reply } from '../helpers/forwarding.js';

// The test fetcher: answers from the packages the test made, counts its calls.
const fetcher = {
  packages: new Map<string, Uint8Array>(),
  calls: [] as { functionName: string; qualifier: string | null; sha256: string; location: string }[],
  /** replaces the bytes of one function's package (to provoke a CodeSha256 mismatch) */
  tamper: new Map<string, Uint8Array>(),
};

const collector = createLambdaCollector({
  fetchCode: async (req: CodeRequest) => {
    fetcher.calls.push({ functionName: req.functionName, qualifier: req.qualifier, sha256: req.sha256, location: req.location });
    const bytes = fetcher.tamper.get(req.functionName) ?? fetcher.packages.get(req.sha256);
    if (!bytes) throw new Error(`the test has no package with sha256 ${req.sha256}`);
    return bytes;
  },
});
const only = { collectors: [collector] };


const SECRET = 'sk_live_planted_lambda_secret_7f3a';
const SECRET_CHANGED = 'sk_live_changed_lambda_secret_91bd';
const UPDATE_GOLDEN = process.env.UPDATE_GOLDEN === '1';

/** A zip with a fixed timestamp, so its bytes (and CodeSha256) are the same on every run. */
function makeZip(files: Record<string, string | Uint8Array>): Uint8Array {
  const entries: Zippable = {};
  for (const [name, content] of Object.entries(files)) entries[name] = typeof content === 'string' ? strToU8(content) : content;
  const zip = zipSync(entries, { mtime: new Date(2024, 0, 1) });
  fetcher.packages.set(createHash('sha256').update(zip).digest('hex'), zip);
  return zip;
}

const ORDERS_V1 = {
  'index.js': 'const util = require("./lib/util");\nexports.handler = async () => util.ok();\n',
  'lib/util.js': 'exports.ok = () => ({ statusCode: 200 });\n',
  '.env': `STRIPE_KEY=${'x'.repeat(8)}\n`,
  'assets/logo.png': new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3]),
  '../escape.js': 'not outside\n',
};
const ORDERS_V2 = { ...ORDERS_V1, 'index.js': 'const util = require("./lib/util");\nexports.handler = async (event) => util.ok(event);\n' };

function golden(name: string, actual: unknown): void {
  const file = fileURLToPath(new URL(`../golden/lambda/${name}.json`, import.meta.url));
  const text = `${JSON.stringify(actual, null, 2)}\n`;
  if (UPDATE_GOLDEN || !existsSync(file)) {
    if (!UPDATE_GOLDEN) throw new Error(`${file} is missing: run the tests with UPDATE_GOLDEN=1 to write it, then review it`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  expect(text).toBe(readFileSync(file, 'utf8'));
}

/** Every file under a tree folder as text (pointers included), with run-specific values masked. */
async function folderContents(archive: Archive, version: string, prefix: string): Promise<Record<string, unknown>> {
  const v = await readVersion(archive, version, prefix);
  const out: Record<string, unknown> = {};
  const walk = async (path: string) => {
    for (const e of await v.list(path)) {
      const p = path ? `${path}/${e.name}` : e.name;
      if (e.mode === '40000') await walk(p);
      else {
        const text = (await v.text(p))!
          .replace(/hmac-sha256:[0-9a-f]{32}/g, 'hmac-sha256:<fingerprint>')
          .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>')
          .replace(/https:\/\/[0-9a-z]+\.lambda-url/g, 'https://<url-id>.lambda-url')
          .replace(/\/stream\/[0-9T:.-]+/g, '/stream/<label>')
          .replace(/\d{4}-\d{2}-\d{2}T[0-9:.]+(Z|[+-]\d{4})/g, '<time of the run>');
        out[p] = p.endsWith('.json') ? JSON.parse(text) : text;
      }
    }
  };
  await walk('');
  return out;
}

const moto = useMoto();
// Started while the file is collected, so that their servers close after it.
const refusing = await refusingProxy(moto.endpoint, (req) =>
  req.service === 'lambda' && (req.region === 'us-west-2' || /\/functions\/orders-api\/policy$/.test(req.path) || (req.method === 'GET' && /\/functions\/thumbnailer$/.test(req.path))),
);
const pager = await pagingProxy(moto.endpoint);

describe('lambda collector', () => {
  const east = () => new LambdaClient(clientOptions(moto.endpoint, 'us-east-1'));
  let archive: Archive;
  let roleArn: string;
  let firstSnapshotMs = 0;

  async function createFunction(client: LambdaClient, name: string, zip: Uint8Array, extra: Partial<ConstructorParameters<typeof CreateFunctionCommand>[0]> = {}) {
    return client.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Role: roleArn, Handler: 'index.handler', Code: { ZipFile: zip }, ...extra }));
  }

  beforeAll(async () => {
    const iam = new IAMClient(clientOptions(moto.endpoint));
    roleArn = (await iam.send(new CreateRoleCommand({ RoleName: 'lambda-exec', AssumeRolePolicyDocument: '{}' }))).Role!.Arn!;
    const lambda = east();
    const layer = await lambda.send(new PublishLayerVersionCommand({ LayerName: 'shared-libs', Content: { ZipFile: makeZip({ 'nodejs/shared.js': '1\n' }) }, CompatibleRuntimes: ['nodejs20.x'] }));
    await createFunction(lambda, 'orders-api', makeZip(ORDERS_V1), {
      Description: 'orders API',
      Timeout: 15,
      MemorySize: 512,
      Environment: { Variables: { STRIPE_KEY: SECRET, MODE: 'prod' } },
      VpcConfig: { SubnetIds: ['subnet-bbb', 'subnet-aaa'], SecurityGroupIds: ['sg-2', 'sg-1'] },
      Layers: [layer.LayerVersionArn!],
      Tags: { team: 'payments', env: 'prod' },
    });
    await lambda.send(new PublishVersionCommand({ FunctionName: 'orders-api', Description: 'first release' }));
    await lambda.send(new CreateAliasCommand({ FunctionName: 'orders-api', Name: 'prod', FunctionVersion: '1' }));
    // $LATEST moves on after version 1 was published: the alias keeps serving version 1's code.
    await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'orders-api', ZipFile: makeZip(ORDERS_V2) }));
    await lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'orders-api', AuthType: 'AWS_IAM', Cors: { AllowOrigins: ['https://b.example.com', 'https://a.example.com'] } }));
    await lambda.send(new AddPermissionCommand({ FunctionName: 'orders-api', StatementId: 's3-invoke', Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com' }));
    await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'orders-api', ReservedConcurrentExecutions: 5 }));
    const ddb = new DynamoDBClient(clientOptions(moto.endpoint));
    const table = await ddb.send(new CreateTableCommand({ TableName: 'orders', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST', StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' } }));
    await lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'orders-api', EventSourceArn: table.TableDescription!.LatestStreamArn!, StartingPosition: 'LATEST', BatchSize: 10 }));
    await createFunction(lambda, 'thumbnailer', makeZip({ 'handler.py': 'def handle(event, context):\n    return 1\n' }), { Runtime: 'python3.12', Handler: 'handler.handle' });
    // The same name in a second region: its folder is qualified by region.
    await createFunction(new LambdaClient(clientOptions(moto.endpoint, 'us-west-2')), 'orders-api', makeZip({ 'index.js': 'exports.handler = async () => "west";\n' }));

    archive = await makeArchive({ collectors: { lambda: { regions: ['us-east-1', 'us-west-2'] } }, endpoint: moto.endpoint });
    const started = Date.now();
    const result = await snapshot(archive, 'v1.0', only);
    firstSnapshotMs = Date.now() - started;
    expect(result.manifest.collectors.find((c) => c.id === 'lambda')).toMatchObject({ status: 'ok' });
  });

  afterAll(() => {
    // The wall time of one snapshot of the seeded estate, for the closing note.
    console.info(`lambda: first snapshot of 3 functions in 2 regions took ${firstSnapshotMs} ms`);
  });

  it('archives configuration without volatile fields, env names with fingerprints, and every sub-config', async () => {
    const v = await readVersion(archive, 'v1.0', 'lambda_functions/orders-api');
    const config = (await v.json<any>('config.json'))!;
    expect(config).toMatchObject({ FunctionName: 'orders-api', Runtime: 'nodejs20.x', Handler: 'index.handler', Timeout: 15, MemorySize: 512, Role: roleArn });
    expect(config.Layers.map((l: any) => l.Arn)).toEqual(['arn:aws:lambda:us-east-1:123456789012:layer:shared-libs:1']);
    expect(config.VpcConfig.SubnetIds).toEqual(['subnet-aaa', 'subnet-bbb']);
    for (const volatile of ['LastModified', 'RevisionId', 'State', 'LastUpdateStatus']) expect(config).not.toHaveProperty(volatile);
    expect(config.Environment).toEqual({});

    const env = (await v.json<any>('environment_variables.json'))!;
    expect(Object.keys(env.Variables)).toEqual(['MODE', 'STRIPE_KEY']);
    expect(env.Variables.STRIPE_KEY).toMatch(/^hmac-sha256:[0-9a-f]{32}$/);

    expect((await v.json<any>('aliases.json'))!.Aliases).toEqual([expect.objectContaining({ Name: 'prod', FunctionVersion: '1' })]);
    const versions = (await v.json<any>('versions.json'))!.Versions;
    expect(versions.map((x: any) => x.Version)).toEqual(['1']);
    expect(versions[0].Environment.Variables.STRIPE_KEY).toBe(env.Variables.STRIPE_KEY);
    expect((await v.json<any>('policy.json'))!.Statement).toEqual([expect.objectContaining({ Sid: 's3-invoke' })]);
    expect((await v.json<any>('url_configs.json'))!.UrlConfigs).toEqual([expect.objectContaining({ AuthType: 'AWS_IAM', Cors: { AllowOrigins: ['https://a.example.com', 'https://b.example.com'] } })]);
    expect(await v.json('concurrency.json')).toEqual({ ReservedConcurrentExecutions: 5 });
    expect(await v.json('tags.json')).toEqual({ Tags: { env: 'prod', team: 'payments' } });
    expect((await v.json<any>('event_source_mappings.json'))!.EventSourceMappings).toEqual([expect.objectContaining({ BatchSize: 10, StartingPosition: 'LATEST' })]);

    // The code: $LATEST's package checked and unpacked, the aliased version's package kept.
    const latest = createHash('sha256').update(makeZip(ORDERS_V2)).digest('hex');
    expect(await v.pointer('code.zip')).toEqual({ oid: latest, size: makeZip(ORDERS_V2).length });
    expect(await v.text('code/index.js')).toBe(ORDERS_V2['index.js']);
    expect(await v.text('code/lib/util.js')).toBe(ORDERS_V1['lib/util.js']);
    expect(await v.text('code/%2E%2E/escape.js')).toBe('not outside\n');
    expect(await v.entry('code/.env')).toBeNull();
    expect(await v.entry('code/assets/logo.png')).toBeNull();
    const code = (await v.json<any>('code.json'))!;
    expect(code).toMatchObject({ packageType: 'Zip', sha256: latest });
    expect(Object.fromEntries(code.files.map((f: any) => [f.path, f.storage]))).toEqual({ '../escape.js': 'text', '.env': 'secret', 'assets/logo.png': 'binary', 'index.js': 'text', 'lib/util.js': 'text' });
    expect(await v.pointer('versions/1/code.zip')).toMatchObject({ oid: createHash('sha256').update(makeZip(ORDERS_V1)).digest('hex') });

    const west = await readVersion(archive, 'v1.0', 'lambda_functions/orders-api@us-west-2');
    expect(await west.text('code/index.js')).toContain('west');
    const thumb = await readVersion(archive, 'v1.0', 'lambda_functions/thumbnailer');
    expect((await thumb.json<any>('config.json'))!.Runtime).toBe('python3.12');
    expect(await thumb.entry('environment_variables.json')).toBeNull();
    expect(await thumb.entry('policy.json')).toBeNull(); // not set: absent, and no finding
    const manifest = (await snapshotManifest(archive, 'v1.0'))!;
    // moto does not implement ListProvisionedConcurrencyConfigs (HTML 404): that, and only that, is a finding.
    expect(manifest.coverage.filter((c: any) => c.collector === 'lambda' && c.reason !== 'NotOffered')).toEqual([]);
    expect(manifest.coverage.filter((c: any) => c.reason === 'NotOffered').every((c: any) => c.resource.endsWith('/provisioned_concurrency'))).toBe(true);
    // No presigned code location anywhere in the archive.
    expect(fetcher.calls.length).toBeGreaterThan(0);
    // (moto gives a layer the location "s3://", which names nothing: it would match any text that mentions s3://.)
    const locations = fetcher.calls.map((c) => c.location).filter((l) => URL.canParse(l) && new URL(l).host !== '');
    expect(locations.length).toBeGreaterThan(0);
    for (const location of locations) expect(archiveContainsBytes(archive.dir, location)).toEqual([]);
  });

  it('gives every package back in a checkout, exactly (the payload behind code.zip)', async () => {
    const { resolveVersion } = await import('../../src/archive/versions.js');
    const { checkoutVersion } = await import('../../src/export/checkout.js');
    const { tempDir } = await import('../helpers/archive.js');
    const dir = `${tempDir()}/v1.0`;
    const stats = await checkoutVersion(archive.repo, archive.openStore(await archive.loadConfig()), await resolveVersion(archive.repo, 'v1.0'), dir);
    expect(readFileSync(`${dir}/lambda_functions/orders-api/code.zip`).equals(Buffer.from(makeZip(ORDERS_V2)))).toBe(true);
    expect(readFileSync(`${dir}/lambda_functions/orders-api/versions/1/code.zip`).equals(Buffer.from(makeZip(ORDERS_V1)))).toBe(true);
    expect(stats.payloads).toBeGreaterThanOrEqual(3);
  });

  it('matches the golden normalized output (refresh with UPDATE_GOLDEN=1)', async () => {
    golden('orders-api', await folderContents(archive, 'v1.0', 'lambda_functions/orders-api'));
  });

  collectorContract({ archive: () => archive, collectors: [collector], root: 'lambda_functions', secrets: [SECRET] });

  it('does not fetch unchanged code again', async () => {
    const before = fetcher.calls.length;
    const prev = await readVersion(archive, 'latest', 'lambda_functions');
    const result = await snapshot(archive, undefined, only);
    expect(fetcher.calls.length).toBe(before);
    // $LATEST packages reused with their unpacked files; the aliased version's from the store.
    expect(result.manifest.collectors.find((c) => c.id === 'lambda')!.counts).toMatchObject({ codeReused: 3, versionPackages: 1 });
    expect(result.manifest.collectors.find((c) => c.id === 'lambda')!.counts).not.toHaveProperty('codeDownloads');
    const now = await readVersion(archive, 'latest', 'lambda_functions');
    expect(await now.subtree('orders-api')).toBe(await prev.subtree('orders-api'));
  });

  it('shows a changed secret as a changed fingerprint and never writes the value', async () => {
    const before = (await (await readVersion(archive, 'latest', 'lambda_functions/orders-api')).json<any>('environment_variables.json'))!.Variables;
    await east().send(new UpdateFunctionConfigurationCommand({ FunctionName: 'orders-api', Environment: { Variables: { STRIPE_KEY: SECRET_CHANGED, MODE: 'prod' } } }));
    await snapshot(archive, 'v2.0', only);
    const after = (await (await readVersion(archive, 'v2.0', 'lambda_functions/orders-api')).json<any>('environment_variables.json'))!.Variables;
    expect(after.MODE).toBe(before.MODE);
    expect(after.STRIPE_KEY).toMatch(/^hmac-sha256:/);
    expect(after.STRIPE_KEY).not.toBe(before.STRIPE_KEY);
    for (const s of [SECRET, SECRET_CHANGED]) expect(archiveContainsBytes(archive.dir, s)).toEqual([]);
  });

  it('shows a code change as a line diff and fetches only the changed package', async () => {
    const before = fetcher.calls.length;
    await east().send(new UpdateFunctionCodeCommand({ FunctionName: 'thumbnailer', ZipFile: makeZip({ 'handler.py': 'def handle(event, context):\n    return 2\n' }) }));
    await snapshot(archive, 'v3.0', only);
    expect(fetcher.calls.slice(before).map((c) => c.functionName)).toEqual(['thumbnailer']);
    expect(await (await readVersion(archive, 'v3.0', 'lambda_functions/thumbnailer')).text('code/handler.py')).toContain('return 2');
  });

  it('detects a package that does not match CodeSha256: partial, previous folder kept, bad bytes not stored', async () => {
    const prev = await readVersion(archive, 'v3.0', 'lambda_functions');
    await east().send(new UpdateFunctionCodeCommand({ FunctionName: 'thumbnailer', ZipFile: makeZip({ 'handler.py': 'def handle(event, context):\n    return 3\n' }) }));
    const bad = makeZip({ 'handler.py': 'import os; os.system("evil")\n' });
    fetcher.tamper.set('thumbnailer', bad);
    try {
      const result = await snapshot(archive, 'v4.0', only);
      expect(result.partial).toBe(true);
      const report = result.manifest.collectors.find((c) => c.id === 'lambda')!;
      expect(report.status).toBe('partial');
      expect(report.errors).toEqual([{ resource: 'lambda_functions/thumbnailer', message: expect.stringMatching(/does not match its expected sha256/) }]);
      const now = await readVersion(archive, 'v4.0', 'lambda_functions');
      expect(await now.subtree('thumbnailer')).toBe(await prev.subtree('thumbnailer'));
      expect(await now.subtree('orders-api')).toBe(await prev.subtree('orders-api'));
      const store = archive.openStore(await archive.loadConfig());
      expect(await store.has(createHash('sha256').update(bad).digest('hex'))).toBe(false);
    } finally {
      fetcher.tamper.clear();
    }
  });

  it('records refusals as coverage findings and goes on (moto does not enforce IAM: a stand-in answers as AWS does)', async () => {
    const refused = await makeArchive({ collectors: { lambda: { regions: ['us-east-1', 'us-west-2'] } }, endpoint: refusing.endpoint });
    const result = await snapshot(refused, 'v1.0', only);
    const report = result.manifest.collectors.find((c) => c.id === 'lambda')!;
    expect(report.status).toBe('ok');
    const findings = result.manifest.coverage.filter((c) => c.collector === 'lambda' && c.reason !== 'NotOffered').map((c) => `${c.resource} ${c.reason}`);
    expect(findings).toEqual(['lambda:us-west-2/layers AccessDeniedException', 'lambda:us-west-2 AccessDeniedException', 'lambda_functions/orders-api/policy AccessDeniedException', 'lambda_functions/thumbnailer AccessDeniedException']);
    const v = await readVersion(refused, 'v1.0', 'lambda_functions');
    expect(await v.entry('orders-api/policy.json')).toBeNull();
    expect(await v.entry('orders-api/config.json')).not.toBeNull();
    // GetFunction refused: the configuration comes from the listing, there is no package.
    expect((await v.json<any>('thumbnailer/config.json'))!.Runtime).toBe('python3.12');
    expect(await v.entry('thumbnailer/code.zip')).toBeNull();
    expect(await v.entry('orders-api@us-west-2')).toBeNull();
  });

  it('writes nothing for a region without functions, and does not fail', async () => {
    const empty = await makeArchive({ collectors: { lambda: { regions: ['eu-west-1'] } }, endpoint: moto.endpoint });
    const result = await snapshot(empty, 'v1.0', only);
    expect(result.manifest.collectors.find((c) => c.id === 'lambda')).toMatchObject({ status: 'ok', stats: { files: 0 } });
    expect(await empty.repo.entryAt(result.treeOid, 'lambda_functions')).toBeNull();
  });

  it('follows every page of the lists', async () => {
    const region = 'ap-southeast-2';
    const client = new LambdaClient(clientOptions(moto.endpoint, region));
    for (let i = 1; i <= 5; i++) await createFunction(client, `batch-${i}`, makeZip({ 'index.js': `exports.n = ${i};\n` }));
    for (const name of ['blue', 'green', 'canary']) await client.send(new CreateAliasCommand({ FunctionName: 'batch-1', Name: name, FunctionVersion: '$LATEST' }));
    const paged = await makeArchive({ collectors: { lambda: { regions: [region] } }, endpoint: pager.endpoint });
    const result = await snapshot(paged, 'v1.0', only);
    expect(result.manifest.collectors.find((c) => c.id === 'lambda')).toMatchObject({ status: 'ok', counts: { functions: 5 } });
    const v = await readVersion(paged, 'v1.0', 'lambda_functions');
    expect((await v.list()).map((e) => e.name)).toEqual(['batch-1', 'batch-2', 'batch-3', 'batch-4', 'batch-5']);
    expect((await v.json<any>('batch-1/aliases.json'))!.Aliases.map((a: any) => a.Name)).toEqual(['blue', 'canary', 'green']);
    expect(pager.pages.filter((p) => p.startsWith('Functions')).length).toBe(3);
    expect(pager.pages.filter((p) => p.startsWith('Aliases')).length).toBeGreaterThanOrEqual(2);
  });
});

async function snapshotManifest(archive: Archive, version: string): Promise<any> {
  return (await readVersion(archive, version)).json(MANIFEST_PATH);
}

/**
 * A loopback stand-in that pages Lambda's list calls as AWS documents (Marker/MaxItems in,
 * NextMarker out) over moto's single-page answers; every other request passes unchanged.
 */
async function pagingProxy(target: string, pageSize = 2): Promise<{ endpoint: string; pages: string[] }> {
  const lists: [RegExp, string][] = [
    [/^\/2015-03-31\/functions\/?$/, 'Functions'],
    [/^\/2015-03-31\/functions\/[^/]+\/aliases$/, 'Aliases'],
    [/^\/2015-03-31\/functions\/[^/]+\/versions\/?$/, 'Versions'],
    [/^\/2015-03-31\/event-source-mappings\/?$/, 'EventSourceMappings'],
  ];
  const pages: string[] = [];
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const list = req.method === 'GET' ? lists.find(([re]) => re.test(url.pathname)) : undefined;
    const marker = url.searchParams.get('Marker');
    const max = Math.min(Number(url.searchParams.get('MaxItems') ?? '50'), pageSize);
    if (list) {
      url.searchParams.delete('Marker');
      url.searchParams.delete('MaxItems');
    }
    const forwarded = await forward(target, req, url, body);
    const up = forwarded.up;
    let payload = forwarded.payload;
    if (list && up.ok) {
      const [, key] = list;
      const all = JSON.parse(payload.toString('utf8'));
      const start = marker ? Number(marker) : 0;
      pages.push(`${key}:${start}`);
      const items = (all[key] ?? []).slice(start, start + max);
      const next = start + max < (all[key] ?? []).length ? String(start + max) : undefined;
      payload = Buffer.from(JSON.stringify({ ...all, [key]: items, ...(next ? { NextMarker: next } : {}) }));
    }
    reply(res, up, payload);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { endpoint: `http://127.0.0.1:${(server.address() as { port: number }).port}`, pages };
}
