// What `snap prune` asks of the S3 vault, against moto (which enforces Object Lock and bucket
// policies): listing the payloads (and cached ones the vault lacks), forgetting them in the
// index before deleting, deleting every version of a key, and leaving what S3 must keep: a
// version under Object Lock retention (with its retain-until date), and one the vault's policy
// will not let go. A retention that has ended lets the delete through.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { CreateBucketCommand, DeleteObjectCommand, ListObjectVersionsCommand, PutBucketPolicyCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsContentStore } from '../../src/store/fs-store.js';
import type { RetentionPolicy } from '../../src/store/retention.js';
import { VaultStore } from '../../src/store/s3-store.js';
import { VaultIndex } from '../../src/store/vault-index.js';
import { formatVaultUrl, objectRel } from '../../src/store/vault-url.js';
import { tempDir } from '../helpers/archive.js';
import { clientOptions, useMoto } from '../helpers/moto.js';

const moto = useMoto();
const raw = new S3Client({ ...clientOptions(moto.endpoint), requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
const clients: S3Client[] = [raw];
afterAll(() => clients.forEach((c) => c.destroy()));

let seq = 0;
function vault(bucket: string, options: { retention?: RetentionPolicy; now?: () => Date; cache?: boolean } = {}): VaultStore {
  const location = { bucket, prefix: `p${++seq}` };
  const dir = tempDir();
  const client = new S3Client({ ...clientOptions(moto.endpoint), requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  clients.push(client);
  return new VaultStore({
    location,
    region: 'us-east-1',
    client,
    cache: options.cache ? new FsContentStore({ root: join(dir, 'cache'), fsync: false }) : null,
    index: VaultIndex.inMemory(formatVaultUrl(location), true),
    retention: options.retention ?? null,
    spoolDir: join(dir, 'spool'),
    ...(options.now ? { now: options.now } : {}),
  });
}

const listed = async (store: VaultStore) => {
  const out: { oid: string; size: number }[] = [];
  for await (const o of store.listObjects()) out.push(o);
  return out.sort((a, b) => (a.oid < b.oid ? -1 : 1));
};
const markers = async (store: VaultStore, oid: string) => (await raw.send(new ListObjectVersionsCommand({ Bucket: store.location.bucket, Prefix: store.key(objectRel(oid)) }))).DeleteMarkers ?? [];
const versions = async (store: VaultStore, oid: string) => (await raw.send(new ListObjectVersionsCommand({ Bucket: store.location.bucket, Prefix: store.key(objectRel(oid)) }))).Versions ?? [];

beforeAll(async () => {
  await raw.send(new CreateBucketCommand({ Bucket: 'prune-plain' }));
  await raw.send(new CreateBucketCommand({ Bucket: 'prune-versioned' }));
  await raw.send(new PutBucketVersioningCommand({ Bucket: 'prune-versioned', VersioningConfiguration: { Status: 'Enabled' } }));
  await raw.send(new CreateBucketCommand({ Bucket: 'prune-locked', ObjectLockEnabledForBucket: true }));
  await raw.send(new CreateBucketCommand({ Bucket: 'prune-denied' }));
  const deny = { Version: '2012-10-17', Statement: [{ Sid: 'NeverDelete', Effect: 'Deny', Principal: '*', Action: ['s3:DeleteObject', 's3:DeleteObjectVersion'], Resource: 'arn:aws:s3:::prune-denied/*' }] };
  await raw.send(new PutBucketPolicyCommand({ Bucket: 'prune-denied', Policy: JSON.stringify(deny) }));
});

describe('the vault for snap prune', () => {
  it('lists its payloads and the cached ones it lacks, forgets them in the index before deleting, and deletes cache and vault copies', async () => {
    const store = vault('prune-plain', { cache: true });
    const a = await store.put(randomBytes(30_000));
    const b = await store.put(randomBytes(20_000));
    const onlyCached = await store.cache!.put(randomBytes(5_000)); // cached, never uploaded
    expect(await listed(store)).toEqual([a, b, onlyCached].sort((x, y) => (x.oid < y.oid ? -1 : 1)));
    await store.beforeDelete([a.oid]);
    expect(store.index.get(objectRel(a.oid))).toBeUndefined();
    expect(await store.stat(a.oid)).toBeNull(); // the index is complete: absent now, before the object is gone
    expect(await store.delete(a.oid)).toEqual({ status: 'deleted', size: a.size });
    expect(await store.cache!.has(a.oid)).toBe(false);
    expect(await store.delete(onlyCached.oid)).toEqual({ status: 'deleted', size: onlyCached.size });
    expect(await store.delete(a.oid)).toEqual({ status: 'missing' });
    expect(await listed(store)).toEqual([b]);
    expect(await store.check(b)).toMatchObject({ status: 'ok' });
    // Stored again after a prune: written anew.
    expect(await store.put(await store.open(b.oid).then(async (s) => Buffer.concat(await s.toArray())))).toEqual(b);
  });

  it('deletes every version of a key in a versioned vault', async () => {
    const store = vault('prune-versioned');
    const data = randomBytes(10_000);
    const p = await store.put(data);
    await raw.send(new PutObjectCommand({ Bucket: 'prune-versioned', Key: store.key(objectRel(p.oid)), Body: data })); // a second version of the same content
    expect(await versions(store, p.oid)).toHaveLength(2);
    expect(await store.delete(p.oid)).toEqual({ status: 'deleted', size: 2 * data.length });
    expect(await versions(store, p.oid)).toEqual([]);
  });

  it('leaves a version under Object Lock retention, with its retain-until date, and deletes one whose retention has ended', async () => {
    const retention: RetentionPolicy = { mode: 'GOVERNANCE', days: 1, marginDays: 0 };
    const locked = vault('prune-locked', { retention });
    const p = await locked.put(randomBytes(12_000));
    const r = await locked.delete(p.oid);
    expect(r).toMatchObject({ status: 'retained', detail: expect.stringMatching(/^under Object Lock governance retention until \d{4}-/) });
    const until = (r as { retainUntil: Date }).retainUntil.getTime();
    expect(Math.abs(until - (Date.now() + 86_400_000))).toBeLessThan(120_000);
    expect(await versions(locked, p.oid)).toHaveLength(1);
    expect(locked.index.get(objectRel(p.oid))).toBeUndefined(); // no longer kept ahead by the retention the vault extends

    // Written with a retention that ends in three seconds (the vault's clock a day minus 3 s behind).
    const soon = vault('prune-locked', { retention, now: () => new Date(Date.now() - 86_400_000 + 3_000) });
    const q = await soon.put(randomBytes(8_000));
    expect(await soon.delete(q.oid)).toMatchObject({ status: 'retained' });
    await new Promise((done) => setTimeout(done, 4_500));
    expect(await soon.delete(q.oid)).toEqual({ status: 'deleted', size: 8_000 });
    expect(await versions(soon, q.oid)).toEqual([]);
  });

  it('sees the versions of a key whose current version is a delete marker: deletes what it may, lists what is locked with its date', async () => {
    const free = vault('prune-versioned');
    const p = await free.put(randomBytes(7_000));
    await raw.send(new DeleteObjectCommand({ Bucket: 'prune-versioned', Key: free.key(objectRel(p.oid)) })); // a delete marker on top
    expect(await listed(free)).toEqual([p]);
    expect(await free.delete(p.oid)).toEqual({ status: 'deleted', size: 7_000 });
    expect(await versions(free, p.oid)).toEqual([]);
    expect(await markers(free, p.oid)).toEqual([]);

    const locked = vault('prune-locked', { retention: { mode: 'GOVERNANCE', days: 1, marginDays: 0 } });
    const q = await locked.put(randomBytes(6_000));
    await raw.send(new DeleteObjectCommand({ Bucket: 'prune-locked', Key: locked.key(objectRel(q.oid)) }));
    expect(await listed(locked)).toEqual([q]);
    const r = await locked.delete(q.oid);
    expect(r).toMatchObject({ status: 'retained', detail: expect.stringMatching(/^under Object Lock governance retention until \d{4}-/) });
    expect(Math.abs((r as { retainUntil: Date }).retainUntil.getTime() - (Date.now() + 86_400_000))).toBeLessThan(120_000);
    expect(await versions(locked, q.oid)).toHaveLength(1);
  });

  it("leaves what the vault's policy will not let go, and says which permission is missing", async () => {
    const store = vault('prune-denied');
    const p = await store.put(randomBytes(9_000));
    expect(await store.delete(p.oid)).toEqual({ status: 'retained', retainUntil: null, detail: expect.stringMatching(/refused the delete \(AccessDenied\).*s3:DeleteObjectVersion/) });
    expect(await versions(store, p.oid)).toHaveLength(1);
  });
});
