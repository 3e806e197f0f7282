// The faults of a bad day, through the built CLI as a user meets them: a loopback fault proxy
// in front of moto (test/helpers/fault-proxy.ts) injects 5xx answers, throttling, bodies cut off
// mid-transfer, refused credentials, answers with no AWS error code and a server that echoes
// the request back; the endpoint is also pointed at a closed port and the credentials removed.
// moto never fails, throttles, cuts a body off or echoes a request, so these answers come from
// the proxy, in each service's own wire format; everything else is moto's own. What must hold:
//   - transient faults are retried (cut bodies resumed from where they stopped), and the
//     version is complete and exact;
//   - refused credentials or an unreachable endpoint end the run (exit 1, one line naming the
//     fix), write nothing, and leave the version name free;
//   - AccessDenied on one resource is a coverage finding; a 403 with no code is not one;
//   - a run that read nothing writes nothing;
//   - no server text carries a secret to stderr or into the archive.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, LambdaClient, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { zipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/emulator/moto.js';
import { archiveContainsBytes } from '../helpers/collector-contract.js';
import { expectStockGitAgrees, git, tempDir } from '../helpers/archive.js';
import { snapCliAsync, type CliRun } from '../helpers/cli.js';
import { faultProxy, type FaultProxy, type ProxiedRequest } from '../helpers/fault-proxy.js';
import { clientOptions, useMoto } from '../helpers/moto.js';
import { createBucket, put } from '../helpers/s3-seed.js';

const moto = useMoto();
const BUCKET = 'fault-site';
const BIG = Array.from({ length: 6 }, (_, i) => `media/big-${i}.bin`);
const CUT_AT = 50_000;
const ENV_SECRET = 'sk_live_faultsuite_original_value_7c1d';
const ENV_ROTATED = 'sk_live_faultsuite_rotated_value_51ae';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const snapLines = (r: CliRun) => r.stderr.split('\n').filter((l) => l.startsWith('snap: '));

describe('faults through the CLI (a fault proxy in front of moto)', { timeout: 300_000 }, () => {
  let proxy: FaultProxy;
  let dir: string;
  const content = new Map<string, Buffer>();

  const config = () => JSON.parse(readFileSync(join(dir, 'snap.config.json'), 'utf8'));
  const setConfig = (edit: (c: any) => void) => {
    const c = config();
    edit(c);
    writeFileSync(join(dir, 'snap.config.json'), JSON.stringify(c, null, 2));
  };
  const tags = () => git(dir, 'tag', '--list').split('\n').filter(Boolean).sort();
  const commit = (...args: string[]) => snapCliAsync(dir, ['commit', ...args]);
  const isBig = (r: ProxiedRequest) => r.operation === 'GetObject' && BIG.includes(r.key ?? '');

  beforeAll(async () => {
    proxy = await faultProxy(moto.endpoint);
    const s3 = await createBucket(moto.endpoint, BUCKET, 'us-east-1');
    for (const key of BIG) {
      const bytes = randomBytes(200_000);
      content.set(key, bytes);
      await put(s3, BUCKET, key, bytes, { ContentType: 'application/octet-stream' });
    }
    await put(s3, BUCKET, 'index.html', '<h1>fault site</h1>\n', { ContentType: 'text/html' });
    const ddb = new DynamoDBClient(clientOptions(moto.endpoint));
    await ddb.send(new CreateTableCommand({ TableName: 'bookings', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' }));
    for (let i = 0; i < 20; i++) await ddb.send(new PutItemCommand({ TableName: 'bookings', Item: { id: { S: `b-${i}` }, note: { S: 'x'.repeat(200) } } }));
    const role = (await new IAMClient(clientOptions(moto.endpoint)).send(new CreateRoleCommand({ RoleName: 'echo-fn-role', AssumeRolePolicyDocument: '{}' }))).Role!.Arn!;
    await new LambdaClient(clientOptions(moto.endpoint)).send(
      new CreateFunctionCommand({ FunctionName: 'echo-fn', Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: zipSync({ 'index.js': new TextEncoder().encode('exports.handler = async () => 1;\n') }) }, Environment: { Variables: { API_KEY: ENV_SECRET } } }),
    );

    const base = tempDir('snap-faults-');
    expect((await snapCliAsync(base, ['init', 'estate'])).code).toBe(0);
    dir = join(base, 'estate');
    setConfig((c) => {
      for (const id of Object.keys(c.collectors)) c.collectors[id].enabled = false;
      c.aws.endpoint = proxy.endpoint;
      c.aws.maxAttempts = 4;
      c.collectors.s3 = { enabled: true };
      c.collectors.dynamodb = { enabled: true };
      c.collectors.lambda = { enabled: true, code: { download: false } };
    });
  });

  it('retries 5xx and throttling, resumes bodies cut off mid-transfer from where they stopped, and writes an exact version', async () => {
    proxy.clear();
    proxy.inject({ when: (r) => r.operation === 'ListObjectsV2', fault: { kind: 'error', status: 500, code: 'InternalError' }, times: 1 });
    proxy.inject({ when: (r) => r.operation === 'GetObject', fault: { kind: 'throttle' }, times: 2 });
    proxy.inject({ when: (r) => isBig(r) && !r.headers.range, fault: { kind: 'cut', afterBytes: CUT_AT }, times: BIG.length });
    proxy.inject({ when: (r) => r.action === 'Scan', fault: { kind: 'error', status: 503, code: 'ServiceUnavailable' }, times: 1 });
    proxy.inject({ when: (r) => r.action === 'DescribeTable', fault: { kind: 'cut' }, times: 1 });
    proxy.inject({ when: (r) => r.service === 'lambda' && r.method === 'GET' && /\/functions\/?$/.test(r.path), fault: { kind: 'throttle' }, times: 1 });

    const r = await commit('v1.0');
    expect(r.code, r.stderr).toBe(0);
    expect(proxy.rules.every((rule) => rule.times === 0), 'every fault was met').toBe(true);

    // Each cut body was asked for again from the byte it stopped at, not from the start.
    const resumed = proxy.requests.filter((q) => isBig(q) && q.headers.range);
    expect(resumed.map((q) => q.headers.range).sort()).toEqual(BIG.map(() => `bytes=${CUT_AT}-`));
    expect(new Set(resumed.map((q) => q.key))).toEqual(new Set(BIG));
    for (const key of BIG) {
      const cat = await snapCliAsync(dir, ['cat', 'v1.0', `s3://${BUCKET}/${key}`]);
      expect(sha(cat.stdoutBytes), key).toBe(sha(content.get(key)!));
    }
    const manifest = JSON.parse(git(dir, 'show', 'v1.0:.snap/manifest.json'));
    expect(manifest.status).toBe('complete');
    expect(manifest.collectors.find((c: any) => c.id === 'dynamodb').counts).toMatchObject({ tables: 1, items: 20 });
    // The credentials check came first, and its answer is recorded.
    expect(proxy.requests[0]!.service).toBe('sts');
    expect(manifest.source).toEqual({ accountId: '123456789012', arn: expect.stringContaining('123456789012'), endpoint: proxy.endpoint });
    expect((await snapCliAsync(dir, ['verify', 'v1.0'])).code).toBe(0);
    expectStockGitAgrees(dir);
  });

  it('gives up on a body cut off at every attempt, with a clear error for that object (exit 3)', async () => {
    const changed = randomBytes(120_000);
    await put((await import('../helpers/s3-seed.js')).s3Client(moto.endpoint), BUCKET, BIG[2]!, changed);
    proxy.clear();
    proxy.inject({ when: (r) => r.operation === 'GetObject' && r.key === BIG[2], fault: { kind: 'cut', afterBytes: 1000 } });
    const r = await commit('v1.1');
    expect(r.code, r.stderr).toBe(3);
    // Each attempt got 1000 bytes further before it was cut off again.
    expect(r.stderr).toContain(`warning: s3: s3://${BUCKET}/${BIG[2]}: the download was cut off 4 times (ECONNRESET); gave up after 3.9 KiB of 117.2 KiB`);
    expect(proxy.count((q) => q.operation === 'GetObject' && q.key === BIG[2])).toBe(4);
    const manifest = JSON.parse(git(dir, 'show', 'v1.1:.snap/manifest.json'));
    expect(manifest.collectors.find((c: any) => c.id === 's3').errors).toEqual([{ resource: `s3://${BUCKET}/${BIG[2]}`, message: expect.stringContaining('cut off 4 times') }]);
  });

  it.each([
    ['S3 ListBuckets', (r: ProxiedRequest) => r.operation === 'ListBuckets', 403, 'InvalidAccessKeyId', /AWS refused the credentials \(InvalidAccessKeyId from S3 ListBuckets\): the access key id is not known to the endpoint; check the credentials in AWS_ACCESS_KEY_ID/],
    ['Lambda ListFunctions', (r: ProxiedRequest) => r.service === 'lambda' && /\/functions\/?$/.test(r.path), 403, 'UnrecognizedClientException', /AWS refused the credentials \(UnrecognizedClientException from Lambda ListFunctions\)/],
    ['DynamoDB Scan', (r: ProxiedRequest) => r.action === 'Scan', 400, 'ExpiredTokenException', /AWS refused the credentials \(ExpiredTokenException from DynamoDB Scan\): the session token has expired; renew the session/],
    ['S3 GetBucketPolicy', (r: ProxiedRequest) => r.operation === 'GetBucketPolicy', 403, 'SignatureDoesNotMatch', /\(SignatureDoesNotMatch from S3 GetBucketPolicy\): the secret access key does not match the access key id/],
  ])('refused credentials on %s end the run: exit 1, one line naming the fix, nothing written', async (_what, when, status, code, message) => {
    await put((await import('../helpers/s3-seed.js')).s3Client(moto.endpoint), BUCKET, 'index.html', `<h1>fault site ${code}</h1>\n`, { ContentType: 'text/html' });
    const before = { tags: tags(), head: git(dir, 'rev-parse', 'main') };
    proxy.clear();
    proxy.inject({ when, fault: { kind: 'error', status, code } });
    const r = await commit();
    expect(r.code, r.stderr).toBe(1);
    expect(snapLines(r)).toEqual([expect.stringMatching(message)]);
    expect({ tags: tags(), head: git(dir, 'rev-parse', 'main') }).toEqual(before);
    expect(git(dir, 'status', '--porcelain')).toBe('');
  });

  it('after those, the next commit takes the next free version name', async () => {
    proxy.clear();
    const r = await commit();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^v1\.2 /);
  });

  it('keeps AccessDenied on one object a finding, and a 403 without a code a failure, never "Unknown"', async () => {
    const s3 = (await import('../helpers/s3-seed.js')).s3Client(moto.endpoint);
    await put(s3, BUCKET, 'private/report.csv', 'a,b\n');
    proxy.clear();
    proxy.inject({ when: (r) => r.operation === 'GetObject' && r.key === 'private/report.csv', fault: { kind: 'error', status: 403, code: 'AccessDenied', message: 'Access Denied' } });
    proxy.inject({ when: (r) => r.action === 'DescribeTimeToLive', fault: { kind: 'page', status: 403 } });
    const r = await commit('v1.3');
    expect(r.code, r.stderr).toBe(3);
    const manifest = JSON.parse(git(dir, 'show', 'v1.3:.snap/manifest.json'));
    expect(manifest.coverage.filter((f: any) => f.collector === 's3')).toEqual([{ collector: 's3', resource: `s3_buckets/${BUCKET}/objects`, reason: 'AccessDenied', detail: expect.stringContaining('"private/report.csv"') }]);
    const ddb = manifest.collectors.find((c: any) => c.id === 'dynamodb');
    expect(ddb.status).toBe('partial');
    expect(ddb.errors[0].message).toMatch(/^UnrecognizedAnswer: DynamoDB DescribeTimeToLive answered HTTP 403 \(text\/html; charset=utf-8\) without an AWS error code/);
    expect(manifest.coverage.map((f: any) => f.reason)).not.toContain('Unknown');
    expect(manifest.coverage.filter((f: any) => f.collector === 'dynamodb')).toEqual([]);
  });

  it('writes no version when nothing could be read, though every collector only failed region by region', async () => {
    setConfig((c) => {
      c.aws.regions = ['us-east-1', 'us-west-2'];
    });
    const before = tags();
    proxy.clear();
    proxy.inject({ when: (r) => r.service !== 'sts', fault: { kind: 'error', status: 500, code: 'InternalFailure' } });
    const r = await commit('v1.4');
    setConfig((c) => {
      delete c.aws.regions;
    });
    expect(r.code, r.stderr).toBe(1);
    expect(snapLines(r)).toEqual([expect.stringMatching(/^snap: no collector could read anything, so no version was written \(v1\.4 is still free\): s3: InternalFailure: .*; lambda: InternalFailure: .*; dynamodb: InternalFailure: /)]);
    expect(tags()).toEqual(before);
  });

  it('stops before any collector when the endpoint cannot be reached or there are no credentials: commit, status and diff alike', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    setConfig((c) => {
      c.aws.endpoint = closed;
    });
    const before = tags();
    for (const args of [['commit'], ['status'], ['diff', 'latest', 'live']]) {
      const r = await snapCliAsync(dir, args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(1);
      expect(snapLines(r)).toEqual([`snap: cannot reach the endpoint ${closed} (ECONNREFUSED on STS GetCallerIdentity): check aws.endpoint (or AWS_ENDPOINT_URL) and that the server is running`]);
    }
    setConfig((c) => {
      c.aws.endpoint = proxy.endpoint;
    });
    proxy.clear();
    const noCredentials = { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_SESSION_TOKEN: '', AWS_PROFILE: '', HOME: tempDir('snap-nohome-') };
    for (const args of [['commit'], ['status']]) {
      const r = await snapCliAsync(dir, args, noCredentials);
      expect(r.code, r.stderr).toBe(1);
      expect(snapLines(r)).toEqual([expect.stringMatching(/^snap: AWS refused the credentials \(CredentialsProviderError from STS GetCallerIdentity\): no AWS credentials were found .*; set credentials: AWS_ACCESS_KEY_ID/)]);
    }
    expect(proxy.requests).toEqual([]);
    expect(tags()).toEqual(before);
  });

  it('names a service the endpoint does not offer, never a parse error of its page', async () => {
    // Straight to moto: it has no Lightsail (a 500 page) and not the SES v2 list calls (404 pages).
    setConfig((c) => {
      c.aws.endpoint = moto.endpoint;
      c.collectors.lightsail = { enabled: true };
      c.collectors.ses = { enabled: true };
    });
    const r = await commit('v1.4');
    // Recorded once, it is a standing condition: a scheduled run that finds nothing new is silent.
    const again = await snapCliAsync(dir, ['-q', 'commit', '--skip-unchanged']);
    expect({ code: again.code, stderr: again.stderr, stdout: again.stdout }).toEqual({ code: 0, stderr: '', stdout: '' });
    setConfig((c) => {
      c.aws.endpoint = proxy.endpoint;
      c.collectors.lightsail = { enabled: false };
      c.collectors.ses = { enabled: false };
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('warning: lightsail: the endpoint does not offer the Lightsail API; set collectors.lightsail.enabled=false');
    expect(r.stderr).toContain('warning: ses: the endpoint does not offer the SES v2 API; set collectors.ses.enabled=false');
    expect(r.stderr).not.toMatch(/JSON|Unexpected token|doctype|SyntaxError/i);
    const md = git(dir, 'show', 'v1.4:MANIFEST.md');
    expect(md).toContain('| lightsail | lightsail | NotOffered | the endpoint does not offer the Lightsail API; set collectors.lightsail.enabled=false |');
    expect(md).toContain('| ses | ses | NotOffered | the endpoint does not offer the SES v2 API; set collectors.ses.enabled=false |');
  });

  it('keeps the credentials in use out of stderr and the archive when a server echoes the request back', async () => {
    const creds = { AWS_ACCESS_KEY_ID: 'AKIAFAULTSUITE000001', AWS_SECRET_ACCESS_KEY: 'faultSuiteSecretAccessKey/0123456789abcdEF', AWS_SESSION_TOKEN: 'FwoGZXIvYXdzEFaultSuiteSessionToken0123456789abcdefghijklmnop' };
    const echo = () => proxy.inject({ when: (r) => r.operation === 'GetBucketLifecycleConfiguration', fault: { kind: 'echo', status: 400, code: 'InvalidRequest' } });
    proxy.clear();
    echo();
    const c = await snapCliAsync(dir, ['commit', 'v1.5'], creds);
    expect(c.code, c.stderr).toBe(3);
    const echoed = proxy.requests.find((q) => q.fault === 'echo')!;
    expect(String(echoed.headers['x-amz-security-token'])).toBe(creds.AWS_SESSION_TOKEN);
    expect(c.stderr).toContain('[redacted]');
    proxy.clear();
    echo();
    const s = await snapCliAsync(dir, ['status'], creds);
    expect(s.code, s.stderr).toBe(3);
    for (const secret of [creds.AWS_SESSION_TOKEN, creds.AWS_SECRET_ACCESS_KEY, creds.AWS_ACCESS_KEY_ID]) {
      expect(c.stderr).not.toContain(secret);
      expect(s.stderr).not.toContain(secret);
      expect(archiveContainsBytes(dir, secret), 'in the archive').toEqual([]);
    }
    expect(c.stderr + s.stderr).not.toMatch(/Signature=[0-9a-f]{64}/);
  });

  it('keeps values given to restore --secrets out of what it prints when a server echoes them', async () => {
    // The live value is rotated; the version's value is given in the secrets file.
    await new LambdaClient(clientOptions(moto.endpoint)).send(new UpdateFunctionConfigurationCommand({ FunctionName: 'echo-fn', Environment: { Variables: { API_KEY: ENV_ROTATED } } }));
    const secrets = join(tempDir('snap-secrets-'), 'secrets.json');
    writeFileSync(secrets, JSON.stringify({ 'lambda:echo-fn': { API_KEY: ENV_SECRET } }));
    proxy.clear();
    proxy.inject({ when: (r) => r.service === 'lambda' && r.method === 'PUT' && r.path.endsWith('/configuration'), fault: { kind: 'echo', status: 400, code: 'InvalidParameterValueException' } });
    const r = await snapCliAsync(dir, ['restore', 'v1.0', 'lambda_functions/echo-fn', '--secrets', secrets, '--yes']);
    expect(r.code, r.stderr).toBe(1);
    const echoed = proxy.requests.find((q) => q.fault === 'echo');
    expect(echoed?.body).toContain(ENV_SECRET);
    expect(r.stderr).toMatch(/failed update lambda echo-fn configuration: InvalidParameterValueException: .*\[redacted\]/);
    for (const out of [r.stdout, r.stderr]) for (const value of [ENV_SECRET, ENV_ROTATED]) expect(out).not.toContain(value);
  });

  it('refuses a secrets file of another shape (exit 2, nothing sent), naming where without the values', async () => {
    const file = join(tempDir('snap-secrets-'), 'secrets.json');
    for (const [data, named] of [
      [{ 'lambda:echo-fn': { API_KEY: [ENV_SECRET] } }, '"lambda:echo-fn"."API_KEY" is an array, not a string'],
      [{ 'lambda:echo-fn': ENV_SECRET }, '"lambda:echo-fn" is a string, not an object of names and values'],
      [[ENV_SECRET], 'holds an array'],
    ] as const) {
      writeFileSync(file, JSON.stringify(data));
      proxy.clear();
      const r = await snapCliAsync(dir, ['restore', 'v1.0', 'lambda_functions/echo-fn', '--secrets', file, '--yes']);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(named);
      expect(r.stderr + r.stdout).not.toContain(ENV_SECRET);
      expect(proxy.requests.filter((q) => q.method !== 'GET' && q.method !== 'HEAD' && q.service !== 'sts')).toEqual([]);
    }
  });
});
