// The pure parts of the S3 collector's archive layout: readable-copy paths for foreign keys
// (with a golden file of the hostile keys: refresh with SNAP_UPDATE_GOLDEN=1), manifest
// shards, key decoding and listing order, s3:// addresses.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertSafeTreePath } from '../../src/archive/paths.js';
import { decodeS3Key, sortListing, unquoteEtag, type ListedObject } from '../../src/collectors/aws/s3/listing.js';
import { parseS3Uri } from '../../src/collectors/aws/s3/resolve.js';
import { assignShards, keyHash, shardOf } from '../../src/archive/shards.js';
import { textTypeHint, isReadableText } from '../../src/collectors/aws/s3/text.js';
import { MAX_TREE_PATH_BYTES, planTreePaths } from '../../src/collectors/aws/s3/tree-paths.js';
import { selectBuckets } from '../../src/collectors/aws/s3/collect.js';
import { HOSTILE_KEYS } from '../helpers/s3-seed.js';

const GOLDEN = join(import.meta.dirname, '..', 'golden', 's3', 'hostile-tree-paths.json');

describe('readable-copy paths', () => {
  it('gives every hostile key a safe, distinct path (golden file)', () => {
    const plan = planTreePaths(HOSTILE_KEYS);
    const paths = [...plan.values()].filter((p): p is string => p !== null);
    expect(paths).toHaveLength(HOSTILE_KEYS.length);
    for (const p of paths) assertSafeTreePath(`files/${p}`);
    expect(new Set(paths.map((p) => p.normalize('NFC').toLowerCase())).size).toBe(paths.length);
    // No path is a folder of another path.
    for (const p of paths) expect(paths.some((q) => q.startsWith(`${p}/`)), p).toBe(false);
    const actual = `${JSON.stringify(Object.fromEntries([...plan.entries()].sort(([a], [b]) => (a < b ? -1 : 1))), null, 2)}\n`;
    if (process.env.SNAP_UPDATE_GOLDEN) writeFileSync(GOLDEN, actual);
    expect(existsSync(GOLDEN), 'golden file missing: run with SNAP_UPDATE_GOLDEN=1').toBe(true);
    expect(actual).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  it('settles file beside folder and case twins by the documented rule, whatever the input order', () => {
    const keys = ['dir', 'dir/', 'a', 'a/b', 'A/c', 'Case.txt', 'case.txt', 'CASE.txt'];
    const plan = planTreePaths(keys);
    expect(plan.get('dir')).toBe('dir~object');
    expect(plan.get('dir/')).toBe('dir/%EMPTY');
    expect(plan.get('a')).toBe('a~object');
    expect(plan.get('A/c')).toBe('A/c'); // "A" < "a" in byte order: the folder "A" keeps its name
    expect(plan.get('a/b')).toMatch(/^a~case-[0-9a-f]{12}\/b$/);
    expect(plan.get('CASE.txt')).toBe('CASE.txt');
    expect(plan.get('Case.txt')).toMatch(/^Case\.txt~case-/);
    expect(plan.get('case.txt')).toMatch(/^case\.txt~case-/);
    expect(planTreePaths([...keys].reverse())).toEqual(plan);
  });

  it('a key alone keeps its plain escaped path; over-long paths get none', () => {
    expect(planTreePaths(['events/index.html']).get('events/index.html')).toBe('events/index.html');
    expect(planTreePaths(['../../etc/passwd']).get('../../etc/passwd')).toBe('%2E%2E/%2E%2E/etc/passwd');
    const deep = `${'d'.repeat(150)}/`.repeat(8) + 'x';
    expect(planTreePaths([deep]).get(deep)).toBeNull();
    expect(Buffer.byteLength(deep)).toBeGreaterThan(MAX_TREE_PATH_BYTES);
  });
});

describe('manifest shards', () => {
  const keys = Array.from({ length: 500 }, (_, i) => `objects/${i}.dat`);

  it('bounds entries per shard, assigns each key by its hash, and finds it again', () => {
    const shards = assignShards(keys, (k) => k, 40);
    let total = 0;
    for (const [name, items] of shards) {
      expect(items.length).toBeLessThanOrEqual(40);
      for (const k of items) expect(keyHash(k).startsWith(name)).toBe(true);
      total += items.length;
    }
    expect(total).toBe(500);
    for (const k of keys) expect(shardOf(k, shards.keys())).toBe([...shards].find(([, items]) => items.includes(k))![0]);
    expect(assignShards(keys.slice(0, 10), (k) => k, 40).keys().next().value).toBe('all');
  });

  it('depends only on the set of keys, and an insertion touches one shard unless it splits', () => {
    const a = assignShards(keys, (k) => k, 40);
    expect(assignShards([...keys].reverse(), (k) => k, 40).keys()).toEqual(a.keys());
    const b = assignShards([...keys, 'objects/new.dat'], (k) => k, 40);
    const changed = [...b.keys()].filter((name) => JSON.stringify(b.get(name)) !== JSON.stringify(a.get(name)));
    expect(changed.length === 1 || changed.every((n) => n.startsWith(shardOf('objects/new.dat', a.keys())!))).toBe(true);
  });

  it('never splits one key\'s versions across shards', () => {
    const versions = Array.from({ length: 10 }, (_, i) => ({ key: 'same', v: i }));
    const shards = assignShards(versions, (e) => e.key, 3);
    expect([...shards.values()]).toEqual([versions]);
  });
});

describe('listing and addresses', () => {
  it('decodes URL-encoded keys exactly (S3 writes a space as "+")', () => {
    expect(decodeS3Key('a%252Fb')).toBe('a%2Fb');
    expect(decodeS3Key('sp+ace%2Bplus')).toBe('sp ace+plus');
    expect(decodeS3Key('%C3%BCn%C3%AF')).toBe('ünï');
    expect(decodeS3Key('tab%09here')).toBe('tab\there');
    expect(unquoteEtag('"abc-2"')).toBe('abc-2');
  });

  it('sorts by key in UTF-8 byte order, current version first', () => {
    const o = (key: string, extra: Partial<ListedObject> = {}): ListedObject => ({ key, size: 0, etag: '', lastModified: '2024-01-01T00:00:00.000Z', storageClass: 'STANDARD', ...extra });
    const sorted = sortListing([o('\u{1F600}'), o('\uFFFD'), o('b', { isLatest: false, lastModified: '2024-01-01T00:00:00.000Z' }), o('b', { isLatest: true, lastModified: '2024-01-02T00:00:00.000Z' }), o('B')]);
    expect(sorted.map((x) => `${x.key}${x.isLatest ? '*' : ''}`)).toEqual(['B', 'b*', 'b', '\uFFFD', '\u{1F600}']);
  });

  it('parses s3:// addresses without decoding the key', () => {
    expect(parseS3Uri('s3://bkt/a%2Fb')).toEqual({ bucket: 'bkt', key: 'a%2Fb' });
    expect(parseS3Uri('s3://bkt//abs')).toEqual({ bucket: 'bkt', key: '/abs' });
    expect(parseS3Uri('s3://bkt/../../x')).toEqual({ bucket: 'bkt', key: '../../x' });
    expect(parseS3Uri('s3://bkt/new\nline')).toEqual({ bucket: 'bkt', key: 'new\nline' });
    expect(parseS3Uri('s3://bkt')).toEqual({ bucket: 'bkt', key: '' });
    expect(parseS3Uri('gs://bkt/x')).toBeNull();
  });

  it('selects buckets by include and exclude globs', () => {
    expect(selectBuckets(['site-prod', 'site-staging', 'logs', 'site-logs'], { include: ['site-*'], exclude: ['*-logs'] })).toEqual(['site-prod', 'site-staging']);
    expect(selectBuckets(['b', 'a'], { include: ['*'], exclude: [] })).toEqual(['a', 'b']);
  });
});

describe('text detection', () => {
  it('needs a text type or extension, an identity encoding, and UTF-8 content', () => {
    expect(textTypeHint('index.html', 'application/octet-stream', undefined)).toBe(true);
    expect(textTypeHint('data', 'application/json; charset=utf-8', undefined)).toBe(true);
    expect(textTypeHint('feed', 'application/atom+xml', undefined)).toBe(true);
    expect(textTypeHint('notes', 'binary/octet-stream', undefined)).toBe(false);
    expect(textTypeHint('app.js', 'application/javascript', 'gzip')).toBe(false);
    expect(textTypeHint('photo.jpg', 'image/jpeg', undefined)).toBe(false);
    expect(isReadableText('a.txt', 'text/plain', undefined, Buffer.from('héllo\n'))).toBe(true);
    expect(isReadableText('a.txt', 'text/plain', undefined, Buffer.from([0x68, 0, 0x69]))).toBe(false);
    expect(isReadableText('a.txt', 'text/plain', undefined, Buffer.from([0xc3, 0x28]))).toBe(false);
  });
});
