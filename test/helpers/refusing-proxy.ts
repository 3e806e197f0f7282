// A stand-in for a behaviour the emulator lacks. moto does not enforce IAM permissions in
// server mode, so AWS's "AccessDenied" answers cannot be provoked there. This loopback proxy
// forwards every request to moto unchanged, except those a test names, which get the error
// AWS documents for a refused call, in the wire format of that service's protocol (so the
// SDK parses it exactly as it would parse AWS's own answer):
//   S3:                     403 <Error><Code>AccessDenied</Code>…</Error>
//   CloudFront, Route53,
//   IAM, RDS, SES, STS:     403 <ErrorResponse><Error><Code>AccessDenied</Code>…</ErrorResponse>
//   EC2:                    403 <Response><Errors><Error><Code>UnauthorizedOperation</Code>…
//   JSON protocols:         400/403 with x-amzn-ErrorType and {"__type": "AccessDeniedException"}
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { afterAll } from 'vitest';

export interface RequestInfo {
  /** signing name from the Authorization header: s3, lambda, dynamodb, iam, … */
  service: string;
  region: string;
  method: string;
  path: string;
  query: URLSearchParams;
  /** operation name when the protocol carries one (X-Amz-Target or Action=) */
  action: string | null;
  body: string;
}

export type RefusalRule = (req: RequestInfo) => boolean;

const XML_ERROR_RESPONSE = new Set(['cloudfront', 'route53', 'iam', 'rds', 'ses', 'sts', 'sns', 'sqs']);

export interface ErrorAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const xmlText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** An AWS error answer in the wire format of the request's service protocol. */
export function errorAnswer(req: RequestInfo, status: number, code: string, message: string): ErrorAnswer {
  const id = 'snap-test-refusal';
  if (req.service === 's3') {
    return { status, headers: { 'content-type': 'application/xml' }, body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlText(message)}</Message><RequestId>${id}</RequestId></Error>` };
  }
  if (req.service === 'ec2') {
    return { status, headers: { 'content-type': 'text/xml' }, body: `<Response><Errors><Error><Code>${code}</Code><Message>${xmlText(message)}</Message></Error></Errors><RequestID>${id}</RequestID></Response>` };
  }
  const sesV2 = req.service === 'ses' && req.path.startsWith('/v2/'); // SES v2 signs as "ses" but speaks JSON
  if (XML_ERROR_RESPONSE.has(req.service) && !sesV2) {
    return { status, headers: { 'content-type': 'text/xml' }, body: `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${xmlText(message)}</Message></Error><RequestId>${id}</RequestId></ErrorResponse>` };
  }
  return { status, headers: { 'content-type': 'application/json', 'x-amzn-errortype': code, 'x-amzn-requestid': id }, body: JSON.stringify({ __type: code, message }) };
}

function refusal(req: RequestInfo): ErrorAnswer {
  if (req.service === 's3') return errorAnswer(req, 403, 'AccessDenied', 'Access Denied');
  if (req.service === 'ec2') return errorAnswer(req, 403, 'UnauthorizedOperation', 'You are not authorized to perform this operation.');
  const sesV2 = req.service === 'ses' && req.path.startsWith('/v2/');
  if (XML_ERROR_RESPONSE.has(req.service) && !sesV2) return errorAnswer(req, 403, 'AccessDenied', 'User is not authorized to perform this action');
  return errorAnswer(req, 403, 'AccessDeniedException', 'User is not authorized to perform this action');
}

/** What a signed request is: its service (from the signature's scope), region, operation. */
export function describeRequest(req: IncomingMessage, body: string): RequestInfo {
  const url = new URL(`http://localhost${(req.url ?? '/').startsWith('/') ? '' : '/'}${req.url ?? ''}`);
  const auth = String(req.headers.authorization ?? '');
  const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(auth);
  const target = req.headers['x-amz-target'];
  let action: string | null = typeof target === 'string' ? target.split('.').pop() ?? null : null;
  if (!action && String(req.headers['content-type'] ?? '').includes('x-www-form-urlencoded')) action = new URLSearchParams(body).get('Action');
  action ??= url.searchParams.get('Action');
  return { service: scope?.[2] ?? '', region: scope?.[1] ?? '', method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, action, body };
}

/** Starts the proxy in front of `target`; returns its endpoint. Closed after the test file. */
export async function refusingProxy(target: string, refuse: RefusalRule): Promise<{ endpoint: string; refused: RequestInfo[] }> {
  const upstream = new URL(target);
  const refused: RequestInfo[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const info = describeRequest(req, raw.toString('utf8'));
      if (refuse(info)) {
        refused.push(info);
        const r = refusal(info);
        res.writeHead(r.status, r.headers);
        res.end(r.body);
        return;
      }
      const fwd = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      fwd.on('error', (e) => {
        res.writeHead(502);
        res.end(String(e));
      });
      fwd.end(raw);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = (server.address() as { port: number }).port;
  return { endpoint: `http://127.0.0.1:${port}`, refused };
}
