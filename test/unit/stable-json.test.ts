import { describe, expect, it } from 'vitest';
import { stableJson, toPlain } from '../../src/normalize/stable-json.js';

describe('stableJson', () => {
  it('sorts keys at every depth, indents by two spaces and ends with a newline', () => {
    expect(stableJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{\n  "a": {\n    "c": null,\n    "d": [\n      3,\n      {\n        "y": 2,\n        "z": 1\n      }\n    ]\n  },\n  "b": 1\n}\n',
    );
  });

  it('gives the same bytes whatever the insertion order', () => {
    const a = stableJson({ x: 1, y: [1, 2], z: { q: 'r', p: 's' } });
    const b = stableJson({ z: { p: 's', q: 'r' }, y: [1, 2], x: 1 });
    expect(a).toBe(b);
  });

  it('writes empty containers compactly, as JSON.stringify does', () => {
    expect(stableJson({ a: [], b: {}, c: [{}] })).toBe('{\n  "a": [],\n  "b": {},\n  "c": [\n    {}\n  ]\n}\n');
  });

  it('keeps strings that look like formatting intact', () => {
    const tricky = { s: '[\n  ]', t: '{\n}' };
    expect(JSON.parse(stableJson(tricky))).toEqual(tricky);
  });

  it('turns SDK values into plain JSON and drops undefined and the response envelope', () => {
    const plain = toPlain({
      when: new Date('2026-05-09T10:00:00Z'),
      bytes: new Uint8Array([104, 105]),
      gone: undefined,
      big: 10n,
      $metadata: { requestId: 'abc' },
      set: new Set(['a']),
      map: new Map([['k', 1]]),
    });
    expect(plain).toEqual({ when: '2026-05-09T10:00:00.000Z', bytes: 'aGk=', big: '10', set: ['a'], map: { k: 1 } });
  });
});
