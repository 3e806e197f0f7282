// The S3 vault behind the content-store contract, against moto: the same contract suite as the
// filesystem store (with and without the local cache, with a complete index and with one that
// must ask S3), then what is particular to the vault: the layout and the SHA256 S3 records,
// verification without downloading, multipart uploads past a (small, for the test) threshold,
// Object Lock enforced by S3 and retention kept ahead of need, and the checks that refuse an
// unusable vault before anything is written.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, DeleteObjectCommand, HeadObjectCommand, ListObjectVersionsCommand, PutObjectCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFromVault } from '../../src/collectors/aws/s3/restore-from-vault.js';
import { FsContentStore } from '../../src/store/fs-store.js';
import type { RetentionPolicy } from '../../src/store/retention.js';
import { VaultStore, type VaultLimits } from '../../src/store/s3-store.js';
import { VaultIndex } from '../../src/store/vault-index.js';
import { preflightVault } from '../../src/store/vault-preflight.js';
import { formatVaultUrl } from '../../src/store/vault-url.js';
import { tempDir } from '../helpers/archive.js';
import { faultProxy } from '../helpers/fault-proxy.js';
import { clientOptions, useMoto } from '../helpers/moto.js';
import { readAll, sha, storeContract } from '../helpers/store-contract.js';

const moto = useMoto();
const raw = new S3Client({ ...clientOptions(moto.endpoint), requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
const clients: S3Client[] = [raw];
afterAll(() => clients.forEach((c) => c.destroy()));

let seq = 0;
interface MakeOptions {
  bucket?: string;
  cache?: boolean;
  complete?: boolean;
  retention?: RetentionPolicy | null;
  limits?: Partial<VaultLimits>;
  now?: () => Date;
  region?: string;
}

function vault(options: MakeOptions = {}): VaultStore {
  const location = { bucket: options.bucket ?? 'vault-plain', prefix: `t${++seq}/snap` };
  const dir = tempDir();
  const client = new S3Client({ ...clientOptions(moto.endpoint, options.region), requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  clients.push(client);
  return new VaultStore({
    location,
    region: options.region ?? 'us-east-1',
    client,
    cache: options.cache ? new FsContentStore({ root: join(dir, 'cache'), fsync: false }) : null,
    index: VaultIndex.inMemory(formatVaultUrl(location), options.complete ?? true),
    retention: options.retention ?? null,
    spoolDir: join(dir, 'spool'),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
}

beforeAll(async () => {
  await raw.send(new CreateBucketCommand({ Bucket: 'vault-plain' }));
  await raw.send(new CreateBucketCommand({ Bucket: 'vault-locked', ObjectLockEnabledForBucket: true }));
});

// A small spool threshold, so the contract also runs the spill-to-file path.
storeContract('VaultStore (no cache, index complete)', () => vault({ limits: { memorySpoolBytes: 64 * 1024 } }));
storeContract('VaultStore (local cache, index asks S3)', () => vault({ cache: true, complete: false }));

const GOVERNANCE_3D: RetentionPolicy = { mode: 'GOVERNANCE', days: 3, marginDays: 1 };

describe('VaultStore specifics', () => {
  it("keeps payloads at PREFIX/objects/<oid[0:2]>/<oid[2:4]>/<oid> with the SHA256 S3 checked, and verifies without downloading", async () => {
    const store = vault();
    const data = randomBytes(100_000);
    const p = await store.put(data);
    const key = `${store.location.prefix}/objects/${p.oid.slice(0, 2)}/${p.oid.slice(2, 4)}/${p.oid}`;
    expect(store.locate(p.oid)).toEqual({ bucket: 'vault-plain', key, region: 'us-east-1' });
    const head = await raw.send(new HeadObjectCommand({ Bucket: 'vault-plain', Key: key, ChecksumMode: 'ENABLED' }));
    expect(Buffer.from(head.ChecksumSHA256!, 'base64').toString('hex')).toBe(p.oid);
    expect(await store.check(p)).toMatchObject({ status: 'ok', verified: 'recorded-sha256' });
    expect(await store.check(p, { readData: true })).toMatchObject({ status: 'ok', verified: 'content' });

    // Someone overwrites the payload (a bucket without Object Lock allows it): the recorded
    // SHA256 names the damage without a download, and a re-hash agrees.
    const bad = Buffer.from(data);
    bad[5] ^= 1;
    await raw.send(new PutObjectCommand({ Bucket: 'vault-plain', Key: key, Body: bad, ChecksumAlgorithm: 'SHA256' }));
    expect(await store.check(p)).toMatchObject({ status: 'corrupt', actual: { oid: sha(bad), size: bad.length } });
    expect(await store.check(p, { readData: true })).toMatchObject({ status: 'corrupt', actual: { oid: sha(bad) } });
    await raw.send(new PutObjectCommand({ Bucket: 'vault-plain', Key: key, Body: bad.subarray(1) }));
    expect(await store.check(p)).toMatchObject({ status: 'corrupt', actual: { size: bad.length - 1 } });
  });

  it('a second put of known content sends nothing, and the local cache answers reads', async () => {
    const store = vault({ cache: true });
    const data = randomBytes(50_000);
    const p = await store.put(data);
    await store.put(data);
    expect(store.counters.uploads).toBe(1);
    expect(await store.cache!.has(p.oid)).toBe(true);
    const versions = await raw.send(new ListObjectVersionsCommand({ Bucket: 'vault-plain', Prefix: store.key('objects/') }));
    expect(versions.Versions?.length).toBe(1);
  });

  it('reads a cache still in .git/lfs/objects, and moves it into the cache folder when asked under the lock', async () => {
    const dir = tempDir();
    const legacy = new FsContentStore({ root: join(dir, 'lfs', 'objects'), fsync: false });
    const data = randomBytes(20_000);
    const old = await legacy.put(data); // cached by an archive made before the store moved
    const location = { bucket: 'vault-plain', prefix: `t${++seq}/snap` };
    const client = new S3Client({ ...clientOptions(moto.endpoint), requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
    clients.push(client);
    const cache = new FsContentStore({ root: join(dir, 'snap', 'store'), fsync: false, legacyRoots: [join(dir, 'lfs', 'objects')] });
    const store = new VaultStore({ location, region: 'us-east-1', client, cache, index: VaultIndex.inMemory(formatVaultUrl(location), true), retention: null, spoolDir: join(dir, 'spool') });
    expect(await readAll(await store.open(old.oid))).toEqual(data); // read from the old folder
    await store.migrateLegacy(); // one rename of the folder: the cache folder did not exist yet
    expect(await legacy.has(old.oid)).toBe(false);
    expect(await cache.has(old.oid)).toBe(true);
  });

  it('sends an upload from the cache again, opened anew, when its connection is reset (a fault proxy: moto never drops one)', async () => {
    const proxy = await faultProxy(moto.endpoint);
    const location = { bucket: 'vault-plain', prefix: `t${++seq}/snap` };
    const dir = tempDir();
    const client = new S3Client({ ...clientOptions(proxy.endpoint), requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
    clients.push(client);
    const cache = new FsContentStore({ root: join(dir, 'cache'), fsync: false });
    const store = new VaultStore({ location, region: 'us-east-1', client, cache, index: VaultIndex.inMemory(formatVaultUrl(location), true), retention: null, spoolDir: join(dir, 'spool') });
    proxy.inject({ when: (r) => r.operation === 'PutObject', fault: { kind: 'reset' }, times: 1 });
    const data = randomBytes(300_000);
    const p = await store.put(data);
    expect(proxy.count((r) => r.operation === 'PutObject')).toBe(2);
    expect(await store.check(p)).toMatchObject({ status: 'ok' });
    const head = await raw.send(new HeadObjectCommand({ Bucket: 'vault-plain', Key: store.key(`objects/${p.oid.slice(0, 2)}/${p.oid.slice(2, 4)}/${p.oid}`), ChecksumMode: 'ENABLED' }));
    expect(head.ContentLength).toBe(data.length);
    expect(head.ChecksumSHA256).toBe(Buffer.from(sha(data), 'hex').toString('base64'));
  });

  it('uploads in parts past the single-put threshold, each part checked by S3', async () => {
    const store = vault({ limits: { putMaxBytes: 6 * 1024 * 1024, partBytes: 5 * 1024 * 1024, memorySpoolBytes: 1024 * 1024 } });
    const data = randomBytes(12 * 1024 * 1024 + 17);
    const p = await store.put(Readable.from([data.subarray(0, 7_000_000), data.subarray(7_000_000)]));
    expect(p).toEqual({ oid: sha(data), size: data.length });
    expect((await readAll(await store.open(p.oid))).equals(data)).toBe(true);
    // S3 keeps no full-object SHA256 of a multipart object: only the size is compared without
    // a download; --read-data re-hashes.
    expect(await store.check(p)).toMatchObject({ status: 'ok', verified: 'size' });
    expect(await store.check(p, { readData: true })).toMatchObject({ status: 'ok', verified: 'content' });
  });

  it('writes every object with its retention; S3 refuses to delete a locked version', async () => {
    const store = vault({ bucket: 'vault-locked', retention: GOVERNANCE_3D });
    const p = await store.put('locked payload');
    const key = store.locate(p.oid).key;
    const head = await raw.send(new HeadObjectCommand({ Bucket: 'vault-locked', Key: key }));
    expect(head.ObjectLockMode).toBe('GOVERNANCE');
    const days = (head.ObjectLockRetainUntilDate!.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(2.9);
    expect(days).toBeLessThan(3.1);
    await expect(raw.send(new DeleteObjectCommand({ Bucket: 'vault-locked', Key: key, VersionId: head.VersionId }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    expect(await store.check(p)).toMatchObject({ status: 'ok', retainUntil: head.ObjectLockRetainUntilDate });
  });

  it('a same-size overwrite of a single-part payload fails verification without a download, and its retention is never extended', async () => {
    let now = new Date();
    const store = vault({ bucket: 'vault-locked', retention: GOVERNANCE_3D, now: () => now });
    const good = await store.put(Buffer.from('the archived payload, 40 bytes long.....'));
    const kept = await store.put(Buffer.from('another payload, left as it was'));
    const key = store.locate(good.oid).key;
    // Overwritten with other bytes of the same size, as anyone who may write the vault can (no checksum: S3 keeps none).
    await raw.send(new PutObjectCommand({ Bucket: 'vault-locked', Key: key, Body: Buffer.from('other bytes of exactly the same size!!!!') }));
    const check = await store.check(good);
    expect(check).toMatchObject({ status: 'corrupt', detail: expect.stringContaining(`${key} is a single-part object with no SHA256 recorded by S3`) });
    expect((check as { detail: string }).detail).toContain('snap verify --read-data');
    expect(await store.check(good, { readData: true })).toMatchObject({ status: 'corrupt' });
    expect(await store.check(kept)).toMatchObject({ status: 'ok', verified: 'recorded-sha256' });

    // Day 2.2: both fall due; only the one that is still what snap wrote is extended.
    now = new Date(now.getTime() + 2.2 * 86_400_000);
    const report = await store.keepRetentionAhead();
    expect(report).toMatchObject({ extended: 1, refused: [{ key, detail: expect.stringContaining('single-part object with no SHA256') }] });
    const headOf = (k: string) => raw.send(new HeadObjectCommand({ Bucket: 'vault-locked', Key: k }));
    expect((await headOf(key)).ObjectLockRetainUntilDate).toBeUndefined(); // the overwrite is not locked in
    expect((await headOf(store.locate(kept.oid).key)).ObjectLockRetainUntilDate!.getTime()).toBeGreaterThan(now.getTime() + 2.9 * 86_400_000);
  });

  it('a multipart overwrite that snap would not have made fails verification without a download, is refused retention and is not copied by a restore', async () => {
    let now = new Date();
    const limits = { putMaxBytes: 6 * 1024 * 1024, partBytes: 5 * 1024 * 1024, memorySpoolBytes: 1024 * 1024 };
    const store = vault({ bucket: 'vault-locked', retention: GOVERNANCE_3D, now: () => now, limits });
    const smallData = randomBytes(1024 * 1024);
    const bigData = randomBytes(12 * 1024 * 1024 + 17); // snap writes it in 3 parts of 5 MiB at most
    const small = await store.put(smallData);
    const big = await store.put(bigData);
    expect(await store.check(big)).toMatchObject({ status: 'ok', verified: 'size' });
    // Overwritten by multipart uploads of other bytes of the same sizes, as anyone who may write
    // the vault can: the small one in one part (snap puts it whole), the large one in two parts.
    const overwrite = async (key: string, parts: Buffer[]) => {
      const { UploadId } = await raw.send(new CreateMultipartUploadCommand({ Bucket: 'vault-locked', Key: key }));
      const done = [];
      for (const [i, Body] of parts.entries()) done.push({ PartNumber: i + 1, ETag: (await raw.send(new UploadPartCommand({ Bucket: 'vault-locked', Key: key, UploadId, PartNumber: i + 1, Body }))).ETag });
      await raw.send(new CompleteMultipartUploadCommand({ Bucket: 'vault-locked', Key: key, UploadId, MultipartUpload: { Parts: done } }));
    };
    const smallKey = store.locate(small.oid).key;
    const bigKey = store.locate(big.oid).key;
    await overwrite(smallKey, [randomBytes(smallData.length)]);
    const other = randomBytes(bigData.length);
    await overwrite(bigKey, [other.subarray(0, 7 * 1024 * 1024), other.subarray(7 * 1024 * 1024)]);

    const smallCheck = await store.check(small);
    expect(smallCheck).toMatchObject({ status: 'corrupt', detail: expect.stringContaining(`${smallKey} was uploaded in parts though it is ${smallData.length} bytes: snap writes an object in parts only past ${limits.putMaxBytes} bytes`) });
    expect((smallCheck as { detail: string }).detail).toContain('snap verify --read-data');
    expect(await store.check(big)).toMatchObject({ status: 'corrupt', detail: expect.stringContaining(`${bigKey} was uploaded in 2 parts: snap writes ${bigData.length} bytes in 3`) });
    expect(await store.check(big, { readData: true })).toMatchObject({ status: 'corrupt' });

    // Day 2.2: both fall due; neither overwrite is locked in.
    now = new Date(now.getTime() + 2.2 * 86_400_000);
    const report = await store.keepRetentionAhead();
    expect(report).toMatchObject({ extended: 0, refused: [{ key: expect.any(String) }, { key: expect.any(String) }] });
    expect(report.refused.map((r) => r.key).sort()).toEqual([smallKey, bigKey].sort());
    expect(report.refused.find((r) => r.key === smallKey)!.detail).toContain('was uploaded in parts though it is');

    // A restore from the vault refuses to copy the overwrite, by the same rule, before any copy.
    await raw.send(new CreateBucketCommand({ Bucket: 'restore-target' }));
    const entry = { key: 'site/a.bin', size: small.size, etag: 'x', lastModified: now.toISOString(), storageClass: 'STANDARD', sha256: small.oid };
    const refused = await copyFromVault(store, raw, entry, { Bucket: 'restore-target', Key: 'site/a.bin' }, new AbortController().signal).catch((e: unknown) => e);
    expect(String(refused)).toContain(`s3://vault-locked/${smallKey} does not hold the archived content of s3://restore-target/site/a.bin (S3 records an upload in 1 part, ${small.size} bytes`);
    await expect(raw.send(new HeadObjectCommand({ Bucket: 'restore-target', Key: 'site/a.bin' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });

  it('extends only the retention dates that fall within the margin, and learns those it does not know', async () => {
    let now = new Date();
    const store = vault({ bucket: 'vault-locked', retention: GOVERNANCE_3D, now: () => now });
    const early = await store.put('written on day 0');
    now = new Date(now.getTime() + 1.5 * 86_400_000);
    const later = await store.put('written on day 1.5');
    const untilOf = async (oid: string) => (await raw.send(new HeadObjectCommand({ Bucket: 'vault-locked', Key: store.locate(oid).key }))).ObjectLockRetainUntilDate!.getTime();
    const before = { early: await untilOf(early.oid), later: await untilOf(later.oid) };

    // Day 2.2: the first payload's retention ends within a day, the second's does not.
    now = new Date(now.getTime() + 0.7 * 86_400_000);
    const report = await store.keepRetentionAhead();
    expect(report).toMatchObject({ extended: 1, learned: 0, kept: 2 });
    expect(await untilOf(early.oid)).toBeGreaterThan(before.early + 2 * 86_400_000);
    expect(await untilOf(later.oid)).toBe(before.later);
    // Run again: nothing falls due.
    expect((await store.keepRetentionAhead()).extended).toBe(0);

    // Another machine's index knows the keys but not their dates: it asks once, then extends what is due.
    // Day 3.7: the second payload's date (day 4.5) is due now, the first's (day 5.2) is not.
    const fresh = vault({ bucket: 'vault-locked', retention: GOVERNANCE_3D, now: () => new Date(now.getTime() + 1.5 * 86_400_000), complete: false });
    Object.assign(fresh.location, store.location);
    const again = await fresh.keepRetentionAhead();
    expect(again).toMatchObject({ learned: 2, extended: 1, kept: 2 });
  });

  it('refuses a vault that cannot be used, saying what to do, before anything is written', async () => {
    const missing = vault({ bucket: 'no-such-vault' });
    await expect(preflightVault(missing, { write: true })).rejects.toMatchObject({ code: 'VAULT_UNUSABLE', message: expect.stringContaining('does not exist') });
    const unlocked = vault({ retention: GOVERNANCE_3D });
    await expect(preflightVault(unlocked, { write: true })).rejects.toMatchObject({ code: 'VAULT_UNUSABLE', message: expect.stringMatching(/has no Object Lock, but snap.config.json store.objectLock asks/) });
    await raw.send(new CreateBucketCommand({ Bucket: 'vault-west', CreateBucketConfiguration: { LocationConstraint: 'us-west-2' } }));
    const wrongRegion = vault({ bucket: 'vault-west', region: 'us-east-1' });
    await expect(preflightVault(wrongRegion, { write: true })).rejects.toMatchObject({ code: 'VAULT_UNUSABLE', message: expect.stringContaining('is in us-west-2, not us-east-1: set store.region to "us-west-2"') });
    await preflightVault(vault({ bucket: 'vault-locked', retention: GOVERNANCE_3D }), { write: true });
    const listed = await raw.send(new ListObjectVersionsCommand({ Bucket: 'vault-locked', Prefix: '' }));
    expect((listed.Versions ?? []).filter((v) => v.Key?.endsWith('.snap-write-check'))).toEqual([]);
  });
});
