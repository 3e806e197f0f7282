// The content-store contract every backend must pass (src/store/types.ts): the filesystem
// store runs it in test/unit/store.test.ts, the S3 vault against moto in
// test/integration/vault-store.test.ts.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32Base64 } from '../../src/store/digests.js';
import type { ContentStore } from '../../src/store/types.js';

export const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

export async function readAll(s: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

export function* chunked(total: number, size: number): Generator<Buffer> {
  for (let sent = 0; sent < total; sent += size) yield Buffer.alloc(Math.min(size, total - sent), sent % 251);
}

export function storeContract(name: string, make: () => ContentStore & { sweepTemporaries?: (ms?: number) => Promise<number> }) {
  describe(`${name}: content store contract`, () => {
    it('stores a stream under its sha256 and gives back the exact bytes', async () => {
      const store = make();
      const data = Buffer.from('hello, estate\n');
      const p = await store.put(Readable.from([data.subarray(0, 5), data.subarray(5)]));
      expect(p).toEqual({ oid: sha(data), size: data.length });
      expect(await store.has(p.oid)).toBe(true);
      expect(await store.stat(p.oid)).toBe(data.length);
      expect(await readAll(await store.open(p.oid))).toEqual(data);
      expect(await store.check(p)).toMatchObject({ status: 'ok' });
    });

    it('stores the empty payload', async () => {
      const store = make();
      const p = await store.put(Buffer.alloc(0));
      expect(p).toEqual({ oid: sha(''), size: 0 });
      expect((await readAll(await store.open(p.oid))).length).toBe(0);
    });

    it('deduplicates identical content', async () => {
      const store = make();
      const a = await store.put('same');
      const b = await store.put(Readable.from([Buffer.from('sa'), Buffer.from('me')]));
      expect(b).toEqual(a);
    });

    it('lets concurrent writers of the same content all succeed with one object', async () => {
      const store = make();
      const payload = Buffer.concat([...chunked(3 * 1024 * 1024, 64 * 1024)]);
      const results = await Promise.all(Array.from({ length: 8 }, () => store.put(Readable.from(chunked(payload.length, 64 * 1024)))));
      expect(new Set(results.map((r) => r.oid)).size).toBe(1);
      // Buffer.equals: a deep toEqual over megabytes walks every byte through the matcher.
      expect((await readAll(await store.open(results[0]!.oid))).equals(payload)).toBe(true);
    });

    it('refuses content that does not match the expected hash or size, keeping nothing', async () => {
      const store = make();
      await expect(store.put('abc', { expect: { sha256: sha('abd'), label: 'x' } })).rejects.toMatchObject({ code: 'INTEGRITY' });
      await expect(store.put('abc', { expect: { size: 4 } })).rejects.toMatchObject({ code: 'INTEGRITY' });
      expect(await store.has(sha('abc'))).toBe(false);
      expect(await store.put('abc', { expect: { sha256: sha('abc'), size: 3 } })).toEqual({ oid: sha('abc'), size: 3 });
    });

    it('leaves no object behind when the source stream fails half-way', async () => {
      const store = make();
      async function* broken() {
        yield Buffer.from('partial data');
        throw new Error('connection reset');
      }
      await expect(store.put(broken())).rejects.toThrow('connection reset');
      expect(await store.has(sha('partial data'))).toBe(false);
    });

    it('checks a second checksum (CRC32, MD5, SHA1) in the same pass, keeping nothing on a mismatch', async () => {
      const store = make();
      const size = 300_000;
      const data = Buffer.from(Array.from({ length: size }, (_, i) => (i * 7) % 251));
      const pieces = (bytes: Buffer) => Readable.from(Array.from({ length: Math.ceil(size / 65_536) }, (_, i) => bytes.subarray(i * 65_536, (i + 1) * 65_536)));
      const crc = { algorithm: 'crc32', value: crc32Base64(crc32(data)), name: 'CRC32 checksum' } as const;
      for (const checksum of [crc, { algorithm: 'md5', value: createHash('md5').update(data).digest('hex'), name: 'MD5 ETag' }, { algorithm: 'sha1', value: createHash('sha1').update(data).digest('base64'), name: 'SHA1 checksum' }] as const) {
        expect(await store.put(pieces(data), { expect: { size, checksum } })).toEqual({ oid: sha(data), size });
      }
      expect((await readAll(await store.open(sha(data)))).equals(data)).toBe(true);
      const damaged = Buffer.from(data);
      damaged[size - 1] ^= 0xff;
      await expect(store.put(pieces(damaged), { expect: { size, label: 's3://b/k', checksum: crc } })).rejects.toMatchObject({ code: 'INTEGRITY', message: 'content of s3://b/k does not match its CRC32 checksum' });
      expect(await store.has(sha(damaged))).toBe(false);
      // A wrong size is named as such, before any checksum.
      await expect(store.put(pieces(data), { expect: { size: size + 1, checksum: crc } })).rejects.toMatchObject({ code: 'INTEGRITY', message: expect.stringContaining(`is ${size} bytes, expected ${size + 1}`) });
    });

    it('says missing for an absent object and open() fails with a typed error', async () => {
      const store = make();
      const oid = sha('never stored');
      expect(await store.check({ oid, size: 12 })).toEqual({ status: 'missing' });
      await expect(store.open(oid)).rejects.toMatchObject({ code: 'STORE_MISSING_OBJECT' });
    });
  });
}

