// `snap init --store` and the checks that refuse an unusable vault, through the built CLI
// against moto: a missing bucket, a bucket without Object Lock when the config asks for it,
// and a wrong region are refused with the fix named (exit 2) before anything is created or,
// for a commit, before any collector runs; a good vault gets the config's store section, with
// the bucket's region asked of S3, and the archive's fingerprint key.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListObjectVersionsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdirSync } from 'node:fs';
import { git } from '../helpers/archive.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/archive.js';
import { snapCli } from '../helpers/cli.js';
import { clientOptions, useMoto } from '../helpers/moto.js';

const moto = useMoto();
const s3 = new S3Client(clientOptions(moto.endpoint));
afterAll(() => s3.destroy());
const env = { AWS_ENDPOINT_URL: moto.endpoint };

describe('snap init --store', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'estate-vault', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' }, ObjectLockEnabledForBucket: true }));
    await s3.send(new CreateBucketCommand({ Bucket: 'plain-vault' }));
  });

  it('refuses a missing bucket and a bucket without Object Lock, creating nothing', () => {
    const base = tempDir();
    const missing = snapCli(base, ['init', 'a', '--store', 's3://no-such-vault/snap'], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/the vault bucket no-such-vault does not exist: create it with Object Lock/);
    expect(existsSync(join(base, 'a'))).toBe(false);
    const unlocked = snapCli(base, ['init', 'b', '--store', 's3://plain-vault/snap', '--object-lock', 'governance:7'], env);
    expect(unlocked.code).toBe(2);
    expect(unlocked.stderr).toMatch(/has no Object Lock, but snap.config.json store.objectLock asks for governance retention: enable it/);
    expect(existsSync(join(base, 'b'))).toBe(false);
    expect(snapCli(base, ['init', 'c', '--object-lock', 'governance:7'], env)).toMatchObject({ code: 2, stderr: expect.stringContaining('give --store') });
    expect(snapCli(base, ['init', 'c', '--store', 's3://plain-vault/x', '--object-lock', 'forever'], env)).toMatchObject({ code: 2, stderr: expect.stringContaining('expected governance:DAYS or compliance:DAYS') });
  });

  it('writes the store section (region asked of S3) and keeps the fingerprint key in the vault', async () => {
    const base = tempDir();
    const made = snapCli(base, ['init', 'archive', '--store', 's3://estate-vault/prod/snap', '--object-lock', 'governance:7'], env);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toContain('vault       s3://estate-vault/prod/snap (eu-west-1), Object Lock governance 7 days');
    const dir = join(base, 'archive');
    const config = JSON.parse(readFileSync(join(dir, 'snap.config.json'), 'utf8'));
    expect(config.store).toEqual({ url: 's3://estate-vault/prod/snap', region: 'eu-west-1', objectLock: { mode: 'governance', days: 7 } });
    const key = await s3.send(new GetObjectCommand({ Bucket: 'estate-vault', Key: 'prod/snap/keys/fingerprint.key' }));
    expect(Buffer.from(await key.Body!.transformToByteArray()).equals(readFileSync(join(dir, '.git', 'snap', 'fingerprint.key')))).toBe(true);
    expect(key.ObjectLockMode).toBe('GOVERNANCE');

    // The bucket's region, edited wrong: refused before any collector runs, nothing written.
    config.store.region = 'us-east-1';
    for (const id of Object.keys(config.collectors)) config.collectors[id] = { enabled: false };
    config.collectors.local = { enabled: true, paths: [{ name: 'tools', path: base }] };
    writeFileSync(join(dir, 'snap.config.json'), JSON.stringify(config, null, 2));
    const refused = snapCli(dir, ['commit', 'v1.0'], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('the vault bucket estate-vault is in eu-west-1, not us-east-1: set store.region to "eu-west-1"');
    expect(refused.stderr).not.toMatch(/local: /);
    expect(snapCli(dir, ['log'], env).stdout).not.toContain('v1.0');
    const objects = await s3.send(new ListObjectVersionsCommand({ Bucket: 'estate-vault', Prefix: 'prod/snap/objects/' }));
    expect(objects.Versions ?? []).toEqual([]);
  });

  it('every flag of the vault verbs, and their refusals', async () => {
    const base = tempDir();
    const tools = join(base, 'tools');
    mkdirSync(tools);
    writeFileSync(join(tools, 'deploy.sh'), '#!/bin/sh\necho deploy\n');
    writeFileSync(join(tools, 'logo.bin'), Buffer.from([0, 1, 2, 255]));
    for (const verb of ['push', 'clone', 'maintenance']) expect(snapCli(base, [verb, '--help'], env)).toMatchObject({ code: 0, stdout: expect.stringContaining(`usage: snap ${verb}`) });
    const made = snapCli(base, ['init', 'archive', '--store', 's3://estate-vault/flags', '--store-region', 'eu-west-1', '--store-profile', 'vault-owner', '--object-lock', 'compliance:3'], { ...env, AWS_PROFILE: '' });
    // The profile does not exist here: the vault check names the credentials it could not find.
    expect(made.code).toBe(2);
    expect(made.stderr).toMatch(/profile vault-owner/);
    const ok = snapCli(base, ['init', 'archive', '--store', 's3://estate-vault/flags', '--store-region', 'eu-west-1', '--object-lock', 'compliance:3'], env);
    expect(ok.code, ok.stderr).toBe(0);
    const dir = join(base, 'archive');
    const config = JSON.parse(readFileSync(join(dir, 'snap.config.json'), 'utf8'));
    for (const id of Object.keys(config.collectors)) config.collectors[id] = { enabled: false };
    config.collectors.local = { enabled: true, paths: [{ name: 'tools', path: tools }] };
    writeFileSync(join(dir, 'snap.config.json'), JSON.stringify(config, null, 2));
    expect(snapCli(dir, ['commit', 'v1.0'], env).code).toBe(0);

    const dry = snapCli(dir, ['maintenance', '--dry-run', '--json'], env);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ vault: 's3://estate-vault/flags', region: 'eu-west-1', dryRun: true, retention: { mode: 'compliance', days: 3, marginDays: 1 }, report: { extended: 0 } });
    const rescan = snapCli(dir, ['maintenance', '--rescan'], env);
    expect(rescan.code, rescan.stderr).toBe(0);
    expect(rescan.stdout).toMatch(/index rebuilt from a listing: \d+\)/);
    expect(rescan.stdout).toMatch(/dates asked of S3/);

    git(base, 'init', '--quiet', '--bare', join(base, 'remote.git'));
    git(dir, 'remote', 'add', 'backup', join(base, 'remote.git'));
    expect(snapCli(dir, ['push', 'backup', '--no-vault'], env)).toMatchObject({ code: 0, stdout: expect.stringContaining('ok  remote backup') });
    expect(snapCli(dir, ['push', 'nosuch'], env)).toMatchObject({ code: 2, stderr: expect.stringContaining('no git remote named "nosuch" (this archive has: backup)') });

    // A new archive must not share a prefix that holds one already.
    expect(snapCli(base, ['init', 'second', '--store', 's3://estate-vault/flags'], env)).toMatchObject({ code: 2, stderr: expect.stringContaining('already holds an archive\'s history: recover that archive with `snap clone s3://estate-vault/flags DIR`') });
    const clone = snapCli(base, ['clone', 's3://estate-vault/flags', 'copy', '--region', 'eu-west-1'], env);
    expect(clone.code, clone.stderr).toBe(0);
    expect(readFileSync(join(base, 'copy', 'local_repos', 'tools', 'files', 'deploy.sh'), 'utf8')).toContain('echo deploy');
    expect(snapCli(join(base, 'copy'), ['cat', 'v1.0', 'local_repos/tools/files/logo.bin'], env).stdoutBytes).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(snapCli(base, ['clone', 's3://estate-vault/flags', 'copy'], env)).toMatchObject({ code: 2, stderr: expect.stringContaining('exists and is not empty') });
    await s3.send(new PutObjectCommand({ Bucket: 'plain-vault', Key: 'empty/keys/other', Body: 'x' }));
    expect(snapCli(base, ['clone', 's3://plain-vault/empty', 'none'], env)).toMatchObject({ code: 2, stderr: expect.stringContaining('holds no version history') });
    expect(existsSync(join(base, 'none'))).toBe(false);
  });
});
