// snap restore for S3 against moto: snapshot a site bucket with every configuration kind,
// damage it through the SDK (an object deleted, a page defaced, an object's metadata edited
// in place, a stray object added, configuration removed and changed), plan (exactly those
// changes; planning only reads), restore, and show that a new live snapshot equals the
// version: the restore's own new last-modified times are not differences. Also: --prune, a
// re-run that plans nothing, a deleted bucket of hostile keys re-created byte for byte, a
// restore under another name (the copy's policy names the copy), and the note a versioned
// bucket's history gets. And uploads whose connection is reset (a fault proxy in front of moto:
// moto never drops a connection) are sent again from the store.
import { CopyObjectCommand, CreateBucketCommand, PutObjectCommand, DeleteBucketCommand, DeleteBucketCorsCommand, DeleteBucketPolicyCommand, DeleteObjectCommand, GetBucketPolicyCommand, GetObjectCommand, ListObjectsV2Command, PutBucketTaggingCommand, type S3Client } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPlan } from '../../src/restore/plan.js';
import type { Archive } from '../../src/archive/archive.js';
import { s3Collector } from '../../src/collectors/aws/s3/collect.js';
import type { RestorePlan } from '../../src/restore/plan.js';
import { expectStockGitAgrees, makeArchive, snapshot } from '../helpers/archive.js';
import { faultProxy } from '../helpers/fault-proxy.js';
import { useMoto } from '../helpers/moto.js';
import { describeDrift, drift, plan, restore } from '../helpers/restore.js';
import { HOSTILE_KEYS, hostileContent, INDEX_V1, put, s3Client, seedHostile, seedSite, seedVault } from '../helpers/s3-seed.js';

const { endpoint } = useMoto();
const collectors = [s3Collector];
let s3: S3Client;

const changes = (p: RestorePlan) => p.services.flatMap((s) => s.changes.map((c) => `${c.action} ${c.resource}: ${c.detail}`)).sort();
const notes = (p: RestorePlan) => p.services.flatMap((s) => s.notes.map((n) => `${n.resource}: ${n.message}`));

async function text(bucket: string, key: string): Promise<string> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return out.Body!.transformToString();
}

async function keys(bucket: string): Promise<string[]> {
  const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

describe('snap restore for S3', () => {
  let archive: Archive;

  beforeAll(async () => {
    s3 = s3Client(endpoint);
    await seedSite(endpoint);
    await seedHostile(endpoint);
    await seedVault(endpoint);
    archive = await makeArchive({ endpoint, collectors: { s3: { textMaxBytes: 1024 } } });
    await snapshot(archive, 'v1.0', { collectors });
  });
  afterAll(() => s3.destroy());

  it('puts back deleted, defaced and edited objects and the configuration, and then shows no drift', async () => {
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: 'site-prod' })); // it denies deletes
    await s3.send(new DeleteObjectCommand({ Bucket: 'site-prod', Key: 'events/data.json' }));
    await put(s3, 'site-prod', 'events/index.html', INDEX_V1.replace('$120', '$1'), { ContentType: 'text/html; charset=utf-8', CacheControl: 'max-age=60', Metadata: { owner: 'web-team', build: '42' } });
    await s3.send(new CopyObjectCommand({ Bucket: 'site-prod', Key: 'assets/app.js', CopySource: 'site-prod/assets/app.js', MetadataDirective: 'REPLACE', ContentType: 'text/plain' }));
    await put(s3, 'site-prod', 'stray.html', '<p>not in the version</p>\n', { ContentType: 'text/html' });
    await s3.send(new DeleteBucketCorsCommand({ Bucket: 'site-prod' }));
    await s3.send(new PutBucketTaggingCommand({ Bucket: 'site-prod', Tagging: { TagSet: [{ Key: 'team', Value: 'someone-else' }] } }));

    const before = describeDrift(await drift(archive, ['s3_buckets/site-prod'], { collectors }));
    expect(before.length).toBeGreaterThan(0);

    const planned = await plan(archive, { version: 'v1.0', selectors: ['s3_buckets/site-prod'], collectors });
    expect(changes(planned)).toEqual([
      'create s3://site-prod/events/data.json: 1 object missing (15 B)',
      expect.stringMatching(/^update s3:\/\/site-prod: 2 objects differ: "assets\/app\.js", "events\/index\.html"$/),
      'update s3://site-prod: cors: not set live',
      'update s3://site-prod: policy: not set live',
      'update s3://site-prod: tagging: differs from the version',
    ]);
    expect(notes(planned)).toContainEqual(expect.stringContaining('1 live object the version does not have is kept (--prune deletes them): "stray.html"'));
    planned.close();

    // With --prune the stray object goes too, before the version's policy (which denies
    // deletes) is put back last.
    const applied = await restore(archive, { version: 'v1.0', selectors: ['s3_buckets/site-prod'], prune: true, collectors });
    expect(changes(applied)).toEqual([...changes(planned), 'delete s3://site-prod/stray.html: 1 object not in the version'].sort());
    expect(applied.services[0]!.changes.at(-1)!.detail).toBe('policy: not set live');
    expect(await text('site-prod', 'events/index.html')).toBe(INDEX_V1);
    expect((await s3.send(new GetObjectCommand({ Bucket: 'site-prod', Key: 'assets/app.js' }))).ContentType).toBe('application/octet-stream');
    expect(describeDrift(await drift(archive, ['s3_buckets/site-prod'], { collectors }))).toEqual([]);

    const again = await plan(archive, { version: 'v1.0', selectors: ['s3_buckets/site-prod'], prune: true, collectors });
    expect(changes(again)).toEqual([]);
    again.close();
  });

  it('re-creates a deleted bucket, its hostile keys byte for byte', async () => {
    for (const key of await keys('hostile-keys')) await s3.send(new DeleteObjectCommand({ Bucket: 'hostile-keys', Key: key }));
    await s3.send(new DeleteBucketCommand({ Bucket: 'hostile-keys' }));
    const planned = await restore(archive, { version: 'v1.0', selectors: ['s3_buckets/hostile-keys'], collectors });
    expect(changes(planned)).toEqual([
      expect.stringMatching(/^create s3:\/\/hostile-keys: 27 objects missing/),
      'create s3://hostile-keys: missing: bucket in us-east-1',
    ]);
    expect(await keys('hostile-keys')).toEqual([...HOSTILE_KEYS].sort());
    for (const key of HOSTILE_KEYS) expect(await text('hostile-keys', key)).toBe(hostileContent(key));
    expect(describeDrift(await drift(archive, ['s3_buckets/hostile-keys'], { collectors }))).toEqual([]);
  });

  it('sends an upload again, from the store, when its connection is reset', async () => {
    const proxy = await faultProxy(endpoint);
    const through = await makeArchive({ endpoint: proxy.endpoint, collectors: { s3: { textMaxBytes: 1024 } } });
    await snapshot(through, 'v1.0', { collectors });
    for (const key of await keys('hostile-keys')) await s3.send(new DeleteObjectCommand({ Bucket: 'hostile-keys', Key: key }));
    // the first attempt of each of 5 uploads is cut off: the connection closes with no answer
    const reset = new Set<string>();
    proxy.inject({ when: (r) => r.operation === 'PutObject' && reset.size < 5 && !reset.has(r.key!) && Boolean(reset.add(r.key!)), fault: { kind: 'reset' } });
    await restore(through, { version: 'v1.0', selectors: ['s3_buckets/hostile-keys'], collectors });
    expect(reset.size).toBe(5);
    for (const key of reset) expect(proxy.count((r) => r.operation === 'PutObject' && r.key === key)).toBe(2);
    for (const key of HOSTILE_KEYS) expect(await text('hostile-keys', key)).toBe(hostileContent(key));
  });

  it('restores into another bucket with --rename; the copy\'s policy names the copy', async () => {
    const planned = await restore(archive, { version: 'v1.0', selectors: ['s3_buckets/site-prod'], rename: new Map([['site-prod', 'site-staging']]), collectors });
    expect(changes(planned)[0]).toMatch(/^create s3:\/\/site-staging: \d+ objects missing/);
    expect(await keys('site-staging')).toEqual(await keys('site-prod'));
    expect(await text('site-staging', 'events/index.html')).toBe(INDEX_V1);
    const policy = JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: 'site-staging' }))).Policy!);
    expect(policy.Statement.map((s: { Resource: string }) => s.Resource)).toEqual(['arn:aws:s3:::site-staging/*', 'arn:aws:s3:::site-staging/*']);
    const again = await plan(archive, { version: 'v1.0', selectors: ['s3_buckets/site-prod'], rename: new Map([['site-prod', 'site-staging']]), collectors });
    expect(changes(again)).toEqual([]);
    again.close();
  });

  it('says that a versioned bucket gets its current objects back, not its history', async () => {
    const planned = await plan(archive, { version: 'v1.0', selectors: ['s3_buckets/vault-eu'], collectors });
    expect(changes(planned)).toEqual([]);
    expect(notes(planned)).toContainEqual(expect.stringMatching(/^s3:\/\/vault-eu: 3 older versions and delete markers of the version are history: the current objects are restored, with new version ids$/));
    planned.close();
    expectStockGitAgrees(archive.dir);
  });
  it('never lets a payload the local store holds corrupt land: the upload is cut before its last byte; a good restore shows no drift', async () => {
    // Objects with no checksum (a client that sends none) and with a CRC32, large enough to stream in many chunks.
    const plain = s3Client(endpoint, 'us-east-1', { requestChecksumCalculation: 'WHEN_REQUIRED' });
    await plain.send(new CreateBucketCommand({ Bucket: 'tamper-local' }));
    const bare = randomBytes(300_000);
    const crc = randomBytes(200_000);
    await plain.send(new PutObjectCommand({ Bucket: 'tamper-local', Key: 'bare.bin', Body: bare, ContentType: 'application/octet-stream' }));
    await plain.send(new PutObjectCommand({ Bucket: 'tamper-local', Key: 'crc.bin', Body: crc, ContentType: 'application/octet-stream', ChecksumAlgorithm: 'CRC32' }));
    await snapshot(archive, 'v1.1', { collectors });
    for (const key of ['bare.bin', 'crc.bin']) await s3.send(new DeleteObjectCommand({ Bucket: 'tamper-local', Key: key }));

    // One byte of each stored payload changed in place (dd conv=notrunc), as a failing disk or a hand edit does.
    const stored = (b: Buffer) => {
      const oid = createHash('sha256').update(b).digest('hex');
      return join(archive.dir, '.git/snap/store', oid.slice(0, 2), oid.slice(2, 4), oid);
    };
    const poke = (b: Buffer, byte: number) => {
      const fd = openSync(stored(b), 'r+');
      writeSync(fd, Buffer.from([byte]), 0, 1, 150_000);
      closeSync(fd);
    };
    poke(bare, bare[150_000]! ^ 0xff);
    poke(crc, crc[150_000]! ^ 0xff);
    const results = await applyPlan(await plan(archive, { version: 'v1.1', selectors: ['s3_buckets/tamper-local'], collectors }));
    const errors = results.filter((r) => r.error).map((r) => r.error!);
    expect(errors).toHaveLength(1);
    for (const key of ['bare.bin', 'crc.bin']) expect(errors[0]).toMatch(new RegExp(`s3://tamper-local/${key.replace('.', '\\.')} from .*: the bytes are not the archived content .*nothing was written`));
    expect(await keys('tamper-local')).toEqual([]); // nothing of the bad bytes landed

    poke(bare, bare[150_000]!);
    poke(crc, crc[150_000]!);
    await restore(archive, { version: 'v1.1', selectors: ['s3_buckets/tamper-local'], collectors });
    for (const [key, bytes] of [['bare.bin', bare], ['crc.bin', crc]] as const) {
      const got = await s3.send(new GetObjectCommand({ Bucket: 'tamper-local', Key: key, ChecksumMode: 'ENABLED' }));
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(bytes)).toBe(true);
      // S3 was sent the sha256 of the object that had no checksum, the CRC32 of the other (its own, kept).
      if (key === 'bare.bin') expect(got.ChecksumSHA256).toBe(createHash('sha256').update(bytes).digest('base64'));
      else expect([got.ChecksumCRC32, got.ChecksumSHA256]).toEqual([expect.any(String), undefined]);
    }
    expect(describeDrift(await drift(archive, ['s3_buckets/tamper-local'], { collectors, version: 'v1.1' }))).toEqual([]);
    plain.destroy();
  });
});
