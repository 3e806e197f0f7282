// snap export and snap checkout as library calls, on versions made by the real commit pipeline
// with the local collector: extracted by stock tar, the tarball is exactly the version (every
// payload resolved, modes from the tree); the same version always gives the same bytes; a
// missing or corrupt payload fails naming its path and leaves nothing behind; a tampered tree
// never writes outside the destination; memory stays flat with a large payload.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import tar, { type Header } from 'tar-stream';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Archive } from '../../src/archive/archive.js';
import { resolveVersion, type VersionInfo } from '../../src/archive/versions.js';
import { isSnapError } from '../../src/errors.js';
import { checkoutVersion } from '../../src/export/checkout.js';
import { versionEntries } from '../../src/export/entries.js';
import { exportToFile, exportToStream } from '../../src/export/export.js';
import { encodeTree, MODE_FILE, MODE_TREE, type TreeEntry } from '../../src/git/objects.js';
import { FsContentStore } from '../../src/store/fs-store.js';
import { parsePointer } from '../../src/store/pointer.js';
import { makeArchive, snapshot, tempDir } from '../helpers/archive.js';
import { expectSameFiles, folderFiles, versionFiles } from '../helpers/version-files.js';

const LONG_DIR = 'a-folder-name-that-is-long-enough'.repeat(3);
const LOGO = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3, 255, 254]);

function makeTools(root: string): void {
  mkdirSync(join(root, LONG_DIR, 'nested'), { recursive: true });
  mkdirSync(join(root, 'café'), { recursive: true });
  writeFileSync(join(root, 'release.py'), 'PRICE = 225\n');
  writeFileSync(join(root, 'run.sh'), '#!/bin/sh\necho run\n');
  chmodSync(join(root, 'run.sh'), 0o755);
  writeFileSync(join(root, 'logo.bin'), LOGO);
  writeFileSync(join(root, 'bundle.bin'), randomBytes(200_000));
  writeFileSync(join(root, LONG_DIR, 'nested', 'deep-file-with-a-long-name-too.txt'), 'deep\n');
  writeFileSync(join(root, 'café', 'menu – été.txt'), 'crêpes\n');
  writeFileSync(join(root, '.env'), 'STRIPE_KEY=sk_live_never_exported\n');
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function storeFile(archive: Archive, version: string, path: string): Promise<string> {
  const v = await resolveVersion(archive.repo, version);
  const e = (await archive.repo.entryAt(v.treeOid, path))!;
  const pointer = parsePointer(await archive.repo.readBlob(e.oid))!;
  return (archive.openStore(await archive.loadConfig()) as FsContentStore).pathOf(pointer.oid);
}

async function tarHeaders(tarBytes: Buffer): Promise<Header[]> {
  const extract = tar.extract();
  const headers: Header[] = [];
  const done = (async () => {
    for await (const entry of extract) {
      headers.push(entry.header);
      entry.resume();
    }
  })();
  extract.end(tarBytes);
  await done;
  return headers;
}

describe('snap export and checkout (library)', () => {
  let archive: Archive;
  let v1: VersionInfo;
  let store: FsContentStore;
  let work: string;

  beforeAll(async () => {
    const base = tempDir();
    makeTools(join(base, 'tools'));
    archive = await makeArchive({ collectors: { local: { paths: [{ name: 'tools', path: join(base, 'tools') }] } } });
    await snapshot(archive, 'v1.0');
    v1 = await resolveVersion(archive.repo, 'v1.0');
    store = archive.openStore(await archive.loadConfig()) as FsContentStore;
    work = join(base, 'work');
    mkdirSync(work);
  });

  it('extracts with stock tar to exactly the version: every file, payloads resolved, modes from the tree', async () => {
    const file = join(work, 'v1.0.tar');
    const stats = await exportToFile(archive.repo, store, v1, file, { gzip: false });
    const out = join(work, 'extracted');
    mkdirSync(out);
    execFileSync('tar', ['-xf', file, '-C', out]);
    expect(readdirSync(out)).toEqual(['v1.0']);
    const expected = await versionFiles(archive, 'v1.0');
    expected.set('PAYLOADS.jsonl', { bytes: Buffer.alloc(0), mode: 0o644 }); // the index of listed payloads: none without S3
    expectSameFiles(folderFiles(join(out, 'v1.0')), expected);
    expect(stats).toMatchObject({ files: expected.size, payloads: 2 });

    const tools = join(out, 'v1.0', 'local_repos', 'tools', 'files');
    expect(readFileSync(join(tools, 'logo.bin'))).toEqual(LOGO); // the payload, not its pointer
    expect(folderFiles(tools).get('run.sh')!.mode).toBe(0o755);
    expect(readFileSync(join(tools, 'café', 'menu – été.txt'), 'utf8')).toBe('crêpes\n');
    expect(existsSync(join(tools, LONG_DIR, 'nested', 'deep-file-with-a-long-name-too.txt'))).toBe(true);
    expect(existsSync(join(tools, '.env'))).toBe(false);
    expect(readFileSync(file).includes('sk_live_never_exported')).toBe(false);
  });

  it('gives the same bytes every time, gzipped too, with fixed header fields and the tree order', async () => {
    const paths = ['a.tar', 'b.tar', 'a.tar.gz', 'b.tgz'].map((n) => join(work, n));
    for (const p of paths) await exportToFile(archive.repo, store, v1, p, { gzip: !p.endsWith('.tar') });
    const [a, b, agz, bgz] = paths.map((p) => readFileSync(p));
    expect(sha256(a!)).toBe(sha256(b!));
    expect(sha256(agz!)).toBe(sha256(bgz!));
    expect(gunzipSync(agz!).equals(a!)).toBe(true);
    // gzip header: deflate, no flags, no mtime, no name, OS "unknown"
    expect([...agz!.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
    execFileSync('gzip', ['-t', paths[2]!]);

    const commitTime = (await archive.repo.readCommit(v1.commitOid)).committer.timestamp;
    const headers = await tarHeaders(a!);
    for (const h of headers) {
      expect({ uid: h.uid, gid: h.gid, uname: h.uname, gname: h.gname, mtime: h.mtime.getTime() / 1000 }).toEqual({ uid: 0, gid: 0, uname: 'root', gname: 'root', mtime: commitTime });
      expect(['file', 'directory']).toContain(h.type);
      expect(h.mode).toBe(h.type === 'directory' || h.name.endsWith('run.sh') ? 0o755 : 0o644);
    }
    const names = headers.map((h) => h.name);
    const walked = ['v1.0/'];
    for await (const e of versionEntries(archive.repo, store, v1.treeOid)) walked.push(`v1.0/${e.path}${e.kind === 'directory' ? '/' : ''}`);
    expect(names).toEqual(walked);
    // A long or non-ASCII name gets a pax header; it carries the path and nothing else (no times).
    expect(names.some((n) => n.includes('été'))).toBe(true);
    const text = a!.toString('latin1');
    expect(text).toContain(' path=');
    expect(text).not.toMatch(/ (mtime|atime|ctime)=/);
  });

  it('streams to any writable (stdout) the same bytes as to a file', async () => {
    const chunks: Buffer[] = [];
    const sink = new Writable({ write: (c, _e, done) => (chunks.push(c as Buffer), done()) });
    await exportToStream(archive.repo, store, v1, sink, { gzip: true });
    expect(sha256(Buffer.concat(chunks))).toBe(sha256(readFileSync(join(work, 'a.tar.gz'))));
    const plain: Buffer[] = [];
    await exportToStream(archive.repo, store, v1, new Writable({ write: (c, _e, done) => (plain.push(c as Buffer), done()) }), { gzip: false, prefix: '' });
    expect((await tarHeaders(Buffer.concat(plain)))[0]!.name).toBe('.gitattributes');
  });

  it("reports the output's own failure (a full disk), not what it causes upstream", async () => {
    let written = 0;
    const full = new Writable({
      write(c: Buffer, _e, done) {
        written += c.length;
        done(written > 100_000 ? Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }) : null);
      },
    });
    await expect(exportToStream(archive.repo, store, v1, full, { gzip: false })).rejects.toThrow(/^no space left on device$/);
  });

  it('checks out the same content as the export, atomically, into a new or empty folder', async () => {
    const dir = join(work, 'checkout');
    const stats = await checkoutVersion(archive.repo, store, v1, dir);
    expectSameFiles(folderFiles(dir), folderFiles(join(work, 'extracted', 'v1.0')));
    expect(stats.payloads).toBe(2);
    expect(readdirSync(work).filter((n) => n.includes('.tmp-'))).toEqual([]);

    const empty = join(work, 'empty');
    mkdirSync(empty);
    await checkoutVersion(archive.repo, store, v1, empty);
    expect(folderFiles(empty).size).toBe(stats.files);
  });

  it('refuses a folder that is not empty, and changes nothing in it', async () => {
    const dir = join(work, 'busy');
    mkdirSync(dir);
    writeFileSync(join(dir, 'keep.txt'), 'mine\n');
    const err = await checkoutVersion(archive.repo, store, v1, dir).catch((e: unknown) => e);
    expect(isSnapError(err) && err.code).toBe('USAGE');
    expect(String(err)).toMatch(/is not empty/);
    expect(readdirSync(dir)).toEqual(['keep.txt']);
    const file = join(work, 'a-file');
    writeFileSync(file, 'x');
    expect(String(await checkoutVersion(archive.repo, store, v1, file).catch((e: unknown) => e))).toMatch(/not a folder/);
  });

  describe('with a damaged content store', () => {
    let payload: string;
    let saved: Buffer;
    beforeAll(async () => {
      payload = await storeFile(archive, 'v1.0', 'local_repos/tools/files/bundle.bin');
      saved = readFileSync(payload);
    });
    const restore = () => {
      rmSync(payload, { force: true });
      writeFileSync(payload, saved, { mode: 0o444 });
    };

    it('fails naming the path of a missing payload, and leaves no file (an older one stays)', async () => {
      const file = join(work, 'missing.tar.gz');
      writeFileSync(file, 'an older export\n');
      unlinkSync(payload);
      try {
        const err = await exportToFile(archive.repo, store, v1, file, { gzip: true }).catch((e: unknown) => e);
        expect(isSnapError(err) && err.code).toBe('STORE_MISSING_OBJECT');
        expect(String(err)).toContain('local_repos/tools/files/bundle.bin');
        expect(readFileSync(file, 'utf8')).toBe('an older export\n');
        expect(readdirSync(work).filter((n) => n.includes('.tmp-'))).toEqual([]);

        const dir = join(work, 'missing-checkout');
        const co = await checkoutVersion(archive.repo, store, v1, dir).catch((e: unknown) => e);
        expect(String(co)).toContain('local_repos/tools/files/bundle.bin');
        expect(existsSync(dir)).toBe(false);
        expect(readdirSync(work).filter((n) => n.includes('.tmp-'))).toEqual([]);
      } finally {
        restore();
      }
    });

    it('fails naming the path of a corrupt payload (checked as it streams), and leaves nothing behind', async () => {
      rmSync(payload);
      const bad = Buffer.from(saved);
      bad[1000] = bad[1000]! ^ 0xff;
      writeFileSync(payload, bad);
      try {
        const file = join(work, 'corrupt.tar');
        const err = await exportToFile(archive.repo, store, v1, file, { gzip: false }).catch((e: unknown) => e);
        expect(isSnapError(err) && err.code).toBe('INTEGRITY');
        expect(String(err)).toContain('local_repos/tools/files/bundle.bin');
        expect(existsSync(file)).toBe(false);
        const dir = join(work, 'corrupt-checkout');
        expect(String(await checkoutVersion(archive.repo, store, v1, dir).catch((e: unknown) => e))).toContain('bundle.bin is corrupt');
        expect(existsSync(dir)).toBe(false);

        // longer than the pointer says: stopped before the tar entry could overflow
        rmSync(payload);
        writeFileSync(payload, Buffer.concat([saved, Buffer.from('tail')]));
        expect(String(await exportToFile(archive.repo, store, v1, file, { gzip: false }).catch((e: unknown) => e))).toMatch(/bundle\.bin is corrupt: longer than/);
        expect(existsSync(file)).toBe(false);
      } finally {
        restore();
      }
      await exportToFile(archive.repo, store, v1, join(work, 'again.tar'), { gzip: false });
      expect(sha256(readFileSync(join(work, 'again.tar')))).toBe(sha256(readFileSync(join(work, 'a.tar'))));
    });
  });

  it('refuses a tampered tree that would write outside the destination', async () => {
    const blob = archive.repo.beginWrite();
    const bad = async (entries: TreeEntry[]) => {
      const inner = blob.write('tree', encodeTree(entries));
      const root = blob.write('tree', encodeTree([{ name: 'local_repos', mode: MODE_TREE, oid: inner }]));
      return { ...v1, treeOid: root };
    };
    const content = blob.write('blob', Buffer.from('pwned\n'));
    const cases = [
      await bad([{ name: '..', mode: MODE_TREE, oid: blob.write('tree', encodeTree([{ name: 'evil', mode: MODE_FILE, oid: content }])) }]),
      await bad([{ name: 'link', mode: '120000' as never, oid: content }]),
      await bad([{ name: '.git', mode: MODE_TREE, oid: blob.write('tree', encodeTree([{ name: 'config', mode: MODE_FILE, oid: content }])) }]),
    ];
    await blob.commit();
    for (const [i, version] of cases.entries()) {
      const dir = join(work, `tampered-${i}`);
      const err = await checkoutVersion(archive.repo, store, version, dir).catch((e: unknown) => e);
      expect(isSnapError(err) && err.code).toBe('UNSAFE_PATH');
      expect(existsSync(dir)).toBe(false);
      const file = join(work, `tampered-${i}.tar`);
      expect(isSnapError(await exportToFile(archive.repo, store, version, file, { gzip: false }).catch((e: unknown) => e))).toBe(true);
      expect(existsSync(file)).toBe(false);
    }
    expect(existsSync(join(work, 'evil'))).toBe(false);
  });

  it('keeps memory flat while exporting a large payload (no payload is ever buffered)', { timeout: 180_000 }, async () => {
    const MiB = 1 << 20;
    const size = 192 * MiB;
    const base = tempDir();
    const big = join(base, 'big');
    mkdirSync(big);
    const fd = openSync(join(big, 'disk.img'), 'w');
    const chunk = randomBytes(MiB);
    for (let i = 0; i < size / MiB; i++) {
      chunk.writeUInt32BE(i, 0); // every MiB different
      writeSync(fd, chunk);
    }
    closeSync(fd);
    const large = await makeArchive({ collectors: { local: { paths: [{ name: 'big', path: big }] } } });
    await snapshot(large, 'v1.0');
    rmSync(big, { recursive: true });
    const version = await resolveVersion(large.repo, 'v1.0');
    const largeStore = large.openStore(await large.loadConfig());

    const before = process.memoryUsage();
    let peakRss = before.rss;
    let peakBuffers = before.arrayBuffers;
    let bytes = 0;
    const hash = createHash('sha256');
    const sink = new Writable({
      highWaterMark: 64 * 1024,
      write(c: Buffer, _e, done) {
        bytes += c.length;
        hash.update(c);
        const m = process.memoryUsage();
        peakRss = Math.max(peakRss, m.rss);
        peakBuffers = Math.max(peakBuffers, m.arrayBuffers);
        setImmediate(done); // a slow reader: backpressure must hold the producer back
      },
    });
    await exportToStream(large.repo, largeStore, version, sink, { gzip: false });
    expect(bytes).toBeGreaterThan(size);
    // Buffering the payload would add 192 MiB; streaming adds a few chunks of 1 MiB.
    expect((peakBuffers - before.arrayBuffers) / MiB).toBeLessThan(48);
    expect((peakRss - before.rss) / MiB).toBeLessThan(96);
  });
});
