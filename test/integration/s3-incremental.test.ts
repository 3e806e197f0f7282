// The S3 collector's re-snapshots, seen through a counting proxy in front of moto: an unchanged
// estate costs only listing and configuration calls (zero object GETs) and gives the same
// tree; a changed object (same size), a deleted one and a new one cost exactly their own
// GETs. Also: refusals (AccessDenied on a configuration, an object, a listing) are findings,
// a corrupted download is an integrity failure, and manifests split into bounded shards.
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Archive } from '../../src/archive/archive.js';
import { commitVersion } from '../../src/archive/commit.js';
import { s3Collector } from '../../src/collectors/aws/s3/collect.js';
import type { BucketRecord, ShardFile } from '../../src/collectors/aws/s3/manifest.js';
import { resolveS3Uri } from '../../src/collectors/aws/s3/resolve.js';
import { silentLogger, type Progress } from '../../src/util/log.js';
import { expectStockGitAgrees, makeArchive, readVersion, snapshot, writeConfig } from '../helpers/archive.js';
import { useMoto } from '../helpers/moto.js';
import { s3Proxy, type S3Proxy } from '../helpers/s3-proxy.js';
import { createBucket, put, s3Client } from '../helpers/s3-seed.js';


const { endpoint } = useMoto();
const collectors = [s3Collector];
const SHARD_MAX = 3;
const ARCHIVE_CONFIG = { collectors: { s3: { textMaxBytes: 1024, shardMaxEntries: SHARD_MAX } } };
const LISTING_AND_CONFIG = /^(ListBuckets|GetBucketLocation|ListObjectsV2|ListObjectVersions|Get(Bucket\w+|PublicAccessBlock|ObjectLockConfiguration))$/;

async function shards(archive: Archive, version: string, bucket: string): Promise<Map<string, { oid: string; file: ShardFile }>> {
  const v = await readVersion(archive, version, `s3_buckets/${bucket}/objects`);
  const out = new Map<string, { oid: string; file: ShardFile }>();
  for (const e of await v.list()) out.set(e.name, { oid: e.oid, file: (await v.json<ShardFile>(e.name))! });
  return out;
}

async function catBytes(archive: Archive, version: string, uri: string): Promise<string> {
  const found = await resolveS3Uri(uri, await readVersion(archive, version));
  if (found?.kind !== 'pointer') throw new Error('no pointer');
  const chunks: Buffer[] = [];
  for await (const c of await archive.openStore(await archive.loadConfig()).open(found.pointer.oid)) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

describe('s3 collector, incremental', () => {
  let archive: Archive;
  let proxy: S3Proxy;
  const site = () => s3Client(endpoint);

  beforeAll(async () => {
    await createBucket(endpoint, 'inc-site', 'us-east-1');
    for (let i = 0; i < 8; i++) await put(site(), 'inc-site', `pages/p${i}.html`, `<p>page ${i}</p>\n`, { ContentType: 'text/html' });
    await put(site(), 'inc-site', 'pages/price.html', '<p>price: $120</p>\n', { ContentType: 'text/html' });
    await put(site(), 'inc-site', 'old.txt', 'to be deleted\n', { ContentType: 'text/plain' });
    await put(site(), 'inc-site', 'media/big.txt', 'y'.repeat(2000), { ContentType: 'text/plain' });
    await put(site(), 'inc-site', 'archive/2010.tar', 'cold', { StorageClass: 'GLACIER' });
    const eu = await createBucket(endpoint, 'inc-eu', 'eu-west-1');
    await put(eu, 'inc-eu', 'report.csv', 'a,b\n1,2\n', { ContentType: 'text/csv' });
    proxy = await s3Proxy(endpoint);
    archive = await makeArchive({ ...ARCHIVE_CONFIG, endpoint: proxy.endpoint });
    proxy.clear();
    await snapshot(archive, 'v1.0', { collectors });
  });

  it('reads each bucket through a client of its own region', () => {
    const gets = proxy.requests.filter((r) => r.operation === 'GetObject');
    expect(gets.length).toBe(12); // every object but the Glacier one
    expect(new Set(gets.filter((r) => r.bucket === 'inc-eu').map((r) => r.region))).toEqual(new Set(['eu-west-1']));
    expect(new Set(gets.filter((r) => r.bucket === 'inc-site').map((r) => r.region))).toEqual(new Set(['us-east-1']));
    expect(proxy.count('HeadObject')).toBe(1); // the Glacier object's metadata
  });

  it('keeps manifests in bounded, sorted shards that s3:// addresses resolve through', async () => {
    const all = await shards(archive, 'v1.0', 'inc-site');
    expect(all.size).toBeGreaterThan(1);
    const keys: string[] = [];
    for (const [name, { file }] of all) {
      expect(file.objects.length, name).toBeLessThanOrEqual(SHARD_MAX);
      expect(name).toMatch(/^[0-9a-f]+\.json$/);
      keys.push(...file.objects.map((o) => o.key));
    }
    expect(keys.sort()).toHaveLength(12);
    for (let i = 0; i < 8; i++) expect(await catBytes(archive, 'v1.0', `s3://inc-site/pages/p${i}.html`)).toBe(`<p>page ${i}</p>\n`);
    await expect(resolveS3Uri('s3://inc-site/pages/nope.html', await readVersion(archive, 'v1.0'))).rejects.toMatchObject({ code: 'PATH_NOT_FOUND' });
    await expect(resolveS3Uri('s3://no-such-bucket/x', await readVersion(archive, 'v1.0'))).rejects.toMatchObject({ code: 'PATH_NOT_FOUND' });
    expect(await resolveS3Uri('local://x', await readVersion(archive, 'v1.0'))).toBeNull();
  });

  it('re-snapshots an unchanged estate with listing and configuration calls only, and the same tree', async () => {
    proxy.clear();
    const result = await snapshot(archive, 'v1.1', { collectors });
    expect(proxy.count('GetObject')).toBe(0);
    expect(proxy.count('HeadObject')).toBe(0);
    // Besides STS GetCallerIdentity (POST /: the snapshot recording the estate it reads).
    expect(proxy.requests.filter((r) => !LISTING_AND_CONFIG.test(r.operation) && r.operation !== 'POST /').map((r) => r.operation)).toEqual([]);
    expect(result.manifest.collectors[0]!.counts).toMatchObject({ reused: 12, downloaded: 0 });
    const a = await readVersion(archive, 'v1.0');
    const b = await readVersion(archive, 'v1.1');
    expect((await b.entry('s3_buckets'))!.oid).toBe((await a.entry('s3_buckets'))!.oid);
  });

  it('reports progress: expected totals once listed, then each object and its bytes', async () => {
    const seen = { expected: [] as [number | null, number | null | undefined][], items: 0, bytes: 0, phases: [] as string[], active: new Set<string>(), everActive: [] as string[] };
    const progress: Progress = {
      task: () => ({
        expect: (items, bytes) => void seen.expected.push([items, bytes]),
        add: (items, bytes = 0) => {
          seen.items += items;
          seen.bytes += bytes;
        },
        phase: (label) => void seen.phases.push(label),
        active: (label) => {
          seen.active.add(label);
          seen.everActive.push(label);
          return () => seen.active.delete(label);
        },
      }),
      end: () => undefined,
      stop: () => undefined,
    };
    await commitVersion(archive, { version: 'v1.1b', progress, log: silentLogger, collectors });
    const [items, bytes] = seen.expected.at(-1)!;
    expect(items).toBe(13); // every listed object of both buckets
    expect(seen.items).toBe(13);
    expect(seen.bytes).toBeGreaterThan(2000);
    expect(seen.bytes).toBeLessThanOrEqual(bytes!);
    // each bucket is shown as listed, then as transferring, and as neither once done
    expect(seen.everActive).toEqual(expect.arrayContaining(['inc-site (listing)', 'inc-site', 'inc-eu (listing)', 'inc-eu']));
    expect([...seen.active]).toEqual([]);
  });

  it('downloads exactly what changed: an object changed with the same size, a new one; drops a deleted one', async () => {
    const before = await shards(archive, 'v1.1b', 'inc-site');
    await put(site(), 'inc-site', 'pages/price.html', '<p>price: $135</p>\n', { ContentType: 'text/html' }); // same length
    await put(site(), 'inc-site', 'pages/new.html', '<p>new</p>\n', { ContentType: 'text/html' });
    await site().send(new DeleteObjectCommand({ Bucket: 'inc-site', Key: 'old.txt' }));
    proxy.clear();
    await snapshot(archive, 'v1.2', { collectors });
    expect(proxy.requests.filter((r) => r.operation === 'GetObject').map((r) => r.key).sort()).toEqual(['pages/new.html', 'pages/price.html']);
    const v = await readVersion(archive, 'v1.2', 's3_buckets/inc-site');
    expect(await v.text('files/pages/price.html')).toBe('<p>price: $135</p>\n');
    expect(await v.text('files/pages/new.html')).toBe('<p>new</p>\n');
    expect(await v.entry('files/old.txt')).toBeNull();
    expect(await catBytes(archive, 'v1.2', 's3://inc-site/pages/price.html')).toBe('<p>price: $135</p>\n');
    await expect(resolveS3Uri('s3://inc-site/old.txt', await readVersion(archive, 'v1.2'))).rejects.toMatchObject({ code: 'PATH_NOT_FOUND' });
    expect(await catBytes(archive, 'v1.1', 's3://inc-site/old.txt')).toBe('to be deleted\n'); // still in the older version
    // A shard that holds none of the changed keys keeps its blob.
    const after = await shards(archive, 'v1.2', 'inc-site');
    const changed = new Set(['pages/price.html', 'pages/new.html', 'old.txt']);
    let kept = 0;
    for (const [name, { oid, file }] of after) {
      const old = before.get(name);
      if (!old || [...file.objects, ...old.file.objects].some((o) => changed.has(o.key))) continue;
      expect(oid, name).toBe(old.oid);
      kept++;
    }
    expect(kept).toBeGreaterThan(0);
    expect((await v.json<BucketRecord>('bucket.json'))!.objects.count).toBe(12);
  });

  it('makes a readable copy from the store, without a GET, when the text size limit is raised', async () => {
    await writeConfig(archive, { ...ARCHIVE_CONFIG, collectors: { s3: { ...ARCHIVE_CONFIG.collectors.s3, textMaxBytes: 4096 } }, endpoint: proxy.endpoint });
    proxy.clear();
    await snapshot(archive, 'v1.3', { collectors });
    expect(proxy.count('GetObject')).toBe(0);
    expect(await (await readVersion(archive, 'v1.3', 's3_buckets/inc-site')).text('files/media/big.txt')).toBe('y'.repeat(2000));
    await writeConfig(archive, { ...ARCHIVE_CONFIG, endpoint: proxy.endpoint });
  });

  it('records refusals as findings and goes on: a configuration, an object, a listing', async () => {
    await put(site(), 'inc-site', 'private/report.pdf', Buffer.from('%PDF-1.4 secret'), { ContentType: 'application/pdf' });
    proxy.refuse = (r) =>
      (r.operation === 'GetBucketPolicy' && r.bucket === 'inc-site') || (r.operation === 'GetObject' && r.key === 'private/report.pdf') || (r.operation === 'ListObjectsV2' && r.bucket === 'inc-eu');
    try {
      const result = await snapshot(archive, 'v1.4', { collectors });
      expect(result.partial).toBe(false);
      const coverage = result.manifest.coverage.map((f) => `${f.resource} ${f.reason}`);
      expect(coverage).toContain('s3_buckets/inc-site/config/policy AccessDenied');
      expect(coverage).toContain('s3_buckets/inc-site/objects AccessDenied');
      expect(coverage).toContain('s3_buckets/inc-eu/objects AccessDenied');
      const v = await readVersion(archive, 'v1.4', 's3_buckets');
      expect(await v.json('inc-site/config/policy.json')).toEqual({ bucket: 'inc-site', kind: 'policy', state: 'unreadable', reason: 'AccessDenied' });
      const entry = (await shards(archive, 'v1.4', 'inc-site'));
      const report = [...entry.values()].flatMap((s) => s.file.objects).find((o) => o.key === 'private/report.pdf');
      expect(report).toMatchObject({ content: 'denied', size: 15 });
      expect(report).not.toHaveProperty('sha256');
      // The unlistable bucket keeps what the previous version knew, and says so.
      expect((await v.json<BucketRecord>('inc-eu/bucket.json'))!.listing).toEqual({ state: 'unreadable', reason: 'AccessDenied', carriedOver: true });
      expect(await catBytes(archive, 'v1.4', 's3://inc-eu/report.csv')).toBe('a,b\n1,2\n');
    } finally {
      proxy.refuse = () => false;
    }
  });

  it('reports bytes that do not match their MD5 ETag as an integrity failure, never as content', async () => {
    const plain = s3Client(endpoint, 'us-east-1', { requestChecksumCalculation: 'WHEN_REQUIRED' }); // no CRC for the SDK to check
    await put(plain, 'inc-site', 'pages/tampered.html', '<p>genuine</p>\n', { ContentType: 'text/html' });
    await put(plain, 'inc-site', 'media/tampered.bin', Buffer.alloc(5000, 7), { ContentType: 'application/octet-stream' });
    // Written with the SDK's default CRC32: snap asks S3 for it and checks it itself (the SDK's
    // own check is off, so the failure must name snap's, not the SDK's "Checksum mismatch").
    await put(site(), 'inc-site', 'media/crc.bin', Buffer.alloc(70_000, 9), { ContentType: 'application/octet-stream' });
    proxy.corrupt = (r) => r.key === 'pages/tampered.html' || r.key === 'media/tampered.bin' || r.key === 'media/crc.bin';
    try {
      const result = await snapshot(archive, 'v1.5', { collectors });
      expect(result.partial).toBe(true);
      const report = result.manifest.collectors[0]!;
      expect(report.status).toBe('partial');
      expect(report.errors.map((e) => e.resource).sort()).toEqual(['s3://inc-site/media/crc.bin', 's3://inc-site/media/tampered.bin', 's3://inc-site/pages/tampered.html']);
      const message = (key: string) => report.errors.find((e) => e.resource === `s3://inc-site/${key}`)!.message;
      expect(message('media/tampered.bin')).toMatch(/does not match its MD5 ETag/);
      expect(message('media/crc.bin')).toMatch(/does not match its CRC32 checksum/);
      const objects = [...(await shards(archive, 'v1.5', 'inc-site')).values()].flatMap((s) => s.file.objects);
      for (const key of ['pages/tampered.html', 'media/tampered.bin', 'media/crc.bin']) {
        const e = objects.find((o) => o.key === key)!;
        expect(e, key).toMatchObject({ content: 'corrupt' });
        expect(e).not.toHaveProperty('sha256');
        await expect(resolveS3Uri(`s3://inc-site/${key}`, await readVersion(archive, 'v1.5'))).rejects.toMatchObject({ code: 'PATH_NOT_FOUND' });
      }
      expect(await (await readVersion(archive, 'v1.5', 's3_buckets/inc-site')).entry('files/pages/tampered.html')).toBeNull();
    } finally {
      proxy.corrupt = () => false;
    }
    // Read again once the damage is gone: the object is fetched (it was never recorded) and stored.
    proxy.clear();
    await snapshot(archive, 'v1.6', { collectors });
    expect(proxy.requests.filter((r) => r.operation === 'GetObject').map((r) => r.key).sort()).toEqual(['media/crc.bin', 'media/tampered.bin', 'pages/tampered.html']);
    expect(await catBytes(archive, 'v1.6', 's3://inc-site/pages/tampered.html')).toBe('<p>genuine</p>\n');
    expectStockGitAgrees(archive.dir);
  });
});
