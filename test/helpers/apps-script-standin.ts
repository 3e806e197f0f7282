// A loopback stand-in for the Google Apps Script API and Google's OAuth token endpoint, which
// no local emulator offers. It is the smallest faithful shape of their references:
//
//   GET  /v1/projects/{scriptId}           projects.get: Project { scriptId, title, parentId,
//                                          createTime, updateTime, creator, lastModifyUser }
//   GET  /v1/projects/{scriptId}/content   projects.getContent: Content { scriptId, files[] },
//                                          File { name, type, source, lastModifyUser,
//                                          createTime, updateTime, functionSet }
//   PUT  /v1/projects/{scriptId}/content   projects.updateContent: a Content body replaces every
//                                          file of the project (a file left out is deleted);
//                                          answers the new Content. 400 INVALID_ARGUMENT for a
//                                          body without files, a file without name, type or
//                                          source, an unknown type, two files of one name and
//                                          type, or no manifest (JSON file "appsscript"); 403
//                                          PERMISSION_DENIED for a token without the
//                                          script.projects scope (read-only tokens)
//   POST /token                            grant_type=refresh_token (client_id, client_secret,
//                                          refresh_token) or jwt-bearer (an RS256 assertion,
//                                          verified with the service account's public key)
//
// API errors are Google's JSON {"error": {"code", "message", "status"}}: 401 UNAUTHENTICATED
// (with WWW-Authenticate), 403 PERMISSION_DENIED, 404 NOT_FOUND; token endpoint errors are
// OAuth's {"error", "error_description"}: invalid_grant 400, invalid_client 401.
//
// Like the real service between two reads of an unchanged project, it moves what is volatile:
// the project's update time, every file's create/update time (as after a `clasp push` of the
// same code) and profile photo addresses.
import { createPublicKey, createVerify, randomBytes, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { afterAll } from 'vitest';

export interface StandinFile {
  name: string;
  type: 'SERVER_JS' | 'HTML' | 'JSON';
  source: string;
}

export interface StandinProject {
  scriptId: string;
  title: string;
  parentId?: string;
  files: StandinFile[];
}

export interface ApiRequest {
  method: string;
  path: string;
  /** the bearer token, when one was sent */
  token: string | null;
  answered: number;
  /** the request body (updateContent), when one was sent */
  body?: string;
}

export type ApiFault = { status: number; statusName: string; message: string } | null;

const READ_SCOPES = ['https://www.googleapis.com/auth/script.projects.readonly', 'https://www.googleapis.com/auth/script.projects'];
const WRITE_SCOPE = 'https://www.googleapis.com/auth/script.projects';
const FILE_TYPES = new Set(['SERVER_JS', 'HTML', 'JSON']);
const OWNER = { domain: 'example.com', email: 'owner@example.com', name: 'Script Owner' };
const EDITOR = { domain: 'example.com', email: 'editor@example.com', name: 'Script Editor' };
/** RFC 3339 times as Google writes them */
const CREATED = '2024-05-09T10:00:00.123Z';

function functionsOf(source: string): { name: string }[] {
  return [...source.matchAll(/function\s+([A-Za-z_$][\w$]*)\s*\(/g)].map((m) => ({ name: m[1]! }));
}

export class AppsScriptStandin {
  readonly requests: ApiRequest[] = [];
  readonly grants: { grantType: string; ok: boolean }[] = [];
  /** every access token the token endpoint issued */
  readonly issued: string[] = [];
  readonly projects = new Map<string, StandinProject>();
  readonly denied = new Set<string>();
  faults: ((req: ApiRequest) => ApiFault)[] = [];
  /** a hostile upstream: error messages quote the bearer token they were sent */
  echoTokensInErrors = false;
  private readonly tokens = new Map<string, number>();
  /** scopes of tokens minted for a service account (its assertion names them); others may write */
  private readonly tokenScopes = new Map<string, string[]>();
  /** how many projects.updateContent calls changed a project */
  updates = 0;
  private readonly clients = new Map<string, { secret: string; refreshTokens: Set<string> }>();
  private readonly serviceAccounts = new Map<string, { key: KeyObject; subject?: string }>();
  private reads = 0;

  constructor(readonly apiUrl: string) {}

  get tokenUrl(): string {
    return `${this.apiUrl}/token`;
  }

  reset(): void {
    this.requests.length = 0;
    this.grants.length = 0;
    this.issued.length = 0;
    this.projects.clear();
    this.denied.clear();
    this.faults = [];
    this.echoTokensInErrors = false;
    this.tokens.clear();
    this.tokenScopes.clear();
    this.updates = 0;
    this.clients.clear();
    this.serviceAccounts.clear();
  }

  addProject(project: StandinProject): void {
    this.projects.set(project.scriptId, structuredClone(project));
  }

  setFile(scriptId: string, file: StandinFile): void {
    const p = this.projects.get(scriptId)!;
    const i = p.files.findIndex((f) => f.name === file.name && f.type === file.type);
    if (i >= 0) p.files[i] = file;
    else p.files.push(file);
  }

  /** A token the API accepts until `expiresInS` from now (a saved login that is still good). */
  acceptToken(token: string, expiresInS = 3600): void {
    this.tokens.set(token, Date.now() + expiresInS * 1000);
  }

  registerClient(client: { clientId: string; clientSecret: string; refreshToken: string }): void {
    const c = this.clients.get(client.clientId) ?? { secret: client.clientSecret, refreshTokens: new Set<string>() };
    c.refreshTokens.add(client.refreshToken);
    this.clients.set(client.clientId, c);
  }

  revokeRefreshToken(refreshToken: string): void {
    for (const c of this.clients.values()) c.refreshTokens.delete(refreshToken);
  }

  registerServiceAccount(account: { clientEmail: string; publicKeyPem: string; subject?: string }): void {
    this.serviceAccounts.set(account.clientEmail, { key: createPublicKey(account.publicKeyPem), ...(account.subject ? { subject: account.subject } : {}) });
  }

  apiRequests(): ApiRequest[] {
    return this.requests.filter((r) => r.path.startsWith('/v1/'));
  }

  // --- the Apps Script API ------------------------------------------------------------------

  api(req: ApiRequest): { status: number; body: unknown; headers?: Record<string, string> } {
    this.requests.push(req);
    const error = (status: number, statusName: string, message: string, headers?: Record<string, string>) => ({
      status,
      body: { error: { code: status, message: this.echoTokensInErrors && req.token ? `${message} (token ${req.token})` : message, status: statusName } },
      ...(headers ? { headers } : {}),
    });
    const expiry = req.token ? this.tokens.get(req.token) : undefined;
    if (!req.token) return error(401, 'UNAUTHENTICATED', 'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.', { 'www-authenticate': 'Bearer realm="https://accounts.google.com/"' });
    if (expiry === undefined || expiry < Date.now()) {
      return error(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.', { 'www-authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"' });
    }
    for (const rule of this.faults) {
      const f = rule(req);
      if (f) return error(f.status, f.statusName, f.message);
    }
    const m = /^\/v1\/projects\/([^/]+)(\/content)?$/.exec(req.path);
    const update = req.method === 'PUT' && !!m?.[2];
    if ((req.method !== 'GET' && !update) || !m) return error(404, 'NOT_FOUND', 'Requested entity was not found.');
    const scriptId = decodeURIComponent(m[1]!);
    if (this.denied.has(scriptId)) return error(403, 'PERMISSION_DENIED', 'The caller does not have permission');
    const project = this.projects.get(scriptId);
    if (!project) return error(404, 'NOT_FOUND', 'Requested entity was not found.');
    if (update) {
      const scopes = this.tokenScopes.get(req.token);
      if (scopes && !scopes.includes(WRITE_SCOPE)) return error(403, 'PERMISSION_DENIED', 'Request had insufficient authentication scopes.');
      const problem = this.updateContent(project, req.body ?? '');
      if (problem) return error(400, 'INVALID_ARGUMENT', problem);
    }
    const n = ++this.reads;
    const moving = new Date(Date.parse('2026-05-01T00:00:00Z') + n * 1000).toISOString();
    const person = (p: typeof OWNER) => ({ ...p, photoUrl: `https://lh3.googleusercontent.com/a/photo-${n}=s64` });
    if (!m[2]) {
      return {
        status: 200,
        body: { scriptId, title: project.title, ...(project.parentId ? { parentId: project.parentId } : {}), createTime: CREATED, updateTime: moving, creator: person(OWNER), lastModifyUser: person(EDITOR) },
      };
    }
    return {
      status: 200,
      body: {
        scriptId,
        files: project.files.map((f) => ({
          name: f.name,
          type: f.type,
          source: f.source,
          lastModifyUser: person(EDITOR),
          createTime: moving,
          updateTime: moving,
          ...(f.type === 'SERVER_JS' ? { functionSet: { values: functionsOf(f.source) } } : {}),
        })),
      },
    };
  }

  /** projects.updateContent: replaces the files; a problem's message, or null. */
  private updateContent(project: StandinProject, body: string): string | null {
    let content: { files?: unknown };
    try {
      content = JSON.parse(body) as { files?: unknown };
    } catch {
      return 'Invalid JSON payload received.';
    }
    if (!Array.isArray(content.files) || content.files.length === 0) return 'Invalid argument: files is required.';
    const files: StandinFile[] = [];
    const seen = new Set<string>();
    for (const f of content.files as Record<string, unknown>[]) {
      if (typeof f?.name !== 'string' || !f.name || typeof f.source !== 'string' || typeof f.type !== 'string') return 'Invalid argument: each file needs a name, a type and a source.';
      if (!FILE_TYPES.has(f.type)) return `Invalid value at 'content.files.type': ${f.type}`;
      if (seen.has(`${f.type}:${f.name}`)) return `Invalid argument: file ${f.name} appears twice.`;
      seen.add(`${f.type}:${f.name}`);
      files.push({ name: f.name, type: f.type as StandinFile['type'], source: f.source });
    }
    if (!files.some((f) => f.type === 'JSON' && f.name === 'appsscript')) return 'Invalid argument: the project needs a manifest file (appsscript.json).';
    project.files = files;
    this.updates++;
    return null;
  }

  // --- the OAuth token endpoint -----------------------------------------------------------

  token(form: URLSearchParams): { status: number; body: unknown } {
    const grantType = form.get('grant_type') ?? '';
    const fail = (status: number, error: string, description: string) => {
      this.grants.push({ grantType, ok: false });
      return { status, body: { error, error_description: description } };
    };
    if (grantType === 'refresh_token') {
      const client = this.clients.get(form.get('client_id') ?? '');
      if (!client || client.secret !== form.get('client_secret')) return fail(401, 'invalid_client', 'The OAuth client was not found.');
      if (!client.refreshTokens.has(form.get('refresh_token') ?? '')) return fail(400, 'invalid_grant', 'Token has been expired or revoked.');
    } else if (grantType === 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
      const problem = this.checkAssertion(form.get('assertion') ?? '');
      if (problem) return fail(400, 'invalid_grant', problem);
    } else {
      return fail(400, 'unsupported_grant_type', `Invalid grant_type: ${grantType}`);
    }
    const accessToken = `ya29.standin-${randomBytes(24).toString('base64url')}`;
    this.issued.push(accessToken);
    this.acceptToken(accessToken, 3599);
    if (grantType !== 'refresh_token') this.tokenScopes.set(accessToken, assertionScopes(form.get('assertion') ?? ''));
    this.grants.push({ grantType, ok: true });
    return { status: 200, body: { access_token: accessToken, expires_in: 3599, scope: READ_SCOPES[0], token_type: 'Bearer' } };
  }

  /** RFC 7523 checks as Google documents them; a problem's description, or null. */
  private checkAssertion(jwt: string): string | null {
    const parts = jwt.split('.');
    if (parts.length !== 3) return 'Invalid JWT: Token must be a short-lived token and in a reasonable timeframe.';
    const [h, p, s] = parts as [string, string, string];
    let header: Record<string, unknown>;
    let claims: Record<string, unknown>;
    try {
      header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
      claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
    } catch {
      return 'Invalid JWT: malformed.';
    }
    if (header.alg !== 'RS256' || header.typ !== 'JWT') return 'Invalid JWT: unsupported algorithm.';
    const account = this.serviceAccounts.get(String(claims.iss));
    if (!account) return 'Invalid JWT Signature.';
    if (!createVerify('RSA-SHA256').update(`${h}.${p}`).verify(account.key, Buffer.from(s, 'base64url'))) return 'Invalid JWT Signature.';
    if (claims.aud !== this.tokenUrl) return 'Invalid JWT: audience is not the token endpoint.';
    const now = Math.floor(Date.now() / 1000);
    const iat = Number(claims.iat);
    const exp = Number(claims.exp);
    if (!(iat <= now + 60 && exp > now && exp - iat <= 3600)) return 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.';
    const scopes = String(claims.scope ?? '').split(' ');
    if (!scopes.some((sc) => READ_SCOPES.includes(sc))) return 'Invalid JWT: no Apps Script scope requested.';
    if (account.subject && claims.sub !== account.subject) return 'Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.';
    return null;
  }
}

/** The scopes a (checked) JWT assertion asks for. */
function assertionScopes(jwt: string): string[] {
  try {
    return String((JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as { scope?: unknown }).scope ?? '').split(' ');
  } catch {
    return [];
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
  res.end(JSON.stringify(body));
}

/** Starts the stand-in on 127.0.0.1; closed after the test file. */
export async function startAppsScriptStandin(): Promise<AppsScriptStandin> {
  let standin: AppsScriptStandin | null = null;
  const server = createServer(async (req, res) => {
    try {
      const body = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (url.pathname === '/token') {
        if (req.method !== 'POST' || !String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return sendJson(res, 400, { error: 'invalid_request', error_description: 'expected a form POST' });
        const r = standin!.token(new URLSearchParams(body));
        return sendJson(res, r.status, r.body);
      }
      const auth = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''));
      const r = standin!.api({ method: req.method ?? 'GET', path: url.pathname, token: auth ? auth[1]! : null, answered: standin!.requests.length, ...(body ? { body } : {}) });
      sendJson(res, r.status, r.body, r.headers);
    } catch (err) {
      sendJson(res, 500, { error: { code: 500, message: String(err), status: 'INTERNAL' } });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = (server.address() as { port: number }).port;
  standin = new AppsScriptStandin(`http://127.0.0.1:${port}`);
  return standin;
}
