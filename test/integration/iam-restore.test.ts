// snap restore for IAM against moto: snapshot roles, a service-account user and customer
// managed policies, damage them through the SDK (a trust policy changed, an inline policy
// deleted and another added, a managed policy detached, a role deleted, a policy document
// changed until it has five versions, the last "Allow *:*" and the default, a user deleted
// with its credentials), plan (exactly the expected changes; planning only reads), restore,
// and show that a new live snapshot equals the version, where IAM allows it. The policy comes
// back as versions: its archived default (v1, still live) is made the default again and no
// version is deleted; only --prune deletes the four the version never had, each one listed in
// the plan. A re-run plans nothing; no credential is ever created.
//
// Known emulator gaps: moto's server does not load AWS managed policies, so only customer
// managed policies are attached here. A re-created role or user gets a new id and creation
// time in moto as in AWS: that is the only drift the test allows, and it names it.
import {
  AddUserToGroupCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateLoginProfileCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  DeletePolicyVersionCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteLoginProfileCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  DetachRolePolicyCommand,
  DetachUserPolicyCommand,
  GetRoleCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListPolicyVersionsCommand,
  PutRolePermissionsBoundaryCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  RemoveUserFromGroupCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Archive } from '../../src/archive/archive.js';
import { iamCollector } from '../../src/collectors/aws/iam/collect.js';
import { documentKey } from '../../src/collectors/aws/iam/policy-document.js';
import { tagChanges } from '../../src/collectors/aws/iam/restore-policies.js';
import { makeArchive, snapshot } from '../helpers/archive.js';
import { clientOptions, useMoto } from '../helpers/moto.js';
import { refusingProxy, type RequestInfo } from '../helpers/refusing-proxy.js';
import { describeDrift, drift, plan, restore } from '../helpers/restore.js';

const moto = useMoto();
const iam = new IAMClient(clientOptions(moto.endpoint));
afterAll(() => iam.destroy());
const collectors = [iamCollector];
const ACCOUNT = '123456789012';
const policyArn = (name: string) => `arn:aws:iam::${ACCOUNT}:policy/${name}`;
const CREDENTIAL_ACTIONS = /AccessKey|LoginProfile|SSHPublicKey|ServiceSpecificCredential|SigningCertificate|MFADevice/;

const trust = (service: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }] });
const allow = (actions: string[], resource = '*') => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: resource }] });

async function seed(): Promise<void> {
  const policy = (name: string, doc: string) => iam.send(new CreatePolicyCommand({ PolicyName: name, PolicyDocument: doc, Description: `${name} policy` }));
  await policy('orders-table', allow(['dynamodb:PutItem', 'dynamodb:GetItem'], `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/orders`));
  await policy('orders-logs', allow(['logs:PutLogEvents', 'logs:CreateLogStream']));
  await policy('lambda-boundary', allow(['dynamodb:*', 'logs:*', 'sqs:*']));
  await policy('pipeline-artifacts', allow(['s3:GetObject'], 'arn:aws:s3:::artifacts/*'));
  await policy('deployer', allow(['lambda:UpdateFunctionCode']));

  await iam.send(new CreateRoleCommand({ RoleName: 'orders-fn', Path: '/service-role/', AssumeRolePolicyDocument: trust('lambda.amazonaws.com'), Tags: [{ Key: 'team', Value: 'orders' }] }));
  await iam.send(new AttachRolePolicyCommand({ RoleName: 'orders-fn', PolicyArn: policyArn('orders-table') }));
  await iam.send(new AttachRolePolicyCommand({ RoleName: 'orders-fn', PolicyArn: policyArn('orders-logs') }));
  await iam.send(new PutRolePolicyCommand({ RoleName: 'orders-fn', PolicyName: 'queue-access', PolicyDocument: allow(['sqs:SendMessage'], `arn:aws:sqs:us-east-1:${ACCOUNT}:orders`) }));
  await iam.send(new PutRolePermissionsBoundaryCommand({ RoleName: 'orders-fn', PermissionsBoundary: policyArn('lambda-boundary') }));

  await iam.send(new CreateRoleCommand({ RoleName: 'deploy-pipeline', AssumeRolePolicyDocument: trust('codepipeline.amazonaws.com'), Description: 'runs the pipeline', MaxSessionDuration: 7200 }));
  await iam.send(new AttachRolePolicyCommand({ RoleName: 'deploy-pipeline', PolicyArn: policyArn('pipeline-artifacts') }));
  await iam.send(new PutRolePolicyCommand({ RoleName: 'deploy-pipeline', PolicyName: 'pipeline-inline', PolicyDocument: allow(['codepipeline:PutJobSuccessResult']) }));

  await iam.send(new CreateUserCommand({ UserName: 'svc-deployer', Tags: [{ Key: 'owner', Value: 'ci' }] }));
  await iam.send(new AttachUserPolicyCommand({ UserName: 'svc-deployer', PolicyArn: policyArn('deployer') }));
  await iam.send(new PutUserPolicyCommand({ UserName: 'svc-deployer', PolicyName: 'inline-deploy', PolicyDocument: allow(['s3:PutObject'], 'arn:aws:s3:::deploy/*') }));
  await iam.send(new CreateGroupCommand({ GroupName: 'deployers' }));
  await iam.send(new AddUserToGroupCommand({ UserName: 'svc-deployer', GroupName: 'deployers' }));
  await iam.send(new CreateAccessKeyCommand({ UserName: 'svc-deployer' }));
  await iam.send(new CreateLoginProfileCommand({ UserName: 'svc-deployer', Password: 'Planted-Login-Pa55word!' }));
}

function lines(p: Awaited<ReturnType<typeof plan>>): string[] {
  return p.services.flatMap((s) => s.changes.map((c) => `${c.action} ${c.resource}: ${c.detail}`)).sort();
}

/** Field paths of a drift, for files where only some fields may differ. */
const fieldsOf = (changes: Awaited<ReturnType<typeof drift>>) => changes.flatMap((c) => (c.fields ?? [{ path: `<${c.status} file>` }]).map((f) => `${c.path.split('/').slice(-2).join('/')}: ${f.path}`)).sort();

describe('iam restore', () => {
  let archive: Archive;
  const requests: RequestInfo[] = [];
  let recording = false;

  beforeAll(async () => {
    await seed();
    const recorder = await refusingProxy(moto.endpoint, (req) => {
      if (recording && req.service === 'iam') requests.push(req);
      return false;
    });
    archive = await makeArchive({ collectors: { iam: { roles: ['orders-fn', 'deploy-pipeline'], users: ['svc-deployer'], lambdaRoles: false } }, endpoint: recorder.endpoint });
    await snapshot(archive, 'v1.0', { collectors });
  });

  it('plans exactly what the damage undid, reading only', async () => {
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'orders-fn', PolicyDocument: trust('ec2.amazonaws.com') }));
    await iam.send(new DeleteRolePolicyCommand({ RoleName: 'orders-fn', PolicyName: 'queue-access' }));
    await iam.send(new PutRolePolicyCommand({ RoleName: 'orders-fn', PolicyName: 'extra', PolicyDocument: allow(['s3:*']) }));
    await iam.send(new DetachRolePolicyCommand({ RoleName: 'orders-fn', PolicyArn: policyArn('orders-logs') }));
    // deploy-pipeline deleted (IAM wants it bare first)
    await iam.send(new DeleteRolePolicyCommand({ RoleName: 'deploy-pipeline', PolicyName: 'pipeline-inline' }));
    await iam.send(new DetachRolePolicyCommand({ RoleName: 'deploy-pipeline', PolicyArn: policyArn('pipeline-artifacts') }));
    await iam.send(new DeleteRoleCommand({ RoleName: 'deploy-pipeline' }));
    // orders-table edited four times: five versions, the limit; the last one allows everything
    for (let i = 2; i <= 4; i++) await iam.send(new CreatePolicyVersionCommand({ PolicyArn: policyArn('orders-table'), PolicyDocument: allow([`dynamodb:Scan${i}`]), SetAsDefault: true }));
    await iam.send(new CreatePolicyVersionCommand({ PolicyArn: policyArn('orders-table'), PolicyDocument: allow(['*']), SetAsDefault: true }));

    recording = true;
    const p = await plan(archive, { version: 'v1.0', collectors, selectors: ['iam/roles'] });
    recording = false;
    p.close();
    expect(p.services.map((x) => x.error)).toEqual([undefined]);
    expect(lines(p)).toEqual(
      [
        'update iam policy orders-table: make v1 the default version again: it holds the default document of v1.0 (live default v5)',
        'update iam role orders-fn: trust policy differs (Service ec2.amazonaws.com → Service lambda.amazonaws.com)',
        'create iam role orders-fn inline policy queue-access: missing',
        'delete iam role orders-fn inline policy extra: not in the version',
        'create iam role orders-fn managed policy orders-logs: not attached',
        'create iam role deploy-pipeline: missing: path /, trusts Service codepipeline.amazonaws.com',
        'create iam role deploy-pipeline inline policy pipeline-inline: missing',
        'create iam role deploy-pipeline managed policy pipeline-artifacts: not attached',
      ].sort(),
    );
    expect(p.services[0]!.notes).toContainEqual({ resource: 'iam policy orders-table', message: 'versions v2, v3, v4, v5 are not in v1.0: kept (--prune deletes them)' });
    expect(p.services[0]!.undone).toEqual([]);
    expect(requests.length).toBeGreaterThan(0);
    expect([...new Set(requests.map((r) => r.action))].filter((a) => !/^(Get|List)/.test(a ?? ''))).toEqual([]);
    // With --prune, and only then, each version the version does not have is listed for deletion.
    const pruning = await plan(archive, { version: 'v1.0', collectors, selectors: ['iam/policies/customer/orders-table'], prune: true });
    pruning.close();
    expect(lines(pruning)).toEqual([
      'delete iam policy orders-table version v2: not in v1.0',
      'delete iam policy orders-table version v3: not in v1.0',
      'delete iam policy orders-table version v4: not in v1.0',
      "delete iam policy orders-table version v5: not in v1.0 (the live default until the version's is set)",
      'update iam policy orders-table: make v1 the default version again: it holds the default document of v1.0 (live default v5)',
    ]);
    const role = (await iam.send(new GetRoleCommand({ RoleName: 'orders-fn' }))).Role!;
    expect(decodeURIComponent(role.AssumeRolePolicyDocument!)).toContain('ec2.amazonaws.com');
  });

  it('restores roles and policies (each change applied twice): no drift but what a re-created role must change, and no policy version deleted', async () => {
    // Every change applied twice: applying is safe to repeat.
    recording = true;
    const p = await plan(archive, { version: 'v1.0', collectors, selectors: ['iam/roles'] });
    for (const c of p.services.flatMap((x) => x.changes)) {
      await c.apply();
      await c.apply();
    }
    p.close();
    recording = false;
    expect(describeDrift(await drift(archive, ['iam/roles/orders-fn'], { version: 'v1.0', collectors }))).toEqual([]);
    expect(fieldsOf(await drift(archive, ['iam/roles/deploy-pipeline'], { version: 'v1.0', collectors }))).toEqual(['deploy-pipeline/role.json: CreateDate', 'deploy-pipeline/role.json: RoleId']);
    // The archived default is the default again; the four later versions are kept (no --prune).
    const policyDrift = fieldsOf(await drift(archive, ['iam/policies/customer/orders-table'], { version: 'v1.0', collectors }));
    expect(policyDrift).toEqual(['v2', 'v3', 'v4', 'v5'].map((v) => `orders-table/policy.json: Versions[VersionId=${v}]`));
    const versions = (await iam.send(new ListPolicyVersionsCommand({ PolicyArn: policyArn('orders-table') }))).Versions!;
    expect(versions.map((v) => v.VersionId).sort()).toEqual(['v1', 'v2', 'v3', 'v4', 'v5']);
    expect(versions.find((v) => v.IsDefaultVersion)!.VersionId).toBe('v1');
  });

  it('with --prune deletes the versions the version does not have, and then matches it', async () => {
    const p = await restore(archive, { version: 'v1.0', collectors, selectors: ['iam/policies/customer/orders-table'], prune: true });
    expect(lines(p).filter((l) => l.startsWith('delete'))).toHaveLength(4);
    const versions = (await iam.send(new ListPolicyVersionsCommand({ PolicyArn: policyArn('orders-table') }))).Versions!;
    expect(versions.map((v) => [v.VersionId, v.IsDefaultVersion])).toEqual([['v1', true]]);
    expect(describeDrift(await drift(archive, ['iam/policies/customer/orders-table'], { version: 'v1.0', collectors }))).toEqual([]);
  });

  it('without --prune leaves the default undone when it is no live version and five versions fill the policy', async () => {
    // The archived default deleted by hand (after making another the default), and the policy filled up again.
    await iam.send(new CreatePolicyVersionCommand({ PolicyArn: policyArn('orders-table'), PolicyDocument: allow(['dynamodb:Query']), SetAsDefault: true }));
    await iam.send(new DeletePolicyVersionCommand({ PolicyArn: policyArn('orders-table'), VersionId: 'v1' }));
    for (let i = 0; i < 4; i++) await iam.send(new CreatePolicyVersionCommand({ PolicyArn: policyArn('orders-table'), PolicyDocument: allow([`dynamodb:Describe${i}`]), SetAsDefault: false }));
    const p = await plan(archive, { version: 'v1.0', collectors, selectors: ['iam/policies/customer/orders-table'] });
    p.close();
    expect(lines(p)).toEqual([]);
    expect(p.services[0]!.undone.map((u) => u.message)[0]).toMatch(/^the default document of v1\.0 is not a live version, and a new one cannot be made: IAM keeps at most 5 versions .*--prune would first delete/);
    // With --prune: the extra non-default versions go first, then the version's default is made, then the old default goes.
    const pruned = await restore(archive, { version: 'v1.0', collectors, selectors: ['iam/policies/customer/orders-table'], prune: true });
    expect(lines(pruned).filter((l) => l.startsWith('update'))).toEqual([expect.stringMatching(/^update iam policy orders-table: default document \(live v\d+\) is not a live version: a new version with the default document of v1\.0 is made the default$/)]);
    const versions = (await iam.send(new ListPolicyVersionsCommand({ PolicyArn: policyArn('orders-table') }))).Versions!;
    expect(versions).toHaveLength(1);
    // The same document as the version's default, under the number IAM gave it: IAM never gives
    // a number twice, so that number is no difference (status agrees with the plan's "matches").
    expect(versions[0]!.VersionId).not.toBe('v1');
    expect(describeDrift(await drift(archive, ['iam/policies/customer/orders-table'], { version: 'v1.0', collectors }))).toEqual([]);
    const again = await plan(archive, { version: 'v1.0', collectors, selectors: ['iam/policies/customer/orders-table'], prune: true });
    again.close();
    expect(lines(again)).toEqual([]);
  });

  it('re-creates a deleted user without any credential, with its policies and groups', async () => {
    const keys = (await iam.send(new ListAccessKeysCommand({ UserName: 'svc-deployer' }))).AccessKeyMetadata!;
    for (const k of keys) await iam.send(new DeleteAccessKeyCommand({ UserName: 'svc-deployer', AccessKeyId: k.AccessKeyId! }));
    await iam.send(new DeleteLoginProfileCommand({ UserName: 'svc-deployer' }));
    await iam.send(new RemoveUserFromGroupCommand({ UserName: 'svc-deployer', GroupName: 'deployers' }));
    await iam.send(new DetachUserPolicyCommand({ UserName: 'svc-deployer', PolicyArn: policyArn('deployer') }));
    await iam.send(new DeleteUserPolicyCommand({ UserName: 'svc-deployer', PolicyName: 'inline-deploy' }));
    await iam.send(new DeleteUserCommand({ UserName: 'svc-deployer' }));

    recording = true;
    const p = await restore(archive, { version: 'v1.0', collectors, selectors: ['iam/users/svc-deployer'] });
    recording = false;
    expect(lines(p)).toEqual(
      [
        'create iam user svc-deployer: missing: path /, 1 tag',
        'create iam user svc-deployer inline policy inline-deploy: missing',
        'create iam user svc-deployer managed policy deployer: not attached',
        'create iam user svc-deployer group deployers: not a member',
      ].sort(),
    );
    expect(p.services[0]!.notes).toEqual([{ resource: 'iam user svc-deployer', message: expect.stringContaining('no access keys or password') }]);
    expect(fieldsOf(await drift(archive, ['iam/users/svc-deployer'], { version: 'v1.0', collectors }))).toEqual(['svc-deployer/user.json: CreateDate', 'svc-deployer/user.json: UserId']);
    expect((await iam.send(new ListAccessKeysCommand({ UserName: 'svc-deployer' }))).AccessKeyMetadata).toEqual([]);
    // Across every restore in this file: no credential call, read or write.
    expect(requests.filter((r) => CREDENTIAL_ACTIONS.test(r.action ?? '')).map((r) => r.action)).toEqual([]);
  });

  it('plans nothing on a re-run', async () => {
    const again = await plan(archive, { version: 'v1.0', collectors });
    again.close();
    expect(lines(again)).toEqual([]);
  });
});

describe('iam restore: documents and tags compared', () => {
  it('compares policy documents as IAM means them: sets in any order, URL-encoded or not', () => {
    const a = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:PutObject', 's3:GetObject'], Resource: '*' }] };
    const b = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: '*' }] };
    expect(documentKey(a)).toBe(documentKey(b));
    expect(documentKey(encodeURIComponent(JSON.stringify(a)))).toBe(documentKey(b));
    expect(documentKey({ ...a, Statement: [{ ...a.Statement[0]!, Effect: 'Deny' }] })).not.toBe(documentKey(b));
  });

  it('tells tag changes as added, changed and removed keys', () => {
    expect(tagChanges([{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }], [{ Key: 'a', Value: '9' }, { Key: 'c', Value: '3' }])).toEqual({
      add: [{ Key: 'a', Value: '9' }, { Key: 'c', Value: '3' }],
      remove: ['b'],
      detail: 'tags differ: ~a +c -b',
    });
    expect(tagChanges([{ Key: 'a', Value: '1' }], [{ Key: 'a', Value: '1' }])).toBeNull();
  });
});
