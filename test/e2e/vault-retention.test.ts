// Retention with an S3 vault under Object Lock, through the built CLI against moto: an archive
// whose payloads S3 copies into a vault with governance retention; three versions in which a
// large object changes; forget keeps the newest; prune leaves the forgotten versions' payloads
// in the vault (S3 refuses to delete a version under retention) and lists each with its
// retain-until date, drops them from this machine's index of the vault (so the retention the
// vault keeps ahead of need is no longer extended for them) and from the local cache, deletes
// nothing a kept version needs, and every kept version still verifies. Then the forgetting goes
// where the history goes: `snap push` deletes the forgotten tags from a git remote, and
// `snap clone` from the vault rebuilds an archive in which they are forgotten too. (A retention
// that has ended lets the delete through: test/integration/vault-prune.test.ts, with the
// vault's clock.)
import { randomBytes, createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStockGitAgrees, git, tempDir } from '../helpers/archive.js';
import { snapCli } from '../helpers/cli.js';
import { clientOptions, useMoto } from '../helpers/moto.js';
import { put } from '../helpers/s3-seed.js';

const moto = useMoto();
const s3 = new S3Client(clientOptions(moto.endpoint));
afterAll(() => s3.destroy());
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('prune with a vault under Object Lock', { timeout: 240_000 }, () => {
  const env = { AWS_ENDPOINT_URL: moto.endpoint };
  const big = [randomBytes(150_000), randomBytes(160_000), randomBytes(170_000)];
  const tool = randomBytes(40_000);
  let dir: string;
  let remote: string;
  const cli = (args: string[]) => snapCli(dir, args, env);

  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'retention-vault', ObjectLockEnabledForBucket: true }));
    await s3.send(new CreateBucketCommand({ Bucket: 'site-prod' }));
    const base = tempDir();
    const made = snapCli(base, ['init', 'archive', '--store', 's3://retention-vault/snap', '--object-lock', 'governance:2'], env);
    expect(made.code, made.stderr).toBe(0);
    dir = join(base, 'archive');
    const tools = join(base, 'tools');
    mkdirSync(tools);
    writeFileSync(join(tools, 'tool.bin'), tool);
    const config = JSON.parse(readFileSync(join(dir, 'snap.config.json'), 'utf8'));
    for (const id of Object.keys(config.collectors)) config.collectors[id] = { enabled: false };
    config.collectors.s3 = { enabled: true };
    config.collectors.local = { enabled: true, paths: [{ name: 'tools', path: tools }] };
    config.aws.endpoint = moto.endpoint;
    writeFileSync(join(dir, 'snap.config.json'), JSON.stringify(config, null, 2));
    for (const body of big) {
      await put(s3, 'site-prod', 'media/big.bin', body);
      const r = cli(['-q', 'commit']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe('');
    }
  });

  it('leaves payloads under retention in the vault, listed with their retain-until date, and deletes nothing a kept version needs', async () => {
    // A git remote that already has every version.
    remote = join(dir, '..', 'remote.git');
    git(dir, 'init', '-q', '--bare', remote);
    git(dir, 'remote', 'add', 'origin', remote);
    expect(cli(['push']).code).toBe(0);
    expect(git(remote, 'tag', '--list').trim().split('\n')).toEqual(['v1.0', 'v1.1', 'v1.2']);

    const forget = cli(['forget', '--keep-last', '1']);
    expect(forget.code, forget.stderr).toBe(0);
    expect(forget.stdout).toMatch(/forget 2 versions:/);

    const vaultKey = (b: Buffer) => { const o = sha(b); return `snap/objects/${o.slice(0, 2)}/${o.slice(2, 4)}/${o}`; };
    const inVault = async (b: Buffer) => ((await s3.send(new ListObjectVersionsCommand({ Bucket: 'retention-vault', Prefix: vaultKey(b) }))).Versions ?? []).length;
    const before = await Promise.all([...big, tool].map(inVault));
    expect(before).toEqual([1, 1, 1, 1]);

    const dry = JSON.parse(cli(['prune', '--dry-run', '--json']).stdout);
    expect(dry.objects.map((o: { oid: string }) => o.oid).sort()).toEqual([sha(big[0]!), sha(big[1]!)].sort());

    const prune = cli(['prune', '--json']);
    expect(prune.code, prune.stderr).toBe(0);
    const report = JSON.parse(prune.stdout);
    expect(report.deleted).toEqual({ objects: 0, bytes: 0 });
    expect(report.retained.map((r: { oid: string }) => r.oid).sort()).toEqual([sha(big[0]!), sha(big[1]!)].sort());
    for (const r of report.retained as { retainUntil: string; size: number; detail: string }[]) {
      // governance:2: two days from the commit that wrote it.
      expect(Math.abs(Date.parse(r.retainUntil) - (Date.now() + 2 * 86_400_000))).toBeLessThan(10 * 60_000);
      expect(r.detail).toMatch(/^under Object Lock governance retention until /);
    }
    expect(await Promise.all([...big, tool].map(inVault))).toEqual([1, 1, 1, 1]);
    // This machine's index of the vault no longer lists them, so their retention is not kept ahead.
    const index = readFileSync(join(dir, '.git', 'snap', 'vault-index'), 'utf8');
    expect(index).not.toContain(sha(big[0]!));
    expect(index).toContain(sha(big[2]!));

    const text = cli(['prune']);
    expect(text.stdout).toMatch(/left 2 payloads the store must keep for now \(prune again after the date\):\n  sha256:[0-9a-f]{64} \(\d+\.\d KiB\) retained until \d{4}-\d\d-\d\dT/);
    const verify = cli(['verify', '--all']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout.match(/^forgotten /gm)).toHaveLength(2);
    expect(verify.stdout).toMatch(/^ok {2}v1\.2: /m);
    const stats = JSON.parse(cli(['stats', '--json']).stdout);
    expect(stats.store.description).toBe('S3 vault s3://retention-vault/snap (us-east-1)');
    expect(stats.prune).toMatchObject({ objects: 2, bytes: big[0]!.length + big[1]!.length });
    expect(stats.referenced.objects).toBe(2); // the newest big.bin and tool.bin
    expectStockGitAgrees(dir);
  });

  it('takes the forgetting where the history travels: the remote loses the forgotten tags, a clone from the vault forgets them too', () => {
    const pushed = cli(['push']);
    expect(pushed.code, pushed.stdout + pushed.stderr).toBe(0);
    expect(git(remote, 'tag', '--list').trim()).toBe('v1.2');
    expect(git(remote, 'notes', '--ref=snap-forgotten', 'list').trim().split('\n')).toHaveLength(2);

    const base = join(dir, '..');
    const cloned = snapCli(base, ['clone', 's3://retention-vault/snap', 'restored'], env);
    expect(cloned.code, cloned.stderr).toBe(0);
    const restored = join(base, 'restored');
    expect(git(restored, 'tag', '--list').trim()).toBe('v1.2');
    expect(snapCli(restored, ['log', '--all'], env).stdout).toMatch(/^v1\.0 .* forgotten \d{4}-\d\d-\d\d by /m);
    const verify = snapCli(restored, ['verify', '--all'], env);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout.match(/^forgotten /gm)).toHaveLength(2);
  });
});
