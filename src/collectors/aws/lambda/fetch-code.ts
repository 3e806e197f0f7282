// Downloading a Lambda code package. GetFunction answers with Code.Location, a presigned URL
// valid for a few minutes: it is a credential, so it is never stored, logged or put into an
// error message (errors name the function and the HTTP status only). The fetcher is a
// replaceable function so tests, and setups that reach code another way, can supply the
// bytes; the collector checks whatever comes back against the function's CodeSha256.
//
// The default fetcher does a plain GET over HTTPS. Plain HTTP is accepted only for loopback
// hosts (a local emulator in front of the API); anything else is refused before connecting.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { SnapError } from '../../../errors.js';

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
}

/** Returns the package bytes, whole or as a stream. */
export type CodeFetcher = (request: CodeRequest) => Promise<Uint8Array | AsyncIterable<Uint8Array>>;

const IDLE_TIMEOUT_MS = 60_000;

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

function downloadError(req: CodeRequest, why: string, data: Record<string, unknown> = {}): SnapError {
  const what = req.qualifier ? `${req.functionName}:${req.qualifier}` : req.functionName;
  const of = req.layer ? `the content of Lambda layer ${req.layer.name} version ${req.layer.version}` : `the code package of Lambda function ${what}`;
  return new SnapError('COLLECTOR_FAILED', `downloading ${of} (${req.region}) failed: ${why}`, { function: req.functionName, region: req.region, qualifier: req.qualifier, ...data });
}

export const httpsCodeFetcher: CodeFetcher = (req) =>
  new Promise<IncomingMessage>((resolve, reject) => {
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
    const r = send(url, { method: 'GET', signal: req.signal }, (res) => {
      const status = res.statusCode ?? 0;
      if (status !== 200) {
        res.resume();
        return reject(downloadError(req, `HTTP ${status}`, { status }));
      }
      res.setTimeout(IDLE_TIMEOUT_MS, () => res.destroy(downloadError(req, `no data for ${IDLE_TIMEOUT_MS / 1000}s`)));
      resolve(res);
    });
    r.setTimeout(IDLE_TIMEOUT_MS, () => r.destroy(downloadError(req, `no answer within ${IDLE_TIMEOUT_MS / 1000}s`)));
    // Node's own messages can quote the request; only the error code is passed on.
    r.on('error', (err: NodeJS.ErrnoException) => reject(err instanceof SnapError || req.signal.aborted ? err : downloadError(req, err.code ?? 'network error', { cause: err.code })));
    r.end();
  });
