// The Apps Script API calls snap makes, as plain HTTPS + JSON (there is no Google client
// library in snap):
//
//   GET {apiUrl}/v1/projects/{scriptId}           projects.get            → Project
//   GET {apiUrl}/v1/projects/{scriptId}/content   projects.getContent     → Content { files }
//   PUT {apiUrl}/v1/projects/{scriptId}/content   projects.updateContent  Content → Content
//                                                 (restore: replaces every file of the project,
//                                                 so it is as safe to retry as a read)
//
// Each call carries a bearer token from the AccessTokenSource; a 401 renews the token once
// and tries again; 429 and 5xx are retried with backoff a bounded number of times. Errors are
// GoogleApiError with the HTTP status and Google's status name ({"error": {"code", "message",
// "status"}}), their text passed through the Redactor.
import { setTimeout as sleep } from 'node:timers/promises';
import { GoogleApiError } from './errors.js';
import type { AccessTokenSource } from './oauth.js';
import type { Redactor } from '../../util/redact.js';

export interface ApiUser {
  domain?: string;
  email?: string;
  name?: string;
  photoUrl?: string;
}

export interface ApiProject {
  scriptId?: string;
  title?: string;
  parentId?: string;
  createTime?: string;
  updateTime?: string;
  creator?: ApiUser;
  lastModifyUser?: ApiUser;
}

export interface ApiFile {
  name?: string;
  /** SERVER_JS, HTML or JSON (the manifest) */
  type?: string;
  source?: string;
  lastModifyUser?: ApiUser;
  createTime?: string;
  updateTime?: string;
  functionSet?: { values?: { name?: string; parameters?: string[] }[] };
}

export interface ApiContent {
  scriptId?: string;
  files?: ApiFile[];
}

export interface AppsScriptApiOptions {
  apiUrl: string;
  tokens: AccessTokenSource;
  redactor: Redactor;
  fetch?: typeof fetch;
  maxAttempts?: number;
  retryDelayMs?: number;
  requestTimeoutMs?: number;
}

const RETRYABLE = new Set([429, 500, 502, 503, 504]);

export class AppsScriptApi {
  private readonly base: string;

  constructor(private readonly options: AppsScriptApiOptions) {
    this.base = options.apiUrl.replace(/\/+$/, '');
  }

  getProject(scriptId: string, signal: AbortSignal): Promise<ApiProject> {
    return this.call(`/v1/projects/${encodeURIComponent(scriptId)}`, `projects.get ${scriptId}`, signal) as Promise<ApiProject>;
  }

  getContent(scriptId: string, signal: AbortSignal): Promise<ApiContent> {
    return this.call(`/v1/projects/${encodeURIComponent(scriptId)}/content`, `projects.getContent ${scriptId}`, signal) as Promise<ApiContent>;
  }

  /** Replaces the project's files with `files` (a file left out is deleted from the project). */
  updateContent(scriptId: string, files: ApiFile[], signal: AbortSignal): Promise<ApiContent> {
    return this.call(`/v1/projects/${encodeURIComponent(scriptId)}/content`, `projects.updateContent ${scriptId}`, signal, { method: 'PUT', body: { scriptId, files } }) as Promise<ApiContent>;
  }

  private async call(path: string, what: string, signal: AbortSignal, send?: { method: 'PUT'; body: unknown }): Promise<unknown> {
    const { tokens, redactor } = this.options;
    const doFetch = this.options.fetch ?? fetch;
    const maxAttempts = this.options.maxAttempts ?? 4;
    const delayMs = this.options.retryDelayMs ?? 500;
    let refused: string | undefined;
    let renewed = false;
    for (let attempt = 1; ; attempt++) {
      const token = await tokens.token(signal, refused);
      let res: Response;
      try {
        res = await doFetch(`${this.base}${path}`, {
          ...(send ? { method: send.method, body: JSON.stringify(send.body) } : {}),
          headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(send ? { 'content-type': 'application/json; charset=utf-8' } : {}) },
          signal: AbortSignal.any([signal, AbortSignal.timeout(this.options.requestTimeoutMs ?? 60_000)]),
        });
      } catch (err) {
        if (signal.aborted) throw err;
        if (attempt < maxAttempts) {
          await sleep(delayMs * 2 ** (attempt - 1), undefined, { signal });
          continue;
        }
        const code = (err as { cause?: { code?: unknown } }).cause?.code ?? (err as { name?: unknown }).name;
        throw new GoogleApiError(`Apps Script API ${what}: cannot reach ${new URL(this.base).origin}${typeof code === 'string' ? ` (${code})` : ''}`, 0, 'UNREACHABLE');
      }
      if (res.status === 401 && !renewed) {
        // The saved token may be revoked early or its expiry unknown: renew once, then believe the 401.
        renewed = true;
        refused = token;
        await res.body?.cancel();
        continue;
      }
      if (RETRYABLE.has(res.status) && attempt < maxAttempts) {
        await res.body?.cancel();
        await sleep(retryAfterMs(res) ?? delayMs * 2 ** (attempt - 1), undefined, { signal });
        continue;
      }
      if (!res.ok) throw await apiError(res, what, redactor);
      return res.json();
    }
  }
}

function retryAfterMs(res: Response): number | null {
  const v = res.headers.get('retry-after');
  if (!v || !/^\d+$/.test(v)) return null;
  return Math.min(Number(v) * 1000, 30_000);
}

async function apiError(res: Response, what: string, redactor: Redactor): Promise<GoogleApiError> {
  let reason = '';
  let message = '';
  try {
    const body = (await res.json()) as { error?: { status?: unknown; message?: unknown } };
    if (typeof body.error?.status === 'string') reason = body.error.status;
    if (typeof body.error?.message === 'string') message = body.error.message;
  } catch {
    // not Google's error JSON: the status alone says enough
  }
  const safeReason = redactor.brief(reason, 60);
  return new GoogleApiError(`Apps Script API ${what}: HTTP ${res.status}${safeReason ? ` ${safeReason}` : ''}${message ? `: ${redactor.brief(message, 200)}` : ''}`, res.status, safeReason);
}
