// The recovery runbook of a version made by the real commit pipeline from a seeded estate on
// moto (IAM role, S3 bucket, Route53 zone, Lambda function with environment variables,
// DynamoDB table, API Gateway stage with stage variables) plus the local collector:
//   - golden output (ids moto makes up replaced; refresh with UPDATE_GOLDEN=1);
//   - it names the real resources, every `snap …` line parses as its verb does, and every
//     restore selector is a folder or file of the version;
//   - secret names are listed, their values (and fingerprints) never;
//   - deterministic; `snap commit` stores it as RECOVERY.md, generated from the unsealed pack,
//     identical to what the finished version gives; two unchanged snapshots still differ only
//     in the manifests, and verify agrees with the manifest's counts.
// Stand-in: moto's Lambda code location names a real AWS host, so the collector's code
// fetcher answers from the package this test made (as in lambda.test.ts).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { APIGatewayClient, CreateDeploymentCommand, CreateRestApiCommand, GetResourcesCommand, PutIntegrationCommand, PutMethodCommand } from '@aws-sdk/client-api-gateway';
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { ChangeResourceRecordSetsCommand, CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { strToU8, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Archive } from '../../src/archive/archive.js';
import { VersionReader } from '../../src/archive/version-reader.js';
import { resolveVersion, type VersionInfo } from '../../src/archive/versions.js';
import { apigatewayCollector } from '../../src/collectors/aws/apigateway/collect.js';
import { dynamodbCollector } from '../../src/collectors/aws/dynamodb/collect.js';
import { iamCollector } from '../../src/collectors/aws/iam/collect.js';
import { createLambdaCollector } from '../../src/collectors/aws/lambda/collect.js';
import { route53Collector } from '../../src/collectors/aws/route53/collect.js';
import { s3Collector } from '../../src/collectors/aws/s3/collect.js';
import { localCollector } from '../../src/collectors/local/collect.js';
import { collectors } from '../../src/collectors/registry.js';
import { loadCollectors } from '../../src/collectors/lazy.js';
import { RESTORE_ORDER } from '../../src/restore/types.js';
import { generateRunbook, runbookForVersion } from '../../src/runbook/runbook.js';
import { verifyVersions } from '../../src/verify/verify.js';
import { git, makeArchive, snapshot, tempDir } from '../helpers/archive.js';
import { clientOptions, useMoto } from '../helpers/moto.js';
import { expectCommandsParse as commandsParse } from '../helpers/runbook-commands.js';

const GOLDEN = join(import.meta.dirname, '..', 'golden', 'runbook', 'RECOVERY.md');
const STRIPE = 'sk_live_runbook_planted_secret_5c1e';
const TOKEN = 'tok_runbook_planted_stage_secret_77';

const moto = useMoto();
const zip = zipSync({ 'index.js': strToU8('exports.handler = async () => ({ statusCode: 200 });\n') }, { mtime: new Date(2024, 0, 1) });
const lambdaCollector = createLambdaCollector({ fetchCode: async () => zip });
const estateCollectors = [s3Collector, iamCollector, route53Collector, lambdaCollector, dynamodbCollector, apigatewayCollector, localCollector];

const expectCommandsParse = (md: string, archive: Archive, version: VersionInfo, word: string) => commandsParse(md, archive.repo, version.treeOid, word);

describe('snap runbook', { timeout: 120_000 }, () => {
  let archive: Archive;
  let v1: VersionInfo;
  let zoneId: string;
  let apiId: string;
  let toolsPath: string;
  const clients: { destroy(): void }[] = [];
  afterAll(() => clients.forEach((c) => c.destroy()));

  beforeAll(async () => {
    const c = <T extends { destroy(): void }>(client: T): T => (clients.push(client), client);
    const iam = c(new IAMClient(clientOptions(moto.endpoint)));
    const role = (await iam.send(new CreateRoleCommand({ RoleName: 'dashboard-exec', AssumeRolePolicyDocument: '{}' }))).Role!.Arn!;
    const s3 = c(new S3Client({ ...clientOptions(moto.endpoint), forcePathStyle: true }));
    await s3.send(new CreateBucketCommand({ Bucket: 'sailjada-prod' }));
    await s3.send(new PutObjectCommand({ Bucket: 'sailjada-prod', Key: 'index.html', Body: '<h1>Sail JADA</h1>\n', ContentType: 'text/html' }));
    const r53 = c(new Route53Client(clientOptions(moto.endpoint)));
    zoneId = (await r53.send(new CreateHostedZoneCommand({ Name: 'sailjada.com', CallerReference: `runbook-${Date.now()}` }))).HostedZone!.Id!.replace('/hostedzone/', '');
    await r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: [{ Action: 'CREATE', ResourceRecordSet: { Name: 'www.sailjada.com', Type: 'CNAME', TTL: 300, ResourceRecords: [{ Value: 'sailjada.com' }] } }] } }));
    const lambda = c(new LambdaClient(clientOptions(moto.endpoint)));
    await lambda.send(new CreateFunctionCommand({ FunctionName: 'update_dashboard', Runtime: 'python3.12', Role: role, Handler: 'index.handler', Code: { ZipFile: zip }, Environment: { Variables: { STRIPE_SECRET_KEY: STRIPE, MODE: 'prod' } } }));
    const ddb = c(new DynamoDBClient(clientOptions(moto.endpoint)));
    await ddb.send(new CreateTableCommand({ TableName: 'orders', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' }));
    await ddb.send(new PutItemCommand({ TableName: 'orders', Item: { id: { S: 'o-1' }, total: { N: '225' } } }));
    const apigw = c(new APIGatewayClient(clientOptions(moto.endpoint)));
    apiId = (await apigw.send(new CreateRestApiCommand({ name: 'orders-api' }))).id!;
    const root = (await apigw.send(new GetResourcesCommand({ restApiId: apiId }))).items![0]!.id!;
    await apigw.send(new PutMethodCommand({ restApiId: apiId, resourceId: root, httpMethod: 'GET', authorizationType: 'NONE' }));
    await apigw.send(new PutIntegrationCommand({ restApiId: apiId, resourceId: root, httpMethod: 'GET', type: 'MOCK' }));
    await apigw.send(new CreateDeploymentCommand({ restApiId: apiId, stageName: 'prod', variables: { API_TOKEN: TOKEN } }));

    const tools = join(tempDir(), 'tools');
    toolsPath = tools;
    mkdirSync(tools);
    writeFileSync(join(tools, 'release.py'), 'PRICE = 225\n');
    writeFileSync(join(tools, '.env'), `STRIPE=${STRIPE}\n`);
    archive = await makeArchive({
      endpoint: moto.endpoint,
      collectors: { s3: {}, iam: {}, route53: {}, lambda: {}, dynamodb: {}, apigateway: {}, local: { paths: [{ name: 'tools', path: tools }] } },
    });
    const result = await snapshot(archive, 'v1.0', { collectors: estateCollectors });
    expect(result.manifest.collectors.map((r) => [r.id, r.status, r.errors])).toEqual(estateCollectors.map((e) => [e.id, 'ok', []]));
    v1 = await resolveVersion(archive.repo, 'v1.0');
  });

  /** The runbook with what moto makes up (ids, the version's commit and time) replaced. */
  const stable = (md: string) =>
    md
      .replaceAll(zoneId, '<zone-id>')
      .replaceAll(apiId, '<api-id>')
      .replaceAll(toolsPath, '<tools>')
      .replace(/commit `[0-9a-f]{12}`, taken [0-9TZ:-]+\)/, 'commit `<commit>`, taken <time>)');

  it('matches the golden runbook (refresh with UPDATE_GOLDEN=1)', async () => {
    const md = stable(await runbookForVersion(archive.repo, v1));
    if (process.env.UPDATE_GOLDEN === '1') {
      mkdirSync(dirname(GOLDEN), { recursive: true });
      writeFileSync(GOLDEN, md);
    }
    expect(md).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  it('names the real resources in restore order, and every snap command parses against the version', async () => {
    const md = await runbookForVersion(archive.repo, v1);
    for (const name of ['sailjada-prod', 'sailjada.com', 'update_dashboard', 'orders (us-east-1)', 'dashboard-exec', 'orders-api (us-east-1)', 'tools']) expect(md).toContain(name);
    expect(md).toContain('snap verify v1.0\n');
    expect(md).toContain('snap restore v1.0 s3_buckets/sailjada-prod --dry-run\nsnap restore v1.0 s3_buckets/sailjada-prod --yes\n');
    expect(md).toContain(`snap restore v1.0 route53/zones/sailjada.com~${zoneId} --dry-run`);
    expect(md).toContain('snap restore v1.0 lambda_functions/update_dashboard --yes');
    expect(md).toContain('snap restore v1.0 dynamodb/us-east-1/orders --dry-run');
    expect(await expectCommandsParse(md, archive, v1, 'v1.0')).toBeGreaterThan(20);

    // Layers in RESTORE_ORDER: IAM first, DNS after what its records point at.
    const headings = [...md.matchAll(/^## \d+\. .*: `([^`]+)\/`$/gm)].map((m) => m[1]);
    const present = RESTORE_ORDER.map((id) => collectors.find((c) => c.id === id)!.root).filter((root) => headings.includes(root));
    expect(headings).toEqual(present);
    expect(headings).toEqual(['iam', 's3_buckets', 'dynamodb', 'lambda_functions', 'apigateway', 'route53', 'local_repos']);
  });

  it('lists secret names and where to get them, never their values or fingerprints', async () => {
    const md = await runbookForVersion(archive.repo, v1);
    expect(md).toMatch(/`lambda_functions\/update_dashboard`: the values of its environment variables MODE, STRIPE_SECRET_KEY/);
    expect(md).toContain('"lambda:update_dashboard": {\n    "MODE": "…",\n    "STRIPE_SECRET_KEY": "…"\n  }');
    expect(md).toMatch(/stage variables API_TOKEN of stage prod/);
    expect(md).toContain('secret file .env');
    for (const secret of [STRIPE, TOKEN, '"MODE": "prod"', 'hmac-sha256']) expect(md).not.toContain(secret);
  });

  it('is deterministic, and is what snap commit stored as RECOVERY.md (generated before the pack was sealed)', async () => {
    expect(await runbookForVersion(archive.repo, v1)).toBe(await runbookForVersion(archive.repo, v1));
    const reader = new VersionReader(archive.repo, v1.treeOid);
    const stored = (await reader.text('RECOVERY.md'))!;
    expect(stored).toBe(await generateRunbook(reader, { version: null }));
    // The stored copy names no version and no time: it is the named one with "$VERSION".
    expect(stored).not.toMatch(/v1\.0|\d{4}-\d\d-\d\dT/);
    expect(stored).toContain('snap restore "$VERSION" lambda_functions/update_dashboard --dry-run');
    const named = await runbookForVersion(archive.repo, v1);
    const body = (md: string) => md.slice(md.indexOf('## Before you start'));
    expect(body(stored).replaceAll('"after restoring $VERSION"', "'after restoring v1.0'").replaceAll('"$VERSION"', 'v1.0')).toBe(body(named));
    expect(await expectCommandsParse(stored.replaceAll('"$VERSION"', 'v1.0'), archive, v1, 'v1.0')).toBeGreaterThan(20);
  });

  it('keeps unchanged snapshots identical apart from the manifests, and verify agrees with the counts', async () => {
    await snapshot(archive, 'v1.1', { collectors: estateCollectors });
    expect(git(archive.dir, 'diff', '--name-only', 'v1.0', 'v1.1').trim().split('\n')).toEqual(['.snap/manifest.json', 'MANIFEST.md']);
    expect(git(archive.dir, 'show', 'v1.1:RECOVERY.md')).toBe(git(archive.dir, 'show', 'v1.0:RECOVERY.md'));
    expect(readFileSync(join(archive.dir, 'RECOVERY.md'), 'utf8')).toBe(git(archive.dir, 'show', 'v1.1:RECOVERY.md'));
    const verdicts = await verifyVersions(archive, archive.openStore(await archive.loadConfig()), ['v1.0', 'v1.1']);
    expect(verdicts.map((v) => [v.version, v.problems]).sort()).toEqual([['v1.0', []], ['v1.1', []]]);
  });

  it('knows every collector\'s layer, in restore order, declared beside its restore', async () => {
    const loaded = await loadCollectors(collectors);
    expect(loaded.filter((c) => c.runbook).map((c) => c.id).sort()).toEqual([...RESTORE_ORDER].sort());
    for (const c of loaded) expect(c.runbook?.limits.restore.length, c.id).toBeGreaterThan(0);
  });
});
