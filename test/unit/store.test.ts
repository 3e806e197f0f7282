// The content-store contract, run against the filesystem backend. Every backend must pass it.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, chmodSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { crc32 } from 'node:zlib';
import { crc32Base64 } from '../../src/store/digests.js';
import { FsContentStore } from '../../src/store/fs-store.js';
import { HashingStore } from '../../src/store/hashing-store.js';
import type { ContentStore } from '../../src/store/types.js';
import { tempDir } from '../helpers/archive.js';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

async function readAll(s: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

function* chunked(total: number, size: number): Generator<Buffer> {
  for (let sent = 0; sent < total; sent += size) yield Buffer.alloc(Math.min(size, total - sent), sent % 251);
}

function storeContract(name: string, make: () => ContentStore & { sweepTemporaries?: (ms?: number) => Promise<number> }) {
  describe(`${name}: content store contract`, () => {
    it('stores a stream under its sha256 and gives back the exact bytes', async () => {
      const store = make();
      const data = Buffer.from('hello, estate\n');
      const p = await store.put(Readable.from([data.subarray(0, 5), data.subarray(5)]));
      expect(p).toEqual({ oid: sha(data), size: data.length });
      expect(await store.has(p.oid)).toBe(true);
      expect(await store.stat(p.oid)).toBe(data.length);
      expect(await readAll(await store.open(p.oid))).toEqual(data);
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

    it('lists every object once with its size, never a temporary, and deletes one object at a time', async () => {
      const store = make();
      const a = await store.put('first payload');
      const b = await store.put(Buffer.alloc(70_000, 3));
      await store.put('first payload'); // deduplicated: still one object
      const listed = async () => {
        const out: { oid: string; size: number }[] = [];
        for await (const o of store.listObjects()) out.push(o);
        return out.sort((x, y) => (x.oid < y.oid ? -1 : 1));
      };
      expect(await listed()).toEqual([a, b].map((p) => ({ oid: p.oid, size: p.size })).sort((x, y) => (x.oid < y.oid ? -1 : 1)));
      expect(await store.delete(a.oid)).toEqual({ status: 'deleted', size: a.size });
      expect(await store.delete(a.oid)).toEqual({ status: 'missing' });
      expect(await listed()).toEqual([{ oid: b.oid, size: b.size }]);
      expect(await store.check(a)).toEqual({ status: 'missing' });
      expect(await store.check(b)).toEqual({ status: 'ok' });
      // Deleted content can be stored again.
      expect(await store.put('first payload')).toEqual(a);
    });
  });
}

storeContract('FsContentStore', () => new FsContentStore({ root: join(tempDir(), 'store') }));

describe('FsContentStore specifics', () => {
  it('uses the git-lfs object layout and makes objects read-only', async () => {
    const root = join(tempDir(), 'store');
    const store = new FsContentStore({ root });
    const p = await store.put('layout');
    const path = join(root, p.oid.slice(0, 2), p.oid.slice(2, 4), p.oid);
    expect(readFileSync(path, 'utf8')).toBe('layout');
    expect(existsSync(path)).toBe(true);
  });

  it('detects a flipped byte and a truncated object as corrupt', async () => {
    const root = join(tempDir(), 'store');
    const store = new FsContentStore({ root });
    const p = await store.put('precious bytes');
    const path = store.pathOf(p.oid);
    chmodSync(path, 0o644);
    const bytes = readFileSync(path);
    bytes[3] ^= 0x01;
    writeFileSync(path, bytes);
    expect(await store.check(p)).toMatchObject({ status: 'corrupt' });
    writeFileSync(path, 'precious');
    expect(await store.check(p)).toMatchObject({ status: 'corrupt', actual: { size: 8 } });
  });

  it('lists nothing for a store that was never written, and skips temporaries and foreign files', async () => {
    const root = join(tempDir(), 'store');
    const store = new FsContentStore({ root });
    const none: unknown[] = [];
    for await (const o of store.listObjects()) none.push(o);
    expect(none).toEqual([]);
    const p = await store.put('only this');
    mkdirSync(join(root, 'tmp'), { recursive: true });
    writeFileSync(join(root, 'tmp', '1234-deadbeef'), 'half a payl');
    writeFileSync(join(root, p.oid.slice(0, 2), p.oid.slice(2, 4), 'notes.txt'), 'not an object');
    const listed: unknown[] = [];
    for await (const o of store.listObjects()) listed.push(o);
    expect(listed).toEqual([{ oid: p.oid, size: p.size }]);
  });

  it('sweeps temporaries left by an interrupted write, and only those', async () => {
    const root = join(tempDir(), 'store');
    const store = new FsContentStore({ root });
    const kept = await store.put('kept');
    mkdirSync(join(root, 'tmp'), { recursive: true });
    writeFileSync(join(root, 'tmp', '1234-deadbeef'), 'half a payl');
    expect(await store.sweepTemporaries(0)).toBe(1);
    expect(readdirSync(join(root, 'tmp'))).toEqual([]);
    expect(await store.check(kept)).toEqual({ status: 'ok' });
  });

  it('hashes and checks like the real store in its hash-only view, keeping nothing', async () => {
    const real = new FsContentStore({ root: join(tempDir(), 'store') });
    const view = new HashingStore(real);
    const data = Buffer.alloc(200_000, 9);
    const crc = { algorithm: 'crc32', value: crc32Base64(crc32(data)), name: 'CRC32 checksum' } as const;
    expect(await view.put(Readable.from([data.subarray(0, 1000), data.subarray(1000)]), { expect: { size: data.length, checksum: crc } })).toEqual({ oid: sha(data), size: data.length });
    await expect(view.put(Buffer.alloc(200_000, 8), { expect: { checksum: crc } })).rejects.toMatchObject({ code: 'INTEGRITY' });
    expect(await real.has(sha(data))).toBe(false);
  });

  it('streams a large payload without holding it in memory', async () => {
    const store = new FsContentStore({ root: join(tempDir(), 'store'), fsync: false });
    const total = 256 * 1024 * 1024;
    const before = process.memoryUsage().rss;
    const p = await store.put(Readable.from(chunked(total, 1024 * 1024)));
    const grown = process.memoryUsage().rss - before;
    expect(p.size).toBe(total);
    expect(grown).toBeLessThan(96 * 1024 * 1024);
  });
});
