// Downloading a Lambda code package. GetFunction answers with Code.Location, a presigned URL
// valid for a few minutes: it is a credential, so it is never stored, logged or put into an
// error message (errors name the function and the HTTP status only). The fetcher is a
// replaceable function so tests, and setups that reach code another way, can supply the
// bytes; the collector checks whatever comes back against the function's CodeSha256.
//
// The default fetcher does a plain GET over HTTPS. Plain HTTP is accepted only for loopback
// hosts (a local emulator in front of the API); anything else is refused before connecting.
// A request that fails before the body (a 5xx, throttling, a reset connection) is retried with
// backoff, and a body cut off mid-transfer is asked for again from the byte it got to (a Range
// request, shared/resumable.ts), up to `attempts` times in all.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { SnapError } from '../../../errors.js';
import { backoffMs, interruptionOf, resumableBody } from '../shared/resumable.js';

export interface CodeRequest {
  functionName: string;
  region: string;
  /** null for $LATEST, else the published version (a layer's: its version number) */
  qualifier: string | null;
  /** set when the content is a layer version's, not a function's (functionName is then the layer's name) */
  layer?: { name: string; version: number };
  /** the presigned Code.Location: a short-lived credential, never to be stored or shown */
  location: string;
  /** expected sha256 (hex) and size of the package, from CodeSha256 and CodeSize */
  sha256: string;
  size: number;
  signal: AbortSignal;
  /** how many times in all the package may be asked for when a transfer fails or is cut off (aws.maxAttempts) */
  attempts?: number;
}

/** Returns the package bytes, whole or as a stream. */
export type CodeFetcher = (request: CodeRequest) => Promise<Uint8Array | AsyncIterable<Uint8Array>>;

const IDLE_TIMEOUT_MS = 60_000;

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** "the code package of Lambda function fn:3", or a layer version's content. */
function packageLabel(req: CodeRequest): string {
  const what = req.qualifier ? `${req.functionName}:${req.qualifier}` : req.functionName;
  return req.layer ? `the content of Lambda layer ${req.layer.name} version ${req.layer.version}` : `the code package of Lambda function ${what}`;
}

function downloadError(req: CodeRequest, why: string, data: Record<string, unknown> = {}): SnapError {
  return new SnapError('COLLECTOR_FAILED', `downloading ${packageLabel(req)} (${req.region}) failed: ${why}`, { function: req.functionName, region: req.region, qualifier: req.qualifier, ...data });
}

const RETRY_STATUS = new Set([429, 500, 502, 503, 504]);

/** GET of the package, or of its rest from `offset`: the answer once its headers are in. */
function requestPackage(req: CodeRequest, offset: number): Promise<IncomingMessage> {
  return new Promise<IncomingMessage>((resolve, reject) => {
    let url: URL;
    try {
      url = new URL(req.location);
    } catch {
      return reject(downloadError(req, 'the code location is not a URL'));
    }
    const secure = url.protocol === 'https:';
    if (!secure && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
      return reject(downloadError(req, `refusing a ${url.protocol} code location (only https, or http on loopback)`));
    }
    if (req.signal.aborted) return reject(req.signal.reason ?? new Error('aborted'));
    const send = secure ? httpsRequest : httpRequest;
    const r = send(url, { method: 'GET', signal: req.signal, headers: offset > 0 ? { range: `bytes=${offset}-` } : {} }, (res) => {
      const status = res.statusCode ?? 0;
      if (status !== 200 && !(status === 206 && offset > 0)) {
        res.resume();
        return reject(downloadError(req, `HTTP ${status}`, { status }));
      }
      res.setTimeout(IDLE_TIMEOUT_MS, () => res.destroy(downloadError(req, `no data for ${IDLE_TIMEOUT_MS / 1000}s`, { interruption: 'ETIMEDOUT' })));
      resolve(res);
    });
    r.setTimeout(IDLE_TIMEOUT_MS, () => r.destroy(downloadError(req, `no answer within ${IDLE_TIMEOUT_MS / 1000}s`, { interruption: 'ETIMEDOUT' })));
    // Node's own messages can quote the request; only the error code is passed on.
    r.on('error', (err: NodeJS.ErrnoException) => reject(err instanceof SnapError || req.signal.aborted ? err : downloadError(req, err.code ?? 'network error', { cause: err.code, ...(interruptionOf(err) ? { interruption: interruptionOf(err) } : {}) })));
    r.end();
  });
}

/** Where an answer starts: the range it says it holds, else 0 (the whole package). */
function startOf(res: IncomingMessage): number {
  const m = /^bytes (\d+)-/.exec(String(res.headers['content-range'] ?? ''));
  return res.statusCode === 206 && m ? Number(m[1]) : 0;
}

/** Asks until an answer arrives: failures before the body are retried with backoff. */
async function answer(req: CodeRequest, offset: number, attempt: { n: number; max: number }): Promise<IncomingMessage> {
  for (;;) {
    try {
      return await requestPackage(req, offset);
    } catch (err) {
      const status = (err as SnapError).data?.status as number | undefined;
      const transient = (status !== undefined && RETRY_STATUS.has(status)) || interruptionOf(err) !== null || ['ECONNREFUSED', 'EAI_AGAIN'].includes(String((err as SnapError).data?.cause));
      if (req.signal.aborted || !transient || attempt.n >= attempt.max) throw err;
      await sleep(backoffMs(attempt.n), undefined, { signal: req.signal });
      attempt.n++;
    }
  }
}

export const httpsCodeFetcher: CodeFetcher = async (req) => {
  const attempt = { n: 1, max: Math.max(1, req.attempts ?? 1) };
  const first = await answer(req, 0, attempt);
  return resumableBody(
    { body: first, start: 0 },
    {
      label: `${packageLabel(req)} (${req.region})`,
      size: req.size,
      // One budget for the whole package: failures before and during the body count alike.
      attempts: attempt.max - attempt.n + 1,
      signal: req.signal,
      resume: async (offset) => {
        const res = await answer(req, offset, attempt);
        return { body: res, start: startOf(res) };
      },
    },
  );
};
