// Restoring Apps Script projects against the loopback stand-in of the Apps Script API
// (test/helpers/apps-script-standin.ts; there is no emulator for it): snapshot, edit and delete
// files live, plan, restore with projects.updateContent, and check that `snap status` shows no
// drift. Also: files the version does not have are kept unless --prune; file order is restored;
// a service account asks for the write scope (the stand-in refuses updates to read-only tokens).
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Archive } from '../../src/archive/archive.js';
import { AppsScriptApi } from '../../src/collectors/gas/api.js';
import { loadCredentials } from '../../src/collectors/gas/credentials.js';
import { accessTokenSource } from '../../src/collectors/gas/oauth.js';
import { Redactor } from '../../src/util/redact.js';
import { startAppsScriptStandin, type AppsScriptStandin, type StandinProject } from '../helpers/apps-script-standin.js';
import { makeArchive, snapshot, tempDir } from '../helpers/archive.js';
import { describeDrift, drift, plan, restore } from '../helpers/restore.js';

const CLIENT_ID = '1072944905499-restore.apps.googleusercontent.com';
const CLIENT_SECRET = 'GOCSPX-planted-restore-secret-Qq1';
const REFRESH_TOKEN = '1//0gPlanted-restore-refresh-Z9x8';

const MAIN: StandinProject = {
  scriptId: '1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-restore_main',
  title: 'JADA main',
  files: [
    { name: 'appsscript', type: 'JSON', source: '{\n  "timeZone": "America/Los_Angeles",\n  "runtimeVersion": "V8"\n}' },
    { name: 'Code', type: 'SERVER_JS', source: 'function doGet(e) {\n  return HtmlService.createHtmlOutputFromFile("index");\n}\n\nfunction price() {\n  return 225;\n}\n' },
    { name: 'lib/orders', type: 'SERVER_JS', source: 'function placeOrder(order) {\n  return order.id;\n}\n' },
    { name: 'index', type: 'HTML', source: '<!DOCTYPE html>\n<html><body><h1>JADA</h1></body></html>\n' },
  ],
};
const STAGING: StandinProject = { scriptId: '1StagingCopyOfJadaMain000000000000000000-staging', title: 'JADA staging', files: [{ name: 'appsscript', type: 'JSON', source: '{}' }] };

describe('Apps Script restore (against a stand-in: the Apps Script API is not in moto)', () => {
  let standin: AppsScriptStandin;
  let archive: Archive;
  const servicePlan = (p: Awaited<ReturnType<typeof plan>>) => p.services.find((s) => s.collector.id === 'gas')!;
  const changesOf = (p: Awaited<ReturnType<typeof plan>>) => servicePlan(p).changes.map((c) => `${c.action} ${c.resource}: ${c.detail}`);
  const files = (scriptId = MAIN.scriptId) => standin.projects.get(scriptId)!.files.map((f) => `${f.type}:${f.name}`);

  beforeAll(async () => {
    standin = await startAppsScriptStandin();
    standin.addProject(MAIN);
    standin.addProject(STAGING);
    standin.registerClient({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, refreshToken: REFRESH_TOKEN });
    const login = join(tempDir('snap-clasp-'), '.clasprc.json');
    writeFileSync(login, JSON.stringify({ tokens: { default: { client_id: CLIENT_ID, client_secret: CLIENT_SECRET, type: 'authorized_user', refresh_token: REFRESH_TOKEN, access_token: 'ya29.expired-restore-token', expiry_date: Date.now() - 3600_000 } } }));
    const projects = [{ name: 'jada-main', scriptId: MAIN.scriptId }, { name: 'jada-staging', scriptId: STAGING.scriptId }];
    archive = await makeArchive({ collectors: { gas: { projects, credentials: { type: 'clasp', path: login }, apiUrl: standin.apiUrl, tokenUrl: standin.tokenUrl } } });
    await snapshot(archive, 'v1.0');
  });

  it('plans an edited and a deleted file (planning changes nothing) and restores them with updateContent: no drift after', async () => {
    standin.setFile(MAIN.scriptId, { name: 'Code', type: 'SERVER_JS', source: MAIN.files[1]!.source.replace('return 225;', 'return 1;') });
    const project = standin.projects.get(MAIN.scriptId)!;
    project.files = project.files.filter((f) => f.name !== 'index');
    const damaged = structuredClone(project.files);

    const p = await plan(archive, { version: 'v1.0', selectors: ['gas_projects/jada-main'] });
    expect(changesOf(p)).toEqual(['update gas jada-main: 2 files differ: ~Code.gs +index.html']);
    expect(servicePlan(p).notes).toEqual([]);
    p.close();
    expect(standin.projects.get(MAIN.scriptId)!.files).toEqual(damaged);
    expect(standin.updates).toBe(0);

    await restore(archive, { version: 'v1.0', selectors: ['gas_projects/jada-main'] });
    expect(standin.projects.get(MAIN.scriptId)!.files).toEqual(MAIN.files);
    expect(standin.requests.filter((r) => r.method === 'PUT').map((r) => r.path)).toEqual([`/v1/projects/${MAIN.scriptId}/content`]);
    expect(describeDrift(await drift(archive, ['gas_projects']))).toEqual([]);
  });

  it('plans nothing when run again', async () => {
    const p = await plan(archive, { version: 'v1.0' });
    expect(changesOf(p)).toEqual([]);
    p.close();
  });

  it('keeps a file the version does not have unless --prune, and restores the file order', async () => {
    const project = standin.projects.get(MAIN.scriptId)!;
    project.files = [project.files[0]!, project.files[2]!, project.files[1]!, project.files[3]!, { name: 'debug', type: 'SERVER_JS', source: 'function dump() {}\n' }];
    const p = await restore(archive, { version: 'v1.0', selectors: ['gas_projects/jada-main'] });
    expect(changesOf(p)).toEqual(['update gas jada-main: file order differs']);
    expect(servicePlan(p).notes).toEqual([{ resource: 'gas jada-main', message: 'live has debug, which the version does not: kept (--prune removes them)' }]);
    expect(files()).toEqual(['JSON:appsscript', 'SERVER_JS:Code', 'SERVER_JS:lib/orders', 'HTML:index', 'SERVER_JS:debug']);

    const q = await restore(archive, { version: 'v1.0', selectors: ['gas_projects/jada-main'], prune: true });
    expect(changesOf(q)).toEqual(['update gas jada-main: 1 file differs: -debug.gs']);
    expect(files()).toEqual(['JSON:appsscript', 'SERVER_JS:Code', 'SERVER_JS:lib/orders', 'HTML:index']);
    expect(describeDrift(await drift(archive, ['gas_projects']))).toEqual([]);
  });

  it('restores a project into another configured project with --rename', async () => {
    const p = await restore(archive, { version: 'v1.0', selectors: ['gas_projects/jada-main'], rename: new Map([['jada-main', 'jada-staging']]) });
    expect(changesOf(p)).toEqual(['update gas jada-staging (from jada-main): 4 files differ: ~appsscript.json +Code.gs +lib/orders.gs +index.html']);
    expect(servicePlan(p).undone.map((n) => n.message)).toEqual(['the project\'s title is "JADA staging", the version\'s "JADA main": titles are Drive settings, not restored by snap']);
    expect(standin.projects.get(STAGING.scriptId)!.files).toEqual(MAIN.files);
  });

  it('notes a project that cannot be read instead of failing the plan', async () => {
    standin.denied.add(MAIN.scriptId);
    try {
      const p = await plan(archive, { version: 'v1.0', selectors: ['gas_projects/jada-main'] });
      expect(servicePlan(p).error).toBeUndefined();
      expect(changesOf(p)).toEqual([]);
      expect(servicePlan(p).undone.map((n) => n.message)).toEqual([expect.stringMatching(/^project 1AbCd.* cannot be read \(HTTP 403 PERMISSION_DENIED\): Apps Script projects cannot be made under a given id/)]);
      p.close();
    } finally {
      standin.denied.delete(MAIN.scriptId);
    }
  });

  it('asks for the write scope with a service account (a read-only token is refused by updateContent)', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const clientEmail = 'snap-restore@jada-prod.iam.gserviceaccount.com';
    standin.registerServiceAccount({ clientEmail, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), subject: 'owner@example.com' });
    const keyFile = join(tempDir('snap-sa-'), 'key.json');
    writeFileSync(keyFile, JSON.stringify({ type: 'service_account', private_key_id: 'abc123', private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), client_email: clientEmail, token_uri: standin.tokenUrl }));
    const sa = await makeArchive({ collectors: { gas: { projects: [{ name: 'jada-main', scriptId: MAIN.scriptId }], credentials: { type: 'serviceAccount', keyFile, subject: 'owner@example.com' }, apiUrl: standin.apiUrl, tokenUrl: standin.tokenUrl } } });
    await snapshot(sa, 'v1.0');
    standin.setFile(MAIN.scriptId, { name: 'Code', type: 'SERVER_JS', source: '// emptied\n' });
    await restore(sa, { version: 'v1.0' });
    expect(standin.projects.get(MAIN.scriptId)!.files).toEqual(MAIN.files);
    expect(describeDrift(await drift(sa, ['gas_projects']))).toEqual([]);

    // The collector's own token (read-only scope) could not have done it.
    const redactor = new Redactor();
    const creds = await loadCredentials({ type: 'serviceAccount', keyFile, subject: 'owner@example.com' }, sa.dir, redactor);
    const readOnly = new AppsScriptApi({ apiUrl: standin.apiUrl, tokens: accessTokenSource(creds, { tokenUrl: standin.tokenUrl, redactor, subject: 'owner@example.com' }), redactor });
    await expect(readOnly.updateContent(MAIN.scriptId, MAIN.files, new AbortController().signal)).rejects.toMatchObject({ status: 403, reason: 'PERMISSION_DENIED' });
  });
});
