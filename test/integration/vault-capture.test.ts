// Server-side capture into a vault in another account, against moto (one server, two accounts:
// see test/helpers/second-account.ts; every request passes a counting proxy). The estate has a
// site bucket in us-east-1 and a versioned staging bucket in us-west-2 (the vault is in
// us-east-1: a cross-region copy) holding the same image as prod, an object S3 recorded a
// full-object SHA256 for, a 0-byte object, hostile keys and a readable page. Checked: the
// archive records each object's exact sha256 and headers while this machine downloads only the
// page (its text goes into git); every distinct content lands once at its content address,
// locked; an object whose SHA256 S3 knows is copied once, straight to its address; a second
// snapshot of the unchanged estate makes no object request; a later version extends the
// retention that falls due and only that; and an object over the (small, for the test) copy
// limit is hashed as it streams and copied in parts.
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectVersionsCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectRetentionCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Archive } from '../../src/archive/archive.js';
import { commitVersion } from '../../src/archive/commit.js';
import { resolveVersion } from '../../src/archive/versions.js';
import { VaultStore } from '../../src/store/s3-store.js';
import { silentLogger, silentProgress } from '../../src/util/log.js';
import { verifyVersions } from '../../src/verify/verify.js';
import { maintainVault } from '../../src/vault/maintenance.js';
import { expectStockGitAgrees, makeArchive, readVersion } from '../helpers/archive.js';
import { clientOptions, useMoto } from '../helpers/moto.js';
import { s3Proxy, type S3Proxy } from '../helpers/s3-proxy.js';
import { secondAccount, type Account } from '../helpers/second-account.js';

const moto = useMoto();
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const DAY = 86_400_000;

describe('server-side capture into a vault in another account', { timeout: 120_000 }, () => {
  let owner: Account;
  let proxy: S3Proxy;
  let archive: Archive;
  let vaultS3: S3Client;
  const east = new S3Client(clientOptions(moto.endpoint));
  const west = new S3Client(clientOptions(moto.endpoint, 'us-west-2'));
  const logo = randomBytes(3000);
  const bundle = randomBytes(200_000);
  const known = randomBytes(50_000);
  const page = '<html><body><p>Sunset cruise: $120</p></body></html>\n';
  const hostile = { '../../escape.bin': randomBytes(100), 'dir/ünïcode and space+plus.bin': randomBytes(100) };
  afterAll(() => [east, west, vaultS3].forEach((c) => c?.destroy()));

  const vaultKeyOf = (oid: string) => `snap/objects/${oid.slice(0, 2)}/${oid.slice(2, 4)}/${oid}`;
  const commit = (version: string, now?: () => Date) => commitVersion(archive, { version, progress: silentProgress, log: silentLogger, ...(now ? { now } : {}) });
  const estateGets = () => proxy.requests.filter((r) => r.operation === 'GetObject' && r.bucket !== 'estate-vault');

  beforeAll(async () => {
    owner = await secondAccount(moto.endpoint);
    vaultS3 = owner.s3();
    await vaultS3.send(new CreateBucketCommand({ Bucket: 'estate-vault', ObjectLockEnabledForBucket: true }));
    // The vault's owner denies deletes to everyone (moto enforces a bucket policy's Deny).
    const deny = { Version: '2012-10-17', Statement: [{ Sid: 'NeverDelete', Effect: 'Deny', Principal: '*', Action: ['s3:DeleteObject', 's3:DeleteObjectVersion'], Resource: 'arn:aws:s3:::estate-vault/*' }] };
    await vaultS3.send(new PutBucketPolicyCommand({ Bucket: 'estate-vault', Policy: JSON.stringify(deny) }));

    await east.send(new CreateBucketCommand({ Bucket: 'prod-site' }));
    await west.send(new CreateBucketCommand({ Bucket: 'staging-site', CreateBucketConfiguration: { LocationConstraint: 'us-west-2' } }));
    await west.send(new PutBucketVersioningCommand({ Bucket: 'staging-site', VersioningConfiguration: { Status: 'Enabled' } }));
    const put = (c: S3Client, Bucket: string, Key: string, Body: Buffer | string, extra: Record<string, unknown> = {}) => c.send(new PutObjectCommand({ Bucket, Key, Body, ...extra }));
    await put(east, 'prod-site', 'index.html', page, { ContentType: 'text/html' });
    await put(east, 'prod-site', 'assets/logo.png', logo, { ContentType: 'image/png', CacheControl: 'max-age=600', Metadata: { owner: 'web' } });
    await put(east, 'prod-site', 'downloads/app.zip', bundle, { ContentType: 'application/zip' });
    await put(east, 'prod-site', 'empty.bin', Buffer.alloc(0));
    await put(east, 'prod-site', 'known.bin', known, { ChecksumAlgorithm: 'SHA256' });
    for (const [k, v] of Object.entries(hostile)) await put(east, 'prod-site', k, v);
    await put(west, 'staging-site', 'assets/logo.png', logo, { ContentType: 'image/png' });
    await put(west, 'staging-site', 'downloads/app.zip', randomBytes(1000));
    await put(west, 'staging-site', 'downloads/app.zip', bundle);

    proxy = await s3Proxy(moto.endpoint);
    archive = await makeArchive({ collectors: { s3: { textMaxBytes: 4096 } }, endpoint: proxy.endpoint });
    const config = JSON.parse(await readFile(archive.configPath, 'utf8'));
    config.store = { url: 's3://estate-vault/snap', region: 'us-east-1', objectLock: { mode: 'governance', days: 2, marginDays: 1 } };
    await writeFile(archive.configPath, JSON.stringify(config, null, 2));
  });

  it('archives every object exactly while S3 moves the bytes: only the readable page is downloaded', async () => {
    // The vault is in another account: the estate's credentials do not even list it.
    expect((await east.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).not.toContain('estate-vault');
    expect((await vaultS3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toEqual(['estate-vault']);

    proxy.clear();
    const result = await commit('v1.0');
    expect(result.manifest.status).toBe('complete');
    expect(estateGets().map((r) => r.key)).toEqual(['index.html']);

    const v = await readVersion(archive, 'v1.0', 's3_buckets');
    const shards = (await v.list('prod-site/objects')).map((e) => e.name);
    expect(shards.length).toBe(1);
    const prod = (await v.json<{ objects: { key: string; sha256: string; size: number; headers: Record<string, unknown> }[] }>(`prod-site/objects/${shards[0]}`))!.objects;
    const byKey = new Map(prod.map((e) => [e.key, e]));
    expect(byKey.get('assets/logo.png')).toMatchObject({ sha256: sha(logo), size: logo.length, headers: { ContentType: 'image/png', CacheControl: 'max-age=600', Metadata: { owner: 'web' } } });
    expect(byKey.get('downloads/app.zip')!.sha256).toBe(sha(bundle));
    expect(byKey.get('empty.bin')!.sha256).toBe(sha(''));
    for (const [k, body] of Object.entries(hostile)) expect(byKey.get(k)!.sha256).toBe(sha(body));
    expect(await v.text('prod-site/files/index.html')).toBe(page);

    // The same bucket archived by download into a local store records the same manifest: the
    // headers HeadObject gives are the ones GetObject gives.
    const local = await makeArchive({ collectors: { s3: { textMaxBytes: 4096 } }, endpoint: moto.endpoint });
    await commitVersion(local, { version: 'v1.0', progress: silentProgress, log: silentLogger });
    const localShard = await (await readVersion(local, 'v1.0', 's3_buckets')).text(`prod-site/objects/${shards[0]}`);
    expect(await v.text(`prod-site/objects/${shards[0]}`)).toBe(localShard);
    expect(await (await readVersion(local, 'v1.0', 's3_buckets')).text('staging-site/bucket.json')).toBe(await v.text('staging-site/bucket.json'));

    // Each distinct content is in the vault once, at its address, locked, with its SHA256.
    for (const body of [logo, bundle, known, Buffer.alloc(0), ...Object.values(hostile)]) {
      const versions = await vaultS3.send(new ListObjectVersionsCommand({ Bucket: 'estate-vault', Prefix: vaultKeyOf(sha(body)) }));
      expect(versions.Versions?.length, `one copy of ${sha(body)}`).toBe(1);
      const head = await vaultS3.send(new HeadObjectCommand({ Bucket: 'estate-vault', Key: vaultKeyOf(sha(body)), ChecksumMode: 'ENABLED' }));
      expect(Buffer.from(head.ChecksumSHA256!, 'base64').toString('hex')).toBe(sha(body));
      expect(head.ObjectLockMode).toBe('GOVERNANCE');
    }
    // The object S3 knew the SHA256 of was copied once, straight to its address.
    expect(proxy.requests.filter((r) => r.operation === 'CopyObject' && r.key?.includes(sha(known))).length).toBe(1);
    expect(proxy.requests.filter((r) => r.operation === 'CopyObject' && r.key?.includes('/staging/')).length).toBeGreaterThan(0);
    // The vault refuses to delete what it keeps.
    const head = await vaultS3.send(new HeadObjectCommand({ Bucket: 'estate-vault', Key: vaultKeyOf(sha(logo)) }));
    await expect(vaultS3.send(new DeleteObjectCommand({ Bucket: 'estate-vault', Key: vaultKeyOf(sha(logo)), VersionId: head.VersionId }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });

    // Verified against what the vault recorded, without a download; the bytes read back exact.
    proxy.clear();
    const [verdict] = await verifyVersions(archive, archive.openStore(await archive.loadConfig()), ['v1.0']);
    expect(verdict!.problems).toEqual([]);
    expect(proxy.count('GetObject')).toBe(0);
    const store = archive.openStore(await archive.loadConfig());
    const body = await (await store.open(sha(bundle))).toArray();
    expect(Buffer.concat(body).equals(bundle)).toBe(true);
    expectStockGitAgrees(archive.dir);
  });

  it('re-snapshots an unchanged estate with no object request at all', async () => {
    proxy.clear();
    const result = await commit('v1.1');
    expect(result.manifest.status).toBe('complete');
    const objectOps = proxy.requests.filter((r) => r.key !== null && !r.key.endsWith('.snap-write-check'));
    expect(objectOps.map((r) => `${r.operation} ${r.key}`)).toEqual([]);
  });

  it('a later version extends the retention that falls due, and only that', async () => {
    const store = archive.openStore(await archive.loadConfig()) as VaultStore;
    const index = [...store.index];
    expect(index.length).toBeGreaterThan(5);
    // A day and a half later, every date (two days after v1.0) ends within the one-day margin.
    const later = new Date(Date.now() + 1.5 * DAY);
    proxy.clear();
    await commit('v1.2', () => later);
    expect(proxy.count('PutObjectRetention')).toBe(index.length);
    const head = await vaultS3.send(new HeadObjectCommand({ Bucket: 'estate-vault', Key: vaultKeyOf(sha(logo)) }));
    expect(head.ObjectLockRetainUntilDate!.getTime()).toBeGreaterThan(later.getTime() + 1.9 * DAY);
    // And a commit the next minute finds nothing due.
    proxy.clear();
    await commit('v1.3', () => new Date(later.getTime() + 60_000));
    expect(proxy.count('PutObjectRetention')).toBe(0);
  });

  it('verify reports a retention that ends too early; maintenance asks S3 again and extends it', async () => {
    // Someone with the right to bypass governance mode shortened one payload's retention (moto
    // lets the owner do so without the bypass header; S3 requires s3:BypassGovernanceRetention).
    const key = vaultKeyOf(sha(bundle));
    await vaultS3.send(new PutObjectRetentionCommand({ Bucket: 'estate-vault', Key: key, Retention: { Mode: 'GOVERNANCE', RetainUntilDate: new Date(Date.now() + 3_600_000) } }));
    const config = await archive.loadConfig();
    const verifyNow = async () => {
      const store = archive.openStore(config);
      try {
        return (await verifyVersions(archive, store, ['v1.3'], { retainAtLeastUntil: new Date(Date.now() + DAY) }))[0]!.problems;
      } finally {
        store.close?.();
      }
    };
    const problems = await verifyNow();
    // The payload is prod's and staging's app.zip: both are named.
    expect(problems.map((p) => [p.kind, p.where])).toEqual([
      ['retention', 's3://prod-site/downloads/app.zip'],
      ['retention', 's3://staging-site/downloads/app.zip'],
    ]);
    expect(problems[0]!.detail).toMatch(/is retained only until .* within the margin: `snap maintenance`/);

    const dry = await maintainVault(archive, config, { dryRun: true, rescan: true });
    expect(dry.report).toMatchObject({ extended: 1 });
    proxy.clear();
    const done = await maintainVault(archive, config, {});
    expect(done.report.extended).toBe(1);
    expect(proxy.count('PutObjectRetention')).toBe(1);
    expect(done.staging.count).toBeGreaterThan(0);
    expect(await verifyNow()).toEqual([]);
  });

  it('hashes an object over the copy limit as it streams, then copies it in parts', async () => {
    const big = randomBytes(11 * 1024 * 1024);
    await east.send(new PutObjectCommand({ Bucket: 'prod-site', Key: 'backups/big.bin', Body: big }));
    const store = archive.openStore(await archive.loadConfig()) as VaultStore;
    Object.assign(store.limits, { copyMaxBytes: 5 * 1024 * 1024, partBytes: 5 * 1024 * 1024 });
    const copier = new S3Client({ ...clientOptions(proxy.endpoint), requestChecksumCalculation: 'WHEN_REQUIRED' });
    proxy.clear();
    const result = await store.copyIn({
      client: copier,
      source: { bucket: 'prod-site', key: 'backups/big.bin', etag: createHash('md5').update(big).digest('hex'), size: big.length },
      read: async () => (await east.send(new GetObjectCommand({ Bucket: 'prod-site', Key: 'backups/big.bin' }))).Body as AsyncIterable<Uint8Array>,
    });
    copier.destroy();
    expect(result).toMatchObject({ pointer: { oid: sha(big), size: big.length }, how: 'hashed', receivedBytes: big.length });
    expect(proxy.count('UploadPartCopy')).toBe(3);
    expect(proxy.count('CopyObject')).toBe(0);
    const back = Buffer.concat(await (await store.open(sha(big))).toArray());
    expect(back.equals(big)).toBe(true);
    expect(await store.check({ oid: sha(big), size: big.length })).toMatchObject({ status: 'ok', verified: 'size' });
    expect(await store.check({ oid: sha(big), size: big.length }, { readData: true })).toMatchObject({ status: 'ok', verified: 'content' });
    const v = await resolveVersion(archive.repo, 'v1.3');
    expect(v.name).toBe('v1.3');
  });
});
