// A loopback proxy in front of moto for the S3 collector's tests. It forwards every request
// unchanged and records it by S3 operation (so a test can count GetObject calls, which moto
// cannot report), and on a test's say-so:
//   - refuses a request with S3's AccessDenied answer (moto does not enforce IAM), in S3's
//     wire format: 403 <Error><Code>AccessDenied</Code>…</Error>;
//   - corrupts a GetObject answer (flips the first byte of the body, length unchanged), the
//     stand-in for bytes damaged on the way, which S3 itself never lets a test provoke.
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { afterAll } from 'vitest';

export interface S3Request {
  method: string;
  /** ListBuckets, GetBucketLocation, GetBucketPolicy, ListObjectsV2, ListObjectVersions, GetObject, HeadObject, CopyObject, PutObjectRetention, … */
  operation: string;
  bucket: string | null;
  key: string | null;
  /** region of the signature's credential scope: which regional client sent it */
  region: string;
}

const BUCKET_SUBRESOURCES: Record<string, string> = {
  location: 'BucketLocation',
  versioning: 'BucketVersioning',
  policy: 'BucketPolicy',
  publicAccessBlock: 'PublicAccessBlock',
  ownershipControls: 'BucketOwnershipControls',
  encryption: 'BucketEncryption',
  lifecycle: 'BucketLifecycleConfiguration',
  cors: 'BucketCors',
  website: 'BucketWebsite',
  logging: 'BucketLogging',
  tagging: 'BucketTagging',
  notification: 'BucketNotificationConfiguration',
  replication: 'BucketReplication',
  'object-lock': 'ObjectLockConfiguration',
  acl: 'BucketAcl',
};

export function describeS3Request(req: IncomingMessage): S3Request {
  const raw = req.url ?? '/';
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  const slash = path.indexOf('/', 1);
  const bucket = path.length > 1 ? decodeURIComponent(slash < 0 ? path.slice(1) : path.slice(1, slash)) : null;
  // "/bucket" and "/bucket/" both name the bucket itself; an object key is never empty.
  const key = slash < 0 || slash === path.length - 1 ? null : decodeURIComponent(path.slice(slash + 1));
  const method = req.method ?? 'GET';
  const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/s3\/aws4_request/.exec(String(req.headers.authorization ?? ''));
  let operation = `${method} ${path}`;
  if (!bucket) operation = method === 'GET' ? 'ListBuckets' : operation;
  else if (key === null) {
    const sub = Object.keys(BUCKET_SUBRESOURCES).find((s) => query.has(s));
    const verb = method === 'GET' ? 'Get' : method === 'PUT' ? 'Put' : method === 'DELETE' ? 'Delete' : method;
    if (sub) operation = sub === 'location' ? 'GetBucketLocation' : `${verb}${BUCKET_SUBRESOURCES[sub]}`;
    else if (method === 'GET' && query.has('versions')) operation = 'ListObjectVersions';
    else if (method === 'GET') operation = query.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
    else if (method === 'HEAD') operation = 'HeadBucket';
    else if (method === 'PUT') operation = 'CreateBucket';
  } else if (method === 'GET') operation = 'GetObject';
  else if (method === 'HEAD') operation = 'HeadObject';
  else if (method === 'PUT') operation = req.headers['x-amz-copy-source'] ? (query.has('partNumber') ? 'UploadPartCopy' : 'CopyObject') : query.has('retention') ? 'PutObjectRetention' : query.has('partNumber') ? 'UploadPart' : 'PutObject';
  else if (method === 'DELETE') operation = 'DeleteObject';
  return { method, operation, bucket, key, region: scope?.[1] ?? '' };
}

export interface S3Proxy {
  endpoint: string;
  /** every request since the last clear() */
  requests: S3Request[];
  refused: S3Request[];
  refuse: (r: S3Request) => boolean;
  corrupt: (r: S3Request) => boolean;
  clear(): void;
  count(operation: string): number;
}

export async function s3Proxy(target: string): Promise<S3Proxy> {
  const upstream = new URL(target);
  const state: S3Proxy = {
    endpoint: '',
    requests: [],
    refused: [],
    refuse: () => false,
    corrupt: () => false,
    clear() {
      state.requests.length = 0;
      state.refused.length = 0;
    },
    count: (operation) => state.requests.filter((r) => r.operation === operation).length,
  };
  const server: Server = createServer((req, res) => {
    const info = describeS3Request(req);
    state.requests.push(info);
    if (state.refuse(info)) {
      state.refused.push(info);
      req.resume();
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>snap-test-refusal</RequestId></Error>');
      return;
    }
    const corrupt = info.operation === 'GetObject' && state.corrupt(info);
    const fwd = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } }, (up) => {
      if (!corrupt || (up.statusCode ?? 500) >= 300) {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      up.on('data', (c: Buffer) => chunks.push(c));
      up.on('end', () => {
        const body = Buffer.concat(chunks);
        if (body.length > 0) body[0] = body[0]! ^ 0xff;
        res.writeHead(up.statusCode ?? 200, up.headers);
        res.end(body);
      });
    });
    fwd.on('error', (e) => {
      res.writeHead(502);
      res.end(String(e));
    });
    req.pipe(fwd);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  afterAll(() => new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  }));
  state.endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return state;
}
