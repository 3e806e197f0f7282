import { describe, expect, it } from 'vitest';
import { makeFingerprinter } from '../../src/normalize/fingerprint.js';
import { normalize, type NormalizationRules } from '../../src/normalize/rules.js';

const fp = makeFingerprinter(Buffer.alloc(32, 7));

describe('normalization rules', () => {
  const rules: NormalizationRules = {
    drop: ['ETag', '**.LastModifiedTime', 'Items[].Counter'],
    secrets: ['Environment.Variables.*'],
    sortBy: { 'Origins.Items': 'Id', Tags: 'Key', Aliases: null, 'Items[].Members': null },
  };

  it('drops volatile fields at the declared paths only', () => {
    const out = normalize({ ETag: 'E1', Config: { ETag: 'kept', LastModifiedTime: 'x' }, Items: [{ Counter: 3, Name: 'a' }] }, rules) as any;
    expect(out).toEqual({ Config: { ETag: 'kept' }, Items: [{ Name: 'a' }] });
  });

  it('sorts unordered arrays by identity, so AWS order does not matter', () => {
    const a = normalize({ Origins: { Items: [{ Id: 'b' }, { Id: 'a' }] }, Tags: [{ Key: 'z', Value: '1' }, { Key: 'a', Value: '2' }], Aliases: ['y.com', 'x.com'] }, rules);
    const b = normalize({ Aliases: ['x.com', 'y.com'], Tags: [{ Key: 'a', Value: '2' }, { Key: 'z', Value: '1' }], Origins: { Items: [{ Id: 'a' }, { Id: 'b' }] } }, rules);
    expect(a).toEqual(b);
    expect((a as any).Origins.Items.map((o: any) => o.Id)).toEqual(['a', 'b']);
  });

  it('keeps ordered arrays in their order', () => {
    const out = normalize({ Steps: [3, 1, 2] }, rules) as any;
    expect(out.Steps).toEqual([3, 1, 2]);
  });

  it('replaces secret values with a keyed fingerprint and keeps the names', () => {
    const out = normalize({ Environment: { Variables: { DB_PASSWORD: 'hunter2', MODE: 'prod' } } }, rules, fp) as any;
    expect(Object.keys(out.Environment.Variables)).toEqual(['DB_PASSWORD', 'MODE']);
    expect(JSON.stringify(out)).not.toContain('hunter2');
    expect(out.Environment.Variables.DB_PASSWORD).toMatch(/^hmac-sha256:[0-9a-f]{32}$/);
    const changed = normalize({ Environment: { Variables: { DB_PASSWORD: 'hunter3', MODE: 'prod' } } }, rules, fp) as any;
    expect(changed.Environment.Variables.DB_PASSWORD).not.toBe(out.Environment.Variables.DB_PASSWORD);
    expect(changed.Environment.Variables.MODE).toBe(out.Environment.Variables.MODE);
  });

  it('refuses to let a secret through when no fingerprinter is given', () => {
    expect(() => normalize({ Environment: { Variables: { K: 'v' } } }, rules)).toThrow(/fingerprinter/);
  });

  it('matches ** at any depth, including zero', () => {
    const out = normalize({ LastModifiedTime: 1, a: { b: { LastModifiedTime: 2, c: 3 } } }, rules) as any;
    expect(out).toEqual({ a: { b: { c: 3 } } });
  });
});
