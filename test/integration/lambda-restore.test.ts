// Restoring Lambda functions against moto: snapshot, damage through the SDK (configuration,
// code, environment, alias, concurrency, tags; a deleted function), plan, restore, and check
// that `snap status` then shows no drift for what was restored.
//
// Stand-in, for something moto does not do: moto's Code.Location names a real AWS host, which
// tests never contact. A loopback proxy in front of moto keeps every package uploaded through
// it (CreateFunction / UpdateFunctionCode bodies, by sha256) and rewrites Code.Location in
// GetFunction answers to a URL of its own that serves those bytes, as a presigned S3 URL does.
// So the collector's default fetcher is used (plain HTTP on loopback only), and the test can
// count downloads: a restore reads packages from the content store and downloads nothing.
// Not covered here because moto lacks it: provisioned concurrency and asynchronous invocation
// settings (noted, never restored); Lambda's Pending / InProgress states (moto is immediately
// Active), which restore waits out with GetFunctionConfiguration.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { strToU8, zipSync } from 'fflate';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  LambdaClient,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  TagResourceCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  AddPermissionCommand,
} from '@aws-sdk/client-lambda';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import type { Archive } from '../../src/archive/archive.js';
import { describeDrift, drift, plan, restore } from '../helpers/restore.js';
import { makeArchive, snapshot, tempDir } from '../helpers/archive.js';
import { snapCli } from '../helpers/cli.js';
import { clientOptions, useMoto } from '../helpers/moto.js';
import { archiveContainsBytes } from '../helpers/collector-contract.js';
import { forward, readBody, reply } from '../helpers/forwarding.js';

const SECRET = 'sk_live_planted_restore_secret_4c1e';
const ROTATED = 'sk_live_rotated_restore_secret_88aa';
const API_URL = 'https://api.example.com/v1';

function makeZip(files: Record<string, string>): Uint8Array {
  return zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, strToU8(v)])), { mtime: new Date(2024, 0, 1) });
}
const V1 = makeZip({ 'index.js': 'exports.handler = async () => ({ statusCode: 200 });\n' });
const V2 = makeZip({ 'index.js': 'exports.handler = async () => ({ statusCode: 500 }); // defaced\n' });
const THUMB = makeZip({ 'handler.py': 'def handle(event, context):\n    return 1\n' });
const hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** The code proxy described at the top. */
async function codeProxy(target: string): Promise<{ endpoint: string; downloads: string[] }> {
  const packages = new Map<string, Buffer>();
  const downloads: string[] = [];
  let self = '';
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const served = /^\/__code\/([0-9a-f]{64})$/.exec(url.pathname);
    if (served) {
      const bytes = packages.get(served[1]!);
      downloads.push(served[1]!);
      res.writeHead(bytes ? 200 : 404, { 'content-type': 'application/zip' });
      res.end(bytes ?? '');
      return;
    }
    if (/^\/2015-03-31\/functions(\/[^/]+\/code)?\/?$/.test(url.pathname) && body.length) {
      try {
        const json = JSON.parse(body.toString('utf8')) as { ZipFile?: string; Code?: { ZipFile?: string } };
        const zip = json.ZipFile ?? json.Code?.ZipFile;
        if (zip) {
          const bytes = Buffer.from(zip, 'base64');
          packages.set(hex(bytes), bytes);
        }
      } catch {
        /* not JSON: nothing to keep */
      }
    }
    const forwarded = await forward(target, req, url, body);
    const up = forwarded.up;
    let payload = forwarded.payload;
    if (req.method === 'GET' && /^\/2015-03-31\/functions\/[^/]+$/.test(url.pathname) && up.ok) {
      const answer = JSON.parse(payload.toString('utf8')) as { Configuration?: { CodeSha256?: string }; Code?: { Location?: string } };
      const sha = answer.Configuration?.CodeSha256 ? Buffer.from(answer.Configuration.CodeSha256, 'base64').toString('hex') : null;
      if (sha && answer.Code) answer.Code.Location = `${self}/__code/${sha}`;
      payload = Buffer.from(JSON.stringify(answer));
    }
    reply(res, up, payload);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  self = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return { endpoint: self, downloads };
}

const moto = useMoto();
const proxy = await codeProxy(moto.endpoint);

describe('lambda restore', () => {
  const lambda = new LambdaClient(clientOptions(proxy.endpoint));
  let archive: Archive;
  let roleArn: string;
  let arn: string;
  const secretsFile = join(tempDir('snap-secrets-'), 'secrets.json');
  const live = async (name = 'orders-api') => lambda.send(new GetFunctionCommand({ FunctionName: name }));
  const lambdaPlan = (p: Awaited<ReturnType<typeof plan>>) => p.services.find((s) => s.collector.id === 'lambda')!;
  const changesOf = (p: Awaited<ReturnType<typeof plan>>) => lambdaPlan(p).changes.map((c) => `${c.action} ${c.resource}: ${c.detail}`);

  beforeAll(async () => {
    const iam = new IAMClient(clientOptions(moto.endpoint));
    roleArn = (await iam.send(new CreateRoleCommand({ RoleName: 'lambda-exec', AssumeRolePolicyDocument: '{}' }))).Role!.Arn!;
    const created = await lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'orders-api',
        Runtime: 'nodejs20.x',
        Role: roleArn,
        Handler: 'index.handler',
        Code: { ZipFile: V1 },
        Description: 'orders API',
        Timeout: 15,
        MemorySize: 512,
        Environment: { Variables: { STRIPE_KEY: SECRET, API_URL, MODE: 'prod' } },
        Tags: { team: 'payments', env: 'prod' },
      }),
    );
    arn = created.FunctionArn!;
    await lambda.send(new PublishVersionCommand({ FunctionName: 'orders-api' }));
    await lambda.send(new CreateAliasCommand({ FunctionName: 'orders-api', Name: 'live', FunctionVersion: '1' }));
    await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'orders-api', ReservedConcurrentExecutions: 5 }));
    await lambda.send(new AddPermissionCommand({ FunctionName: 'orders-api', StatementId: 's3-invoke', Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com', SourceArn: 'arn:aws:s3:::orders-uploads' }));
    await lambda.send(new CreateFunctionCommand({ FunctionName: 'thumbnailer', Runtime: 'python3.12', Role: roleArn, Handler: 'handler.handle', Code: { ZipFile: THUMB }, Timeout: 60 }));
    archive = await makeArchive({ collectors: { lambda: {} }, endpoint: proxy.endpoint });
    const result = await snapshot(archive, 'v1.0');
    expect(result.manifest.collectors.find((c) => c.id === 'lambda')).toMatchObject({ status: 'ok' });
    expect(result.manifest.coverage.filter((c) => c.collector === 'lambda' && c.reason === 'CodeLocationOutsideEndpoint')).toEqual([]);
  });

  it('plans exactly the damage, changes nothing while planning, and restores it: no drift after', async () => {
    // Damage: settings, code, a non-secret and an extra environment variable, alias, concurrency, tags.
    await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'orders-api', ZipFile: V2 }));
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'orders-api', Timeout: 3, MemorySize: 128, Description: 'defaced', Environment: { Variables: { STRIPE_KEY: SECRET, API_URL: 'https://evil.example.net', MODE: 'prod', DEBUG: '1' } } }));
    await lambda.send(new UpdateAliasCommand({ FunctionName: 'orders-api', Name: 'live', FunctionVersion: '$LATEST' }));
    await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'orders-api', ReservedConcurrentExecutions: 50 }));
    await lambda.send(new TagResourceCommand({ Resource: arn, Tags: { env: 'dev' } }));
    const damaged = await live();

    writeFileSync(secretsFile, JSON.stringify({ 'lambda:orders-api': { API_URL } }));
    const p = await plan(archive, { version: 'v1.0', selectors: ['lambda_functions/orders-api'], secretsFile });
    expect(changesOf(p)).toEqual([
      `update lambda orders-api code: code sha256 ${hex(V2).slice(0, 8)}… → ${hex(V1).slice(0, 8)}…`,
      'update lambda orders-api configuration: Timeout 3 → 15, MemorySize 128 → 512, Description "defaced" → "orders API", environment ~API_URL -DEBUG',
      'update lambda orders-api alias live: version $LATEST → 1',
      'update lambda orders-api concurrency: reserved concurrency 50 → 5',
      'update lambda orders-api tags: tags ~env',
    ]);
    expect(lambdaPlan(p).notes.map((n) => n.message)).toEqual([]);
    p.close();
    // Planning changed nothing live.
    const after = await live();
    expect(after.Configuration).toEqual(damaged.Configuration);
    expect(after.Concurrency).toEqual(damaged.Concurrency);
    expect(after.Tags).toEqual(damaged.Tags);

    const downloads = proxy.downloads.length;
    await restore(archive, { version: 'v1.0', selectors: ['lambda_functions/orders-api'], secretsFile });
    expect(proxy.downloads.length).toBe(downloads); // code came from the content store
    const restored = await live();
    expect(restored.Configuration).toMatchObject({ CodeSha256: Buffer.from(hex(V1), 'hex').toString('base64'), Timeout: 15, MemorySize: 512, Environment: { Variables: { STRIPE_KEY: SECRET, API_URL, MODE: 'prod' } } });
    expect(describeDrift(await drift(archive, ['lambda_functions/orders-api']))).toEqual([]);
  });

  it('plans nothing when run again', async () => {
    const p = await plan(archive, { version: 'v1.0', selectors: ['lambda_functions'], secretsFile });
    expect(changesOf(p)).toEqual([]);
    expect(lambdaPlan(p).notes).toEqual([]);
    p.close();
  });

  it('keeps a changed secret with no value given (and notes it), then restores it from a secrets file', async () => {
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'orders-api', Environment: { Variables: { STRIPE_KEY: ROTATED, API_URL, MODE: 'prod' } } }));
    const p = await plan(archive, { version: 'v1.0', selectors: ['lambda_functions/orders-api'] });
    expect(changesOf(p)).toEqual([]);
    expect(lambdaPlan(p).undone).toEqual([{ resource: 'lambda orders-api', message: expect.stringMatching(/^environment variable STRIPE_KEY cannot be restored: the live value differs .* the live value is kept\. .*"lambda:orders-api": \{"STRIPE_KEY"/) }]);
    const text = JSON.stringify({ changes: lambdaPlan(p).changes.map((c) => [c.resource, c.detail]), undone: lambdaPlan(p).undone });
    expect(text).not.toContain(ROTATED);
    expect(text).not.toContain(SECRET);
    p.close();
    await restore(archive, { version: 'v1.0', selectors: ['lambda_functions/orders-api'] });
    expect((await live()).Configuration!.Environment!.Variables!.STRIPE_KEY).toBe(ROTATED);
    expect(describeDrift(await drift(archive, ['lambda_functions/orders-api']))).toEqual(['changed lambda_functions/orders-api/environment_variables.json [Variables.STRIPE_KEY]']);

    writeFileSync(secretsFile, JSON.stringify({ 'lambda:orders-api': { STRIPE_KEY: SECRET } }));
    const q = await restore(archive, { version: 'v1.0', selectors: ['lambda_functions/orders-api'], secretsFile });
    expect(changesOf(q)).toEqual(['update lambda orders-api configuration: environment ~STRIPE_KEY']);
    expect(lambdaPlan(q).notes).toEqual([]);
    expect(lambdaPlan(q).undone).toEqual([]);
    expect(describeDrift(await drift(archive, ['lambda_functions/orders-api']))).toEqual([]);
    expect(archiveContainsBytes(archive.dir, SECRET)).toEqual([]);
  });

  it('re-creates a deleted function from the archive (code from the store, role and settings from config.json)', async () => {
    await lambda.send(new DeleteFunctionCommand({ FunctionName: 'thumbnailer' }));
    const p = await plan(archive, { version: 'v1.0', selectors: ['lambda_functions/thumbnailer'] });
    expect(changesOf(p)).toEqual([`create lambda thumbnailer: code sha256 ${hex(THUMB).slice(0, 8)}…, python3.12`]);
    p.close();
    await restore(archive, { version: 'v1.0', selectors: ['lambda_functions/thumbnailer'] });
    expect((await live('thumbnailer')).Configuration).toMatchObject({ Role: roleArn, Handler: 'handler.handle', Timeout: 60 });
    expect(describeDrift(await drift(archive, ['lambda_functions/thumbnailer']))).toEqual([]);
  });

  it('restores a function under another name with --rename', async () => {
    await restore(archive, { version: 'v1.0', selectors: ['lambda_functions/thumbnailer'], rename: new Map([['thumbnailer', 'thumbnailer-staging']]) });
    const copy = await live('thumbnailer-staging');
    expect(copy.Configuration).toMatchObject({ CodeSha256: Buffer.from(hex(THUMB), 'hex').toString('base64'), Runtime: 'python3.12', Timeout: 60 });
  });

  it('through the CLI: --dry-run prints the plan and changes nothing, --yes applies it', async () => {
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'orders-api', Timeout: 9 }));
    await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'orders-api', ZipFile: V2 }));
    // snapCli blocks this process while the binary runs, so the code proxy (served from this
    // process) cannot answer it: the CLI goes to moto directly with --endpoint. A restore never
    // downloads code, so it needs no proxy.
    const direct = ['--endpoint', moto.endpoint];
    const dry = snapCli(archive.dir, ['restore', 'v1.0', 'lambda_functions/orders-api', '--dry-run', ...direct]);
    expect(dry.stderr).toContain('dry run: nothing was changed');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('Restore plan for v1.0: 2 changes');
    expect(dry.stdout).toMatch(/~ update\s+lambda orders-api code {2}code sha256/);
    expect(dry.stdout).toMatch(/~ update\s+lambda orders-api configuration {2}Timeout 9 → 15/);
    expect((await live()).Configuration!.Timeout).toBe(9);
    const yes = snapCli(archive.dir, ['restore', 'v1.0', 'lambda_functions/orders-api', '--yes', ...direct]);
    expect(yes.stderr).toBe('done   update lambda orders-api code\ndone   update lambda orders-api configuration\n');
    expect(yes.code, yes.stdout).toBe(0);
    expect(describeDrift(await drift(archive, ['lambda_functions/orders-api']))).toEqual([]);
  });
});
