// A loopback fault proxy in front of moto: the faults of a bad day, injected on the way, so the
// real SDK meets them exactly as it would from AWS. moto itself never fails a request, throttles,
// cuts a body off half-way or echoes a request back, so this is the smallest stand-in for those
// answers; everything not matched by a rule is forwarded unchanged. Every request is recorded
// (service, operation, bucket and key for S3, the fault it got), so a test can count retries.
//
// Faults (each rule applies to the requests it matches, `times` of them, then stops):
//   error     an AWS error answer in the service's wire format (refusing-proxy.ts): 5xx,
//             throttling, auth errors (InvalidClientTokenId, SignatureDoesNotMatch, …)
//   throttle  the service's own throttling answer (S3 503 SlowDown, JSON 400 ThrottlingException,
//             query/XML 400 Throttling)
//   reset     the connection is closed before any answer
//   cut       the answer is forwarded with its full Content-Length, but the connection is closed
//             after `afterBytes` of the body (default: half): a body cut off mid-transfer
//   echo      an error answer whose message is the whole request (line, headers, body), as some
//             servers and proxies do: what a secret filter must stop
//   page      an HTML page with the given status, as a load balancer or an emulator without the
//             service sends
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { afterAll } from 'vitest';
import { readBody } from './forwarding.js';
import { describeRequest, errorAnswer, type RequestInfo } from './refusing-proxy.js';
import { describeS3Request } from './s3-proxy.js';

export type Fault =
  | { kind: 'error'; status: number; code: string; message?: string }
  | { kind: 'throttle' }
  | { kind: 'reset' }
  | { kind: 'cut'; afterBytes?: number }
  | { kind: 'echo'; status?: number; code?: string }
  | { kind: 'page'; status: number };

export interface FaultRule {
  when: (req: ProxiedRequest) => boolean;
  fault: Fault;
  /** how many matching requests get the fault (default: all) */
  times?: number;
}

export interface ProxiedRequest extends RequestInfo {
  /** S3: GetObject, ListObjectsV2, …; other services: the action when the protocol carries one */
  operation: string | null;
  bucket: string | null;
  key: string | null;
  headers: IncomingMessage['headers'];
  /** the fault it got, if any */
  fault?: Fault['kind'];
}

export interface FaultProxy {
  endpoint: string;
  requests: ProxiedRequest[];
  rules: FaultRule[];
  /** adds a rule; returns it (its `times` counts down as it applies) */
  inject(rule: FaultRule): FaultRule;
  clear(): void;
  count(pred: (r: ProxiedRequest) => boolean): number;
}

const JSON_THROTTLE = new Set(['dynamodb', 'lambda', 'lightsail', 'apigateway', 'ses']);

function throttleAnswer(req: ProxiedRequest) {
  if (req.service === 's3') return errorAnswer(req, 503, 'SlowDown', 'Please reduce your request rate.');
  if (JSON_THROTTLE.has(req.service)) return errorAnswer(req, req.service === 'lambda' ? 429 : 400, req.service === 'lambda' ? 'TooManyRequestsException' : 'ThrottlingException', 'Rate exceeded');
  return errorAnswer(req, 400, 'Throttling', 'Rate exceeded');
}

function echoText(req: IncomingMessage, body: Buffer): string {
  const headers = Object.entries(req.headers).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : v}`).join('\n');
  return `could not process ${req.method} ${req.url}\n${headers}\n\n${body.toString('utf8')}`;
}

export async function faultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const state: FaultProxy = {
    endpoint: '',
    requests: [],
    rules: [],
    inject(rule) {
      state.rules.push(rule);
      return rule;
    },
    clear() {
      state.requests.length = 0;
      state.rules.length = 0;
    },
    count: (pred) => state.requests.filter(pred).length,
  };

  const server: Server = createServer((req, res) => {
    void readBody(req).then((raw) => {
      const info = describeRequest(req, raw.toString('utf8'));
      const s3 = info.service === 's3' ? describeS3Request(req) : null;
      const entry: ProxiedRequest = { ...info, operation: s3?.operation ?? info.action, bucket: s3?.bucket ?? null, key: s3?.key ?? null, headers: req.headers };
      state.requests.push(entry);
      const rule = state.rules.find((r) => (r.times === undefined || r.times > 0) && r.when(entry));
      if (rule && rule.times !== undefined) rule.times--;
      const fault = rule?.fault;
      if (fault) entry.fault = fault.kind;

      const answer = (a: { status: number; headers: Record<string, string>; body: string }) => {
        res.writeHead(a.status, { ...a.headers, 'content-length': String(Buffer.byteLength(a.body)) });
        res.end(a.body);
      };
      if (fault?.kind === 'reset') return void req.socket.destroy();
      if (fault?.kind === 'error') return answer(errorAnswer(entry, fault.status, fault.code, fault.message ?? `${fault.code} (injected by the test)`));
      if (fault?.kind === 'throttle') return answer(throttleAnswer(entry));
      if (fault?.kind === 'echo') return answer(errorAnswer(entry, fault.status ?? 400, fault.code ?? (info.service === 's3' ? 'InvalidRequest' : 'InvalidParameterValueException'), echoText(req, raw)));
      if (fault?.kind === 'page') {
        return answer({ status: fault.status, headers: { 'content-type': 'text/html; charset=utf-8' }, body: `<!doctype html>\n<html><head><title>${fault.status}</title></head><body><h1>Error ${fault.status}</h1></body></html>\n` });
      }

      const fwd = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        if (fault?.kind !== 'cut') return void up.pipe(res);
        const length = Number(up.headers['content-length'] ?? 0);
        let budget = fault.afterBytes ?? Math.floor(length / 2);
        up.on('data', (c: Buffer) => {
          if (budget <= 0) return;
          const part = c.subarray(0, budget);
          budget -= part.length;
          res.write(part);
          if (budget <= 0) {
            up.destroy();
            // Let the bytes reach the client, then drop the connection under it.
            res.socket?.end(() => res.socket?.destroy());
            setTimeout(() => res.socket?.destroy(), 20).unref();
          }
        });
        up.on('end', () => res.socket?.destroy());
      });
      fwd.on('error', (e) => {
        if (!res.headersSent) res.writeHead(502);
        res.end(String(e));
      });
      fwd.end(raw);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  afterAll(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  state.endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return state;
}
