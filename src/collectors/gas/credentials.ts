// Reading the credentials a user already has, without changing them:
//
//   clasp's saved login (~/.clasprc.json by default), in each format clasp has written:
//     clasp 3:            { tokens: { <user>: { client_id, client_secret, access_token,
//                           refresh_token, expiry_date?, type: "authorized_user" } } }
//     clasp 1-2, local:   { token: { access_token, refresh_token, expiry_date, … },
//                           oauth2ClientSettings: { clientId, clientSecret, redirectUri } }
//     clasp 1, global:    { access_token, refresh_token, exprity_date }  (sic; clasp's own
//                           built-in client, so it cannot be refreshed here: log in again)
//   a service account's JSON key file: { type: "service_account", client_email, private_key,
//                           private_key_id, token_uri }
//
// Every secret read is registered with the Redactor before anything else happens. The files
// are only read: a refreshed token lives in memory for this run and is never written back.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { GasCredentialsConfig } from './config.js';
import { GasCredentialsError } from './errors.js';
import type { Redactor } from '../../util/redact.js';

export interface UserLogin {
  kind: 'user';
  file: string;
  format: 'clasp3' | 'clasp1-local' | 'clasp1-global';
  accessToken?: string;
  refreshToken?: string;
  /** when the access token expires, ms since the epoch; unknown for some clasp 3 files */
  expiresAt?: number;
  clientId?: string;
  clientSecret?: string;
}

export interface ServiceAccountKey {
  kind: 'serviceAccount';
  file: string;
  clientEmail: string;
  privateKey: string;
  privateKeyId?: string;
  tokenUri?: string;
}

export type GasCredentials = UserLogin | ServiceAccountKey;

export function resolveUserPath(path: string, baseDir: string): string {
  if (path === '~' || path.startsWith('~/')) return join(homedir(), path.slice(1));
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

function epochMs(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function parseClaspLogin(raw: unknown, user: string, file: string): UserLogin {
  if (!isObject(raw)) throw new GasCredentialsError(`${file}: not a clasp login file (expected a JSON object)`, file);
  const v3 = isObject(raw.tokens) ? raw.tokens[user] : undefined;
  if (isObject(v3)) {
    return { kind: 'user', file, format: 'clasp3', accessToken: str(v3.access_token), refreshToken: str(v3.refresh_token), expiresAt: epochMs(v3.expiry_date), clientId: str(v3.client_id), clientSecret: str(v3.client_secret) };
  }
  // Older clasp kept a single login, which clasp 3 reads as the "default" user.
  if (user === 'default' && isObject(raw.token) && isObject(raw.oauth2ClientSettings)) {
    const t = raw.token;
    const c = raw.oauth2ClientSettings;
    return { kind: 'user', file, format: 'clasp1-local', accessToken: str(t.access_token), refreshToken: str(t.refresh_token), expiresAt: epochMs(t.expiry_date), clientId: str(c.clientId), clientSecret: str(c.clientSecret) };
  }
  if (user === 'default' && str(raw.access_token)) {
    return { kind: 'user', file, format: 'clasp1-global', accessToken: str(raw.access_token), refreshToken: str(raw.refresh_token), expiresAt: epochMs(raw.exprity_date ?? raw.expiry_date) };
  }
  throw new GasCredentialsError(`${file}: no saved clasp login for user "${user}" (run \`clasp login${user === 'default' ? '' : ` --user ${user}`}\`)`, file);
}

export function parseServiceAccountKey(raw: unknown, file: string): ServiceAccountKey {
  if (!isObject(raw) || raw.type !== 'service_account') throw new GasCredentialsError(`${file}: not a service-account key file (expected "type": "service_account")`, file);
  const clientEmail = str(raw.client_email);
  const privateKey = str(raw.private_key);
  if (!clientEmail || !privateKey) throw new GasCredentialsError(`${file}: the service-account key file lacks client_email or private_key`, file);
  return { kind: 'serviceAccount', file, clientEmail, privateKey, privateKeyId: str(raw.private_key_id), tokenUri: str(raw.token_uri) };
}

/** Registers every secret value of `creds` with the redactor. */
export function registerSecrets(creds: GasCredentials, redactor: Redactor): void {
  if (creds.kind === 'user') {
    redactor.add(creds.accessToken);
    redactor.add(creds.refreshToken);
    redactor.add(creds.clientSecret);
    return;
  }
  redactor.add(creds.privateKey);
  // Any one line of the key's body is as secret as the whole.
  for (const line of creds.privateKey.split(/\r?\n|\\n/)) if (!line.startsWith('-----')) redactor.add(line.trim());
}

async function readJson(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new GasCredentialsError(`${path}: cannot read the ${what} (${code})`, path);
  }
  try {
    return JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text around the fault, which may be a token: not shown.
    throw new GasCredentialsError(`${path}: the ${what} is not valid JSON`, path);
  }
}

export async function loadCredentials(config: GasCredentialsConfig, archiveDir: string, redactor: Redactor): Promise<GasCredentials> {
  const creds =
    config.type === 'clasp'
      ? parseClaspLogin(await readJson(resolveUserPath(config.path, archiveDir), 'clasp login file'), config.user, config.path)
      : parseServiceAccountKey(await readJson(resolveUserPath(config.keyFile, archiveDir), 'service-account key file'), config.keyFile);
  registerSecrets(creds, redactor);
  return creds;
}
