// Pure parts of the Apps Script collector: reading clasp's login formats, file layout, the
// declared metadata rules, redaction, token renewal and the API client's retries (with a
// fake fetch), and service-account JWT signing.
import { createVerify, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AppsScriptApi } from '../../src/collectors/gas/api.js';
import { gasConfigSchema } from '../../src/collectors/gas/config.js';
import { parseClaspLogin, parseServiceAccountKey, registerSecrets } from '../../src/collectors/gas/credentials.js';
import { GasCredentialsError, GoogleApiError, GoogleAuthError } from '../../src/collectors/gas/errors.js';
import { projectFiles, projectRecord, sourcePath } from '../../src/collectors/gas/layout.js';
import { accessTokenSource, signServiceAccountJwt } from '../../src/collectors/gas/oauth.js';
import { Redactor } from '../../src/util/redact.js';
import { PROJECT_RULES } from '../../src/collectors/gas/rules.js';
import { normalize } from '../../src/normalize/rules.js';
import { stableJson } from '../../src/normalize/stable-json.js';

const ACCESS = 'ya29.unit-access-token-0001';
const REFRESH = '1//unit-refresh-token-0002';
const SECRET = 'GOCSPX-unit-client-secret-0003';
const signal = new AbortController().signal;

describe('clasp login files', () => {
  it('reads clasp 3 logins by user name', () => {
    const raw = { tokens: { default: { client_id: 'cid', client_secret: SECRET, access_token: ACCESS, refresh_token: REFRESH, expiry_date: 1700000000000, type: 'authorized_user' }, work: { client_id: 'cid2', client_secret: SECRET, refresh_token: REFRESH } } };
    expect(parseClaspLogin(raw, 'default', 'f')).toMatchObject({ format: 'clasp3', accessToken: ACCESS, refreshToken: REFRESH, expiresAt: 1700000000000, clientId: 'cid', clientSecret: SECRET });
    expect(parseClaspLogin(raw, 'work', 'f')).toMatchObject({ format: 'clasp3', clientId: 'cid2', accessToken: undefined, expiresAt: undefined });
  });

  it('reads the clasp 1-2 formats as the default user', () => {
    const local = { token: { access_token: ACCESS, refresh_token: REFRESH, expiry_date: '1700000000000' }, oauth2ClientSettings: { clientId: 'cid', clientSecret: SECRET, redirectUri: 'http://localhost' } };
    expect(parseClaspLogin(local, 'default', 'f')).toMatchObject({ format: 'clasp1-local', accessToken: ACCESS, expiresAt: 1700000000000, clientSecret: SECRET });
    const global = { access_token: ACCESS, refresh_token: REFRESH, exprity_date: 1700000000000 };
    const old = parseClaspLogin(global, 'default', 'f');
    expect(old).toMatchObject({ format: 'clasp1-global', accessToken: ACCESS, expiresAt: 1700000000000 });
    expect(old.clientId).toBeUndefined(); // clasp 1 used its built-in client: no renewal here
  });

  it('says which login is missing, without quoting the file', () => {
    const err = (() => {
      try {
        parseClaspLogin({ tokens: { default: 'x' }, token: { access_token: ACCESS } }, 'ops', '~/.clasprc.json');
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(GasCredentialsError);
    expect(err!.message).toBe('~/.clasprc.json: no saved clasp login for user "ops" (run `clasp login --user ops`)');
  });

  it('reads a service-account key and registers every line of its private key as secret', () => {
    const key = parseServiceAccountKey({ type: 'service_account', client_email: 'a@b.iam.gserviceaccount.com', private_key: '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n', token_uri: 'https://oauth2.googleapis.com/token' }, 'k.json');
    const r = new Redactor();
    registerSecrets(key, r);
    expect(r.redact('oops MIIEvQIBADANBgkqhkiG9w0BAQEFAASC here')).toBe('oops [redacted] here');
    expect(() => parseServiceAccountKey({ type: 'authorized_user' }, 'k.json')).toThrow(GasCredentialsError);
  });
});

describe('collectors.gas config', () => {
  it('defaults to the saved clasp login and Google\'s addresses', () => {
    expect(gasConfigSchema.parse({})).toMatchObject({ enabled: false, projects: [], credentials: { type: 'clasp', path: '~/.clasprc.json', user: 'default' }, apiUrl: 'https://script.googleapis.com', scriptExtension: 'gs' });
  });

  it('refuses plain http anywhere but this machine, and unsafe project names', () => {
    expect(gasConfigSchema.safeParse({ apiUrl: 'http://script.example.com' }).success).toBe(false);
    expect(gasConfigSchema.safeParse({ tokenUrl: 'http://10.0.0.5/token' }).success).toBe(false);
    expect(gasConfigSchema.safeParse({ apiUrl: 'http://127.0.0.1:9999', tokenUrl: 'http://localhost:9999/token' }).success).toBe(true);
    expect(gasConfigSchema.safeParse({ projects: [{ name: '../x', scriptId: '1234567890abc' }] }).success).toBe(false);
    expect(gasConfigSchema.safeParse({ credentials: { type: 'serviceAccount', keyFile: 'k.json', subject: 'ops@example.com' } }).success).toBe(true);
  });
});

describe('project layout', () => {
  it('names files as clasp pull does', () => {
    expect(sourcePath({ name: 'Code', type: 'SERVER_JS' }, 'gs')).toBe('Code.gs');
    expect(sourcePath({ name: 'Code', type: 'SERVER_JS' }, 'js')).toBe('Code.js');
    expect(sourcePath({ name: 'sidebar', type: 'HTML' }, 'gs')).toBe('sidebar.html');
    expect(sourcePath({ name: 'appsscript', type: 'JSON' }, 'gs')).toBe('appsscript.json');
    expect(sourcePath({ name: 'lib/util', type: 'SERVER_JS' }, 'gs')).toBe('lib/util.gs');
  });

  it('keeps foreign names inside the project folder', () => {
    expect(sourcePath({ name: '../../escape', type: 'SERVER_JS' }, 'gs')).toBe('%2E%2E/%2E%2E/escape.gs');
    expect(sourcePath({ name: '.git/config', type: 'HTML' }, 'gs')).toBe('%2Egit/config.html');
  });

  it('refuses two files that would land on one path, or on the metadata files', () => {
    expect(() => projectFiles({ files: [{ name: 'project', type: 'JSON', source: '{}' }] }, 'gs')).toThrow(/project\.json/);
    expect(() => projectFiles({ files: [{ name: 'a', type: 'SERVER_JS' }, { name: 'a', type: 'SERVER_JS' }] }, 'gs')).toThrow(/a\.gs/);
  });

  it('metadata keeps who and what, drops times that move without a code change', () => {
    const files = projectFiles({ files: [{ name: 'Code', type: 'SERVER_JS', source: 'x', createTime: 't1', updateTime: 't2', lastModifyUser: { email: 'e@x.com', photoUrl: 'https://p/1' } }] }, 'gs');
    const text = stableJson(normalize(projectRecord('main', 'sid', { title: 'T', createTime: 'c', updateTime: 'u', creator: { email: 'o@x.com', photoUrl: 'https://p/2' } }, files), PROJECT_RULES));
    for (const kept of ['"title": "T"', '"createTime": "c"', '"o@x.com"', '"e@x.com"', '"path": "Code.gs"', '"sha256"']) expect(text).toContain(kept);
    for (const gone of ['updateTime', 'photoUrl', '"t1"', '"source"']) expect(text).not.toContain(gone);
  });
});

describe('redaction', () => {
  it('removes registered secrets, their URL-encoded form and any bearer token', () => {
    const r = new Redactor();
    r.add(SECRET);
    r.add('a/b+c=secret-value');
    r.add('short');
    expect(r.redact(`x ${SECRET} y ${encodeURIComponent('a/b+c=secret-value')} z short`)).toBe('x [redacted] y [redacted] z short');
    expect(r.redact('Authorization: Bearer abcdefghijklmnop')).toBe('Authorization: Bearer [redacted]');
    expect(r.redact('token ya29.never-registered-token')).toBe('token [redacted]');
    expect(r.brief(`${'a'.repeat(400)}\n${SECRET}`, 50)).toHaveLength(50);
  });
});

/** A fake fetch answering from a list of handlers, recording what it was asked. */
function fakeFetch(handler: (url: string, init: RequestInit) => { status: number; body: unknown; headers?: Record<string, string> }) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fn = (async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    const r = handler(String(url), init ?? {});
    return new Response(JSON.stringify(r.body), { status: r.status, headers: { 'content-type': 'application/json', ...r.headers } });
  }) as typeof fetch;
  return { fn, calls };
}

const login = (over: Record<string, unknown> = {}) => ({ kind: 'user' as const, file: 'f', format: 'clasp3' as const, accessToken: ACCESS, refreshToken: REFRESH, clientId: 'cid', clientSecret: SECRET, ...over });

describe('access tokens', () => {
  it('renews an expired token once for any number of concurrent requests', async () => {
    let n = 0;
    const f = fakeFetch(() => ({ status: 200, body: { access_token: `ya29.new-${++n}-xxxxxxxx`, expires_in: 3599 } }));
    const tokens = accessTokenSource(login({ expiresAt: 1000 }), { tokenUrl: 'http://127.0.0.1/token', redactor: new Redactor(), fetch: f.fn, now: () => 10_000_000 });
    const got = await Promise.all([tokens.token(signal), tokens.token(signal), tokens.token(signal)]);
    expect(new Set(got)).toEqual(new Set(['ya29.new-1-xxxxxxxx']));
    expect(f.calls).toHaveLength(1);
    const form = new URLSearchParams(String(f.calls[0]!.init.body));
    expect(Object.fromEntries(form)).toEqual({ grant_type: 'refresh_token', refresh_token: REFRESH, client_id: 'cid', client_secret: SECRET });
    expect(await tokens.token(signal)).toBe('ya29.new-1-xxxxxxxx'); // cached until it nears expiry
  });

  it('uses a saved token that is still valid, and renews one the API refused', async () => {
    const f = fakeFetch(() => ({ status: 200, body: { access_token: 'ya29.renewed-xxxxxxxx', expires_in: 3599 } }));
    const tokens = accessTokenSource(login({ expiresAt: 10_000_000 + 3600_000 }), { tokenUrl: 'http://127.0.0.1/token', redactor: new Redactor(), fetch: f.fn, now: () => 10_000_000 });
    expect(await tokens.token(signal)).toBe(ACCESS);
    expect(f.calls).toHaveLength(0);
    expect(await tokens.token(signal, ACCESS)).toBe('ya29.renewed-xxxxxxxx');
  });

  it('cannot renew a login without refresh token or client, and says so', async () => {
    const tokens = accessTokenSource(login({ expiresAt: 1, clientSecret: undefined, format: 'clasp1-global' }), { tokenUrl: 'http://127.0.0.1/token', redactor: new Redactor(), now: () => 10_000_000 });
    await expect(tokens.token(signal)).rejects.toThrow(/built-in client.*clasp login/);
  });

  it('reports a refusal by status and OAuth code, with any secret it quotes redacted', async () => {
    const r = new Redactor();
    registerSecrets(login(), r);
    const f = fakeFetch(() => ({ status: 400, body: { error: 'invalid_grant', error_description: `Token ${REFRESH} has been expired or revoked.` } }));
    const tokens = accessTokenSource(login({ expiresAt: 1 }), { tokenUrl: 'http://127.0.0.1/token?x=1', redactor: r, fetch: f.fn, now: () => 10_000_000 });
    const err = await tokens.token(signal).then(() => null, (e: unknown) => e as GoogleAuthError);
    expect(err).toBeInstanceOf(GoogleAuthError);
    expect(err!.oauthError).toBe('invalid_grant');
    expect(err!.message).toBe('the token endpoint http://127.0.0.1/token refused: HTTP 400 invalid_grant: Token [redacted] has been expired or revoked.; sign in again (clasp login) or check collectors.gas.credentials');
  });

  it('signs a service-account JWT that verifies with the public key', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const key = { kind: 'serviceAccount' as const, file: 'k', clientEmail: 'sa@p.iam.gserviceaccount.com', privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), privateKeyId: 'kid1' };
    const jwt = signServiceAccountJwt(key, { audience: 'https://oauth2.googleapis.com/token', scope: 'https://www.googleapis.com/auth/script.projects.readonly', subject: 'u@example.com', nowSeconds: 1_700_000_000 });
    const [h, p, s] = jwt.split('.') as [string, string, string];
    expect(JSON.parse(Buffer.from(h, 'base64url').toString())).toEqual({ alg: 'RS256', typ: 'JWT', kid: 'kid1' });
    expect(JSON.parse(Buffer.from(p, 'base64url').toString())).toEqual({ iss: key.clientEmail, scope: 'https://www.googleapis.com/auth/script.projects.readonly', aud: 'https://oauth2.googleapis.com/token', iat: 1_700_000_000, exp: 1_700_003_600, sub: 'u@example.com' });
    expect(createVerify('RSA-SHA256').update(`${h}.${p}`).verify(publicKey, Buffer.from(s, 'base64url'))).toBe(true);
    expect(() => signServiceAccountJwt({ ...key, privateKey: 'not a key' }, { audience: 'a', scope: 's', nowSeconds: 1 })).toThrow(GasCredentialsError);
  });
});

describe('the Apps Script API client', () => {
  const staticTokens = (list: string[]) => {
    const seen: (string | undefined)[] = [];
    return { seen, source: { token: async (_s: AbortSignal, refused?: string) => (seen.push(refused), list[Math.min(seen.length - 1, list.length - 1)]!) } };
  };

  it('renews the token once on 401 and then believes it', async () => {
    const t = staticTokens(['ya29.first-xxxxxxxx', 'ya29.second-xxxxxxx']);
    const f = fakeFetch(() => ({ status: 401, body: { error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } } }));
    const api = new AppsScriptApi({ apiUrl: 'http://127.0.0.1:1/', tokens: t.source, redactor: new Redactor(), fetch: f.fn, retryDelayMs: 1 });
    const err = await api.getProject('sid123', signal).then(() => null, (e: unknown) => e as GoogleApiError);
    expect(err).toMatchObject({ status: 401, reason: 'UNAUTHENTICATED' });
    expect(t.seen).toEqual([undefined, 'ya29.first-xxxxxxxx']);
    expect(f.calls.map((c) => c.url)).toEqual(['http://127.0.0.1:1/v1/projects/sid123', 'http://127.0.0.1:1/v1/projects/sid123']);
    expect((f.calls[1]!.init.headers as Record<string, string>).authorization).toBe('Bearer ya29.second-xxxxxxx');
  });

  it('retries 429 and 5xx a bounded number of times, then reports Google\'s status', async () => {
    let n = 0;
    const f = fakeFetch(() => (++n < 3 ? { status: 503, body: { error: { code: 503, message: 'unavailable', status: 'UNAVAILABLE' } } } : { status: 200, body: { scriptId: 'sid', files: [] } }));
    const api = new AppsScriptApi({ apiUrl: 'http://127.0.0.1:1', tokens: staticTokens(['ya29.t-xxxxxxxxxx']).source, redactor: new Redactor(), fetch: f.fn, retryDelayMs: 1 });
    expect(await api.getContent('sid', signal)).toEqual({ scriptId: 'sid', files: [] });
    const always = fakeFetch(() => ({ status: 429, body: { error: { code: 429, message: 'Quota exceeded', status: 'RESOURCE_EXHAUSTED' } } }));
    const limited = new AppsScriptApi({ apiUrl: 'http://127.0.0.1:1', tokens: staticTokens(['ya29.t-xxxxxxxxxx']).source, redactor: new Redactor(), fetch: always.fn, retryDelayMs: 1, maxAttempts: 3 });
    await expect(limited.getContent('sid', signal)).rejects.toMatchObject({ status: 429, reason: 'RESOURCE_EXHAUSTED', message: 'Apps Script API projects.getContent sid: HTTP 429 RESOURCE_EXHAUSTED: Quota exceeded' });
    expect(always.calls).toHaveLength(3);
  });
});
