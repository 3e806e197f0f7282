// The API Gateway collector against moto: REST APIs with resources, methods, integrations,
// authorizers, deployments, stages (variables fingerprinted) and stage exports.
//
// Where moto falls short, a small loopback stand-in sits in front of it (pagingStandIn below):
//  - moto answers every API Gateway list call in one page, ignoring `limit`; the stand-in
//    pages moto's full answer the way the API reference documents (`limit` and `position`
//    query parameters, `item` and `position` in the answer), so pagination is exercised.
//  - it can also answer one chosen call with an unexpected error, to show carry-over, and
//    plant a value into GetExport answers, to show that an export holding a stage variable's
//    value in clear is withheld (AWS exports keep ${stageVariables.x} references instead).
// moto's GetExport always answers Swagger 2.0 whatever type is asked, with the call time as
// info.version; the collector handles both (info.version is a declared volatile field).
import { createServer, request as httpRequest } from 'node:http';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  APIGatewayClient,
  CreateAuthorizerCommand,
  CreateDeploymentCommand,
  CreateResourceCommand,
  CreateRestApiCommand,
  CreateStageCommand,
  DeleteRestApiCommand,
  GetResourcesCommand,
  PutIntegrationCommand,
  PutIntegrationResponseCommand,
  PutMethodCommand,
  PutMethodResponseCommand,
  UpdateRestApiCommand,
  UpdateStageCommand,
} from '@aws-sdk/client-api-gateway';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Archive } from '../../src/archive/archive.js';
import { createApigatewayCollector } from '../../src/collectors/aws/apigateway/collect.js';
import { walkFiles } from '../../src/git/tree-walk.js';
import { archiveContainsBytes, collectorContract } from '../helpers/collector-contract.js';
import { makeArchive, readVersion, snapshot } from '../helpers/archive.js';
import { clientOptions, useMoto } from '../helpers/moto.js';
import { refusingProxy } from '../helpers/refusing-proxy.js';


const collector = createApigatewayCollector({ pageSize: 1 });
const DB_PASSWORD = 'planted-stage-db-password-7731';
const API_TOKEN = 'planted-stage-api-token-c0ffee';
const STAGING_TOKEN = 'planted-staging-token-9a9a9a';
const GOLDEN = join(import.meta.dirname, '../golden/apigateway/tree.json');

/** The paging stand-in described at the top; `fail` makes matching requests fail once set. */
interface StandInControls {
  path: RegExp | null;
  /** a value added to every GetExport answer */
  exportLeak: string | null;
}

async function pagingStandIn(target: string): Promise<{ endpoint: string; fail: StandInControls }> {
  const upstream = new URL(target);
  const fail: StandInControls = { path: null, exportLeak: null };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (fail.path?.test(url.pathname)) {
      res.writeHead(400, { 'content-type': 'application/json', 'x-amzn-errortype': 'BadRequestException' });
      res.end(JSON.stringify({ message: 'stand-in failure' }));
      return;
    }
    const limit = Number(url.searchParams.get('limit') ?? 0);
    const start = Number(url.searchParams.get('position') ?? 0);
    const paged = req.method === 'GET' && limit > 0;
    url.searchParams.delete('limit');
    url.searchParams.delete('position');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const fwd = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: paged ? url.pathname + url.search : req.url, headers: { ...req.headers, host: upstream.host } }, (up) => {
        const body: Buffer[] = [];
        up.on('data', (c: Buffer) => body.push(c));
        up.on('end', () => {
          let text = Buffer.concat(body);
          const parsed = paged && up.statusCode === 200 ? (JSON.parse(text.toString('utf8')) as Record<string, unknown>) : null;
          const key = parsed && (Array.isArray(parsed.item) ? 'item' : Array.isArray(parsed.items) ? 'items' : null);
          if (fail.exportLeak && url.pathname.includes('/exports/') && up.statusCode === 200) {
            text = Buffer.from(JSON.stringify({ ...(JSON.parse(text.toString('utf8')) as object), 'x-leak': fail.exportLeak }));
          }
          if (parsed && key) {
            const all = parsed[key] as unknown[];
            parsed[key] = all.slice(start, start + limit);
            if (start + limit < all.length) parsed.position = String(start + limit);
            text = Buffer.from(JSON.stringify(parsed));
          }
          const headers = { ...up.headers, 'content-length': String(text.length) };
          res.writeHead(up.statusCode ?? 502, headers);
          res.end(text);
        });
      });
      fwd.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { endpoint: `http://127.0.0.1:${(server.address() as { port: number }).port}`, fail };
}

const ids: Record<string, string> = {};

async function seed(endpoint: string): Promise<void> {
  const c = new APIGatewayClient(clientOptions(endpoint));
  const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 'execute-api:Invoke', Resource: ['execute-api:/*/POST/orders', 'execute-api:/*/GET/orders'] }] });
  const api = await c.send(new CreateRestApiCommand({ name: 'orders-api', description: 'orders', tags: { team: 'orders' }, policy }));
  ids.api = api.id!;
  // moto ignores binaryMediaTypes on create; it takes them as patch operations.
  for (const type of ['image/png', 'application/pdf']) {
    await c.send(new UpdateRestApiCommand({ restApiId: api.id, patchOperations: [{ op: 'add', path: `/binaryMediaTypes/${type.replace('/', '~1')}`, value: type }] }));
  }
  const root = (await c.send(new GetResourcesCommand({ restApiId: api.id }))).items![0]!.id!;
  ids.root = root;
  const orders = await c.send(new CreateResourceCommand({ restApiId: api.id, parentId: root, pathPart: 'orders' }));
  const order = await c.send(new CreateResourceCommand({ restApiId: api.id, parentId: orders.id, pathPart: '{id}' }));
  ids.orders = orders.id!;
  ids.order = order.id!;
  const auth = await c.send(new CreateAuthorizerCommand({ restApiId: api.id, name: 'users', type: 'COGNITO_USER_POOLS', providerARNs: ['arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_b', 'arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_a'], identitySource: 'method.request.header.Authorization' }));
  ids.authorizer = auth.id!;
  for (const [resourceId, verb] of [[orders.id!, 'GET'], [orders.id!, 'POST'], [order.id!, 'GET']] as const) {
    await c.send(new PutMethodCommand({ restApiId: api.id, resourceId, httpMethod: verb, authorizationType: 'COGNITO_USER_POOLS', authorizerId: auth.id }));
    await c.send(new PutMethodResponseCommand({ restApiId: api.id, resourceId, httpMethod: verb, statusCode: '200' }));
    await c.send(new PutIntegrationCommand({ restApiId: api.id, resourceId, httpMethod: verb, type: 'HTTP', integrationHttpMethod: verb, uri: 'https://${stageVariables.backend}/orders' }));
    await c.send(new PutIntegrationResponseCommand({ restApiId: api.id, resourceId, httpMethod: verb, statusCode: '200', selectionPattern: '' }));
  }
  const dep = await c.send(new CreateDeploymentCommand({ restApiId: api.id, stageName: 'prod', description: 'first', variables: { DB_PASSWORD, API_TOKEN, backend: 'orders.internal' } }));
  ids.deployment = dep.id!;
  // moto drops canarySettings, so canary overrides of stage variables are covered by the
  // rules' unit test (test/unit/apigateway-rules.test.ts) instead.
  await c.send(new CreateStageCommand({ restApiId: api.id, stageName: 'staging', deploymentId: dep.id, variables: { backend: 'staging.internal', API_TOKEN: STAGING_TOKEN } }));

  const west = await new APIGatewayClient(clientOptions(endpoint, 'us-west-2')).send(new CreateRestApiCommand({ name: 'reports-api' }));
  ids.west = west.id!;
  ids.westRoot = west.rootResourceId!;
}

async function treeOf(archive: Archive, root: string): Promise<Record<string, unknown>> {
  const v = await readVersion(archive, 'latest');
  const oid = (await archive.repo.entryAt(v.treeOid, root))!.oid;
  const out: Record<string, unknown> = {};
  for await (const f of walkFiles(archive.repo, oid)) out[f.path] = JSON.parse(Buffer.from(await archive.repo.readBlob(f.oid)).toString('utf8'));
  return out;
}

/** Emulator-made values (random ids, times) and per-archive fingerprints as placeholders. */
function masked(tree: Record<string, unknown>): unknown {
  let text = JSON.stringify(tree);
  for (const [name, id] of Object.entries(ids)) text = text.replaceAll(id, `{${name}-id}`);
  text = text.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>').replace(/hmac-sha256:[0-9a-f]{32}/g, '<fingerprint>');
  return JSON.parse(text);
}

describe('API Gateway collector', () => {
  const { endpoint } = useMoto();
  let archive: Archive;
  let standIn: Awaited<ReturnType<typeof pagingStandIn>>;

  beforeAll(async () => {
    await seed(endpoint);
    standIn = await pagingStandIn(endpoint);
    archive = await makeArchive({ collectors: { apigateway: {} }, endpoint: standIn.endpoint, regions: ['us-east-1', 'us-west-2'] });
  });

  collectorContract({ archive: () => archive, collectors: [collector], root: 'apigateway', secrets: [DB_PASSWORD, API_TOKEN, STAGING_TOKEN] });

  it('captures every API of every region, with all pages of resources, methods and integrations', async () => {
    const v = await readVersion(archive, 'latest', 'apigateway');
    const folder = `us-east-1/orders-api.${ids.api}`;
    const api = (await v.json<any>(`${folder}/api.json`))!;
    expect(api.policy.Statement[0].Resource).toEqual(['execute-api:/*/GET/orders', 'execute-api:/*/POST/orders']);
    expect(api.binaryMediaTypes).toEqual(['application/pdf', 'image/png']);
    const { resources } = (await v.json<any>(`${folder}/resources.json`))!;
    expect(resources.map((r: any) => r.path)).toEqual(['/', '/orders', '/orders/{id}']);
    expect(Object.keys(resources[1].resourceMethods)).toEqual(['GET', 'POST']);
    expect(resources[1].resourceMethods.POST.methodIntegration.uri).toBe('https://${stageVariables.backend}/orders');
    const { authorizers } = (await v.json<any>(`${folder}/authorizers.json`))!;
    expect(authorizers[0].providerARNs).toEqual(['arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_a', 'arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_b']);
    expect((await v.json<any>(`${folder}/deployments.json`))!.deployments.map((d: any) => d.id)).toEqual([ids.deployment]);
    expect(await v.entry(`us-west-2/reports-api.${ids.west}/api.json`)).not.toBeNull();
  });

  it('keeps stage variable names with keyed fingerprints, never the values, and exports each stage', async () => {
    const v = await readVersion(archive, 'latest', `apigateway/us-east-1/orders-api.${ids.api}/stages`);
    const prod = (await v.json<any>('prod/stage.json'))!;
    expect(Object.keys(prod.variables)).toEqual(['API_TOKEN', 'DB_PASSWORD', 'backend']);
    for (const value of Object.values(prod.variables)) expect(value).toMatch(/^hmac-sha256:[0-9a-f]{32}$/);
    const staging = (await v.json<any>('staging/stage.json'))!;
    expect(staging.variables.API_TOKEN).toMatch(/^hmac-sha256:/);
    expect(staging.variables.API_TOKEN).not.toBe(prod.variables.API_TOKEN);
    const exported = (await v.json<any>('prod/openapi.json'))!;
    expect(Object.keys(exported.paths)).toEqual(['/', '/orders', '/orders/{id}']);
    expect(exported.info).toEqual({ title: 'orders-api' });
  });

  it('shows a changed stage variable as a changed fingerprint, the others unchanged', async () => {
    const before = (await (await readVersion(archive, 'latest', `apigateway/us-east-1/orders-api.${ids.api}/stages`)).json<any>('prod/stage.json'))!;
    await new APIGatewayClient(clientOptions(endpoint)).send(new UpdateStageCommand({ restApiId: ids.api, stageName: 'prod', patchOperations: [{ op: 'replace', path: '/variables/DB_PASSWORD', value: `${DB_PASSWORD}-rotated` }] }));
    await snapshot(archive, undefined, { collectors: [collector] });
    const after = (await (await readVersion(archive, 'latest', `apigateway/us-east-1/orders-api.${ids.api}/stages`)).json<any>('prod/stage.json'))!;
    expect(after.variables.DB_PASSWORD).not.toBe(before.variables.DB_PASSWORD);
    expect(after.variables.API_TOKEN).toBe(before.variables.API_TOKEN);
    expect(archiveContainsBytes(archive.dir, `${DB_PASSWORD}-rotated`)).toEqual([]);
  });

  it('carries an API over from the previous version when reading it fails unexpectedly', async () => {
    const before = await readVersion(archive, 'latest', 'apigateway/us-east-1');
    const beforeOid = (await before.entry(`orders-api.${ids.api}`))!.oid;
    standIn.fail.path = new RegExp(`/restapis/${ids.api}/resources`);
    try {
      const result = await snapshot(archive, undefined, { collectors: [collector] });
      const report = result.manifest.collectors.find((c) => c.id === 'apigateway')!;
      expect(report.status).toBe('partial');
      expect(report.errors.map((e) => e.resource)).toEqual([`apigateway/us-east-1/orders-api.${ids.api}`]);
    } finally {
      standIn.fail.path = null;
    }
    const after = await readVersion(archive, 'latest', 'apigateway/us-east-1');
    expect((await after.entry(`orders-api.${ids.api}`))!.oid).toBe(beforeOid);
  });

  it('withholds an export that holds a stage variable value in clear', async () => {
    standIn.fail.exportLeak = API_TOKEN;
    try {
      const leaky = await makeArchive({ collectors: { apigateway: {} }, endpoint: standIn.endpoint, regions: ['us-east-1'] });
      const result = await snapshot(leaky, 'v1.0', { collectors: [collector] });
      expect(result.manifest.coverage.map((f) => `${f.resource} ${f.reason}`)).toContain(`apigateway/us-east-1/orders-api.${ids.api}/stages/prod/export ExportWithheld`);
      const v = await readVersion(leaky, 'v1.0', `apigateway/us-east-1/orders-api.${ids.api}/stages`);
      expect(await v.entry('prod/openapi.json')).toBeNull();
      expect(await v.entry('prod/stage.json')).not.toBeNull();
      expect(archiveContainsBytes(leaky.dir, API_TOKEN)).toEqual([]);
    } finally {
      standIn.fail.exportLeak = null;
    }
  });

  it('records refused regions and exports as coverage findings', async () => {
    const proxy = await refusingProxy(standIn.endpoint, (req) => (req.region === 'us-west-2' && req.path === '/restapis') || req.path.includes('/exports/'));
    const refused = await makeArchive({ collectors: { apigateway: {} }, endpoint: proxy.endpoint, regions: ['us-east-1', 'us-west-2'] });
    const result = await snapshot(refused, 'v1.0', { collectors: [collector] });
    expect(result.partial).toBe(false);
    const resources = result.manifest.coverage.map((f) => `${f.resource} ${f.reason}`);
    expect(resources).toContain('apigateway:us-west-2 AccessDeniedException');
    expect(resources).toContain(`apigateway/us-east-1/orders-api.${ids.api}/stages/prod/export AccessDeniedException`);
    const v = await readVersion(refused, 'v1.0', 'apigateway');
    expect(await v.entry(`us-east-1/orders-api.${ids.api}/stages/prod/stage.json`)).not.toBeNull();
    expect(await v.entry(`us-east-1/orders-api.${ids.api}/stages/prod/openapi.json`)).toBeNull();
    expect(await v.entry('us-west-2')).toBeNull();
  });

  it('matches the golden normalized output (UPDATE_GOLDEN=1 rewrites it)', async () => {
    const actual = masked(await treeOf(archive, 'apigateway'));
    if (process.env.UPDATE_GOLDEN === '1') {
      mkdirSync(dirname(GOLDEN), { recursive: true });
      writeFileSync(GOLDEN, `${JSON.stringify(actual, null, 2)}\n`);
    }
    expect(existsSync(GOLDEN), `${GOLDEN} missing: run with UPDATE_GOLDEN=1 once`).toBe(true);
    expect(actual).toEqual(JSON.parse(readFileSync(GOLDEN, 'utf8')));
  });

  it('drops a deleted API from the next version', async () => {
    await new APIGatewayClient(clientOptions(endpoint, 'us-west-2')).send(new DeleteRestApiCommand({ restApiId: ids.west }));
    await snapshot(archive, undefined, { collectors: [collector] });
    const v = await readVersion(archive, 'latest', 'apigateway');
    expect(await v.entry('us-west-2')).toBeNull();
    expect(await v.entry(`us-east-1/orders-api.${ids.api}/api.json`)).not.toBeNull();
  });
});
