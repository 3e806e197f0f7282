// A restore you can trust on the worst day, through the built CLI, against two moto servers:
// this worker's shared one is the estate (reached through a loopback proxy that records every
// request, so "nothing was written" is counted, not assumed), and a second one this file
// starts is the scratch account.
//
//   - restore-test refuses every way of naming the estate before any request that writes:
//     other spellings of its endpoint, AWS_ENDPOINT_URL instead of the config, another profile
//     of the same account, and for a version that did not record its estate, the endpoint its
//     own snap.config.json names. A scratch account on the same server (another account id,
//     through STS AssumeRole, which moto keeps apart by account) is not the estate.
//   - restore-test of one service passes on a faithful re-creation (API Gateway: the API is
//     re-created with new ids and paired by name) and `snap log` names that service only.
//   - a function whose layer and published version were deleted comes back: the layer is
//     published again from the store and the function, its version and alias are re-created
//     with it; when the store lacks the layer's content and another function's code, the
//     restore applies what it can, lists what is left undone, names `snap diff … live …`, and
//     exits 3 (never "matches the version").
//   - reordered policy statements (an S3 bucket policy, an IAM inline policy) are no change in
//     status, in the restore plan, or in diff between versions.
//   - diff --between of a bucket and its restored copy shows nothing; an object written before
//     the bucket's default encryption comes back unencrypted in the copy.
//
// Stand-ins, where moto cannot serve what AWS would: moto answers a Lambda code or layer
// location with a URL that is not on its endpoint (a real AWS host, or "s3://"), so the
// snapshots taken here use the collector's replaceable fetcher, which serves the packages this
// test uploaded (by sha256); the restores and restore-tests run through the built CLI, which
// needs no download (packages come from the content store, and a live snapshot of an unchanged
// package reuses the version's).
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  APIGatewayClient,
  CreateDeploymentCommand,
  CreateResourceCommand,
  CreateRestApiCommand,
  GetResourcesCommand,
  GetRestApisCommand,
  PutIntegrationCommand,
  PutMethodCommand,
} from '@aws-sdk/client-api-gateway';
import { AttachRolePolicyCommand, CreatePolicyCommand, CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import {
  AddLayerVersionPermissionCommand,
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteFunctionCommand,
  DeleteLayerVersionCommand,
  GetAliasCommand,
  GetFunctionCommand,
  GetLayerVersionPolicyCommand,
  LambdaClient,
  ListLayerVersionsCommand,
  PublishLayerVersionCommand,
  PublishVersionCommand,
} from '@aws-sdk/client-lambda';
import { ChangeResourceRecordSetsCommand, CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { CreateBucketCommand, HeadObjectCommand, PutBucketEncryptionCommand, PutBucketPolicyCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { strToU8, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Archive } from '../../src/archive/archive.js';
import { MANIFEST_PATH, type Manifest } from '../../src/archive/manifest.js';
import { createLambdaCollector } from '../../src/collectors/aws/lambda/collect.js';
import type { CodeRequest } from '../../src/collectors/aws/lambda/fetch-code.js';
import { collectors } from '../../src/collectors/registry.js';
import { startMoto, type MotoServer } from '../../src/emulator/moto.js';
import { FsContentStore } from '../../src/store/fs-store.js';
import { expectStockGitAgrees, makeArchive, readVersion, snapshot, tempDir } from '../helpers/archive.js';
import { snapCliAsync } from '../helpers/cli.js';
import { clientOptions, useMoto } from '../helpers/moto.js';
import { refusingProxy, type RequestInfo } from '../helpers/refusing-proxy.js';

const moto = useMoto();

const zip = (files: Record<string, string>) => zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, strToU8(v)])), { mtime: new Date(2024, 0, 1) });
const hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const DEPS = zip({ 'nodejs/node_modules/prices/index.js': 'exports.price = () => 225;\n' });
const ORDERS_V1 = zip({ 'index.js': 'exports.handler = async () => require("prices").price();\n' });
const REPORT = zip({ 'index.js': 'exports.handler = async () => "report";\n' });
const packages = new Map([DEPS, ORDERS_V1, REPORT].map((b) => [hex(b), b]));

/** The replaceable fetcher (see the header): the packages this test uploaded, by sha256. */
const fetchCode = async (req: CodeRequest) => {
  const bytes = packages.get(req.sha256);
  if (!bytes) throw new Error(`no package ${req.sha256} for ${req.functionName}`);
  return bytes;
};
const estateCollectors = collectors.map((c) => (c.id === 'lambda' ? createLambdaCollector({ fetchCode }) : c));

const ACCOUNT = '123456789012';
const SITE_POLICY = (bucket: string, order: 'as-written' | 'reversed') => {
  const statements = [
    { Sid: 'PublicRead', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` },
    { Sid: 'NoDeletes', Effect: 'Deny', Principal: '*', Action: ['s3:DeleteBucket', 's3:PutBucketPolicy'], Resource: `arn:aws:s3:::${bucket}` },
  ];
  return JSON.stringify({ Version: '2012-10-17', Statement: order === 'reversed' ? statements.reverse() : statements });
};
const INLINE = (order: 'as-written' | 'reversed') => {
  const statements = [
    { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem'], Resource: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/orders` },
    { Effect: 'Allow', Action: 'logs:PutLogEvents', Resource: '*' },
  ];
  return JSON.stringify({ Version: '2012-10-17', Statement: order === 'reversed' ? statements.reverse() : statements });
};

async function seed(endpoint: string): Promise<void> {
  const opts = clientOptions(endpoint);
  const iam = new IAMClient(opts);
  const role = await iam.send(new CreateRoleCommand({ RoleName: 'orders-fn', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] }) }));
  await iam.send(new PutRolePolicyCommand({ RoleName: 'orders-fn', PolicyName: 'orders-data', PolicyDocument: INLINE('as-written') }));
  const policy = await iam.send(new CreatePolicyCommand({ PolicyName: 'orders-logs', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'logs:*', Resource: '*' }] }) }));
  await iam.send(new AttachRolePolicyCommand({ RoleName: 'orders-fn', PolicyArn: policy.Policy!.Arn! }));
  iam.destroy();

  const s3 = new S3Client(opts);
  await s3.send(new CreateBucketCommand({ Bucket: 'site' }));
  await s3.send(new PutObjectCommand({ Bucket: 'site', Key: 'old.html', Body: '<p>before encryption</p>', ContentType: 'text/html' }));
  await s3.send(new PutBucketEncryptionCommand({ Bucket: 'site', ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'alias/aws/s3' } }] } }));
  await s3.send(new PutObjectCommand({ Bucket: 'site', Key: 'new.html', Body: '<p>after encryption</p>', ContentType: 'text/html' }));
  await s3.send(new PutBucketPolicyCommand({ Bucket: 'site', Policy: SITE_POLICY('site', 'as-written') }));
  s3.destroy();

  const lambda = new LambdaClient(opts);
  const layer = await lambda.send(new PublishLayerVersionCommand({ LayerName: 'deps', Content: { ZipFile: DEPS }, CompatibleRuntimes: ['nodejs20.x'], Description: 'shared price tables' }));
  await lambda.send(new AddLayerVersionPermissionCommand({ LayerName: 'deps', VersionNumber: layer.Version!, StatementId: 'partner', Action: 'lambda:GetLayerVersion', Principal: '210987654321' }));
  for (const [name, code, layers] of [['orders-api', ORDERS_V1, [layer.LayerVersionArn!]], ['report', REPORT, [layer.LayerVersionArn!]]] as const) {
    await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Handler: 'index.handler', Role: role.Role!.Arn!, Code: { ZipFile: code }, Layers: [...layers], Timeout: 10 }));
  }
  const published = await lambda.send(new PublishVersionCommand({ FunctionName: 'orders-api', Description: 'release 1' }));
  await lambda.send(new CreateAliasCommand({ FunctionName: 'orders-api', Name: 'live', FunctionVersion: published.Version! }));
  lambda.destroy();

  const r53 = new Route53Client(opts);
  const zone = await r53.send(new CreateHostedZoneCommand({ Name: 'sailjada.com', CallerReference: 'trust' }));
  await r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zone.HostedZone!.Id!, ChangeBatch: { Changes: [{ Action: 'CREATE', ResourceRecordSet: { Name: 'tickets.sailjada.com', Type: 'A', TTL: 300, ResourceRecords: [{ Value: '192.0.2.10' }] } }] } }));
  r53.destroy();

  const apigw = new APIGatewayClient(opts);
  const api = await apigw.send(new CreateRestApiCommand({ name: 'orders-api', description: 'orders' }));
  const root = (await apigw.send(new GetResourcesCommand({ restApiId: api.id! }))).items!.find((r) => r.path === '/')!;
  const orders = await apigw.send(new CreateResourceCommand({ restApiId: api.id!, parentId: root.id!, pathPart: 'orders' }));
  await apigw.send(new PutMethodCommand({ restApiId: api.id!, resourceId: orders.id!, httpMethod: 'GET', authorizationType: 'NONE' }));
  await apigw.send(new PutIntegrationCommand({ restApiId: api.id!, resourceId: orders.id!, httpMethod: 'GET', type: 'MOCK', requestTemplates: { 'application/json': '{"statusCode": 200}' } }));
  await apigw.send(new CreateDeploymentCommand({ restApiId: api.id!, stageName: 'prod' }));
  apigw.destroy();
}

describe('a restore you can trust', { timeout: 300_000 }, () => {
  let archive: Archive;
  let scratch: MotoServer;
  let estate: string;
  let estatePort: string;
  const requests: RequestInfo[] = [];
  let refuseSts = false;
  const aws = { credentials: '', config: '' };

  /** Runs the CLI and returns it with every request the estate saw meanwhile. */
  async function run(args: string[], env: NodeJS.ProcessEnv = {}) {
    requests.length = 0;
    const r = await snapCliAsync(archive.dir, args, { AWS_CONFIG_FILE: aws.config, AWS_SHARED_CREDENTIALS_FILE: aws.credentials, ...env });
    return { ...r, seen: requests.map((q) => `${q.service}:${q.action ?? `${q.method} ${q.path}`}`), writes: requests.filter((q) => !isRead(q)).map((q) => `${q.service}:${q.action ?? `${q.method} ${q.path}`}`) };
  }
  /** Requests other than asking STS who the caller is. */
  const besidesIdentity = (seen: string[]) => seen.filter((s) => s !== 'sts:GetCallerIdentity');
  /** A request that only reads: GET/HEAD of a REST API, or an operation named Get…, List…, Describe… */
  const isRead = (q: RequestInfo) => q.method === 'GET' || q.method === 'HEAD' || /^(Get|List|Describe)/.test(q.action ?? '');

  beforeAll(async () => {
    scratch = await startMoto();
    const proxy = await refusingProxy(moto.endpoint, (req) => {
      requests.push(req);
      return refuseSts && req.service === 'sts';
    });
    estate = proxy.endpoint;
    estatePort = new URL(estate).port;
    await seed(moto.endpoint);

    // Profiles: one more of the estate's own account, and a scratch account on the estate's server.
    const dir = tempDir();
    const sts = new STSClient(clientOptions(moto.endpoint));
    const drill = (await sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::111111111111:role/restore-drill', RoleSessionName: 'drill' }))).Credentials!;
    sts.destroy();
    aws.credentials = join(dir, 'credentials');
    aws.config = join(dir, 'config');
    writeFileSync(
      aws.credentials,
      [
        '[estate-readonly]', 'aws_access_key_id = AKIAESTATEREADONLY1', 'aws_secret_access_key = readonly', '',
        '[estate-by-profile]', 'aws_access_key_id = AKIAESTATEBYPROFILE1', 'aws_secret_access_key = readonly', '',
        '[restore-drill]', `aws_access_key_id = ${drill.AccessKeyId}`, `aws_secret_access_key = ${drill.SecretAccessKey}`, `aws_session_token = ${drill.SessionToken}`, '',
      ].join('\n'),
    );
    // estate-by-profile names the estate by its profile's endpoint_url only (no aws.endpoint, no AWS_ENDPOINT_URL)
    writeFileSync(aws.config, ['[profile estate-readonly]', 'region = us-east-1', '', '[profile restore-drill]', 'region = us-east-1', '', '[profile estate-by-profile]', 'region = us-east-1', `endpoint_url = http://localhost:${estatePort}`, ''].join('\n'));

    archive = await makeArchive({
      endpoint: estate,
      collectors: { iam: { roles: ['orders-fn'], lambdaRoles: false }, s3: {}, lambda: {}, route53: {}, apigateway: {} },
    });
    // v0.9 is taken while STS refuses: it cannot record its estate (as versions made before
    // snapshots did), so restore-test falls back to the endpoint its snap.config.json names.
    refuseSts = true;
    await snapshot(archive, 'v0.9', { collectors: estateCollectors });
    refuseSts = false;
    await snapshot(archive, 'v1.0', { collectors: estateCollectors });
  });
  afterAll(async () => {
    await scratch?.stop();
  });

  it('records in the version the estate it was taken from', async () => {
    const v09 = await (await readVersion(archive, 'v0.9')).json<Manifest>(MANIFEST_PATH);
    const v10 = await (await readVersion(archive, 'v1.0')).json<Manifest>(MANIFEST_PATH);
    expect(v09!.source).toBeUndefined();
    expect(v10!.source).toEqual({ accountId: ACCOUNT, arn: expect.stringContaining(ACCOUNT), endpoint: `http://127.0.0.1:${estatePort}` });
    // The layer is archived: its version, content in the store by sha256, beside the functions.
    const layer = await (await readVersion(archive, 'v1.0', 'lambda_functions/@layers/deps/1')).json<{ sha256: string; Description: string }>('layer.json');
    expect(layer).toMatchObject({ sha256: hex(DEPS), Description: 'shared price tables' });
  });

  it('refuses every name of the estate before anything is written', async () => {
    const noEndpoint = (file: string) => {
      const config = JSON.parse(readFileSync(file, 'utf8'));
      delete config.aws.endpoint;
      writeFileSync(file, JSON.stringify(config, null, 2));
    };
    const attempts: [string, string[], NodeJS.ProcessEnv][] = [
      ['localhost', ['restore-test', 'v1.0', '--endpoint', `http://localhost:${estatePort}`], {}],
      ['trailing slash', ['restore-test', 'v1.0', '--endpoint', `http://127.0.0.1:${estatePort}/`], {}],
      ['upper case, doubled slash', ['restore-test', 'v1.0', 'route53', '--endpoint', `HTTP://LOCALHOST:${estatePort}//`], {}],
      ['the unspecified address', ['restore-test', 'v1.0', 'route53', '--endpoint', `http://0.0.0.0:${estatePort}`], {}],
      ['IPv4-mapped IPv6', ['restore-test', 'v1.0', 'route53', '--endpoint', `http://[::ffff:127.0.0.1]:${estatePort}`], {}],
      ['another profile of the same account', ['restore-test', 'v1.0', '--profile', 'estate-readonly'], { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_SESSION_TOKEN: '' }],
      ['a version without a recorded estate', ['restore-test', 'v0.9', '--endpoint', `http://localhost:${estatePort}`], {}],
    ];
    for (const [what, args, env] of attempts) {
      const r = await run(args, env);
      expect(r.code, `${what}: ${r.stdout}${r.stderr}`).toBe(2);
      expect(r.stderr, what).toMatch(new RegExp(`restore-test refuses account ${ACCOUNT} at http://(127\\.0\\.0\\.1|localhost|0\\.0\\.0\\.0|\\[::ffff:7f00:1\\]):${estatePort}: it is the estate (recorded in v1\\.0|named by v0\\.9's snap\\.config\\.json|the archive's configuration).*Nothing was written`));
      expect(besidesIdentity(r.seen), what).toEqual([]);
    }
    // The endpoint named only by AWS_ENDPOINT_URL (as the README sets it up), not by the config.
    noEndpoint(archive.configPath);
    try {
      const r = await run(['restore-test', 'v1.0', '--profile', 'estate-readonly'], { AWS_ENDPOINT_URL: `http://localhost:${estatePort}/`, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_SESSION_TOKEN: '' });
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).toMatch(/it is the estate recorded in v1\.0/);
      expect(besidesIdentity(r.seen)).toEqual([]);
      // named only by the profile's endpoint_url (which the SDK applies for AWS_PROFILE alone)
      const byProfile = await run(['restore-test', 'v1.0', '--profile', 'estate-by-profile'], { AWS_ENDPOINT_URL: '', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_SESSION_TOKEN: '' });
      expect(byProfile.code, byProfile.stdout + byProfile.stderr).toBe(2);
      expect(byProfile.stderr).toMatch(new RegExp(`restore-test refuses account ${ACCOUNT} at http://localhost:${estatePort}: it is the estate recorded in v1\\.0`));
      expect(besidesIdentity(byProfile.seen)).toEqual([]);
    } finally {
      const config = JSON.parse(readFileSync(archive.configPath, 'utf8'));
      config.aws.endpoint = estate;
      writeFileSync(archive.configPath, JSON.stringify(config, null, 2));
    }
    expect((await run(['log'])).stdout).not.toMatch(/restore-test/);
  });

  it('restore-tests one service into a scratch account on the same server, and another into a scratch endpoint: each passes and is logged as that service', async () => {
    // Another account at the estate's own endpoint is a scratch target, not the estate.
    const drill = await run(['restore-test', 'v1.0', 'route53', '--profile', 'restore-drill'], { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_SESSION_TOKEN: '' });
    expect(drill.code, drill.stdout + drill.stderr).toBe(0);
    expect(drill.stdout).toMatch(/target: account 111111111111 at http:\/\/127\.0\.0\.1:\d+/);
    expect(drill.stdout).toMatch(/^PASSED: target: account 111111111111 /m);

    // API Gateway re-created in the scratch endpoint: new ids, paired by name, no difference.
    const api = await run(['restore-test', 'v1.0', 'apigateway', '--endpoint', scratch.endpoint]);
    expect(api.code, api.stdout + api.stderr).toBe(0);
    expect(api.stdout).toMatch(/\+ create\s+apigateway orders-api/);
    expect(api.stdout).toMatch(/^PASSED: target: account \d{12} at http:\/\/127\.0\.0\.1:\d+; restored: apigateway; differences: 0, failed changes: 0, left undone: 0$/m);
    expect(besidesIdentity(api.seen)).toEqual([]); // the estate saw nothing
    const scratchApis = new APIGatewayClient(clientOptions(scratch.endpoint));
    expect((await scratchApis.send(new GetRestApisCommand({}))).items!.map((a) => a.name)).toEqual(['orders-api']);
    scratchApis.destroy();

    const log = await run(['log']);
    expect(log.stdout).toMatch(/v1\.0[\s\S]*restore-test passed \S+ \(apigateway only\)/);
    expect(log.stdout).not.toMatch(/restore-test passed \S+ \(every/);
  });

  it('restore-tests the whole version into the scratch endpoint: layers, functions, versions and aliases included', async () => {
    const r = await run(['restore-test', 'v1.0', '--endpoint', scratch.endpoint]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\+ create\s+lambda layer deps version 1/);
    expect(r.stdout).toMatch(/^PASSED: .*restored: iam, s3_buckets, lambda_functions, apigateway, route53; differences: 0, failed changes: 0, left undone: 0$/m);
    expect(besidesIdentity(r.seen)).toEqual([]);
  });

  it('brings back a function whose layer and published version were deleted', async () => {
    const lambda = new LambdaClient(clientOptions(moto.endpoint));
    try {
      await lambda.send(new DeleteFunctionCommand({ FunctionName: 'orders-api' }));
      await lambda.send(new DeleteLayerVersionCommand({ LayerName: 'deps', VersionNumber: 1 }));

      const dry = await run(['restore', 'v1.0', 'lambda_functions/orders-api', '--dry-run']);
      expect(dry.code, dry.stdout + dry.stderr).toBe(0);
      expect(dry.stdout).toMatch(new RegExp(`target: account ${ACCOUNT} at http://127\\.0\\.0\\.1:${estatePort}`));
      expect(dry.stdout).toMatch(/\+ create\s+lambda layer deps version 1 {2}published again from v1\.0 \(content sha256 [0-9a-f]{8}…, nodejs20\.x\); Lambda gives it the next version number/);
      expect(dry.stdout).toMatch(/\+ create\s+lambda orders-api {2}code sha256/);
      expect(dry.stdout).toMatch(/\+ create\s+lambda orders-api version 1 {2}published again from v1\.0/);
      expect(dry.stdout).toMatch(/\+ create\s+lambda orders-api alias live {2}→ the re-published version 1/);
      expect(dry.writes).toEqual([]);

      const yes = await run(['restore', 'v1.0', 'lambda_functions/orders-api', '--yes']);
      expect(yes.code, yes.stdout + yes.stderr).toBe(0);
      expect(yes.stdout).toContain('Restored: ');
      const fn = (await lambda.send(new GetFunctionCommand({ FunctionName: 'orders-api' }))).Configuration!;
      const layers = (await lambda.send(new ListLayerVersionsCommand({ LayerName: 'deps' }))).LayerVersions!;
      expect(layers.map((l) => l.Version)).toEqual([2]); // Lambda never gives a number twice
      expect(fn.Layers!.map((l) => l.Arn)).toEqual([layers[0]!.LayerVersionArn]);
      // Published again with its permissions.
      const permissions = JSON.parse((await lambda.send(new GetLayerVersionPolicyCommand({ LayerName: 'deps', VersionNumber: 2 }))).Policy!);
      expect(permissions.Statement.map((p: { Sid: string }) => p.Sid)).toEqual(['partner']);
      const alias = await lambda.send(new GetAliasCommand({ FunctionName: 'orders-api', Name: 'live' }));
      const version = await lambda.send(new GetFunctionCommand({ FunctionName: 'orders-api', Qualifier: alias.FunctionVersion }));
      expect(version.Configuration!.Description).toBe('release 1');
      expect(version.Configuration!.CodeSha256).toBe(Buffer.from(hex(ORDERS_V1), 'hex').toString('base64'));
      // What a re-published layer leaves different, and nothing else: the number Lambda gave it.
      const left = await run(['diff', 'v1.0', 'live', 'lambda_functions/@layers', 'lambda_functions/orders-api/config.json']);
      expect(left.code, left.stdout).toBe(1);
      expect(left.stdout.split('\n').filter((l) => /^ {2}[-+~] /.test(l)).map((l) => l.replace(/ {2}\(.*$/, ''))).toEqual(['  - deps version 1', '  + deps version 2', '  ~ orders-api']);
      expect(left.stdout).toMatch(/- deps version 1 {2}\(Lambda layer version/);
      expect(left.stdout).toMatch(/Layers\[0\]\.Arn: "arn:aws:lambda:us-east-1:123456789012:layer:deps:1" → "arn:aws:lambda:us-east-1:123456789012:layer:deps:2"/);
    } finally {
      lambda.destroy();
    }
  });

  it('ends a restore that cannot complete with exit code 3, listing what is left and how to see it', async () => {
    const lambda = new LambdaClient(clientOptions(moto.endpoint));
    const store = archive.openStore(await archive.loadConfig()) as FsContentStore;
    const hidden = [hex(DEPS), hex(REPORT)].map((sha) => store.pathOf(sha));
    try {
      await lambda.send(new DeleteFunctionCommand({ FunctionName: 'report' }));
      await lambda.send(new DeleteLayerVersionCommand({ LayerName: 'deps', VersionNumber: 2 }));
      for (const f of hidden) renameSync(f, `${f}.hidden`);

      const r = await run(['restore', 'v1.0', 'lambda_functions', '--yes']);
      expect(r.code, r.stdout + r.stderr).toBe(3);
      expect(r.stdout).not.toMatch(/matches the version/);
      expect(r.stdout).toMatch(/! cannot lambda layer deps version 1: the layer version is not live and cannot be published again: its content \(sha256 [0-9a-f]{8}…\) is not in the content store/);
      expect(r.stdout).toMatch(/! cannot lambda report: the function is missing and cannot be created: code\.zip \(sha256 [0-9a-f]{8}…\) is not in the content store/);
      // The plan warns, for each function, of the layer it needs that the version cannot give.
      expect(r.stdout).toMatch(/! cannot lambda report: it needs a layer the version lacks: lambda layer deps version 1 is not live and cannot be published again .*; it cannot be created without it/);
      expect(r.stdout).toMatch(/! cannot lambda orders-api: it needs a layer the version lacks: .*; its layers are left as they are/);
      expect(r.stdout).toMatch(/\nLeft undone \(\d+\):\n/);
      expect(r.stdout).toMatch(/Restore incomplete: \d+ of \d+ changes? applied; \d+ items? left undone\./);
      expect(r.stdout).toContain('What is left: snap diff v1.0 live lambda_functions\n');
      const left = await run(['diff', 'v1.0', 'live', 'lambda_functions']);
      expect(left.code).toBe(1);
      expect(left.stdout).toMatch(/- report/);
    } finally {
      for (const f of hidden) renameSync(`${f}.hidden`, f);
      lambda.destroy();
    }
    const again = await run(['restore', 'v1.0', 'lambda_functions', '--yes']);
    expect(again.code, again.stdout + again.stderr).toBe(0);
  });

  it('sees reordered policy statements as no change in status, the restore plan and diff', async () => {
    const s3 = new S3Client(clientOptions(moto.endpoint));
    const iam = new IAMClient(clientOptions(moto.endpoint));
    await s3.send(new PutBucketPolicyCommand({ Bucket: 'site', Policy: SITE_POLICY('site', 'reversed') }));
    await iam.send(new PutRolePolicyCommand({ RoleName: 'orders-fn', PolicyName: 'orders-data', PolicyDocument: INLINE('reversed') }));
    s3.destroy();
    iam.destroy();
    const status = await run(['status', 's3_buckets/site', 'iam']);
    expect(status.code, status.stdout + status.stderr).toBe(0);
    expect(status.stderr).toContain('no drift since v1.0');
    const plan = await run(['restore', 'v1.0', 's3_buckets/site', 'iam', '--dry-run']);
    expect(plan.code, plan.stdout).toBe(0);
    expect(plan.stdout).toContain('Restore plan for v1.0: 0 changes\n');
    expect(plan.stdout).toMatch(/ {2}iam {2}matches the version\n/);
    expect(plan.stdout).toMatch(/ {2}s3_buckets \(s3_buckets\/site\) {2}matches the version\n/);
    const commit = await run(['commit', 'v1.1']);
    expect(commit.code, commit.stderr).toBe(0);
    const diff = await run(['diff', 'v1.0', 'v1.1', 's3_buckets/site', 'iam']);
    expect(diff.code, diff.stdout).toBe(0);
    expect(diff.stdout).toBe('');
  });

  it('restores a bucket under another name: its objects as they were encrypted, and no difference but the name', async () => {
    const copy = await run(['restore', 'v1.0', 's3_buckets/site', '--rename', 'site=site-copy', '--yes']);
    expect(copy.code, copy.stdout + copy.stderr).toBe(0);
    const s3 = new S3Client(clientOptions(moto.endpoint));
    expect((await s3.send(new HeadObjectCommand({ Bucket: 'site-copy', Key: 'old.html' }))).ServerSideEncryption).toBeUndefined();
    expect((await s3.send(new HeadObjectCommand({ Bucket: 'site-copy', Key: 'new.html' }))).ServerSideEncryption).toBe('aws:kms');
    s3.destroy();
    const commit = await run(['commit', 'v1.2']);
    expect(commit.code, commit.stderr).toBe(0);
    const between = await run(['diff', 'v1.2', '--between', 's3_buckets/site', 's3_buckets/site-copy']);
    expect(between.stdout).toBe('');
    expect(between.code).toBe(0);
    expectStockGitAgrees(archive.dir);
  });
});
