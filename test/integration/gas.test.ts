// The Google Apps Script collector. Neither the Apps Script API nor Google's OAuth token
// endpoint has a local emulator, so these tests run against a loopback stand-in shaped from
// their API references (test/helpers/apps-script-standin.ts: projects.get, projects.getContent,
// the refresh-token and JWT-bearer grants, Google's error JSON), reached through the
// collector's apiUrl and tokenUrl settings.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Archive } from '../../src/archive/archive.js';
import { listVersions } from '../../src/archive/versions.js';
import type { SnapError } from '../../src/errors.js';
import { gasCollector } from '../../src/collectors/gas/collect.js';
import { localCollector } from '../../src/collectors/local/collect.js';
import { walkFiles } from '../../src/git/tree-walk.js';
import { startAppsScriptStandin, type AppsScriptStandin, type StandinProject } from '../helpers/apps-script-standin.js';
import { git, makeArchive, readVersion, snapshot, tempDir, writeConfig } from '../helpers/archive.js';
import { collectorContract } from '../helpers/collector-contract.js';


const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), '..', 'golden', 'gas');
const only = { collectors: [gasCollector] };

// Planted secrets: none of them may appear anywhere in an archive.
const ACCESS_TOKEN = 'ya29.a0planted-expired-access-token-7f3c9e1d';
const REFRESH_TOKEN = '1//0gPlanted-refresh-token-Q2w3E4r5T6y7';
const CLIENT_ID = '1072944905499-standin.apps.googleusercontent.com';
const CLIENT_SECRET = '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';

const MAIN: StandinProject = {
  scriptId: '1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-jada_main',
  title: 'JADA main',
  files: [
    { name: 'appsscript', type: 'JSON', source: '{\n  "timeZone": "America/Los_Angeles",\n  "exceptionLogging": "STACKDRIVER",\n  "runtimeVersion": "V8"\n}' },
    { name: 'Code', type: 'SERVER_JS', source: 'function doGet(e) {\n  return HtmlService.createHtmlOutputFromFile("index");\n}\n\nfunction price() {\n  return 225;\n}\n' },
    { name: 'lib/orders', type: 'SERVER_JS', source: 'function placeOrder(order) {\n  return order.id;\n}\n' },
    { name: 'index', type: 'HTML', source: '<!DOCTYPE html>\n<html><body><h1>JADA</h1></body></html>\n' },
  ],
};
const EYD: StandinProject = {
  scriptId: '1ZyXwVuTsRqPoNmLkJiHgFeDcBa9876543210-eyd_sheet',
  title: 'EYD inventory',
  parentId: '1SheetIdOfTheInventorySpreadsheet000000000',
  files: [
    { name: 'appsscript', type: 'JSON', source: '{"timeZone":"America/Los_Angeles","runtimeVersion":"V8"}' },
    { name: 'Inventory', type: 'SERVER_JS', source: 'function onOpen() {}\n' },
  ],
};

function seed(standin: AppsScriptStandin): void {
  standin.reset();
  standin.addProject(MAIN);
  standin.addProject(EYD);
  standin.registerClient({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, refreshToken: REFRESH_TOKEN });
}

/** A saved clasp login as clasp 3 writes it (tokens by user name). */
function clasp3Login(expiryDate: number): unknown {
  return { tokens: { default: { client_id: CLIENT_ID, client_secret: CLIENT_SECRET, type: 'authorized_user', refresh_token: REFRESH_TOKEN, access_token: ACCESS_TOKEN, expiry_date: expiryDate, token_type: 'Bearer' } } };
}

/** A saved clasp login as clasp 1 and 2 wrote it (one token and the OAuth client). */
function clasp1Login(expiryDate: number): unknown {
  return {
    token: { access_token: ACCESS_TOKEN, refresh_token: REFRESH_TOKEN, scope: 'https://www.googleapis.com/auth/script.projects', token_type: 'Bearer', expiry_date: expiryDate },
    oauth2ClientSettings: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUri: 'http://localhost' },
    isLocalCreds: false,
  };
}

function writeLogin(content: unknown): string {
  const path = join(tempDir('snap-clasp-'), '.clasprc.json');
  writeFileSync(path, JSON.stringify(content, null, 2));
  return path;
}

const PROJECTS = [
  { name: 'jada-main', scriptId: MAIN.scriptId },
  { name: 'eyd', scriptId: EYD.scriptId },
];

function gasSection(standin: AppsScriptStandin, credentials: Record<string, unknown>, projects: { name: string; scriptId: string }[] = PROJECTS): Record<string, Record<string, unknown>> {
  return { gas: { projects, credentials, apiUrl: standin.apiUrl, tokenUrl: standin.tokenUrl } };
}

async function treeFiles(archive: Archive, version: string, root: string): Promise<Map<string, string>> {
  const v = await readVersion(archive, version);
  const entry = await archive.repo.entryAt(v.treeOid, root);
  const files = new Map<string, string>();
  if (!entry) return files;
  for await (const f of walkFiles(archive.repo, entry.oid)) files.set(f.path, Buffer.from(await archive.repo.readBlob(f.oid)).toString('utf8'));
  return files;
}

function goldenFiles(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? goldenFiles(dir, join(prefix, e.name)) : [join(prefix, e.name)]));
}

/** Compares a collector's folder with test/golden/<collector>; UPDATE_GOLDEN=1 rewrites it. */
function expectGolden(actual: Map<string, string>, dir: string): void {
  if (process.env.UPDATE_GOLDEN === '1') {
    rmSync(dir, { recursive: true, force: true });
    for (const [path, text] of actual) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    return;
  }
  let expected: string[];
  try {
    expected = goldenFiles(dir).sort();
  } catch {
    throw new Error(`no golden files in ${dir}: run the tests once with UPDATE_GOLDEN=1 and review them`);
  }
  expect([...actual.keys()].sort()).toEqual(expected);
  for (const path of expected) expect(actual.get(path), path).toBe(readFileSync(join(dir, path), 'utf8'));
}

/**
 * archiveContainsBytes() for many needles in one pass over the archive (files, then every git
 * object through `git cat-file`), so checking each issued token stays cheap.
 */
function expectNoneInArchive(dir: string, needles: string[]): void {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) (e.isDirectory() ? walk : (p: string) => files.push(p))(join(d, e.name));
  };
  walk(dir);
  const haystacks = [...files.map((f) => ({ where: f, bytes: readFileSync(f) })), { where: '(git object)', bytes: execFileSync('git', ['cat-file', '--batch-all-objects', '--batch'], { cwd: dir, maxBuffer: 1 << 30 }) }];
  const found = needles.flatMap((n) => haystacks.filter((h) => h.bytes.includes(n)).map((h) => `${n.slice(0, 8)}… in ${h.where}`));
  expect(found).toEqual([]);
}

describe('Apps Script collector (against a stand-in: the Apps Script API is not in moto)', () => {
  let standin: AppsScriptStandin;
  let archive: Archive;

  beforeAll(async () => {
    standin = await startAppsScriptStandin();
    seed(standin);
    // The saved access token expired an hour ago: every run starts with a refresh.
    const login = writeLogin(clasp3Login(Date.now() - 3600_000));
    archive = await makeArchive({ collectors: gasSection(standin, { type: 'clasp', path: login }) });
  });

  collectorContract({ archive: () => archive, root: 'gas_projects', secrets: [ACCESS_TOKEN, REFRESH_TOKEN, CLIENT_SECRET] });

  it('writes each project as clasp pull does: readable .gs, .html and appsscript.json, plus metadata', async () => {
    const v = await readVersion(archive, 'latest', 'gas_projects/jada-main');
    expect(await v.text('Code.gs')).toBe(MAIN.files[1]!.source);
    expect(await v.text('lib/orders.gs')).toBe(MAIN.files[2]!.source);
    expect(await v.text('index.html')).toBe(MAIN.files[3]!.source);
    expect(await v.text('appsscript.json')).toBe(MAIN.files[0]!.source); // byte for byte, not re-serialized
    expect(await v.json('.clasp.json')).toEqual({ scriptId: MAIN.scriptId });
    const meta = (await v.json<any>('project.json'))!;
    expect(meta).toMatchObject({ name: 'jada-main', scriptId: MAIN.scriptId, title: 'JADA main', createTime: '2024-05-09T10:00:00.123Z', creator: { email: 'owner@example.com' } });
    expect(meta.updateTime).toBeUndefined();
    expect(JSON.stringify(meta)).not.toContain('photoUrl');
    expect(meta.files.map((f: any) => [f.name, f.type, f.path])).toEqual([
      ['appsscript', 'JSON', 'appsscript.json'],
      ['Code', 'SERVER_JS', 'Code.gs'],
      ['lib/orders', 'SERVER_JS', 'lib/orders.gs'],
      ['index', 'HTML', 'index.html'],
    ]);
    expect(meta.files[1]).toMatchObject({ sha256: expect.stringMatching(/^[0-9a-f]{64}$/), functionSet: { values: [{ name: 'doGet' }, { name: 'price' }] } });
    expect(meta.files[1].updateTime).toBeUndefined();
    const eyd = (await (await readVersion(archive, 'latest', 'gas_projects/eyd')).json<any>('project.json'))!;
    expect(eyd.parentId).toBe(EYD.parentId);
  });

  it('writes the golden normalized output (refresh with UPDATE_GOLDEN=1)', async () => {
    expectGolden(await treeFiles(archive, 'latest', 'gas_projects'), GOLDEN);
  });

  it('renews an expired saved token through the token endpoint and never sends the stale one', async () => {
    standin.requests.length = 0;
    standin.grants.length = 0;
    await snapshot(archive, undefined, only);
    expect(standin.grants).toEqual([{ grantType: 'refresh_token', ok: true }]);
    const sent = new Set(standin.apiRequests().map((r) => r.token));
    expect(sent.has(ACCESS_TOKEN)).toBe(false);
    expect([...sent].every((t) => standin.issued.includes(t!))).toBe(true);
    expectNoneInArchive(archive.dir, standin.issued);
  });

  it('shows a change to a script as a line diff that stock git reads', async () => {
    const before = await snapshot(archive, undefined, only);
    standin.setFile(MAIN.scriptId, { name: 'Code', type: 'SERVER_JS', source: MAIN.files[1]!.source.replace('return 225;', 'return 250;') });
    const after = await snapshot(archive, undefined, only);
    const diff = git(archive.dir, 'diff', before.version, after.version, '--', 'gas_projects/jada-main/Code.gs');
    expect(diff).toContain('-  return 225;');
    expect(diff).toContain('+  return 250;');
    const changed = git(archive.dir, 'diff', '--name-only', before.version, after.version, '--', 'gas_projects').trim().split('\n');
    expect(changed).toEqual(['gas_projects/jada-main/Code.gs', 'gas_projects/jada-main/project.json']);
    standin.setFile(MAIN.scriptId, MAIN.files[1]!);
  });

  it('records a refused project and a project not found as coverage findings', async () => {
    const missingId = '1NoSuchProjectAnywhere0000000000000000000000';
    const deniedId = '1SomeoneElsesProject00000000000000000000000';
    standin.addProject({ scriptId: deniedId, title: 'not ours', files: [] });
    standin.denied.add(deniedId);
    const login = writeLogin(clasp3Login(Date.now() - 1000));
    const other = await makeArchive({ collectors: gasSection(standin, { type: 'clasp', path: login }, [...PROJECTS, { name: 'gone', scriptId: missingId }, { name: 'theirs', scriptId: deniedId }]) });
    const result = await snapshot(other, 'v1.0', only);
    expect(result.partial).toBe(false);
    expect(result.manifest.coverage.map((f) => [f.resource, f.reason])).toEqual([
      ['gas_projects/gone', 'NOT_FOUND'],
      ['gas_projects/theirs', 'PERMISSION_DENIED'],
    ]);
    const files = await treeFiles(other, 'v1.0', 'gas_projects');
    expect([...files.keys()].filter((p) => p.startsWith('gone/') || p.startsWith('theirs/'))).toEqual([]);
    expect(files.get('jada-main/Code.gs')).toBe(MAIN.files[1]!.source);
  });

  it('retries a transient 503; an unexpected error on one project is partial and its folder is carried over', async () => {
    const good = await snapshot(archive, undefined, only);
    let transient = 1;
    standin.faults.push((r) => (r.path.endsWith(EYD.scriptId) && transient-- > 0 ? { status: 503, statusName: 'UNAVAILABLE', message: 'The service is currently unavailable.' } : null));
    standin.faults.push((r) => (r.path.includes(MAIN.scriptId) ? { status: 400, statusName: 'FAILED_PRECONDITION', message: 'Precondition check failed.' } : null));
    standin.setFile(MAIN.scriptId, { name: 'Code', type: 'SERVER_JS', source: 'function broken() {}\n' });
    const result = await snapshot(archive, undefined, only);
    standin.faults = [];
    standin.setFile(MAIN.scriptId, MAIN.files[1]!);
    expect(result.partial).toBe(true);
    const report = result.manifest.collectors.find((c) => c.id === 'gas')!;
    expect(report.status).toBe('partial');
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0]!.resource).toBe('gas_projects/jada-main');
    expect(report.errors[0]!.message).toMatch(/HTTP 400 FAILED_PRECONDITION/);
    expect((await archive.repo.entryAt(result.treeOid, 'gas_projects/jada-main'))!.oid).toBe((await archive.repo.entryAt(good.treeOid, 'gas_projects/jada-main'))!.oid);
    expect((await archive.repo.entryAt(result.treeOid, 'gas_projects/eyd'))!.oid).toBe((await archive.repo.entryAt(good.treeOid, 'gas_projects/eyd'))!.oid);
  });

  it('keeps a token out of error messages even when the service quotes it back', async () => {
    standin.echoTokensInErrors = true;
    standin.faults.push((r) => (r.path.includes(MAIN.scriptId) ? { status: 400, statusName: 'INVALID_ARGUMENT', message: 'Bad request' } : null));
    const result = await snapshot(archive, undefined, only);
    standin.faults = [];
    standin.echoTokensInErrors = false;
    const message = result.manifest.collectors.find((c) => c.id === 'gas')!.errors[0]!.message;
    expect(message).toContain('[redacted]');
    for (const token of standin.issued) expect(message).not.toContain(token);
    expectNoneInArchive(archive.dir, standin.issued);
  });

  it('a revoked login stops the whole snapshot: nothing is written, and the message names the fix', async () => {
    // Credentials that do not work are not one project's failure: every project would meet them,
    // and a version written anyway would carry the previous folder over as if nothing happened.
    const tools = tempDir('snap-tools-');
    writeFileSync(join(tools, 'deploy.sh'), 'echo deploy\n');
    const login = writeLogin(clasp3Login(Date.now() - 1000));
    await writeConfig(archive, { collectors: { ...gasSection(standin, { type: 'clasp', path: login }), local: { paths: [{ name: 'tools', path: tools }] } } });
    const both = { collectors: [gasCollector, localCollector] };
    await snapshot(archive, undefined, both);
    const versions = (await listVersions(archive.repo)).map((v) => v.name);
    const head = git(archive.dir, 'rev-parse', 'main');
    standin.revokeRefreshToken(REFRESH_TOKEN);
    const err = await snapshot(archive, undefined, both).then(() => null, (e: unknown) => e as SnapError);
    standin.registerClient({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, refreshToken: REFRESH_TOKEN });
    expect(err).toMatchObject({ code: 'AUTH_FAILED' });
    expect(err!.message).toMatch(/HTTP 400 invalid_grant.*sign in again \(clasp login\)/);
    expect((await listVersions(archive.repo)).map((v) => v.name)).toEqual(versions);
    expect(git(archive.dir, 'rev-parse', 'main')).toBe(head);
    expectNoneInArchive(archive.dir, [ACCESS_TOKEN, REFRESH_TOKEN, CLIENT_SECRET]);
  });
});

describe('Apps Script sign-in (against the stand-in token endpoint)', () => {
  let standin: AppsScriptStandin;

  beforeAll(async () => {
    standin = await startAppsScriptStandin();
  });

  it('reads the older clasp login format, and renews a saved token the API refuses with 401 before its recorded expiry', async () => {
    seed(standin);
    const login = writeLogin(clasp1Login(Date.now() + 3600_000)); // "valid" for an hour, but unknown to the service
    const archive = await makeArchive({ collectors: gasSection(standin, { type: 'clasp', path: login }) });
    const result = await snapshot(archive, 'v1.0', only);
    expect(result.partial).toBe(false);
    const tokensSent = standin.apiRequests().map((r) => r.token);
    expect(tokensSent.filter((t) => t === ACCESS_TOKEN).length).toBeGreaterThanOrEqual(1); // tried first
    expect(standin.grants).toEqual([{ grantType: 'refresh_token', ok: true }]); // renewed once for all requests
    expect(await (await readVersion(archive, 'v1.0', 'gas_projects/jada-main')).text('Code.gs')).toBe(MAIN.files[1]!.source);
    expectNoneInArchive(archive.dir, [ACCESS_TOKEN, REFRESH_TOKEN, CLIENT_SECRET, ...standin.issued]);
  });

  it('uses a saved token that is still good without asking for a new one', async () => {
    seed(standin);
    standin.acceptToken(ACCESS_TOKEN, 3600);
    const login = writeLogin(clasp3Login(Date.now() + 3600_000));
    const archive = await makeArchive({ collectors: gasSection(standin, { type: 'clasp', path: login }) });
    await snapshot(archive, 'v1.0', only);
    expect(standin.grants).toEqual([]);
    expect(new Set(standin.apiRequests().map((r) => r.token))).toEqual(new Set([ACCESS_TOKEN]));
    expectNoneInArchive(archive.dir, [ACCESS_TOKEN]);
  });

  it('signs in as a service account with an RS256 JWT acting as a Workspace user, and never stores the key', async () => {
    seed(standin);
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const clientEmail = 'snap-reader@jada-prod.iam.gserviceaccount.com';
    standin.registerServiceAccount({ clientEmail, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), subject: 'owner@example.com' });
    const keyFile = join(tempDir('snap-sa-'), 'key.json');
    writeFileSync(keyFile, JSON.stringify({ type: 'service_account', project_id: 'jada-prod', private_key_id: 'abc123def456', private_key: privatePem, client_email: clientEmail, client_id: '1234567890', token_uri: 'https://oauth2.googleapis.com/token' }));
    const archive = await makeArchive({ collectors: gasSection(standin, { type: 'serviceAccount', keyFile, subject: 'owner@example.com' }) });
    const result = await snapshot(archive, 'v1.0', only);
    expect(result.partial).toBe(false);
    expect(standin.grants).toEqual([{ grantType: 'urn:ietf:params:oauth:grant-type:jwt-bearer', ok: true }]);
    expect(await (await readVersion(archive, 'v1.0', 'gas_projects/eyd')).text('Inventory.gs')).toBe('function onOpen() {}\n');
    const keyLine = privatePem.split('\n')[5]!;
    expectNoneInArchive(archive.dir, [keyLine, ...standin.issued]);
  });

  it('fails with a clear, secret-free message when there is no saved login', async () => {
    seed(standin);
    const archive = await makeArchive({ collectors: gasSection(standin, { type: 'clasp', path: join(tempDir(), 'nope', '.clasprc.json') }) });
    await expect(snapshot(archive, 'v1.0', only)).rejects.toThrow(/cannot read the clasp login file \(ENOENT\)/);
    const login = writeLogin({ tokens: { someone: { access_token: ACCESS_TOKEN } } });
    const other = await makeArchive({ collectors: gasSection(standin, { type: 'clasp', path: login }) });
    const err = await snapshot(other, 'v1.0', only).then(() => null, (e: Error) => e);
    expect(err?.message).toMatch(/no saved clasp login for user "default"/);
    expect(err?.message).not.toContain(ACCESS_TOKEN);
  });
});
