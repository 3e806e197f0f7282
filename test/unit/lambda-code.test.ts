// Code packages: unpacking a zip into the tree (odd entry names, conflicts, secrets, binary
// files, limits), CodeSha256 handling, bounded reads, and the default HTTPS fetcher, which is
// only ever pointed at a loopback server here.
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { strToU8, zipSync } from 'fflate';
import { TreeWriter } from '../../src/archive/tree-writer.js';
import { hashObject } from '../../src/git/objects.js';
import { makeFingerprinter } from '../../src/normalize/fingerprint.js';
import { silentLogger } from '../../src/util/log.js';
import { lambdaConfigSchema, type LambdaConfig } from '../../src/collectors/aws/lambda/config.js';
import { codeShaToHex, readAll } from '../../src/collectors/aws/lambda/code.js';
import { httpsCodeFetcher, isLoopbackHost, type CodeRequest } from '../../src/collectors/aws/lambda/fetch-code.js';
import { unpackCode, unpackSettingsDigest } from '../../src/collectors/aws/lambda/unpack.js';
import type { CollectContext } from '../../src/collectors/types.js';

function fakeContext(code: Partial<LambdaConfig['code']> = {}) {
  const written = new Map<string, string>();
  const out = new TreeWriter({ objects: { write: (type, content) => hashObject(type, content) }, store: null as never });
  const text = out.text.bind(out);
  out.text = (path, content, options) => {
    text(path, content, options);
    written.set(path, Buffer.from(content).toString('utf8'));
  };
  const config = lambdaConfigSchema.parse({ code });
  const counts: Record<string, number> = {};
  const ctx = { out, config, fingerprint: makeFingerprinter(Buffer.alloc(32, 9)), log: silentLogger, count: (n: string, k = 1) => (counts[n] = (counts[n] ?? 0) + k) } as unknown as CollectContext<LambdaConfig>;
  return { ctx, written, counts, config };
}

const zip = (files: Record<string, string | Uint8Array>) => zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, typeof v === 'string' ? strToU8(v) : v])), { mtime: new Date(2024, 0, 1) });

describe('unpacking a code package', () => {
  it('writes text files under code/, keeps odd names inside the folder, lists everything', () => {
    const { ctx, written, config } = fakeContext();
    const files = unpackCode(ctx, zip({ 'index.js': 'a\n', 'lib/u.js': 'b\n', '../../etc/passwd': 'c\n', '/abs.js': 'd\n', 'win\\path.js': 'e\n', 'dir/': '' }), 'fn/code', config.code);
    expect([...written.keys()].sort()).toEqual(['fn/code/%2E%2E/%2E%2E/etc/passwd', 'fn/code/%EMPTY/abs.js', 'fn/code/index.js', 'fn/code/lib/u.js', 'fn/code/win%5Cpath.js']);
    expect(files.map((f) => f.path)).toEqual(['../../etc/passwd', '/abs.js', 'index.js', 'lib/u.js', 'win\\path.js']);
    expect(files.every((f) => f.storage === 'text' && /^[0-9a-f]{64}$/.test(f.sha256!))).toBe(true);
  });

  it('keeps secrets, binary files and conflicting paths out of the tree', () => {
    const { ctx, written, config, counts } = fakeContext();
    const files = unpackCode(ctx, zip({ '.env': 'TOKEN=abc\n', 'conf/server.pem': 'KEY', 'img.png': new Uint8Array([0, 1, 2]), a: 'file\n', 'a/b': 'under a file\n' }), 'fn/code', config.code);
    const storage = Object.fromEntries(files.map((f) => [f.path, f.storage]));
    expect(storage).toEqual({ '.env': 'secret', 'conf/server.pem': 'secret', 'img.png': 'binary', a: 'text', 'a/b': 'path-conflict' });
    expect(files.find((f) => f.path === '.env')!.fingerprint).toMatch(/^hmac-sha256:/);
    expect([...written.keys()]).toEqual(['fn/code/a']);
    expect([...written.values()].join('')).not.toContain('TOKEN=abc');
    expect(counts.secretFiles).toBe(2);
  });

  it('applies the limits in path order, the same way every time', () => {
    const { ctx, written, config } = fakeContext({ maxFiles: 2, maxFileBytes: 10 });
    const files = unpackCode(ctx, zip({ 'c.js': 'c\n', 'a.js': 'a\n', 'big.js': 'x'.repeat(11), 'b.js': 'b\n' }), 'fn/code', config.code);
    expect(Object.fromEntries(files.map((f) => [f.path, f.storage]))).toEqual({ 'a.js': 'text', 'b.js': 'text', 'big.js': 'too-large', 'c.js': 'over-limit' });
    expect([...written.keys()]).toEqual(['fn/code/a.js', 'fn/code/b.js']);
  });

  it('only lists when unpacking is off, and the settings digest changes with the settings', () => {
    const { ctx, written, config } = fakeContext({ unpack: false });
    const files = unpackCode(ctx, zip({ 'a.js': 'a\n' }), 'fn/code', config.code);
    expect(files).toEqual([{ path: 'a.js', size: 2, storage: 'not-unpacked' }]);
    expect(written.size).toBe(0);
    expect(unpackSettingsDigest(config.code)).not.toBe(unpackSettingsDigest({ ...config.code, unpack: true }));
  });

  it('rejects bytes that are not a zip', () => {
    const { ctx, config } = fakeContext();
    expect(() => unpackCode(ctx, strToU8('not a zip at all'), 'fn/code', config.code)).toThrow();
  });
});

describe('CodeSha256 and bounded reads', () => {
  it('turns base64 CodeSha256 into the hex store id, and refuses anything else', () => {
    const bytes = strToU8('package');
    const digest = createHash('sha256').update(bytes);
    const b64 = digest.copy().digest('base64');
    expect(codeShaToHex(b64, 'fn')).toBe(digest.digest('hex'));
    expect(() => codeShaToHex('bm90IGEgc2hhMjU2', 'fn')).toThrow(/not a base64 sha256/);
  });

  it('stops reading a stream that is longer than the package claims', async () => {
    const stream = (async function* () {
      yield new Uint8Array(6);
      yield new Uint8Array(6);
    })();
    await expect(readAll(stream, 10, 'pkg')).rejects.toMatchObject({ code: 'INTEGRITY' });
  });
});

describe('default code fetcher (loopback only)', () => {
  const body = strToU8('zip-bytes');
  let base = '';
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/ok')) {
      res.writeHead(200);
      res.end(body);
    } else {
      res.writeHead(403);
      res.end('<Error><Code>AccessDenied</Code></Error>');
    }
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const request = (location: string): CodeRequest => ({ functionName: 'fn', region: 'us-east-1', qualifier: null, location, sha256: '0'.repeat(64), size: body.length, signal: new AbortController().signal });

  it('downloads from the location', async () => {
    const got = await readAll(await httpsCodeFetcher(request(`${base}/ok?X-Amz-Signature=abc`)), 100, 'pkg');
    expect(Buffer.from(got).toString()).toBe('zip-bytes');
  });

  it('reports a failed download by function and status, never with the presigned URL', async () => {
    const err = await httpsCodeFetcher(request(`${base}/denied?X-Amz-Signature=very-secret-signature`)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'COLLECTOR_FAILED', data: { status: 403, function: 'fn' } });
    expect(String((err as Error).message)).not.toMatch(/very-secret-signature|denied|127\.0\.0\.1/);
    expect(JSON.stringify((err as { data: unknown }).data)).not.toContain('very-secret-signature');
  });

  it('refuses plain HTTP to anything but loopback, before connecting', async () => {
    await expect(httpsCodeFetcher(request('http://example.com/pkg.zip'))).rejects.toMatchObject({ code: 'COLLECTOR_FAILED' });
    await expect(httpsCodeFetcher(request('ftp://127.0.0.1/pkg.zip'))).rejects.toMatchObject({ code: 'COLLECTOR_FAILED' });
    expect(isLoopbackHost('[::1]')).toBe(true);
    expect(isLoopbackHost('127.8.9.10')).toBe(true);
    expect(isLoopbackHost('10.0.0.1')).toBe(false);
    expect(isLoopbackHost('localhost.example.com')).toBe(false);
  });
});

describe('default code fetcher, on a bad day (a loopback server that fails and cuts answers off)', () => {
  // A stand-in for the presigned S3 URL a package is served from: it honours Range (as S3 does),
  // and fails the way the test says: 503 first, or the body cut off after `cutAfter` bytes.
  const pkg = randomBytes(300_000);
  const seen: { range: string | undefined; status: number }[] = [];
  let plan: ('503' | 'cut' | 'ok')[] = [];
  let base = '';
  const server = createServer((req, res) => {
    const step = plan.shift() ?? 'ok';
    const range = req.headers.range;
    const start = range ? Number(/^bytes=(\d+)-$/.exec(range)![1]) : 0;
    if (step === '503') {
      seen.push({ range, status: 503 });
      res.writeHead(503);
      return void res.end('<Error><Code>SlowDown</Code></Error>');
    }
    const status = range ? 206 : 200;
    seen.push({ range, status });
    res.writeHead(status, { 'content-length': String(pkg.length - start), ...(range ? { 'content-range': `bytes ${start}-${pkg.length - 1}/${pkg.length}` } : {}) });
    if (step === 'ok') return void res.end(pkg.subarray(start));
    res.write(pkg.subarray(start, start + 40_000));
    res.socket?.end(() => res.socket?.destroy());
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const request = (attempts: number): CodeRequest => ({ functionName: 'fn', region: 'us-east-1', qualifier: null, location: `${base}/pkg?X-Amz-Signature=abc`, sha256: '0'.repeat(64), size: pkg.length, signal: new AbortController().signal, attempts });

  it('retries a failed request and resumes a body cut off mid-transfer from the byte it got to', async () => {
    seen.length = 0;
    plan = ['503', 'cut', 'cut', 'ok'];
    const got = await readAll(await httpsCodeFetcher(request(6)), pkg.length, 'pkg');
    expect(Buffer.from(got).equals(pkg)).toBe(true);
    expect(seen).toEqual([
      { range: undefined, status: 503 },
      { range: undefined, status: 200 },
      { range: 'bytes=40000-', status: 206 },
      { range: 'bytes=80000-', status: 206 },
    ]);
  });

  it('gives up after the configured attempts, naming how far it got', async () => {
    seen.length = 0;
    plan = ['cut', 'cut', 'cut', 'cut'];
    const err = await readAll(await httpsCodeFetcher(request(3)), pkg.length, 'pkg').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'COLLECTOR_FAILED', message: 'the download was cut off 3 times (ECONNRESET); gave up after 117.2 KiB of 293.0 KiB' });
    expect(seen).toHaveLength(3);
  });
});
