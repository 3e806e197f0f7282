// The IAM collector against moto: Lambda execution roles and configured roles and users, with
// trust policies, attached (paginated) and inline policies, boundaries, tags and groups.
// moto does not enforce IAM, so refusals come from the refusing proxy; moto's server does not
// load AWS managed policies either, so only customer managed policies are exercised here.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AddUserToGroupCommand, AttachGroupPolicyCommand, AttachRolePolicyCommand, AttachUserPolicyCommand, CreateAccessKeyCommand, CreateGroupCommand, CreateLoginProfileCommand, CreatePolicyCommand, CreateRoleCommand, CreateUserCommand, IAMClient, PutRolePermissionsBoundaryCommand, PutRolePolicyCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Archive } from '../../src/archive/archive.js';
import { createIamCollector } from '../../src/collectors/aws/iam/collect.js';
import { walkFiles } from '../../src/git/tree-walk.js';
import { collectorContract } from '../helpers/collector-contract.js';
import { makeArchive, readVersion, snapshot } from '../helpers/archive.js';
import { clientOptions, useMoto } from '../helpers/moto.js';
import { refusingProxy, type RequestInfo } from '../helpers/refusing-proxy.js';


const iamCollector = createIamCollector({ pageSize: 1 });
const ACCESS_KEY_SECRET: string[] = [];
const LOGIN_PASSWORD = 'Planted-Login-Pa55word!';
const GOLDEN = join(import.meta.dirname, '../golden/iam/tree.json');
const CREDENTIAL_ACTIONS = /AccessKey|LoginProfile|SSHPublicKey|ServiceSpecificCredential|SigningCertificate|MFADevice|CredentialReport/;

const trust = (service: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }] });
const allow = (actions: string[], resource: string | string[] = '*') => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: resource }] });
const EMPTY_ZIP = Buffer.from('504b0506000000000000000000000000000000000000', 'hex');

async function seed(endpoint: string): Promise<void> {
  const iam = new IAMClient(clientOptions(endpoint));
  const arnOf = async (name: string, doc: string) => (await iam.send(new CreatePolicyCommand({ PolicyName: name, PolicyDocument: doc, Description: `${name} policy` }))).Policy!.Arn!;
  const fnRole = (await iam.send(new CreateRoleCommand({ RoleName: 'orders-fn', Path: '/service-role/', AssumeRolePolicyDocument: trust('lambda.amazonaws.com'), Tags: [{ Key: 'team', Value: 'orders' }, { Key: 'env', Value: 'prod' }] }))).Role!;
  // Actions and resources listed out of order: they are sets, archived sorted.
  for (const [name, doc] of [
    ['orders-table', allow(['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:Query'], ['arn:aws:dynamodb:us-east-1:123456789012:table/orders', 'arn:aws:dynamodb:us-east-1:123456789012:table/audit'])],
    ['orders-logs', allow(['logs:PutLogEvents', 'logs:CreateLogStream'])],
    ['orders-bucket', allow(['s3:GetObject'], 'arn:aws:s3:::orders/*')],
  ] as const) {
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'orders-fn', PolicyArn: await arnOf(name, doc) }));
  }
  await iam.send(new PutRolePolicyCommand({ RoleName: 'orders-fn', PolicyName: 'queue-access', PolicyDocument: allow(['sqs:SendMessage'], 'arn:aws:sqs:us-east-1:123456789012:orders') }));
  await iam.send(new PutRolePermissionsBoundaryCommand({ RoleName: 'orders-fn', PermissionsBoundary: await arnOf('lambda-boundary', allow(['dynamodb:*', 's3:*', 'logs:*', 'sqs:*'])) }));

  const westRole = (await iam.send(new CreateRoleCommand({ RoleName: 'reports-fn', AssumeRolePolicyDocument: trust('lambda.amazonaws.com') }))).Role!;
  await iam.send(new CreateRoleCommand({ RoleName: 'deploy-pipeline', AssumeRolePolicyDocument: trust('codepipeline.amazonaws.com'), Description: 'named in config' }));
  await iam.send(new CreateRoleCommand({ RoleName: 'unrelated', AssumeRolePolicyDocument: trust('ec2.amazonaws.com') }));

  await iam.send(new CreateUserCommand({ UserName: 'svc-deployer', Tags: [{ Key: 'owner', Value: 'ci' }] }));
  await iam.send(new AttachUserPolicyCommand({ UserName: 'svc-deployer', PolicyArn: await arnOf('deployer', allow(['lambda:UpdateFunctionCode'])) }));
  await iam.send(new PutUserPolicyCommand({ UserName: 'svc-deployer', PolicyName: 'inline-deploy', PolicyDocument: allow(['s3:PutObject'], 'arn:aws:s3:::deploy/*') }));
  await iam.send(new CreateGroupCommand({ GroupName: 'deployers' }));
  await iam.send(new AttachGroupPolicyCommand({ GroupName: 'deployers', PolicyArn: await arnOf('deployers-group', allow(['cloudformation:DescribeStacks'])) }));
  await iam.send(new AddUserToGroupCommand({ UserName: 'svc-deployer', GroupName: 'deployers' }));
  // Credentials that must never be read or archived.
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'svc-deployer' }))).AccessKey!;
  ACCESS_KEY_SECRET.push(key.SecretAccessKey!, key.AccessKeyId!);
  await iam.send(new CreateLoginProfileCommand({ UserName: 'svc-deployer', Password: LOGIN_PASSWORD }));

  await new LambdaClient(clientOptions(endpoint)).send(new CreateFunctionCommand({ FunctionName: 'orders-api', Runtime: 'python3.12', Role: fnRole.Arn, Handler: 'app.handler', Code: { ZipFile: EMPTY_ZIP } }));
  await new LambdaClient(clientOptions(endpoint)).send(new CreateFunctionCommand({ FunctionName: 'orders-worker', Runtime: 'python3.12', Role: fnRole.Arn, Handler: 'app.handler', Code: { ZipFile: EMPTY_ZIP } }));
  await new LambdaClient(clientOptions(endpoint, 'us-west-2')).send(new CreateFunctionCommand({ FunctionName: 'reports', Runtime: 'python3.12', Role: westRole.Arn, Handler: 'app.handler', Code: { ZipFile: EMPTY_ZIP } }));
}

const config = { roles: ['arn:aws:iam::123456789012:role/deploy-pipeline', 'ghost-role'], users: ['svc-deployer'] };

/** Every JSON file of a folder of the latest version, path → parsed content. */
async function treeOf(archive: Archive, root: string): Promise<Record<string, unknown>> {
  const v = await readVersion(archive, 'latest');
  const oid = (await archive.repo.entryAt(v.treeOid, root))!.oid;
  const out: Record<string, unknown> = {};
  for await (const f of walkFiles(archive.repo, oid)) out[f.path] = JSON.parse(Buffer.from(await archive.repo.readBlob(f.oid)).toString('utf8'));
  return out;
}

/** Emulator-made values (random ids, creation times) replaced by placeholders. */
function masked(tree: Record<string, unknown>): unknown {
  const text = JSON.stringify(tree)
    .replace(/"(RoleId|UserId|GroupId|PolicyId)":"[^"]*"/g, '"$1":"<id>"')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>');
  return JSON.parse(text);
}

describe('IAM collector', () => {
  const { endpoint } = useMoto();
  let archive: Archive;
  const requests: RequestInfo[] = [];

  beforeAll(async () => {
    await seed(endpoint);
    // Every request goes through a recording proxy, to show which IAM actions were called.
    const recorder = await refusingProxy(endpoint, (req) => {
      requests.push(req);
      return false;
    });
    archive = await makeArchive({ collectors: { iam: config }, endpoint: recorder.endpoint, regions: ['us-east-1', 'us-west-2'] });
  });

  collectorContract({ archive: () => archive, collectors: [iamCollector], root: 'iam', secrets: [LOGIN_PASSWORD, ...ACCESS_KEY_SECRET] });

  it('captures Lambda execution roles with trust policy, attached (all pages), inline and boundary policies, tags', async () => {
    const v = await readVersion(archive, 'latest', 'iam');
    const role = (await v.json<any>('roles/orders-fn/role.json'))!;
    expect(role.Arn).toBe('arn:aws:iam::123456789012:role/service-role/orders-fn');
    expect(role.AssumeRolePolicyDocument.Statement[0].Principal).toEqual({ Service: 'lambda.amazonaws.com' });
    expect(role.AttachedPolicies.map((p: any) => p.PolicyName)).toEqual(['orders-bucket', 'orders-logs', 'orders-table']);
    expect(role.InlinePolicies['queue-access'].Statement[0].Action).toEqual(['sqs:SendMessage']);
    expect(role.PermissionsBoundary.PermissionsBoundaryArn).toBe('arn:aws:iam::123456789012:policy/lambda-boundary');
    expect(role.Tags).toEqual([{ Key: 'env', Value: 'prod' }, { Key: 'team', Value: 'orders' }]);
    expect(role.UsedByLambdaFunctions).toEqual(['arn:aws:lambda:us-east-1:123456789012:function:orders-api', 'arn:aws:lambda:us-east-1:123456789012:function:orders-worker']);
    expect(role).not.toHaveProperty('RoleLastUsed');
    // A function in another configured region.
    expect((await v.json<any>('roles/reports-fn/role.json'))!.UsedByLambdaFunctions).toEqual(['arn:aws:lambda:us-west-2:123456789012:function:reports']);
    expect((await v.json<any>('roles/deploy-pipeline/role.json'))!.NamedInConfig).toBe(true);
  });

  it('writes each managed policy once with its default version document, sets sorted', async () => {
    const v = await readVersion(archive, 'latest', 'iam');
    const policy = (await v.json<any>('policies/customer/orders-table/policy.json'))!;
    expect(policy.Document.Statement[0].Action).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query']);
    expect(policy.Document.Statement[0].Resource).toEqual(['arn:aws:dynamodb:us-east-1:123456789012:table/audit', 'arn:aws:dynamodb:us-east-1:123456789012:table/orders']);
    expect(policy.UsedBy).toEqual(['role/orders-fn']);
    expect(policy).not.toHaveProperty('AttachmentCount');
    expect(await v.entry('policies/customer/lambda-boundary/policy.json')).not.toBeNull();
    expect(await v.entry('policies/customer/deployers-group/policy.json')).not.toBeNull();
  });

  it('captures service-account users and their groups, and never asks for credentials', async () => {
    const v = await readVersion(archive, 'latest', 'iam');
    const user = (await v.json<any>('users/svc-deployer/user.json'))!;
    expect(user.AttachedPolicies).toEqual([{ PolicyArn: 'arn:aws:iam::123456789012:policy/deployer', PolicyName: 'deployer' }]);
    expect(Object.keys(user.InlinePolicies)).toEqual(['inline-deploy']);
    expect(user.Groups).toEqual(['deployers']);
    expect(Object.keys(user).filter((k) => /Key|Password|Login|Credential/i.test(k))).toEqual([]);
    expect((await v.json<any>('groups/deployers/group.json'))!.AttachedPolicies[0].PolicyName).toBe('deployers-group');
    const actions = new Set(requests.filter((r) => r.service === 'iam').map((r) => r.action));
    expect(actions.has('GetUser')).toBe(true);
    expect([...actions].filter((a) => CREDENTIAL_ACTIONS.test(a ?? ''))).toEqual([]);
  });

  it('leaves out roles neither used nor named, and records a named role that does not exist', async () => {
    const v = await readVersion(archive, 'latest', 'iam');
    expect(await v.entry('roles/unrelated')).toBeNull();
    expect(await v.entry('roles/ghost-role')).toBeNull();
    const latest = await readVersion(archive, 'latest');
    const manifest = (await latest.json<any>('.snap/manifest.json'))!;
    expect(manifest.coverage).toContainEqual({ collector: 'iam', resource: 'iam/roles/ghost-role', reason: 'NoSuchEntityException', detail: 'named in config' });
    expect(manifest.collectors.find((c: any) => c.id === 'iam').status).toBe('ok');
  });

  it('records refusals as coverage findings and keeps the rest', async () => {
    const proxy = await refusingProxy(endpoint, (req) => (req.service === 'iam' && req.action === 'GetRole' && req.body.includes('RoleName=deploy-pipeline')) || (req.service === 'lambda' && req.region === 'us-west-2'));
    const refused = await makeArchive({ collectors: { iam: config }, endpoint: proxy.endpoint, regions: ['us-east-1', 'us-west-2'] });
    const result = await snapshot(refused, 'v1.0', { collectors: [iamCollector] });
    expect(result.partial).toBe(false);
    expect(result.manifest.coverage).toEqual(
      expect.arrayContaining([
        { collector: 'iam', resource: 'lambda:us-west-2', reason: 'AccessDeniedException' },
        { collector: 'iam', resource: 'iam/roles/deploy-pipeline', reason: 'AccessDenied', detail: 'named in config' },
      ]),
    );
    const v = await readVersion(refused, 'v1.0', 'iam');
    expect(await v.entry('roles/orders-fn/role.json')).not.toBeNull();
    expect(await v.entry('roles/reports-fn')).toBeNull();
    expect(await v.entry('roles/deploy-pipeline')).toBeNull();
    expect(proxy.refused.length).toBeGreaterThan(0);
  });

  it('matches the golden normalized output (UPDATE_GOLDEN=1 rewrites it)', async () => {
    const actual = masked(await treeOf(archive, 'iam'));
    if (process.env.UPDATE_GOLDEN === '1') {
      mkdirSync(dirname(GOLDEN), { recursive: true });
      writeFileSync(GOLDEN, `${JSON.stringify(actual, null, 2)}\n`);
    }
    expect(existsSync(GOLDEN), `${GOLDEN} missing: run with UPDATE_GOLDEN=1 once`).toBe(true);
    expect(actual).toEqual(JSON.parse(readFileSync(GOLDEN, 'utf8')));
  });
});
