// Restoring API Gateway REST APIs against moto: snapshot, damage through the SDK (a deleted
// method, a changed integration, a deleted resource, changed stage variables, a deleted API),
// plan, restore, and check what `snap status` shows afterwards.
//
// What cannot come back exactly, by API Gateway's design rather than snap's: ids. A re-created
// resource gets a new id (so resources.json differs in that one field), and a re-created API a
// new id (so its folder name differs); the tests name those differences exactly.
// moto (5.2) exports Swagger 2.0 without integrations and refuses Swagger in PutRestApi, and
// replaces the whole stage on CreateDeployment: restore works from resources.json call by call
// (see src/collectors/aws/apigateway/restore-definition.ts), which moto covers.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  APIGatewayClient,
  CreateAuthorizerCommand,
  CreateDeploymentCommand,
  CreateResourceCommand,
  CreateRestApiCommand,
  CreateStageCommand,
  DeleteMethodCommand,
  DeleteResourceCommand,
  DeleteRestApiCommand,
  GetResourcesCommand,
  GetStageCommand,
  PutIntegrationCommand,
  PutIntegrationResponseCommand,
  PutMethodCommand,
  PutMethodResponseCommand,
  UpdateStageCommand,
} from '@aws-sdk/client-api-gateway';
import type { Archive } from '../../src/archive/archive.js';
import { describeDrift, drift, plan, restore } from '../helpers/restore.js';
import { makeArchive, snapshot, tempDir } from '../helpers/archive.js';
import { clientOptions, useMoto } from '../helpers/moto.js';
import { archiveContainsBytes } from '../helpers/collector-contract.js';

const DB_PASSWORD = 'planted-restore-db-password-5e5e';
const ROTATED = 'rotated-restore-db-password-9f9f';
const BACKEND = 'orders.internal';

const moto = useMoto();

describe('apigateway restore', () => {
  const c = new APIGatewayClient(clientOptions(moto.endpoint));
  let archive: Archive;
  let apiId: string;
  let folder: string;
  const secretsFile = join(tempDir('snap-secrets-'), 'secrets.json');
  const servicePlan = (p: Awaited<ReturnType<typeof plan>>) => p.services.find((s) => s.collector.id === 'apigateway')!;
  const changesOf = (p: Awaited<ReturnType<typeof plan>>) => servicePlan(p).changes.map((x) => `${x.action} ${x.resource.replace(apiId, '<api>')}: ${x.detail}`);
  const resourceId = async (path: string) => (await c.send(new GetResourcesCommand({ restApiId: apiId }))).items!.find((r) => r.path === path)!.id!;
  const liveStage = (stageName: string) => c.send(new GetStageCommand({ restApiId: apiId, stageName }));

  beforeAll(async () => {
    const api = await c.send(new CreateRestApiCommand({ name: 'orders-api', description: 'orders', tags: { team: 'orders' } }));
    apiId = api.id!;
    folder = `apigateway/us-east-1/orders-api.${apiId}`;
    const root = (await c.send(new GetResourcesCommand({ restApiId: apiId }))).items![0]!.id!;
    const orders = await c.send(new CreateResourceCommand({ restApiId: apiId, parentId: root, pathPart: 'orders' }));
    const order = await c.send(new CreateResourceCommand({ restApiId: apiId, parentId: orders.id, pathPart: '{id}' }));
    const auth = await c.send(new CreateAuthorizerCommand({ restApiId: apiId, name: 'users', type: 'COGNITO_USER_POOLS', providerARNs: ['arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_a'], identitySource: 'method.request.header.Authorization' }));
    for (const [resourceId, verb] of [[orders.id!, 'GET'], [orders.id!, 'POST'], [order.id!, 'GET']] as const) {
      await c.send(new PutMethodCommand({ restApiId: apiId, resourceId, httpMethod: verb, authorizationType: 'COGNITO_USER_POOLS', authorizerId: auth.id }));
      await c.send(new PutMethodResponseCommand({ restApiId: apiId, resourceId, httpMethod: verb, statusCode: '200' }));
      await c.send(new PutIntegrationCommand({ restApiId: apiId, resourceId, httpMethod: verb, type: 'HTTP', integrationHttpMethod: verb, uri: 'https://${stageVariables.backend}/orders' }));
      await c.send(new PutIntegrationResponseCommand({ restApiId: apiId, resourceId, httpMethod: verb, statusCode: '200', selectionPattern: '' }));
    }
    const dep = await c.send(new CreateDeploymentCommand({ restApiId: apiId, stageName: 'prod', description: 'first', variables: { DB_PASSWORD, backend: BACKEND } }));
    await c.send(new CreateStageCommand({ restApiId: apiId, stageName: 'staging', deploymentId: dep.id, variables: { backend: 'staging.internal' } }));
    archive = await makeArchive({ collectors: { apigateway: {} }, endpoint: moto.endpoint });
    const result = await snapshot(archive, 'v1.0');
    expect(result.manifest.collectors.find((x) => x.id === 'apigateway')).toMatchObject({ status: 'ok' });
  });

  it('plans a deleted method, a changed integration and a changed stage variable (planning changes nothing), restores them: no drift after', async () => {
    const orders = await resourceId('/orders');
    await c.send(new DeleteMethodCommand({ restApiId: apiId, resourceId: orders, httpMethod: 'POST' }));
    await c.send(new PutIntegrationCommand({ restApiId: apiId, resourceId: orders, httpMethod: 'GET', type: 'HTTP', integrationHttpMethod: 'GET', uri: 'https://evil.example.net/orders' }));
    await c.send(new UpdateStageCommand({ restApiId: apiId, stageName: 'prod', patchOperations: [{ op: 'replace', path: '/variables/backend', value: 'evil.internal' }] }));
    const before = await c.send(new GetResourcesCommand({ restApiId: apiId, embed: ['methods'] }));

    writeFileSync(secretsFile, JSON.stringify({ 'apigateway:orders-api/prod': { backend: BACKEND } }));
    const p = await plan(archive, { version: 'v1.0', selectors: ['apigateway'], secretsFile });
    expect(changesOf(p)).toEqual([
      'update apigateway orders-api (<api>) GET /orders: method put again as the version has it: HTTP integration',
      'create apigateway orders-api (<api>) POST /orders: method: HTTP integration',
      'update apigateway orders-api (<api>) stage prod: variables ~backend',
    ]);
    expect(servicePlan(p).notes).toEqual([]);
    p.close();
    expect((await c.send(new GetResourcesCommand({ restApiId: apiId, embed: ['methods'] }))).items).toEqual(before.items);
    expect((await liveStage('prod')).variables!.backend).toBe('evil.internal');

    await restore(archive, { version: 'v1.0', selectors: ['apigateway'], secretsFile });
    expect((await liveStage('prod')).variables).toEqual({ DB_PASSWORD, backend: BACKEND });
    expect(describeDrift(await drift(archive, ['apigateway']))).toEqual([]);
  });

  it('plans nothing when run again', async () => {
    const p = await plan(archive, { version: 'v1.0', selectors: ['apigateway'], secretsFile });
    expect(changesOf(p)).toEqual([]);
    expect(servicePlan(p).notes).toEqual([]);
    p.close();
  });

  it('re-creates a deleted resource with its method; only the new resource id differs afterwards', async () => {
    await c.send(new DeleteResourceCommand({ restApiId: apiId, resourceId: await resourceId('/orders/{id}') }));
    const p = await restore(archive, { version: 'v1.0', selectors: [`apigateway/us-east-1/orders-api.${apiId}`] });
    expect(changesOf(p)).toEqual(['create apigateway orders-api (<api>) /orders/{id}: resource with GET (a new id)', 'create apigateway orders-api (<api>) GET /orders/{id}: method: HTTP integration']);
    // API Gateway assigns resource ids: the re-created resource cannot have its old one.
    expect(describeDrift(await drift(archive, ['apigateway']))).toEqual([`changed ${folder}/resources.json [resources[path=/orders/{id}].id]`]);
  });

  it('keeps a changed secret stage variable it has no value for (noted), and restores it from a secrets file', async () => {
    await c.send(new UpdateStageCommand({ restApiId: apiId, stageName: 'prod', patchOperations: [{ op: 'replace', path: '/variables/DB_PASSWORD', value: ROTATED }] }));
    const p = await plan(archive, { version: 'v1.0', selectors: ['apigateway'] });
    expect(changesOf(p).filter((x) => x.includes('stage'))).toEqual([]);
    expect(servicePlan(p).undone).toEqual([{ resource: `apigateway orders-api (${apiId})`, message: expect.stringMatching(/^stage prod variable DB_PASSWORD cannot be restored: the live value differs .*"apigateway:orders-api\/prod": \{"DB_PASSWORD"/) }]);
    p.close();
    writeFileSync(secretsFile, JSON.stringify({ 'apigateway:orders-api/prod': { DB_PASSWORD } }));
    const q = await restore(archive, { version: 'v1.0', selectors: ['apigateway'], secretsFile });
    expect(changesOf(q)).toEqual(['update apigateway orders-api (<api>) stage prod: variables ~DB_PASSWORD']);
    expect(JSON.stringify(changesOf(q))).not.toContain(DB_PASSWORD);
    expect((await liveStage('prod')).variables!.DB_PASSWORD).toBe(DB_PASSWORD);
    expect(archiveContainsBytes(archive.dir, DB_PASSWORD)).toEqual([]);
  });

  it('re-creates a deleted API (a new id, noted), and a second plan finds it by name', async () => {
    await c.send(new DeleteRestApiCommand({ restApiId: apiId }));
    writeFileSync(secretsFile, JSON.stringify({ 'apigateway:orders-api/prod': { DB_PASSWORD, backend: BACKEND }, 'apigateway:orders-api/staging': { backend: 'staging.internal' } }));
    const p = await restore(archive, { version: 'v1.0', selectors: ['apigateway'], secretsFile });
    expect(changesOf(p)).toEqual(['create apigateway orders-api (<api>): REST API from v1.0: 3 resources, 3 methods, 1 authorizers, 2 stages']);
    expect(servicePlan(p).notes.map((n) => n.message)).toEqual([expect.stringMatching(/^re-created as a new API: its id/)]);

    const changes = await drift(archive, ['apigateway']);
    const newFolder = changes.find((x) => x.status === 'added')!.path.split('/').slice(0, 3).join('/');
    expect(newFolder).not.toBe(folder);
    expect(changes.filter((x) => x.status === 'changed')).toEqual([]);
    expect(changes.filter((x) => x.status === 'removed').map((x) => x.path.slice(folder.length + 1)).sort()).toEqual(['api.json', 'authorizers.json', 'deployments.json', 'resources.json', 'stages/prod/openapi.json', 'stages/prod/stage.json', 'stages/staging/openapi.json', 'stages/staging/stage.json']);
    const newId = newFolder.split('.').pop()!;
    const prod = await c.send(new GetStageCommand({ restApiId: newId, stageName: 'prod' }));
    expect(prod.variables).toEqual({ DB_PASSWORD, backend: BACKEND });

    const again = await plan(archive, { version: 'v1.0', selectors: ['apigateway'], secretsFile });
    expect(servicePlan(again).changes.map((x) => `${x.action} ${x.resource}: ${x.detail}`)).toEqual([]);
    expect(servicePlan(again).notes.map((n) => n.message)).toEqual([expect.stringMatching(new RegExp(`^${apiId} no longer exists; the one API named orders-api in the region, ${newId}, is brought to the version`))]);
    again.close();
  });
});
