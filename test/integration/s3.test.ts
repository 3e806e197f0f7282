// The S3 collector against moto: buckets in three regions, every configuration kind present
// and absent, object metadata, a versioned bucket, hostile keys, an empty bucket and
// archive-class objects; the archive checked with stock git.
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Archive } from '../../src/archive/archive.js';
import { assertSafeTreePath } from '../../src/archive/paths.js';
import type { VersionReader } from '../../src/archive/version-reader.js';
import { s3Collector } from '../../src/collectors/aws/s3/collect.js';
import type { BucketRecord, ShardFile } from '../../src/collectors/aws/s3/manifest.js';
import { resolveArchivePath } from '../../src/collectors/uri.js';
import { walkFiles } from '../../src/git/tree-walk.js';
import { globMatch } from '../../src/util/glob.js';
import { collectorContract } from '../helpers/collector-contract.js';
import { expectStockGitAgrees, makeArchive, readVersion, snapshot } from '../helpers/archive.js';
import { useMoto } from '../helpers/moto.js';
import { createBucket, HOSTILE_KEYS, hostileContent, INDEX_V1, seedCold, seedHostile, seedSite, seedVault, SITE_POLICY } from '../helpers/s3-seed.js';


const { endpoint } = useMoto();

async function readStored(archive: Archive, version: string, uri: string): Promise<Buffer> {
  const v = await readVersion(archive, version);
  const found = await resolveArchivePath(archive.repo, v.treeOid, uri);
  if (found.kind !== 'pointer') throw new Error(`expected a pointer for ${uri}`);
  const chunks: Buffer[] = [];
  for await (const c of await archive.openStore(await archive.loadConfig()).open(found.pointer.oid)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function allEntries(v: VersionReader, bucket: string): Promise<ShardFile['objects']> {
  const out: ShardFile['objects'] = [];
  const dir = bucket ? `${bucket}/objects` : 'objects';
  for (const e of await v.list(dir)) out.push(...(await v.json<ShardFile>(`${dir}/${e.name}`))!.objects);
  return out;
}

describe('s3 collector', () => {
  let archive: Archive;

  beforeAll(async () => {
    await seedSite(endpoint);
    await seedVault(endpoint);
    await seedHostile(endpoint);
    await seedCold(endpoint);
    await createBucket(endpoint, 'empty-bucket', 'us-west-2');
    archive = await makeArchive({ collectors: { s3: { textMaxBytes: 2048, exclude: ['site-logs'] } }, endpoint, regions: ['us-east-1', 'eu-west-1', 'us-west-2'] });
    await snapshot(archive, 'v1.0', { collectors: [s3Collector] });
  });

  collectorContract({ archive: () => archive, root: 's3_buckets' });

  it('archives every listed bucket but the excluded, each with its own region', async () => {
    const v = await readVersion(archive, 'v1.0', 's3_buckets');
    expect((await v.list()).map((e) => e.name)).toEqual(['cold-storage', 'empty-bucket', 'hostile-keys', 'site-prod', 'vault-eu', 'vault-replica']);
    const region = async (b: string) => (await v.json<BucketRecord>(`${b}/bucket.json`))!.region;
    expect(await region('site-prod')).toBe('us-east-1');
    expect(await region('vault-eu')).toBe('eu-west-1');
    expect(await region('empty-bucket')).toBe('us-west-2');
    expect(await v.json(`vault-eu/config/location.json`)).toEqual({ bucket: 'vault-eu', kind: 'location', state: 'configured', value: { LocationConstraint: 'eu-west-1', region: 'eu-west-1' } });
    expect(await v.json(`site-prod/config/location.json`)).toMatchObject({ value: { LocationConstraint: '', region: 'us-east-1' } });
  });

  it('records every configuration kind when present, and as not configured when absent', async () => {
    const v = await readVersion(archive, 'v1.0', 's3_buckets');
    const state = async (b: string, kind: string) => (await v.json<{ state: string }>(`${b}/config/${kind}.json`))!.state;
    for (const kind of ['policy', 'public-access-block', 'ownership-controls', 'encryption', 'lifecycle', 'cors', 'website', 'logging', 'tagging', 'notification']) {
      expect(await state('site-prod', kind), kind).toBe('configured');
    }
    for (const kind of ['versioning', 'replication', 'object-lock']) expect(await state('site-prod', kind), kind).toBe('not-configured');
    for (const kind of ['versioning', 'replication', 'object-lock']) expect(await state('vault-eu', kind), kind).toBe('configured');
    for (const kind of ['versioning', 'policy', 'public-access-block', 'ownership-controls', 'lifecycle', 'cors', 'website', 'logging', 'tagging', 'notification', 'replication', 'object-lock']) {
      expect(await state('empty-bucket', kind), kind).toBe('not-configured');
    }
    // The policy is parsed into stable JSON, statements as the set S3 evaluates: by Sid.
    const policy = (await v.json<{ value: typeof SITE_POLICY }>('site-prod/config/policy.json'))!;
    expect(policy.value).toEqual({ ...SITE_POLICY, Statement: [...SITE_POLICY.Statement].sort((a, b) => (a.Sid < b.Sid ? -1 : 1)) });
    expect(await v.text('site-prod/config/policy.json')).toContain('"Sid": "PublicRead"');
    // Sets are sorted by identity: lifecycle rules by ID, tags by Key.
    expect((await v.json<any>('site-prod/config/lifecycle.json')).value.Rules.map((r: any) => r.ID)).toEqual(['a-archive-old', 'z-expire-tmp']);
    expect((await v.json<any>('site-prod/config/tagging.json')).value.TagSet.map((t: any) => t.Key)).toEqual(['env', 'team']);
    expect((await v.json<any>('site-prod/config/logging.json')).value.LoggingEnabled).toEqual({ TargetBucket: 'site-logs', TargetPrefix: 'access/' });
    expect((await v.json<any>('vault-eu/config/object-lock.json')).value.Rule.DefaultRetention.Mode).toBe('GOVERNANCE');
    expect((await v.json<any>('vault-eu/config/replication.json')).value.Rules[0].ID).toBe('to-replica');
  });

  it('keeps every object with its metadata, content in the store, small text also readable in the tree', async () => {
    const v = await readVersion(archive, 'v1.0', 's3_buckets/site-prod');
    const entries = await allEntries(v, '');
    const byKey = new Map(entries.map((e) => [e.key, e]));
    expect([...byKey.keys()].sort()).toEqual(['assets/app.js', 'assets/logo.png', 'assets/notes', 'downloads/big.txt', 'events/data.json', 'events/index.html', 'gz/app.js']);
    const index = byKey.get('events/index.html')! as any;
    expect(index).toMatchObject({ size: Buffer.byteLength(INDEX_V1), storageClass: 'STANDARD', content: 'stored', file: 'files/events/index.html' });
    expect(index.etag).toMatch(/^[0-9a-f]{32}$/);
    expect(index.headers).toMatchObject({ ContentType: 'text/html; charset=utf-8', CacheControl: 'max-age=60', Metadata: { owner: 'web-team', build: '42' } });
    expect(index.headers).not.toHaveProperty('LastModified');
    expect(index.headers).not.toHaveProperty('AcceptRanges');
    expect(await v.text('files/events/index.html')).toBe(INDEX_V1);
    expect(await v.text('files/assets/app.js')).toBe('console.log("hi");\n'); // text by extension
    for (const key of ['assets/logo.png', 'assets/notes', 'downloads/big.txt', 'gz/app.js']) {
      expect((byKey.get(key) as any).file, key).toBeUndefined();
      expect(byKey.get(key)).toMatchObject({ content: 'stored', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    }
    expect(await readStored(archive, 'v1.0', 's3://site-prod/assets/logo.png')).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3, 255, 254]));
    expect((await readStored(archive, 'v1.0', 's3://site-prod/downloads/big.txt')).toString()).toBe('x'.repeat(3000));
    // The working tree shows the readable copy too.
    expect(existsSync(join(archive.dir, 's3_buckets/site-prod/files/events/index.html'))).toBe(true);
  });

  it('keeps every version of a versioned bucket, delete markers included; s3:// resolves the current one', async () => {
    const v = await readVersion(archive, 'v1.0', 's3_buckets/vault-eu');
    const entries = await allEntries(v, '');
    const contract = entries.filter((e) => e.key === 'contract.txt');
    expect(contract).toHaveLength(2);
    expect(contract.every((e) => typeof e.versionId === 'string' && e.versionId.length > 0)).toBe(true);
    expect(contract.filter((e) => e.isLatest)).toHaveLength(1);
    const removed = entries.filter((e) => e.key === 'removed.txt');
    expect(removed.map((e) => Boolean(e.deleteMarker)).sort()).toEqual([false, true]);
    expect((await readStored(archive, 'v1.0', 's3://vault-eu/contract.txt')).toString()).toBe('version two\n');
    expect(await v.text('files/contract.txt')).toBe('version two\n');
    expect(await v.entry('files/removed.txt')).toBeNull();
    const old = contract.find((e) => !e.isLatest)!;
    const chunks: Buffer[] = [];
    for await (const c of await archive.openStore(await archive.loadConfig()).open((old as any).sha256)) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('version one\n');
    await expect(readStored(archive, 'v1.0', 's3://vault-eu/removed.txt')).rejects.toMatchObject({ code: 'PATH_NOT_FOUND' });
    expect((await v.json<BucketRecord>('bucket.json'))!.objects).toMatchObject({ count: 1, versions: 3, deleteMarkers: 1 });
  });

  it('archives hostile keys exactly: each round-trips byte for byte, no path leaves the archive', async () => {
    const v = await readVersion(archive, 'v1.0', 's3_buckets/hostile-keys');
    const entries = await allEntries(v, '');
    expect(entries.map((e) => e.key).sort()).toEqual([...HOSTILE_KEYS].sort());
    for (const key of HOSTILE_KEYS) {
      expect((await readStored(archive, 'v1.0', `s3://hostile-keys/${key}`)).toString('utf8'), key).toBe(hostileContent(key));
    }
    // Readable copies: every path safe, distinct even when case-folded, content exact.
    const files = new Map<string, string>();
    const root = (await readVersion(archive, 'v1.0')).treeOid;
    const filesTree = (await archive.repo.entryAt(root, 's3_buckets/hostile-keys/files'))!.oid;
    for await (const f of walkFiles(archive.repo, filesTree, 's3_buckets/hostile-keys/files')) {
      assertSafeTreePath(f.path);
      files.set(f.path.toLowerCase().normalize('NFC'), f.path);
    }
    const withCopy = entries.filter((e) => (e as any).file);
    expect(files.size).toBe(withCopy.length);
    expect(withCopy.length).toBe(HOSTILE_KEYS.length);
    for (const e of withCopy) expect(await v.text((e as any).file), e.key).toBe(hostileContent(e.key));
    // The documented collision rule.
    const fileOf = (key: string) => (entries.find((e) => e.key === key) as any).file;
    expect(fileOf('dir')).toBe('files/dir~object');
    expect(fileOf('dir/')).toBe('files/dir/%EMPTY');
    expect(fileOf('a')).toBe('files/a~object');
    expect(fileOf('Case.txt')).toBe('files/Case.txt');
    expect(fileOf('case.txt')).toMatch(/^files\/case\.txt~case-[0-9a-f]{12}$/);
    expect(fileOf('../../x')).toBe('files/%2E%2E/%2E%2E/x');
    expect(fileOf('.GIT/hooks/pre-commit')).toBe('files/%2EGIT/hooks/pre-commit'); // ".GIT" < ".git" in byte order
    expect(fileOf('.git/config')).toMatch(/^files\/%2Egit~case-[0-9a-f]{12}\/config$/);
    expect(fileOf('e\u0301.txt')).toBe('files/e\u0301.txt'); // decomposed é sorts first in UTF-8
    expect(fileOf('\u00e9.txt')).toMatch(/^files\/\u00e9\.txt~case-/);
    // Nothing was written outside the archive or into .git by the checkout.
    expect(readdirSync(dirname(archive.dir)).sort()).toEqual(['archive']);
    expect(existsSync(join(archive.dir, '.git', 'config.txt'))).toBe(false);
    expect(existsSync(join(archive.dir, 's3_buckets/hostile-keys/files', fileOf('.git/config').slice('files/'.length)))).toBe(true);
    expect(existsSync(join(archive.dir, '.git', 'hooks', 'pre-commit'))).toBe(false);
  });

  it('declares every file it writes as a resource, with a label for people', async () => {
    const root = (await readVersion(archive, 'v1.0')).treeOid;
    const tree = (await archive.repo.entryAt(root, 's3_buckets'))!.oid;
    const labels = new Set<string>();
    for await (const f of walkFiles(archive.repo, tree)) {
      const spec = s3Collector.resources!.find((r) => globMatch(r.pattern, f.path));
      expect(spec, f.path).toBeDefined();
      if (f.path.endsWith('.json') && spec!.label) labels.add(spec!.label(JSON.parse(Buffer.from(await archive.repo.readBlob(f.oid)).toString()), f.path));
    }
    expect(labels).toContain('site-prod (us-east-1)');
    expect(labels).toContain('vault-eu (eu-west-1)');
    expect(labels).toContain('site-prod policy');
    expect([...labels].some((l) => /^hostile-keys objects \(shard all\)$/.test(l))).toBe(true);
  });

  it('records an empty bucket as empty', async () => {
    const v = await readVersion(archive, 'v1.0', 's3_buckets/empty-bucket');
    expect((await v.json<BucketRecord>('bucket.json'))!.objects).toEqual({ count: 0, bytes: 0, versions: 0, deleteMarkers: 0, shards: 0, readableCopies: 0 });
    expect(await v.list('objects')).toEqual([]);
  });

  it('lists archive-class objects with their metadata, reports them in coverage, and goes on', async () => {
    const latest = await snapshot(archive, undefined, { collectors: [s3Collector] });
    expect(latest.partial).toBe(false);
    const v = await readVersion(archive, latest.version, 's3_buckets/cold-storage');
    const entries = await allEntries(v, '');
    expect(entries.find((e) => e.key === 'backups/2019.tar')).toMatchObject({ storageClass: 'GLACIER', content: 'archived', size: 6, headers: { Metadata: { origin: 'nas' } } });
    expect(entries.find((e) => e.key === 'backups/2015.tar')).toMatchObject({ storageClass: 'DEEP_ARCHIVE', content: 'archived' });
    expect(entries.find((e) => e.key === 'warm.txt')).toMatchObject({ content: 'stored' });
    const finding = latest.manifest.coverage.find((f) => f.resource === 's3_buckets/cold-storage/objects');
    expect(finding).toMatchObject({ collector: 's3', reason: 'Archived' });
    expect(finding!.detail).toContain('2 objects');
    await expect(readStored(archive, latest.version, 's3://cold-storage/backups/2019.tar')).rejects.toMatchObject({ code: 'PATH_NOT_FOUND' });
    expectStockGitAgrees(archive.dir);
  });
});
