// The content-store contract (test/helpers/store-contract.ts) run against the filesystem
// backend, and what is particular to it.
import { existsSync, readdirSync, readFileSync, chmodSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { crc32 } from 'node:zlib';
import { crc32Base64 } from '../../src/store/digests.js';
import { FsContentStore } from '../../src/store/fs-store.js';
import { HashingStore } from '../../src/store/hashing-store.js';
import { tempDir } from '../helpers/archive.js';
import { chunked, sha, storeContract } from '../helpers/store-contract.js';

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

  it('sweeps temporaries left by an interrupted write, and only those', async () => {
    const root = join(tempDir(), 'store');
    const store = new FsContentStore({ root });
    const kept = await store.put('kept');
    mkdirSync(join(root, 'tmp'), { recursive: true });
    writeFileSync(join(root, 'tmp', '1234-deadbeef'), 'half a payl');
    expect(await store.sweepTemporaries(0)).toBe(1);
    expect(readdirSync(join(root, 'tmp'))).toEqual([]);
    expect(await store.check(kept)).toMatchObject({ status: 'ok' });
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
