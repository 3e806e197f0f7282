// Reading one object (fetch.ts) against a stub S3 client and a real content store: checksums
// checked while streaming, mismatches refused; and the declared normalization rules
// (must-appear / must-not-appear) of object headers and bucket configurations.
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { fetchObject, md5FromEtag, normalizeHeaders, sha256FromChecksum } from '../../src/collectors/aws/s3/fetch.js';
import { CONFIG_RULES, OBJECT_HEADER_RULES, parsePolicy } from '../../src/collectors/aws/s3/normalize.js';
import { normalize } from '../../src/normalize/rules.js';
import { FsContentStore } from '../../src/store/fs-store.js';

const root = mkdtempSync(join(tmpdir(), 'snap-s3-unit-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A client whose GetObject answers `bytes` with the given headers, in 3 chunks. */
function stubClient(bytes: Buffer, headers: Record<string, unknown>): S3Client & { inputs: any[] } {
  const inputs: any[] = [];
  return {
    inputs,
    send: async (cmd: { input: unknown }) => {
      inputs.push(cmd.input);
      const third = Math.ceil(bytes.length / 3);
      return { Body: Readable.from([bytes.subarray(0, third), bytes.subarray(third, 2 * third), bytes.subarray(2 * third)]), ContentLength: bytes.length, $metadata: { requestId: 'r-1' }, ...headers };
    },
  } as unknown as S3Client & { inputs: any[] };
}

function storeFiles(store: FsContentStore): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (!d.endsWith('tmp')) out.push(e.name);
    }
  };
  try {
    walk(store.root);
  } catch {
    /* empty store */
  }
  return out;
}

describe('fetching an object', () => {
  const listed = (key: string, bytes: Buffer) => ({ key, size: bytes.length, etag: md5(bytes), lastModified: '2024-01-01T00:00:00.000Z', storageClass: 'STANDARD' });

  it('streams into the store, checks the MD5 ETag, asks for exactly the listed object', async () => {
    const store = new FsContentStore({ root: join(root, 'a'), fsync: false });
    const bytes = Buffer.alloc(100_000, 3);
    const client = stubClient(bytes, { ETag: `"${md5(bytes)}"`, ContentType: 'application/octet-stream', Metadata: { k: 'v' } });
    const got = await fetchObject({ client, store, bucket: 'b', object: listed('blob.bin', bytes), wantText: false, textMaxBytes: 1024 });
    expect(got).toMatchObject({ sha256: sha256(bytes), size: bytes.length, etag: md5(bytes), headers: { ContentType: 'application/octet-stream', Metadata: { k: 'v' } } });
    expect(got.text).toBeUndefined();
    expect(client.inputs[0]).toMatchObject({ Bucket: 'b', Key: 'blob.bin', IfMatch: `"${md5(bytes)}"` });
    expect(storeFiles(store)).toEqual([sha256(bytes)]);
  });

  it('hands back small text for a readable copy', async () => {
    const store = new FsContentStore({ root: join(root, 'b'), fsync: false });
    const bytes = Buffer.from('<p>hello</p>\n');
    const got = await fetchObject({ client: stubClient(bytes, { ETag: `"${md5(bytes)}"`, ContentType: 'text/html' }), store, bucket: 'b', object: listed('i.html', bytes), wantText: true, textMaxBytes: 1024 });
    expect(Buffer.from(got.text!).toString()).toBe('<p>hello</p>\n');
  });

  it('refuses bytes that do not match the MD5 ETag: IntegrityError, small ones never stored', async () => {
    const store = new FsContentStore({ root: join(root, 'c'), fsync: false });
    const bytes = Buffer.from('<p>genuine</p>\n');
    const client = stubClient(Buffer.from('<p>damaged</p>\n'), { ETag: `"${md5(bytes)}"`, ContentType: 'text/html' });
    await expect(fetchObject({ client, store, bucket: 'b', object: listed('i.html', bytes), wantText: true, textMaxBytes: 1024 })).rejects.toMatchObject({ code: 'INTEGRITY' });
    expect(storeFiles(store)).toEqual([]);
  });

  it('refuses bytes that do not match a full-object ChecksumSHA256, and keeps nothing', async () => {
    const store = new FsContentStore({ root: join(root, 'd'), fsync: false });
    const real = Buffer.alloc(50_000, 1);
    const served = Buffer.alloc(50_000, 2);
    const client = stubClient(served, { ETag: '"0123456789abcdef0123456789abcdef-2"', ChecksumSHA256: createHash('sha256').update(real).digest('base64'), ChecksumType: 'FULL_OBJECT' });
    await expect(fetchObject({ client, store, bucket: 'b', object: { ...listed('x.bin', real), etag: '0123456789abcdef0123456789abcdef-2' }, wantText: false, textMaxBytes: 0 })).rejects.toMatchObject({ code: 'INTEGRITY' });
    expect(storeFiles(store)).toEqual([]);
  });

  it('checks a full-object CRC32 itself instead of the MD5, and refuses bytes that do not match it', async () => {
    const store = new FsContentStore({ root: join(root, 'e'), fsync: false });
    const bytes = Buffer.from('<p>checked by CRC</p>\n');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(bytes) >>> 0);
    const notMd5 = '0123456789abcdef0123456789abcdef'; // as an SSE-KMS object's ETag would be
    const object = { ...listed('c.html', bytes), etag: notMd5 };
    const got = await fetchObject({ client: stubClient(bytes, { ETag: `"${notMd5}"`, ChecksumCRC32: crc.toString('base64') }), store, bucket: 'b', object, wantText: false, textMaxBytes: 0 });
    expect(got.sha256).toBe(sha256(bytes));
    const damaged = Buffer.from('<p>checked by CRC!</p>\n');
    const client = stubClient(damaged, { ETag: `"${notMd5}"`, ChecksumCRC32: crc.toString('base64'), ContentLength: damaged.length });
    await expect(fetchObject({ client, store, bucket: 'b', object: { ...object, size: damaged.length }, wantText: false, textMaxBytes: 0 })).rejects.toMatchObject({ code: 'INTEGRITY', message: expect.stringContaining('CRC32') });
  });

  it('knows when an ETag or a checksum is a content hash and when it is not', () => {
    expect(md5FromEtag('d41d8cd98f00b204e9800998ecf8427e', {})).toBe('d41d8cd98f00b204e9800998ecf8427e');
    expect(md5FromEtag('d41d8cd98f00b204e9800998ecf8427e-3', {})).toBeNull(); // multipart
    expect(md5FromEtag('d41d8cd98f00b204e9800998ecf8427e', { ServerSideEncryption: 'aws:kms' })).toBeNull();
    expect(md5FromEtag('d41d8cd98f00b204e9800998ecf8427e', { SSECustomerAlgorithm: 'AES256' })).toBeNull();
    const hex = sha256(Buffer.from('x'));
    expect(sha256FromChecksum({ ChecksumSHA256: Buffer.from(hex, 'hex').toString('base64') })).toBe(hex);
    expect(sha256FromChecksum({ ChecksumSHA256: 'abc=-4' })).toBeNull();
    expect(sha256FromChecksum({ ChecksumSHA256: Buffer.from(hex, 'hex').toString('base64'), ChecksumType: 'COMPOSITE' })).toBeNull();
  });
});

describe('declared normalization rules', () => {
  it('object headers keep metadata and drop what is per-request or changes without the object changing', () => {
    const out = normalizeHeaders({
      $metadata: { requestId: 'REQ123', httpStatusCode: 200 },
      Body: Readable.from([]) as never,
      ContentType: 'text/html',
      CacheControl: 'max-age=60',
      ContentEncoding: 'identity',
      ExpiresString: 'Tue, 01 Jan 2030 00:00:00 GMT',
      Expires: new Date('2030-01-01'),
      WebsiteRedirectLocation: '/other',
      ServerSideEncryption: 'AES256',
      ChecksumCRC32: 'y0imOg==',
      Metadata: { owner: 'web' },
      ETag: '"abc"',
      LastModified: new Date(),
      ContentLength: 10,
      AcceptRanges: 'bytes',
      Restore: 'ongoing-request="true"',
      ReplicationStatus: 'PENDING',
      TagCount: 3,
      Expiration: 'expiry-date="…", rule-id="tmp"',
      VersionId: 'v1',
      StorageClass: 'STANDARD_IA',
    } as never);
    expect(out).toEqual({
      ContentType: 'text/html',
      CacheControl: 'max-age=60',
      ContentEncoding: 'identity',
      ExpiresString: 'Tue, 01 Jan 2030 00:00:00 GMT',
      WebsiteRedirectLocation: '/other',
      ServerSideEncryption: 'AES256',
      ChecksumCRC32: 'y0imOg==',
      Metadata: { owner: 'web' },
    });
    expect(JSON.stringify(out)).not.toContain('REQ123');
    expect(OBJECT_HEADER_RULES.drop).toContain('Restore');
  });

  it('bucket configurations: sets sorted by identity (policy statements by Sid), ordered lists kept', () => {
    const tags = normalize({ value: { TagSet: [{ Key: 'z', Value: '1' }, { Key: 'a', Value: '2' }] } }, CONFIG_RULES.tagging) as any;
    expect(tags.value.TagSet.map((t: any) => t.Key)).toEqual(['a', 'z']);
    const lifecycle = normalize({ value: { Rules: [{ ID: 'b' }, { ID: 'a' }] } }, CONFIG_RULES.lifecycle) as any;
    expect(lifecycle.value.Rules.map((r: any) => r.ID)).toEqual(['a', 'b']);
    const cors = normalize({ value: { CORSRules: [{ ID: 'second', AllowedMethods: ['PUT', 'GET'] }, { ID: 'first', AllowedMethods: ['GET'] }] } }, CONFIG_RULES.cors) as any;
    expect(cors.value.CORSRules.map((r: any) => r.ID)).toEqual(['second', 'first']); // first match wins: order kept
    expect(cors.value.CORSRules[0].AllowedMethods).toEqual(['GET', 'PUT']);
    const notification = normalize({ value: { QueueConfigurations: [{ Id: 'q2', Events: ['s3:ObjectRemoved:*', 's3:ObjectCreated:*'] }, { Id: 'q1', Events: [] }] } }, CONFIG_RULES.notification) as any;
    expect(notification.value.QueueConfigurations.map((q: any) => q.Id)).toEqual(['q1', 'q2']);
    expect(notification.value.QueueConfigurations[1].Events).toEqual(['s3:ObjectCreated:*', 's3:ObjectRemoved:*']);
    const policy = parsePolicy('{"Statement":[{"Sid":"Z"},{"Sid":"A"}],"Version":"2012-10-17"}') as any;
    // A policy's statements are the set S3 evaluates: by Sid, sorted.
    expect(normalize({ value: policy }, CONFIG_RULES.policy)).toEqual({ value: { Statement: [{ Sid: 'A' }, { Sid: 'Z' }], Version: '2012-10-17' } });
    expect(parsePolicy('not json')).toEqual({ unparsedPolicy: 'not json' });
  });
});

describe('byte budget for downloads in flight', () => {
  it('runs small tasks side by side, large ones a few at a time, and one larger than the budget alone', async () => {
    const { createByteBudget } = await import('../../src/collectors/aws/s3/byte-budget.js');
    const budget = createByteBudget(100);
    let running = 0;
    let peak = 0;
    const task = (ms: number) => async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, ms));
      running--;
    };
    await Promise.all(Array.from({ length: 10 }, () => budget(10, task(5))));
    expect(peak).toBe(10);
    peak = 0;
    await Promise.all(Array.from({ length: 6 }, () => budget(40, task(5))));
    expect(peak).toBe(2);
    peak = 0;
    const order: string[] = [];
    await Promise.all([budget(60, async () => order.push('a')), budget(500, async () => order.push('huge')), budget(10, async () => order.push('b'))]);
    expect(order).toEqual(['a', 'huge', 'b']); // arrival order, nothing starved
  });
});
