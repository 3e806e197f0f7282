import { describe, expect, it } from 'vitest';
import { nextVersionName, validateVersionName } from '../../src/archive/versions.js';
import { safeSegment, foreignPath, assertSafeTreePath } from '../../src/archive/paths.js';

describe('version names', () => {
  it('proposes the next minor version after the highest one', () => {
    expect(nextVersionName([])).toBe('v1.0');
    expect(nextVersionName(['v1.0'])).toBe('v1.1');
    expect(nextVersionName(['v1.9', 'v1.10', 'v1.2', 'before-migration'])).toBe('v1.11');
    expect(nextVersionName(['v1.3', 'v2.0'])).toBe('v2.1');
  });

  it.each(['v1.0', 'v2026.11', 'release-2026-05-09', 'v1.0-rc1'])('accepts %s', (name) => {
    expect(() => validateVersionName(name)).not.toThrow();
  });

  it.each(['', 'bad name', 'a..b', 'x.lock', '.hidden', '-flag', 'a/b', 'a~1', 'a^', 'a:b', 'v1.', 'latest', 'live', 'HEAD', 'deadbeef', 'x'.repeat(101), 'a@{1}'])('rejects %j', (name) => {
    expect(() => validateVersionName(name)).toThrow(expect.objectContaining({ code: 'INVALID_VERSION_NAME' }));
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
