import { describe, expect, it } from 'vitest';
import { formatPointer, parsePointer } from '../../src/store/pointer.js';

const oid = 'a'.repeat(64);

describe('pointer files (git-lfs spec v1)', () => {
  it('formats exactly as git-lfs does', () => {
    expect(formatPointer({ oid, size: 12345 })).toBe(`version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize 12345\n`);
  });

  it('round-trips', () => {
    expect(parsePointer(formatPointer({ oid, size: 0 }))).toEqual({ oid, size: 0 });
    expect(parsePointer(Buffer.from(formatPointer({ oid, size: 2 ** 40 })))).toEqual({ oid, size: 2 ** 40 });
  });

  it.each([
    ['upper-case hex', `version https://git-lfs.github.com/spec/v1\noid sha256:${'A'.repeat(64)}\nsize 1\n`],
    ['short oid', `version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 1\n`],
    ['leading zero size', `version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize 01\n`],
    ['missing newline', `version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize 1`],
    ['extra line', `version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize 1\nx\n`],
    ['other spec', `version https://example.com/v2\noid sha256:${oid}\nsize 1\n`],
    ['negative size', `version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize -1\n`],
  ])('rejects a malformed pointer: %s', (_label, text) => {
    expect(parsePointer(text)).toBeNull();
  });

  it('refuses to format an invalid pointer', () => {
    expect(() => formatPointer({ oid: 'xyz', size: 1 })).toThrow(/oid/);
    expect(() => formatPointer({ oid, size: -1 })).toThrow(/size/);
  });
});
