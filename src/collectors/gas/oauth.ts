// Access tokens for the Apps Script API, from the credentials a user already has:
//
//   user login (clasp)   the saved access token while it is valid; when it has expired (or the
//                        API refuses it with 401) a new one from the refresh token:
//                        POST token endpoint  grant_type=refresh_token, client_id, client_secret
//   service account      a JWT signed RS256 with the key (node:crypto), exchanged for a token:
//                        POST token endpoint  grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer
//
// Tokens live in memory for this run only. Every value that comes back is registered with the
// Redactor before it is used, and error messages carry the endpoint, the HTTP status and the
// OAuth error code, never a request or response body as it came.
import { createSign } from 'node:crypto';
import type { ServiceAccountKey, UserLogin, GasCredentials } from './credentials.js';
import { GasCredentialsError, GoogleAuthError } from './errors.js';
import type { Redactor } from '../../util/redact.js';

/** Reading projects needs no more than this. */
export const SCRIPT_READONLY_SCOPE = 'https://www.googleapis.com/auth/script.projects.readonly';
/** Writing a project's files (restore) needs this. */
export const SCRIPT_PROJECTS_SCOPE = 'https://www.googleapis.com/auth/script.projects';
const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** A token this close to its expiry is renewed first, so it does not expire mid-request. */
const EXPIRY_MARGIN_MS = 60_000;
const JWT_LIFETIME_S = 3600;

export interface AccessTokenSource {
  /**
   * A usable access token. `refused` is a token the API just answered 401 to: a different
   * one is returned (renewed once, however many requests saw the same refusal).
   */
  token(signal: AbortSignal, refused?: string): Promise<string>;
}

export interface OAuthOptions {
  tokenUrl: string;
  redactor: Redactor;
  /** the Workspace user a service account acts as (domain-wide delegation) */
  subject?: string | undefined;
  /** the scope a service account asks for (default: read only); a user login has the scopes it was granted */
  scope?: string | undefined;
  fetch?: typeof fetch;
  now?: () => number;
}

interface Minted {
  token: string;
  expiresAt?: number | undefined;
}

class CachedTokenSource implements AccessTokenSource {
  private inflight: Promise<string> | null = null;

  constructor(
    private current: Minted | null,
    private readonly mint: (signal: AbortSignal) => Promise<Minted>,
    private readonly now: () => number,
  ) {}

  token(signal: AbortSignal, refused?: string): Promise<string> {
    const c = this.current;
    if (c && c.token !== refused && (c.expiresAt === undefined || c.expiresAt - EXPIRY_MARGIN_MS > this.now())) return Promise.resolve(c.token);
    this.inflight ??= this.mint(signal)
      .then((minted) => {
        this.current = minted;
        return minted.token;
      })
      .finally(() => {
        this.inflight = null;
      });
    return this.inflight;
  }
}

export function accessTokenSource(creds: GasCredentials, options: OAuthOptions): AccessTokenSource {
  const now = options.now ?? Date.now;
  if (creds.kind === 'user') {
    const initial = creds.accessToken ? { token: creds.accessToken, expiresAt: creds.expiresAt } : null;
    return new CachedTokenSource(initial, (signal) => refreshUserToken(creds, options, now, signal), now);
  }
  return new CachedTokenSource(null, (signal) => serviceAccountToken(creds, options, now, signal), now);
}

async function refreshUserToken(login: UserLogin, options: OAuthOptions, now: () => number, signal: AbortSignal): Promise<Minted> {
  if (!login.refreshToken || !login.clientId || !login.clientSecret) {
    const why = login.format === 'clasp1-global' ? 'it was saved by clasp 1 with its built-in client' : 'it has no refresh token or OAuth client';
    throw new GasCredentialsError(`${login.file}: the saved access token has expired or was refused, and this login cannot be renewed (${why}); run \`clasp login\` again`, login.file);
  }
  return requestToken(options, now, signal, { grant_type: 'refresh_token', refresh_token: login.refreshToken, client_id: login.clientId, client_secret: login.clientSecret });
}

async function serviceAccountToken(key: ServiceAccountKey, options: OAuthOptions, now: () => number, signal: AbortSignal): Promise<Minted> {
  const assertion = signServiceAccountJwt(key, { audience: options.tokenUrl, scope: options.scope ?? SCRIPT_READONLY_SCOPE, subject: options.subject, nowSeconds: Math.floor(now() / 1000) });
  options.redactor.add(assertion);
  return requestToken(options, now, signal, { grant_type: JWT_BEARER_GRANT, assertion });
}

const base64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

/** A service-account JWT (RFC 7523) as Google's token endpoint expects it, signed RS256. */
export function signServiceAccountJwt(key: ServiceAccountKey, claims: { audience: string; scope: string; subject?: string | undefined; nowSeconds: number }): string {
  const header = { alg: 'RS256', typ: 'JWT', ...(key.privateKeyId ? { kid: key.privateKeyId } : {}) };
  const payload = {
    iss: key.clientEmail,
    scope: claims.scope,
    aud: claims.audience,
    iat: claims.nowSeconds,
    exp: claims.nowSeconds + JWT_LIFETIME_S,
    ...(claims.subject ? { sub: claims.subject } : {}),
  };
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  let signature: Buffer;
  try {
    signature = createSign('RSA-SHA256').update(input).sign(key.privateKey);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new GasCredentialsError(`${key.file}: the private key cannot sign a token request${typeof code === 'string' ? ` (${code})` : ''}`, key.file);
  }
  return `${input}.${signature.toString('base64url')}`;
}

function where(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}

async function requestToken(options: OAuthOptions, now: () => number, signal: AbortSignal, form: Record<string, string>): Promise<Minted> {
  const doFetch = options.fetch ?? fetch;
  const { redactor } = options;
  let res: Response;
  try {
    res = await doFetch(options.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(form).toString(),
      signal,
    });
  } catch (err) {
    if (signal.aborted) throw err;
    const code = (err as { cause?: { code?: unknown } }).cause?.code;
    throw new GoogleAuthError(`cannot reach the token endpoint ${where(options.tokenUrl)}${typeof code === 'string' ? ` (${code})` : ''}`, 0, 'unreachable');
  }
  let body: Record<string, unknown> | null = null;
  try {
    body = (await res.json()) as Record<string, unknown>;
  } catch {
    body = null;
  }
  const accessToken = body && typeof body.access_token === 'string' ? body.access_token : null;
  if (accessToken) redactor.add(accessToken);
  if (body && typeof body.refresh_token === 'string') redactor.add(body.refresh_token);
  if (!res.ok || !accessToken) {
    const code = body && typeof body.error === 'string' ? body.error : 'invalid_response';
    const description = body && typeof body.error_description === 'string' ? `: ${redactor.brief(body.error_description, 200)}` : '';
    throw new GoogleAuthError(`the token endpoint ${where(options.tokenUrl)} refused: HTTP ${res.status} ${redactor.brief(code, 60)}${description}`, res.status, code);
  }
  const expiresIn = typeof body!.expires_in === 'number' ? body!.expires_in : Number(body!.expires_in);
  return { token: accessToken, expiresAt: Number.isFinite(expiresIn) && expiresIn > 0 ? now() + expiresIn * 1000 : undefined };
}
