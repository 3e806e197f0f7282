import { describe, expect, it } from 'vitest';
import { checkVersionSpec, nextVersionName, validateVersionName } from '../../src/archive/versions.js';
import { parseRefValue, refNameProblem } from '../../src/git/ref-names.js';
import { safeSegment, foreignPath, assertSafeTreePath } from '../../src/archive/paths.js';

describe('version names', () => {
  it('proposes the next minor version after the highest one', () => {
    expect(nextVersionName([])).toBe('v1.0');
    expect(nextVersionName(['v1.0'])).toBe('v1.1');
    expect(nextVersionName(['v1.9', 'v1.10', 'v1.2', 'before-migration'])).toBe('v1.11');
    expect(nextVersionName(['v1.3', 'v2.0'])).toBe('v2.1');
  });

  it.each(['v1.0', 'v2026.11', 'release-2026-05-09', 'v1.0-rc1', 'HEADS-UP', 'mainline', 'v2.0-ünïcode'])('accepts %s', (name) => {
    expect(() => validateVersionName(name)).not.toThrow();
  });

  it.each(['', 'bad name', 'a..b', 'x.lock', '.hidden', '-flag', 'a/b', 'a~1', 'a^', 'a:b', 'v1.', 'latest', 'live', 'HEAD', 'deadbeef', 'x'.repeat(101), 'a@{1}', 'main', 'FETCH_HEAD', 'ORIG_HEAD', 'AUTO_MERGE', 'stash', 'v2.0\u200b', '\u202ev2.0', 'v2.0\u00a0', 'v2\ue000', 'v2\u0378', 'v2\u007f', 'v2\ud800'])('rejects %j', (name) => {
    expect(() => validateVersionName(name)).toThrow(expect.objectContaining({ code: 'INVALID_VERSION_NAME' }));
  });
});

describe('version names typed to read a version', () => {
  it.each(['v1.0', 'latest', 'release/2026-05', 'deadbeef', 'v1.0-rc1', 'refs/heads/main'])('accepts %j (a tag name, looked up under refs/tags/)', (spec) => {
    expect(() => checkVersionSpec(spec)).not.toThrow();
  });

  it.each(['../../snap/signing-key.pem', '../heads/main', 'a/../b', '/abs', 'a//b', 'a/', '.hidden', 'a/.b', 'x.lock', 'a.lock/b', 'a b', 'a\\b', 'a~1', 'a^', 'a:b', 'a?', 'a*', 'a[', 'a@{1}', '@', '', 'v1.', '-x', 'x\u0000', 'x'.repeat(256)])('refuses %j before any lookup', (spec) => {
    expect(() => checkVersionSpec(spec)).toThrow(expect.objectContaining({ code: 'INVALID_VERSION_NAME' }));
  });

  it('takes "live" only where a verb allows it', () => {
    expect(() => checkVersionSpec('live', { allowLive: true })).not.toThrow();
    expect(() => checkVersionSpec('live')).not.toThrow(); // a tag may be named live; it is looked up as one
  });
});

describe('ref names and values (git-check-ref-format)', () => {
  it('accepts what git accepts and refuses paths out of refs/', () => {
    expect(refNameProblem('refs/tags/v1.0')).toBeNull();
    expect(refNameProblem('HEAD')).toBeNull();
    for (const bad of ['refs/tags/../../snap/x', 'snap/signing-key.pem', 'refs/tags/x.lock', 'refs/tags/.x', 'refs//x', 'refs/x/', 'refs/x.', 'refs/a b']) expect(refNameProblem(bad), bad).not.toBeNull();
  });

  it('reads a ref only as an object id or a reference to a valid ref', () => {
    expect(parseRefValue(`${'a'.repeat(40)}\n`)).toEqual({ oid: 'a'.repeat(40) });
    expect(parseRefValue('ref: refs/heads/main\n')).toEqual({ symref: 'refs/heads/main' });
    expect(parseRefValue('ref: snap/signing-key.pem')).toBeNull();
    expect(parseRefValue('-----BEGIN PRIVATE KEY-----\nMC4CAQAw…')).toBeNull();
  });
});

describe('foreign names as tree paths', () => {
  const hostile = ['../../x', '/abs', 'a/../../b', 'dir', 'dir/', 'Case.txt', 'case.txt', '.git/config', 'x'.repeat(300), 'ü/ñ/日本', 'a%2Fb', 'a/b', 'con:1', 'trail.', 'sp ', '~tilde', 'a\\b', '.', '..', '...', '.GIT'];

  it('never yields an unsafe path', () => {
    for (const key of hostile) expect(() => assertSafeTreePath(foreignPath(key)), key).not.toThrow();
  });

  it('is injective: different names never share a path', () => {
    const paths = hostile.map(foreignPath);
    expect(new Set(paths).size).toBe(paths.length);
    expect(safeSegment('a%2Fb')).not.toBe(safeSegment('a/b'));
  });

  it('keeps ordinary names readable', () => {
    expect(foreignPath('events/bob-dylan/index.html')).toBe('events/bob-dylan/index.html');
    expect(safeSegment('sailjada-prod')).toBe('sailjada-prod');
  });

  it('shortens over-long segments with a digest of the full name', () => {
    const a = safeSegment('x'.repeat(300));
    const b = safeSegment(`${'x'.repeat(299)}y`);
    expect(Buffer.byteLength(a)).toBeLessThanOrEqual(200);
    expect(a).not.toBe(b);
  });
});
