// Forget records: signed like versions (the text of a signed tag object), checked against the
// trusted signers, bound to the commit whose note holds them, and told apart when altered,
// signed by another key, or filed on the wrong commit; several in one note (two names of one
// commit) are read one by one, and a part that is not a record is reported, not dropped.
import { describe, expect, it } from 'vitest';
import { generateSigningKey, loadSigningKey, parseAllowedSigners, formatAllowedSigner } from '../../src/git/ssh-signature.js';
import { checkRecord, parseRecords, signRecord } from '../../src/retention/records.js';

const key = loadSigningKey(generateSigningKey().privatePem);
const other = loadSigningKey(generateSigningKey().privatePem);
const trusted = parseAllowedSigners(formatAllowedSigner('ops@example.com', key.publicKey));
const who = { name: 'Ops', email: 'ops@example.com', timestamp: 1_767_225_600, timezoneOffset: 0 };
const COMMIT = 'a'.repeat(40);

function record(version: string, signer = key, commit = COMMIT): string {
  return signRecord({ version, commit, tag: 'b'.repeat(40), taken: '2026-01-05T03:00:00.000Z', forgotten: '2026-03-10T09:00:00.000Z', by: { name: 'Ops', email: 'ops@example.com' }, policy: { last: 2, weekly: 4 }, rule: 'keep 2 last, 4 weekly' }, who, signer);
}

describe('forget records', () => {
  it('reads back what was signed, and verifies against the trusted signers', () => {
    const [r] = parseRecords(record('v1.3'));
    expect(r!.record).toMatchObject({ format: 'snap-forget/1', version: 'v1.3', commit: COMMIT, tag: 'b'.repeat(40), rule: 'keep 2 last, 4 weekly', policy: { last: 2, weekly: 4 }, by: { name: 'Ops', email: 'ops@example.com' } });
    expect(r!.tag).toMatchObject({ object: COMMIT, type: 'commit', tag: 'forgotten/v1.3' });
    expect(r!.text).toMatch(/^object a{40}\ntype commit\ntag forgotten\/v1\.3\ntagger Ops <ops@example\.com> 1767225600 \+0000\n\nsnap forget: v1\.3 forgotten by policy \(keep 2 last, 4 weekly\)\n/);
    expect(checkRecord(r!, COMMIT, trusted)).toEqual({ ok: true, signer: 'ops@example.com' });
  });

  it('refuses a record altered after signing, signed by another key, or filed on another commit', () => {
    const altered = parseRecords(record('v1.3').replace('keep 2 last', 'keep 9 last'))[0]!;
    expect(checkRecord(altered, COMMIT, trusted)).toEqual({ ok: false, why: 'the signature does not match the record: it was altered after signing' });
    const foreign = parseRecords(record('v1.3', other))[0]!;
    expect(checkRecord(foreign, COMMIT, trusted)).toMatchObject({ ok: false, why: expect.stringMatching(/^signed by a key that was not a trusted signer when it was made \(SHA256:/) });
    const moved = parseRecords(record('v1.3'))[0]!;
    expect(checkRecord(moved, 'c'.repeat(40), trusted)).toMatchObject({ ok: false, why: expect.stringMatching(/is about commit a{12}, but is filed on c{12}/) });
    const unsigned = parseRecords(record('v1.3').replace(/-----BEGIN SSH SIGNATURE-----[\s\S]*$/, ''))[0]!;
    expect(checkRecord(unsigned, COMMIT, trusted)).toEqual({ ok: false, why: 'the record is not signed' });
  });

  it('is checked against the signers trusted when it was made', () => {
    const r = parseRecords(record('v1.3'))[0]!; // made at 1,767,225,600 (2026-01-01)
    const trustedFrom = (t: number) => (at: Date) => (at.getTime() >= t ? trusted : []);
    expect(checkRecord(r, COMMIT, trustedFrom(Date.UTC(2025, 0, 1)))).toEqual({ ok: true, signer: 'ops@example.com' });
    expect(checkRecord(r, COMMIT, trustedFrom(Date.UTC(2026, 5, 1)))).toMatchObject({ ok: false, why: expect.stringMatching(/not a trusted signer when it was made/) });
  });

  it('reads several records of one note one by one, and reports a part that is not a record', () => {
    const note = record('v1.3') + record('release-spring') + 'object not a record\n';
    const parts = parseRecords(note);
    expect(parts.map((p) => p?.record.version ?? null)).toEqual(['v1.3', 'release-spring', null]);
    expect(parts.slice(0, 2).every((p) => checkRecord(p!, COMMIT, trusted).ok)).toBe(true);
  });
});
