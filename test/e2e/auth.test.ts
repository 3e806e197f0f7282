// Real authentication answers, from moto with IAM enforcement switched on
// (POST /moto-api/reset-auth), through the built CLI. This file starts a moto server of its own
// for that (switching auth on for the shared per-worker server would break every other file) and
// stops it after. moto then checks every request's access key and signature and evaluates the
// caller's IAM policies: an unknown key is InvalidClientTokenId / InvalidAccessKeyId, a wrong
// secret SignatureDoesNotMatch, a denied GetObject a real AccessDenied. Its request recorder
// (/moto-api/recorder/) counts what reached the server.
import { join } from 'node:path';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMoto, type MotoServer } from '../../src/emulator/moto.js';
import { git, tempDir } from '../helpers/archive.js';
import { snapCli } from '../helpers/cli.js';
import { clientOptions } from '../helpers/moto.js';
import { createBucket, put } from '../helpers/s3-seed.js';

describe('credentials against moto with IAM enforced', { timeout: 180_000 }, () => {
  let moto: MotoServer;
  let dir: string;
  let reader: { AWS_ACCESS_KEY_ID: string; AWS_SECRET_ACCESS_KEY: string; AWS_SESSION_TOKEN: string };
  const recording = join(tempDir('snap-moto-recording-'), 'requests.jsonl');
  const motoApi = (path: string, body?: string) => fetch(`${moto.endpoint}/moto-api/${path}`, { method: 'POST', ...(body !== undefined ? { body } : {}) });
  const tags = () => git(dir, 'tag', '--list').split('\n').filter(Boolean);

  /** Runs the CLI with moto's recorder on: the result and the requests that reached moto. */
  async function recorded(args: string[], env: Record<string, string>): Promise<{ run: ReturnType<typeof snapCli>; requests: { method: string; url: string; headers: Record<string, string> }[] }> {
    await motoApi('recorder/reset-recording');
    await motoApi('recorder/start-recording');
    const run = snapCli(dir, args, env);
    await motoApi('recorder/stop-recording');
    const text = await (await fetch(`${moto.endpoint}/moto-api/recorder/download-recording`)).text();
    return { run, requests: text.split('\n').filter(Boolean).map((l) => JSON.parse(l)) };
  }

  beforeAll(async () => {
    // The recorder writes where the server is told; never into the working folder.
    process.env.MOTO_RECORDER_FILEPATH = recording;
    moto = await startMoto();
    const iam = new IAMClient(clientOptions(moto.endpoint));
    await iam.send(new CreateUserCommand({ UserName: 'snap-reader' }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'snap-reader' }))).AccessKey!;
    reader = { AWS_ACCESS_KEY_ID: key.AccessKeyId!, AWS_SECRET_ACCESS_KEY: key.SecretAccessKey!, AWS_SESSION_TOKEN: '' };
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: '*', Resource: '*' },
        { Effect: 'Deny', Action: 's3:GetObject', Resource: 'arn:aws:s3:::auth-site/private/*' },
      ],
    };
    await iam.send(new PutUserPolicyCommand({ UserName: 'snap-reader', PolicyName: 'read-all-but-private', PolicyDocument: JSON.stringify(policy) }));
    const s3 = await createBucket(moto.endpoint, 'auth-site', 'us-east-1');
    await put(s3, 'auth-site', 'index.html', '<h1>hello</h1>\n', { ContentType: 'text/html' });
    await put(s3, 'auth-site', 'private/payroll.csv', 'name,salary\n');
    await new DynamoDBClient(clientOptions(moto.endpoint)).send(new CreateTableCommand({ TableName: 'guests', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' }));

    const base = tempDir('snap-auth-');
    expect(snapCli(base, ['init', 'estate']).code).toBe(0);
    dir = join(base, 'estate');
    const config = JSON.parse(readFileSync(join(dir, 'snap.config.json'), 'utf8'));
    for (const id of Object.keys(config.collectors)) config.collectors[id].enabled = false;
    config.aws.endpoint = moto.endpoint;
    config.collectors.s3 = { enabled: true };
    config.collectors.dynamodb = { enabled: true };
    writeFileSync(join(dir, 'snap.config.json'), JSON.stringify(config, null, 2));
    // From here on moto checks every request's credentials and policies.
    expect((await motoApi('reset-auth', '0')).ok).toBe(true);
  });

  afterAll(async () => {
    delete process.env.MOTO_RECORDER_FILEPATH;
    await moto?.stop();
  });

  it('with working credentials, a real AccessDenied on one object is a coverage finding, and the account is recorded', () => {
    const r = snapCli(dir, ['commit', 'v1.0'], reader);
    expect(r.code, r.stderr).toBe(0);
    const manifest = JSON.parse(git(dir, 'show', 'v1.0:.snap/manifest.json'));
    expect(manifest.status).toBe('complete');
    expect(manifest.coverage).toEqual([{ collector: 's3', resource: 's3_buckets/auth-site/objects', reason: 'AccessDenied', detail: expect.stringContaining('"private/payroll.csv"') }]);
    expect(manifest.source).toMatchObject({ accountId: '123456789012', arn: expect.stringMatching(/user\/snap-reader$/), endpoint: moto.endpoint });
  });

  it('with an access key the endpoint does not know: exit 1, one line naming the fix, and nothing but the check reached the server', async () => {
    const { run, requests } = await recorded(['commit', 'v1.1'], { AWS_ACCESS_KEY_ID: 'AKIAUNKNOWNKEY000000', AWS_SECRET_ACCESS_KEY: 'unknownSecretAccessKey0000000000000000000', AWS_SESSION_TOKEN: '' });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([
      `snap: AWS refused the credentials (InvalidClientTokenId from STS GetCallerIdentity): the access key id is not known to the endpoint; check the credentials in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, AWS_PROFILE or aws.profile for the endpoint ${moto.endpoint}`,
    ]);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.headers['Authorization'] ?? requests[0]!.headers['authorization']).toMatch(/Credential=AKIAUNKNOWNKEY000000\/\d{8}\/us-east-1\/sts\//);
    expect(tags()).toEqual(['v1.0']);
  });

  it('with the right key and a wrong secret: SignatureDoesNotMatch, for commit and status alike', async () => {
    const wrong = { ...reader, AWS_SECRET_ACCESS_KEY: `${reader.AWS_SECRET_ACCESS_KEY.slice(0, -4)}XXXX` };
    for (const args of [['commit', 'v1.1'], ['status']]) {
      const { run, requests } = await recorded(args, wrong);
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toMatch(/^snap: AWS refused the credentials \(SignatureDoesNotMatch from STS GetCallerIdentity\): the secret access key does not match the access key id; check the credentials in /m);
      expect(run.stderr).not.toContain(wrong.AWS_SECRET_ACCESS_KEY);
      expect(requests).toHaveLength(1);
    }
    expect(tags()).toEqual(['v1.0']);
  });

  it('the version name was not used up: the next commit with working credentials is v1.1', () => {
    const r = snapCli(dir, ['commit'], reader);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^v1\.1 /);
  });
});
