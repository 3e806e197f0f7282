// Recovery from nothing, through the built CLI against moto: an archive whose payloads go to a
// vault in another account (one moto server, two accounts: test/helpers/second-account.ts) is
// committed and pushed, its folder deleted, and rebuilt on a "new machine" with only the vault
// owner's credentials (a profile). Then: every version verifies against what the vault
// recorded without a download (and with --read-data), stock git verifies the signed tags,
// payloads are read from the vault on demand, a damaged bucket is restored by S3 copying from
// the vault (no object body passes through snap), the estate shows no drift, and the next
// version differs from the old one only by what the clone changed (its signer, the profile). Every request passes a
// counting proxy (test/helpers/s3-proxy.ts). Last, a version forged with an outsider's key
// (and a bundle of it planted in the vault, as whoever may write the vault's prefix could):
// commit refuses to build on it without running its notify hook, push sends it nowhere, and a
// clone checks out the newest sealed version instead.
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, DeleteBucketPolicyCommand, DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutBucketLoggingCommand, PutBucketPolicyCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStockGitAgrees, git, tempDir } from '../helpers/archive.js';
import { snapCliAsync as cli } from '../helpers/cli.js';
import { clientOptions, useMoto } from '../helpers/moto.js';
import { s3Proxy, type S3Proxy } from '../helpers/s3-proxy.js';
import { INDEX_V1, put, s3Client, seedSite } from '../helpers/s3-seed.js';
import { credentialsProfile, secondAccount, type Account } from '../helpers/second-account.js';

const moto = useMoto();

describe('recovery from the vault alone, through the CLI', { timeout: 300_000 }, () => {
  const s3 = s3Client(moto.endpoint);
  const ddb = new DynamoDBClient(clientOptions(moto.endpoint));
  const tour = randomBytes(200_000);
  let owner: Account;
  let vaultS3: S3Client;
  let proxy: S3Proxy;
  let base: string;
  let env: NodeJS.ProcessEnv;
  afterAll(() => [s3, ddb, vaultS3].forEach((c) => c?.destroy()));

  beforeAll(async () => {
    base = tempDir();
    owner = await secondAccount(moto.endpoint);
    vaultS3 = owner.s3();
    await vaultS3.send(new CreateBucketCommand({ Bucket: 'estate-vault', ObjectLockEnabledForBucket: true }));
    const deny = { Version: '2012-10-17', Statement: [{ Sid: 'NeverDelete', Effect: 'Deny', Principal: '*', Action: ['s3:DeleteObject', 's3:DeleteObjectVersion'], Resource: 'arn:aws:s3:::estate-vault/*' }] };
    await vaultS3.send(new PutBucketPolicyCommand({ Bucket: 'estate-vault', Policy: JSON.stringify(deny) }));

    await seedSite(moto.endpoint);
    await s3.send(new PutBucketLoggingCommand({ Bucket: 'site-prod', BucketLoggingStatus: {} })); // no access logs landing during the story
    await put(s3, 'site-prod', 'media/tour.bin', tour, { ContentType: 'application/octet-stream' });
    await ddb.send(new CreateTableCommand({ TableName: 'events', BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }] }));
    for (const [id, price] of [['bob-dylan', '225'], ['sunset-cruise', '120']]) await ddb.send(new PutItemCommand({ TableName: 'events', Item: { id: { S: id }, price: { N: price } } }));

    proxy = await s3Proxy(moto.endpoint);
    const credentials = join(base, 'aws-credentials');
    writeFileSync(credentials, credentialsProfile('vault-owner', owner));
    env = { AWS_ENDPOINT_URL: proxy.endpoint, AWS_SHARED_CREDENTIALS_FILE: credentials, AWS_CONFIG_FILE: join(base, 'no-aws-config') };
  });

  it('commits into the vault, pushes, and is rebuilt from the vault alone', async () => {
    const made = await cli(base, ['init', 'archive', '--store', 's3://estate-vault/snap', '--object-lock', 'governance:30'], env);
    expect(made.code, made.stderr).toBe(0);
    const dir = join(base, 'archive');
    const config = JSON.parse(readFileSync(join(dir, 'snap.config.json'), 'utf8'));
    for (const id of Object.keys(config.collectors)) config.collectors[id] = { enabled: false };
    Object.assign(config.collectors, { s3: { enabled: true, textMaxBytes: 4096, exclude: ['site-logs'] }, dynamodb: { enabled: true, itemsInTreeMaxBytes: 16 } });
    config.aws.endpoint = proxy.endpoint;
    writeFileSync(join(dir, 'snap.config.json'), JSON.stringify(config, null, 2));

    proxy.clear();
    const v1 = await cli(dir, ['commit', 'v1.0'], env);
    expect(v1.code, v1.stderr).toBe(0);
    // Only readable text was downloaded; the image, the unnamed blob and the media file were copied by S3.
    const downloaded = proxy.requests.filter((r) => r.operation === 'GetObject' && r.bucket === 'site-prod').map((r) => r.key);
    for (const binary of ['assets/logo.png', 'assets/notes', 'media/tour.bin']) expect(downloaded).not.toContain(binary);
    expect(downloaded).toContain('events/index.html');

    const remote = join(base, 'remote.git');
    git(base, 'init', '--quiet', '--bare', remote);
    git(dir, 'remote', 'add', 'origin', remote);
    const pushed = await cli(dir, ['push'], env);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stdout).toMatch(/ok {2}vault s3:\/\/estate-vault\/snap: all 1 version already there/); // the commit wrote it
    expect(pushed.stdout).toMatch(/ok {2}remote origin/);
    expect(git(remote, 'tag', '--list').trim()).toBe('v1.0');

    // The machine is lost.
    rmSync(dir, { recursive: true, force: true });

    const cloned = await cli(base, ['clone', 's3://estate-vault/snap', 'restored', '--profile', 'vault-owner'], env);
    expect(cloned.code, cloned.stderr).toBe(0);
    expect(cloned.stdout).toContain('1 version (v1.0)');
    expect(cloned.stdout).toContain('fingerprint key restored from the vault');
    const restored = join(base, 'restored');
    expect(JSON.parse(readFileSync(join(restored, 'snap.config.json'), 'utf8')).store).toMatchObject({ url: 's3://estate-vault/snap', region: 'us-east-1', profile: 'vault-owner', objectLock: { mode: 'governance', days: 30 } });
    expect(git(restored, 'verify-tag', 'v1.0')).toBe('');

    proxy.clear();
    const verified = await cli(restored, ['verify', '--all'], env);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/^ok {2}v1\.0: signed by .*; \d+ files, \d+ payloads/m);
    expect(proxy.count('GetObject')).toBe(0);
    const reread = await cli(restored, ['verify', '--all', '--read-data'], env);
    expect(reread.code, reread.stdout + reread.stderr).toBe(0);
    expect(proxy.count('GetObject')).toBeGreaterThan(3);

    const cat = await cli(restored, ['cat', 'v1.0', 's3://site-prod/media/tour.bin'], env);
    expect(cat.code, cat.stderr).toBe(0);
    expect(cat.stdoutBytes.equals(tour)).toBe(true);
    // The table export is a payload the vault holds (uploaded, not copied): checkout and export fetch it on demand.
    const out = join(base, 'checked-out');
    expect((await cli(restored, ['checkout', 'v1.0', out], env)).code).toBe(0);
    expect(readFileSync(join(out, 'dynamodb/us-east-1/events/items.jsonl'), 'utf8')).toContain('bob-dylan');
    const tarball = join(base, 'v1.0.tar');
    const exported = await cli(restored, ['export', 'v1.0', '-o', tarball], env);
    expect(exported.code, exported.stderr).toBe(0);
    expect(readFileSync(tarball).includes(Buffer.from('sunset-cruise'))).toBe(true);
  });

  it('restores a damaged bucket by S3 copying from the vault, and the next version has no drift', async () => {
    const restored = join(base, 'restored');
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: 'site-prod' })); // the site's policy denies deletes
    for (const key of ['media/tour.bin', 'assets/logo.png']) await s3.send(new DeleteObjectCommand({ Bucket: 'site-prod', Key: key }));
    await put(s3, 'site-prod', 'events/index.html', INDEX_V1.replace('$120', '$12'), { ContentType: 'text/html; charset=utf-8', CacheControl: 'max-age=60', Metadata: { owner: 'web-team', build: '42' } });
    expect((await cli(restored, ['status'], env)).code).toBe(1);

    proxy.clear();
    const applied = await cli(restored, ['restore', 'v1.0', 's3_buckets/site-prod', '--yes'], env);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    const writes = proxy.requests.filter((r) => r.bucket === 'site-prod' && (r.operation === 'PutObject' || r.operation === 'CopyObject'));
    expect(writes.map((w) => `${w.operation} ${w.key}`).sort()).toEqual(['CopyObject assets/logo.png', 'CopyObject events/index.html', 'CopyObject media/tour.bin']);
    expect(proxy.requests.filter((r) => r.operation === 'GetObject' && r.bucket === 'estate-vault')).toEqual([]);
    const page = await s3.send(new GetObjectCommand({ Bucket: 'site-prod', Key: 'events/index.html' }));
    expect(await page.Body!.transformToString()).toBe(INDEX_V1);
    expect(page.Metadata).toEqual({ owner: 'web-team', build: '42' });

    const clean = await cli(restored, ['status'], env);
    expect([clean.code, clean.stdout], clean.stderr).toEqual([0, '']);
    const v2 = await cli(restored, ['commit', 'v1.1'], env);
    expect(v2.code, v2.stderr).toBe(0);
    // The estate is as v1.0 had it; what differs is what the clone did: the signer it added,
    // and the vault owner's profile in the config.
    expect(await cli(restored, ['diff', 'v1.0', 'v1.1', 's3_buckets', 'dynamodb'], env)).toMatchObject({ code: 0, stdout: '' });
    const all = await cli(restored, ['diff', 'v1.0', 'v1.1'], env);
    expect(all.stdout.split('\n').filter((l) => /^\S/.test(l))).toEqual(['.snap', 'snap.config.json']);
    expect(all.stdout).toMatch(/\+.* snap-clone-key/);
    expect(all.stdout).toContain('+ store.profile: "vault-owner"');

    const maintained = await cli(restored, ['maintenance'], env);
    expect(maintained.code, maintained.stderr).toBe(0);
    expect(maintained.stdout).toMatch(/retention governance 30 days, margin 10: 0 extended/);
    expect((await cli(restored, ['push', '--no-vault'], env)).code).toBe(2); // no remote in the clone yet: nowhere to push
    const pushed = await cli(restored, ['push'], env);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stdout).toContain('all 2 versions already there');
    expectStockGitAgrees(restored);
  });
  it('never copies what the vault holds in place of the archived bytes: verify names it, restore refuses it, a good restore shows no drift', async () => {
    const restored = join(base, 'restored');
    // One object archived with no checksum (a client that sends none), one with a CRC32.
    const plain = s3Client(moto.endpoint, 'us-east-1', { requestChecksumCalculation: 'WHEN_REQUIRED' });
    const bare = randomBytes(40_000);
    const crc = randomBytes(30_000);
    await plain.send(new PutObjectCommand({ Bucket: 'site-prod', Key: 'docs/bare.bin', Body: bare, ContentType: 'application/octet-stream' }));
    await plain.send(new PutObjectCommand({ Bucket: 'site-prod', Key: 'docs/crc.bin', Body: crc, ContentType: 'application/octet-stream', ChecksumAlgorithm: 'CRC32' }));
    plain.destroy();
    const committed = await cli(restored, ['commit', 'v1.3'], env);
    expect(committed.code, committed.stderr).toBe(0);

    // Anyone who may write the vault puts other bytes of the same size at the two content addresses.
    const keyOf = (b: Buffer) => {
      const oid = createHash('sha256').update(b).digest('hex');
      return `snap/objects/${oid.slice(0, 2)}/${oid.slice(2, 4)}/${oid}`;
    };
    for (const b of [bare, crc]) await vaultS3.send(new PutObjectCommand({ Bucket: 'estate-vault', Key: keyOf(b), Body: randomBytes(b.length) }));
    const verified = await cli(restored, ['verify', 'v1.3'], env);
    expect(verified.code).toBe(1);
    for (const b of [bare, crc]) expect(verified.stdout + verified.stderr).toContain(`${keyOf(b)} is a single-part object with no SHA256 recorded by S3`);
    expect(verified.stdout + verified.stderr).toContain('snap verify --read-data');
    expect(verified.stdout + verified.stderr).not.toContain('snap maintenance` sets it');

    await s3.send(new DeleteBucketPolicyCommand({ Bucket: 'site-prod' })); // the site's policy (restored above) denies deletes
    await s3.send(new DeleteObjectCommand({ Bucket: 'site-prod', Key: 'docs/bare.bin' }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'site-prod', Key: 'docs/crc.bin' }));
    rmSync(join(restored, '.git/snap/store'), { recursive: true, force: true }); // no cached copy to fall back on
    const refused = await cli(restored, ['restore', 'v1.3', 's3_buckets/site-prod', '--yes'], env);
    expect(refused.code, refused.stdout + refused.stderr).toBe(1);
    for (const [key, b] of [['docs/bare.bin', bare], ['docs/crc.bin', crc]] as const) {
      expect(refused.stderr).toContain(`s3://estate-vault/${keyOf(b)} does not hold the archived content of s3://site-prod/${key}`);
      await expect(s3.send(new GetObjectCommand({ Bucket: 'site-prod', Key: key }))).rejects.toMatchObject({ name: 'NoSuchKey' }); // nothing landed
    }
    expect(refused.stderr).toContain('snap verify --all --read-data');
    expect(proxy.requests.filter((r) => r.operation === 'CopyObject' && r.bucket === 'site-prod' && r.key?.startsWith('docs/'))).toEqual([]);

    // The vault's owner writes the right bytes back (a new version, with its SHA256): the restore copies them, and nothing drifts.
    for (const b of [bare, crc]) await vaultS3.send(new PutObjectCommand({ Bucket: 'estate-vault', Key: keyOf(b), Body: b, ChecksumAlgorithm: 'SHA256' }));
    const applied = await cli(restored, ['restore', 'v1.3', 's3_buckets/site-prod', '--yes'], env);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    for (const [key, b] of [['docs/bare.bin', bare], ['docs/crc.bin', crc]] as const) {
      const got = await s3.send(new GetObjectCommand({ Bucket: 'site-prod', Key: key }));
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(b)).toBe(true);
    }
    const clean = await cli(restored, ['status'], env);
    expect([clean.code, clean.stdout], clean.stderr).toEqual([0, '']);
  });

  it('never builds on a forged version: commit refuses it (its hook never runs), push sends it nowhere, a clone checks out the newest sealed version', async () => {
    const dir = join(base, 'restored'); // the archive as recovered from the vault (the first folder is gone)
    const sealed = git(dir, 'rev-parse', 'main').trim();
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'attacker', '-f', join(base, 'outsider')]);
    const pub = readFileSync(join(base, 'outsider.pub'), 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
    appendFileSync(join(dir, '.snap/allowed_signers'), `attacker@evil.example namespaces="git" ${pub}\n`);
    const marker = join(base, 'hook-ran');
    const config = JSON.parse(readFileSync(join(dir, 'snap.config.json'), 'utf8'));
    config.notify = { command: ['/bin/sh', '-c', `echo ran > '${marker}'`], on: ['drift', 'unchanged', 'partial', 'failed'] };
    writeFileSync(join(dir, 'snap.config.json'), JSON.stringify(config, null, 2));
    git(dir, 'add', '-A');
    git(dir, '-c', 'user.name=someone', '-c', 'user.email=attacker@evil.example', 'commit', '-q', '-m', 'v9.0: routine snapshot');
    execFileSync('git', ['-c', 'gpg.format=ssh', '-c', `user.signingkey=${join(base, 'outsider')}`, '-c', 'user.name=someone', '-c', 'user.email=attacker@evil.example', 'tag', '-s', '-m', 'v9.0: routine snapshot', 'v9.0', 'main'], { cwd: dir, stdio: 'ignore' });

    const commit = await cli(dir, ['commit'], env);
    expect(commit.code, commit.stderr).toBe(2);
    expect(commit.stderr).toMatch(/v9\.0 is not sealed by a trusted signer: .*git update-ref refs\/heads\/main VERSION\^\{commit\}/);
    expect(existsSync(marker)).toBe(false);

    const push = await cli(dir, ['push'], env);
    expect(push.code, push.stderr).toBe(3); // pushed what is sealed; the forged version named and left out
    expect(push.stderr).toMatch(/warning: v9\.0 is not sealed by a trusted signer: not pushed, and not written into the vault/);
    const keys = async () => ((await vaultS3.send(new ListObjectsV2Command({ Bucket: 'estate-vault', Prefix: 'snap/history/versions/' }))).Contents ?? []).map((o) => o.Key!);
    expect(await keys()).not.toContain('snap/history/versions/v9.0.bundle');

    // Planted by hand where the estate's role may write, then recovered from.
    const bundle = join(base, 'v9.0.bundle');
    execFileSync('git', ['bundle', 'create', '--quiet', bundle, 'refs/tags/v9.0', `^${sealed}`], { cwd: dir });
    await vaultS3.send(new PutObjectCommand({ Bucket: 'estate-vault', Key: 'snap/history/versions/v9.0.bundle', Body: readFileSync(bundle) }));
    const cloned = await cli(base, ['clone', 's3://estate-vault/snap', 'from-planted', '--profile', 'vault-owner'], env);
    expect(cloned.code, cloned.stderr).toBe(3);
    expect(cloned.stderr).toMatch(/warning: v9\.0 in the vault is not sealed by a signer its history trusts: kept as evidence, not checked out/);
    const clone = join(base, 'from-planted');
    // main is a version whose seal holds here; the forged one is kept as evidence, off main
    const main = git(clone, 'rev-parse', 'main').trim();
    expect(main).not.toBe(git(dir, 'rev-parse', 'v9.0^{commit}').trim());
    const mainVersion = git(clone, 'tag', '--points-at', main).trim().split('\n')[0]!;
    expect(JSON.parse((await cli(clone, ['verify', mainVersion, '--json'], env)).stdout).ok).toBe(true);
    expect(git(clone, 'tag', '--list', 'v9.0').trim()).toBe('v9.0');
    expect(JSON.parse(readFileSync(join(clone, 'snap.config.json'), 'utf8')).notify).toBeUndefined();
    const next = await cli(clone, ['commit'], env);
    expect([0, 3]).toContain(next.code);
    expect(existsSync(marker)).toBe(false);
    git(dir, 'update-ref', 'refs/heads/main', sealed);
    git(dir, 'reset', '-q', '--hard', 'main');
  });
});
