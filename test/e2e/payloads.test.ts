// Every archived byte comes back out, through the built CLI against moto: an estate with
// binary objects, hostile keys, 0-byte objects, a versioned bucket with older versions and a
// delete marker, a DynamoDB export in the store, a repository bundle and a binary local file.
//   - commit, show and MANIFEST.md count every payload and its bytes;
//   - `snap ls` lists every S3 object (kind stored, size, sha256, address), by bucket too;
//   - `snap export` and `snap checkout` hold every current object of every bucket, compared
//     object by object (count and sha256) with what moto serves, at the place PAYLOADS.jsonl
//     names, plus every pointer file's payload;
//   - stock git and git-lfs (gc --prune=now, lfs prune, lfs fsck) cannot lose a payload; a
//     clone plus `git lfs fetch --all` is told exactly what it lacks and how to get it;
//   - an archive whose store is still in .git/lfs/objects is read there, and moved to
//     .git/snap/store by the next commit.
// Lambda code is a pointer file like the table export and the bundle; it is not part of this
// estate because moto cannot serve a function's code for download (test/integration/lambda.test.ts
// supplies it through the collector's fetcher).
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectStockGitAgrees, git, tempDir } from '../helpers/archive.js';
import { snapCli } from '../helpers/cli.js';
import { ensureGitLfs } from '../helpers/git-lfs.js';
import { clientOptions, useMoto } from '../helpers/moto.js';
import { createBucket, HOSTILE_KEYS, put, s3Client, seedHostile, seedVault } from '../helpers/s3-seed.js';
import { folderFiles } from '../helpers/version-files.js';

const moto = useMoto();
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const BINARY = Buffer.from(Array.from({ length: 200_003 }, (_, i) => (i * 7919) % 256));
const ZIP = Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 31) % 256))]);
const REGIONS = ['us-east-1', 'eu-west-1', 'us-west-2'];
const BUCKETS: [string, string][] = [
  ['media', 'us-east-1'],
  ['hostile-keys', 'us-east-1'],
  ['vault-eu', 'eu-west-1'],
  ['vault-replica', 'us-west-2'],
];

interface IndexLine {
  address: string;
  path: string;
  sha256: string;
  size: number;
}

/** What moto holds now: every current object of every bucket, by address, with its sha256 and size. */
async function motoObjects(): Promise<Map<string, { sha256: string; size: number }>> {
  const out = new Map<string, { sha256: string; size: number }>();
  for (const [bucket, region] of BUCKETS) {
    const client: S3Client = s3Client(moto.endpoint, region);
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
      for (const o of page.Contents ?? []) {
        const body = Buffer.from(await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }))).Body!.transformToByteArray());
        out.set(`s3://${bucket}/${o.Key}`, { sha256: sha256(body), size: body.length });
      }
      token = page.NextContinuationToken;
    } while (token);
  }
  return out;
}

function makeTools(base: string): { tools: string; repo: string } {
  const tools = join(base, 'tools');
  mkdirSync(tools, { recursive: true });
  writeFileSync(join(tools, 'logo.bin'), Buffer.from([0, 1, 2, 3, 0xff, 0xfe]));
  writeFileSync(join(tools, 'notes.txt'), 'plain text\n');
  const repo = join(base, 'repo');
  mkdirSync(repo);
  const g = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: repo });
  g('init', '-q', '-b', 'main');
  writeFileSync(join(repo, 'deploy.sh'), '#!/bin/sh\necho deploy\n');
  g('add', '.');
  g('commit', '-q', '-m', 'first');
  return { tools, repo };
}

function configure(dir: string, paths: { tools: string; repo: string }): void {
  const file = join(dir, 'snap.config.json');
  const config = JSON.parse(readFileSync(file, 'utf8'));
  for (const id of Object.keys(config.collectors)) config.collectors[id].enabled = false;
  config.aws.endpoint = moto.endpoint;
  config.aws.regions = REGIONS;
  config.collectors.s3 = { enabled: true };
  config.collectors.dynamodb = { enabled: true, regions: ['us-east-1'], itemsInTreeMaxBytes: 0 };
  config.collectors.local = { enabled: true, paths: [{ name: 'tools', path: paths.tools }, { name: 'deploy', path: paths.repo }] };
  writeFileSync(file, JSON.stringify(config, null, 2));
}

function extract(tarball: string): string {
  const out = tempDir();
  execFileSync('tar', ['-xf', tarball, '-C', out]);
  return out;
}

/** Each current object moto holds is in `root` (an export's or a checkout's folder) with its exact bytes, at the place PAYLOADS.jsonl names. */
function expectEveryObject(root: string, objects: Map<string, { sha256: string; size: number }>): IndexLine[] {
  const index = readFileSync(join(root, 'PAYLOADS.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as IndexLine);
  expect(index.map((l) => l.address).sort()).toEqual([...objects.keys()].sort());
  const files = folderFiles(root);
  for (const line of index) {
    const want = objects.get(line.address)!;
    const file = files.get(line.path);
    expect(file, `${line.address} at ${line.path}`).toBeDefined();
    expect({ address: line.address, sha256: sha256(file!.bytes), size: file!.bytes.length }).toEqual({ address: line.address, ...want });
    expect({ sha256: line.sha256, size: line.size }).toEqual(want);
  }
  return index;
}

describe('every archived byte comes back out (CLI)', { timeout: 300_000 }, () => {
  let base: string;
  let dir: string;
  let objects: Map<string, { sha256: string; size: number }>;
  let commitOut: string;

  beforeAll(async () => {
    const media = await createBucket(moto.endpoint, 'media', 'us-east-1');
    await put(media, 'media', 'img/hero.jpg', BINARY, { ContentType: 'image/jpeg' });
    await put(media, 'media', 'dl/app.zip', ZIP, { ContentType: 'application/zip' });
    await put(media, 'media', 'empty.bin', Buffer.alloc(0));
    await put(media, 'media', 'folder/', Buffer.alloc(0));
    await put(media, 'media', 'index.html', '<h1>hi</h1>\n', { ContentType: 'text/html' });
    await seedHostile(moto.endpoint);
    await seedVault(moto.endpoint); // contract.txt in two versions, removed.txt behind a delete marker
    const dynamo = new DynamoDBClient(clientOptions(moto.endpoint));
    await dynamo.send(new CreateTableCommand({ TableName: 'orders', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' }));
    for (let i = 0; i < 5; i++) await dynamo.send(new PutItemCommand({ TableName: 'orders', Item: { pk: { S: `o-${i}` }, total: { N: String(i * 10) } } }));
    objects = await motoObjects();

    base = tempDir();
    const paths = makeTools(base);
    expect(snapCli(base, ['init', 'estate']).code).toBe(0);
    dir = join(base, 'estate');
    configure(dir, paths);
    const commit = snapCli(dir, ['commit', 'v1.0']);
    expect(commit.code, commit.stderr).toBe(0);
    commitOut = commit.stdout;
  });

  it('counts every payload and its bytes in the commit summary, snap show and MANIFEST.md', () => {
    // every stored object version: the current ones, the older version of contract.txt, and
    // removed.txt's version behind its delete marker
    const listed = objects.size + 2;
    const listedBytes = [...objects.values()].reduce((n, o) => n + o.size, 0) + 'version one\n'.length + 'soon gone\n'.length;
    const show = snapCli(dir, ['show', 'v1.0']);
    expect(show.stdout).toContain(`listed in manifests (S3 objects)`);
    const total = /Total: \d+ files in the tree; (\d+) payloads in the content store \([^)]+\): (\d+) behind pointer files, (\d+) listed in manifests/.exec(show.stdout);
    expect(total, show.stdout).not.toBeNull();
    const [, all, pointers, inManifests] = total!.map(Number);
    expect(inManifests).toBe(listed);
    expect(pointers).toBe(3); // logo.bin, the bundle, the table export
    expect(all).toBe(listed + 3);
    expect(commitOut).toMatch(new RegExp(`; \\d+ files, ${listed + 3} payloads \\(`));
    const manifest = JSON.parse(snapCli(dir, ['show', 'v1.0', '--json']).stdout);
    expect(manifest.collectors.find((c: { id: string }) => c.id === 's3').stats).toMatchObject({ listed, listedBytes });
    expect(manifest.totals).toMatchObject({ listed, listedBytes, pointers: 3 });
    expect(readFileSync(join(dir, 'MANIFEST.md'), 'utf8')).toBe(show.stdout);
  });

  it('lists every S3 object with kind stored, size, sha256 and address; by bucket and by address prefix', () => {
    const all = snapCli(dir, ['ls', 'v1.0', '--json']).stdout.trim().split('\n').map((l) => JSON.parse(l));
    const current = all.filter((e) => e.address && !e.versionId);
    expect(current.map((e) => e.address).sort()).toEqual([...objects.keys()].sort());
    for (const e of current) expect({ kind: e.kind, size: e.size, sha256: e.sha256 }).toEqual({ kind: 'stored', ...objects.get(e.address)! });
    const older = all.filter((e) => e.versionId).sort((a, b) => (a.address < b.address ? -1 : 1));
    expect(older).toEqual([
      { path: null, kind: 'stored', size: 12, sha256: sha256(Buffer.from('version one\n')), address: 's3://vault-eu/contract.txt', versionId: expect.any(String) },
      { path: null, kind: 'stored', size: 10, sha256: sha256(Buffer.from('soon gone\n')), address: 's3://vault-eu/removed.txt', versionId: expect.any(String) },
    ]);
    expect(all.filter((e) => e.path === 'local_repos/tools/files/logo.bin')).toMatchObject([{ kind: 'stored', size: 6 }]);

    const bucket = snapCli(dir, ['ls', 'v1.0', 's3_buckets/hostile-keys', '--json']).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(bucket.every((e) => e.path.startsWith('s3_buckets/hostile-keys/'))).toBe(true);
    expect(bucket.filter((e) => e.address).map((e) => e.address).sort()).toEqual(HOSTILE_KEYS.map((k) => `s3://hostile-keys/${k}`).sort());
    const prefix = snapCli(dir, ['ls', 'v1.0', 's3://media/img/']);
    expect(prefix.code).toBe(0);
    expect(prefix.stdout).toBe(`stored       200003  ${sha256(BINARY)}  s3_buckets/media/content/img/hero.jpg  s3://media/img/hero.jpg\n`);
    // a path ls prints is one cat reads: the binary, and every escaped or placed-by-key one
    const odd = current.filter((e) => e.address === 's3://media/img/hero.jpg' || /~|%|content-by-key/.test(e.path));
    expect(odd.length).toBeGreaterThan(3);
    for (const e of odd) expect(sha256(snapCli(dir, ['cat', 'v1.0', e.path]).stdoutBytes), e.path).toBe(e.sha256);
    const text = snapCli(dir, ['ls', 'v1.0', 's3://hostile-keys']).stdout;
    expect(text).toContain('"s3://hostile-keys/tab\\there.txt"'); // a control character is quoted, never printed raw
    expect(text.split('\n').filter(Boolean)).toHaveLength(HOSTILE_KEYS.length);
    const missing = snapCli(dir, ['ls', 'v1.0', 's3://no-such-bucket/']);
    expect([missing.code, missing.stderr]).toEqual([2, expect.stringMatching(/no such path in this version: s3:\/\/no-such-bucket\//)]);
  });

  it('exports every current object of every bucket with its exact bytes, as checkout does', () => {
    const r = snapCli(dir, ['export', 'v1.0', '-o', join(base, 'v1.0.tar.gz')]);
    expect(r.code, r.stderr).toBe(0);
    const payloads = objects.size + 3;
    const bytes = [...objects.values()].reduce((n, o) => n + o.size, 0);
    expect(r.stderr).toMatch(new RegExp(`^v1\\.0: \\d+ files, ${payloads} payloads resolved \\(`));
    const exported = join(extract(join(base, 'v1.0.tar.gz')), 'v1.0');
    const index = expectEveryObject(exported, objects);
    expect(index.find((l) => l.address === 's3://media/img/hero.jpg')!.path).toBe('s3_buckets/media/content/img/hero.jpg');
    expect(index.find((l) => l.address === 's3://media/empty.bin')).toMatchObject({ size: 0 });
    expect(index.find((l) => l.address === 's3://hostile-keys/../../x')!.path).toBe('s3_buckets/hostile-keys/content/%2E%2E/%2E%2E/x');
    expect(index.some((l) => l.address.endsWith('removed.txt'))).toBe(false); // behind a delete marker: not current
    expect(readFileSync(join(exported, 's3_buckets/media/content/img/hero.jpg')).equals(BINARY)).toBe(true);
    expect(readFileSync(join(exported, 'local_repos/tools/files/logo.bin'))).toEqual(Buffer.from([0, 1, 2, 3, 0xff, 0xfe]));
    expect(readFileSync(join(exported, 'dynamodb/us-east-1/orders/items.jsonl'), 'utf8').trim().split('\n')).toHaveLength(5);
    const fromBundle = join(tempDir(), 'deploy');
    execFileSync('git', ['clone', '-q', join(exported, 'local_repos/deploy/bundle.git'), fromBundle]);
    expect(readFileSync(join(fromBundle, 'deploy.sh'), 'utf8')).toBe('#!/bin/sh\necho deploy\n');
    expect(bytes).toBeGreaterThan(BINARY.length);

    const co = join(base, 'checkout');
    const c = snapCli(dir, ['checkout', 'v1.0', co]);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stderr).toBe(`${r.stderr.replace(/ → .*\n$/, '')} → ${co}\n`);
    expectEveryObject(co, objects);
    const inTar = folderFiles(exported);
    const inFolder = folderFiles(co);
    expect([...inFolder.keys()].sort()).toEqual([...inTar.keys()].sort());
    for (const [path, f] of inTar) expect(inFolder.get(path)!.bytes.equals(f.bytes), path).toBe(true);

    // snap cat gives the same bytes for an address
    expect(snapCli(dir, ['cat', 'v1.0', 's3://media/dl/app.zip']).stdoutBytes.equals(ZIP)).toBe(true);
  });

  it('loses nothing to git gc --prune=now, git lfs prune or git lfs fsck run in the archive', (ctx) => {
    const lfs = ensureGitLfs();
    if (!lfs.ok) return ctx.skip(lfs.reason);
    const run = (...args: string[]) => spawnSync('git', args, { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    expect(run('gc', '--prune=now', '--quiet').status).toBe(0);
    expect(run('lfs', 'prune').status).toBe(0);
    // git-lfs looks for pointer files' objects in .git/lfs/objects, where snap keeps nothing:
    // it reports them as missing and changes nothing of snap's.
    const fsck = run('lfs', 'fsck');
    expect(fsck.stdout + fsck.stderr).toMatch(/local_repos\/tools\/files\/logo\.bin .*could not be checked/);
    expect(run('lfs', 'prune', '--verify-remote').status).toBe(0);
    const v = snapCli(dir, ['verify', '--all']);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    expect(v.stdout).toMatch(new RegExp(`^ok  v1\\.0: .*${objects.size + 5} payloads`));
    expectStockGitAgrees(dir);
  });

  it('tells a clone exactly what it lacks after git lfs fetch --all, and how to get it', (ctx) => {
    const lfs = ensureGitLfs();
    if (!lfs.ok) return ctx.skip(lfs.reason);
    const clone = join(base, 'clone');
    execFileSync('git', ['clone', '-q', dir, clone]);
    const fetch = spawnSync('git', ['lfs', 'fetch', '--all'], { cwd: clone, encoding: 'utf8', timeout: 60_000 });
    expect(fetch.stderr).toMatch(/remote missing object/); // git-lfs finds the pointer files, and no objects for them
    expect(existsSync(join(clone, '.git', 'snap'))).toBe(false);
    const v = snapCli(clone, ['verify', '--all', '--json']);
    expect(v.code).toBe(1);
    const problems = JSON.parse(v.stdout).versions[0].problems as { kind: string; where: string }[];
    const missing = problems.filter((p) => p.kind === 'missing-payload').map((p) => p.where);
    expect(missing.length).toBe(objects.size + 5); // every payload, each named
    expect(missing).toEqual(expect.arrayContaining(['s3://media/img/hero.jpg', 's3://vault-eu/contract.txt (version ' + missing.find((m) => m.includes('(version'))!.split('(version ')[1], 'local_repos/tools/files/logo.bin']));
    const store = join(clone, '.git', 'snap', 'store');
    expect(v.stderr).toContain(`hint: the content store (.git/snap/store) does not exist here`);
    const command = `mkdir -p '${store}' && cp -a '${join(dir, '.git', 'snap', 'store')}/.' '${store}/'`;
    expect(v.stderr).toContain(command);
    // doing exactly what the hint says, in a shell, makes the clone whole
    execFileSync('sh', ['-c', command]);
    const again = JSON.parse(snapCli(clone, ['verify', '--all', '--json']).stdout).versions[0].problems as { kind: string }[];
    expect(again.filter((p) => p.kind.endsWith('-payload'))).toEqual([]);
  });

  it('reads a store still in .git/lfs/objects, and moves it to .git/snap/store at the next commit', () => {
    const moved = join(base, 'legacy');
    cpSync(dir, moved, { recursive: true });
    mkdirSync(join(moved, '.git', 'lfs'), { recursive: true });
    rmSync(join(moved, '.git', 'lfs', 'objects'), { recursive: true, force: true });
    renameSync(join(moved, '.git', 'snap', 'store'), join(moved, '.git', 'lfs', 'objects'));
    git(moved, 'config', 'gpg.ssh.allowedSignersFile', join(moved, '.snap', 'allowed_signers'));
    expect(snapCli(moved, ['verify', '--all']).code).toBe(0);
    expect(snapCli(moved, ['cat', 'v1.0', 's3://media/img/hero.jpg']).stdoutBytes.equals(BINARY)).toBe(true);
    // Why the store moved: there, git lfs prune would delete every payload no git-lfs pointer
    // names (every S3 object). Asked with --dry-run: a real prune deletes them and then, with
    // git-lfs 3.3.0, does not return.
    const lfs = ensureGitLfs();
    if (lfs.ok) {
      const plan = spawnSync('git', ['lfs', 'prune', '--dry-run'], { cwd: moved, encoding: 'utf8', timeout: 60_000 });
      const [, local, retained] = (/prune: (\d+) local objects?, (\d+) retained/.exec(plan.stdout + plan.stderr) ?? []).map(Number);
      expect(local! - retained!).toBeGreaterThanOrEqual(objects.size);
    }
    const commit = snapCli(moved, ['commit', 'v1.1']);
    expect(commit.code, commit.stderr).toBe(0);
    expect(existsSync(join(moved, '.git', 'lfs', 'objects'))).toBe(false);
    expect(existsSync(join(moved, '.git', 'snap', 'store', sha256(BINARY).slice(0, 2), sha256(BINARY).slice(2, 4), sha256(BINARY)))).toBe(true);
    if (lfs.ok) {
      expect(spawnSync('git', ['lfs', 'prune', '--dry-run'], { cwd: moved, encoding: 'utf8', timeout: 60_000 }).stdout).toMatch(/prune: 0 local objects/);
      expect(spawnSync('git', ['lfs', 'prune'], { cwd: moved, timeout: 60_000 }).status).toBe(0);
    }
    const v = snapCli(moved, ['verify', '--all']);
    expect(v.code, v.stdout).toBe(0);
    expect(v.stdout.trim().split('\n')).toHaveLength(2);
  });

  it('names a payload corrupted in the store, and the move aside after which the next commit fetches it again', () => {
    const copy = join(base, 'corrupted');
    cpSync(dir, copy, { recursive: true });
    const oid = sha256(BINARY);
    const file = join(copy, '.git', 'snap', 'store', oid.slice(0, 2), oid.slice(2, 4), oid);
    const bytes = readFileSync(file);
    bytes[1000] ^= 0xff; // one byte changed in place: same size
    chmodSync(file, 0o644);
    writeFileSync(file, bytes);
    const bad = snapCli(copy, ['verify']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/corrupt-payload/);
    const command = /^  (mkdir -p .* && mv .*)$/m.exec(bad.stderr)?.[1];
    expect(command, bad.stderr).toContain(`mv '${file}'`);
    execFileSync('sh', ['-c', command!]);
    const next = snapCli(copy, ['commit', 'v1.9']);
    expect(next.code, next.stderr).toBe(0);
    expect(readFileSync(file).equals(BINARY)).toBe(true); // fetched again from the estate
    const all = snapCli(copy, ['verify', '--all']);
    expect(all.code, all.stdout).toBe(0);
  });

  it('refuses a store.path inside .git/lfs, naming the field and the fix', () => {
    const file = join(dir, 'snap.config.json');
    const saved = readFileSync(file, 'utf8');
    try {
      const config = JSON.parse(saved);
      config.store = { path: '.git/lfs/objects' };
      writeFileSync(file, JSON.stringify(config));
      const r = snapCli(dir, ['verify']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/snap\.config\.json: store\.path: is inside \.git\/lfs, where `git lfs prune` deletes .*remove the field to use \.git\/snap\/store/);
    } finally {
      writeFileSync(file, saved);
    }
  });
});
