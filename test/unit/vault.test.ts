// The vault's pure parts: its address, the retention arithmetic, the local index on disk, the
// git bundle header clone reads, and the config's store section.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { defaultMarginDays, parseObjectLockFlag, retainUntil, retentionDue, retentionPolicy } from '../../src/store/retention.js';
import { copySource, sha256FromChecksum } from '../../src/store/s3-util.js';
import { VaultIndex } from '../../src/store/vault-index.js';
import { formatVaultUrl, objectRel, oidOfRel, parseVaultUrl, vaultKey } from '../../src/store/vault-url.js';
import { parseBundleHeader } from '../../src/vault/clone.js';
import { withoutCredentials } from '../../src/vault/push.js';
import { tempDir } from '../helpers/archive.js';

const OID = 'ab'.repeat(32);

describe('vault address', () => {
  it('parses s3://BUCKET/PREFIX and builds keys under the prefix', () => {
    expect(parseVaultUrl('s3://estate-vault/prod/snap/')).toEqual({ bucket: 'estate-vault', prefix: 'prod/snap' });
    expect(parseVaultUrl('s3://estate-vault')).toEqual({ bucket: 'estate-vault', prefix: '' });
    expect(formatVaultUrl({ bucket: 'b-1', prefix: '' })).toBe('s3://b-1');
    expect(vaultKey({ bucket: 'b-1', prefix: 'p' }, objectRel(OID))).toBe(`p/objects/ab/ab/${OID}`);
    expect(oidOfRel(objectRel(OID))).toBe(OID);
    expect(oidOfRel(`objects/cd/ab/${OID}`)).toBeNull();
  });

  it('refuses what is not a vault address, saying what it wants', () => {
    for (const bad of ['https://x/y', 's3://Bad_Bucket/p', 's3://ab/p', 's3://bucket/a/../b', 's3://bucket/a//b']) {
      expect(() => parseVaultUrl(bad), bad).toThrow(/expected s3:\/\/BUCKET\/PREFIX/);
    }
    expect(() => objectRel('nope')).toThrow(/not a sha256/);
  });

  it('encodes a copy source key segment by segment and pins a version', () => {
    expect(copySource('b', 'dir/ünï code+x.bin')).toBe('b/dir/%C3%BCn%C3%AF%20code%2Bx.bin');
    expect(copySource('b', 'k', 'v1')).toBe('b/k?versionId=v1');
    expect(copySource('b', 'k', 'null')).toBe('b/k');
  });

  it('reads a full-object SHA256 only', () => {
    const b64 = Buffer.from(OID, 'hex').toString('base64');
    expect(sha256FromChecksum({ ChecksumSHA256: b64 })).toBe(OID);
    expect(sha256FromChecksum({ ChecksumSHA256: b64, ChecksumType: 'COMPOSITE' })).toBeNull();
    expect(sha256FromChecksum({ ChecksumSHA256: `${b64}-3` })).toBeNull();
  });
});

describe('retention', () => {
  it('writes DAYS ahead and extends what ends within the margin', () => {
    const policy = retentionPolicy({ mode: 'compliance', days: 30 })!;
    expect(policy).toEqual({ mode: 'COMPLIANCE', days: 30, marginDays: 10 });
    const now = new Date('2026-01-01T00:00:00Z');
    expect(retainUntil(policy, now).toISOString()).toBe('2026-01-31T00:00:00.000Z');
    const s = (d: string) => Date.parse(d) / 1000;
    expect(retentionDue(policy, s('2026-01-10T23:59:59Z'), now)).toBe(true);
    expect(retentionDue(policy, s('2026-01-11T00:00:01Z'), now)).toBe(false);
    expect(retentionDue(policy, 0, now)).toBe(true); // none at all
    expect(defaultMarginDays(1)).toBe(0);
    expect(defaultMarginDays(3)).toBe(1);
    expect(parseObjectLockFlag('Governance:7')).toEqual({ mode: 'governance', days: 7 });
    expect(() => parseObjectLockFlag('forever')).toThrow(/governance:DAYS/);
  });

  it('the config section: objectLock needs a vault, and a margin shorter than the period', () => {
    const base = { version: 1 };
    expect(parseConfig({ ...base, store: { url: 's3://estate-vault/snap', objectLock: { mode: 'governance', days: 30 } } }).store).toMatchObject({ url: 's3://estate-vault/snap', cache: true, path: expect.any(String) });
    expect(() => parseConfig({ ...base, store: { objectLock: { mode: 'governance', days: 30 } } })).toThrow(/set store.url/);
    expect(() => parseConfig({ ...base, store: { url: 's3://estate-vault/snap', objectLock: { mode: 'governance', days: 3, marginDays: 3 } } })).toThrow(/marginDays must be less than days/);
    expect(() => parseConfig({ ...base, store: { url: 's3://Not_A_Bucket/x' } })).toThrow(/store.url/);
  });
});

describe('the local index of a vault', () => {
  it('round-trips through its file, and is discarded when made for another vault or unreadable', async () => {
    const path = join(tempDir(), 'vault-index');
    const index = VaultIndex.load(path, 's3://a-vault/p');
    expect(index.complete).toBe(false);
    index.set(objectRel(OID), { size: 12, until: 1_800_000_000 });
    index.set('history/versions/v1.0.bundle', { size: 900, until: null });
    index.markComplete();
    await index.save();
    const again = VaultIndex.load(path, 's3://a-vault/p');
    expect(again.complete).toBe(true);
    expect(again.get(objectRel(OID))).toEqual({ size: 12, until: 1_800_000_000 });
    expect(again.get('history/versions/v1.0.bundle')).toEqual({ size: 900, until: null });
    expect(VaultIndex.load(path, 's3://other-vault/p').size).toBe(0);
    writeFileSync(path, 'garbage\n');
    expect(VaultIndex.load(path, 's3://a-vault/p')).toMatchObject({ complete: false, size: 0 });
  });
});

describe('history', () => {
  it("reads a bundle's prerequisites and refs (v2 and v3)", () => {
    const c = 'c'.repeat(40);
    const t = 't'.replace('t', 'e').repeat(40);
    const v2 = Buffer.from(`# v2 git bundle\n-${c} v1.0: snapshot\n${t} refs/tags/v1.1\n\nPACK....`);
    expect(parseBundleHeader(v2)).toEqual({ prerequisites: [c], refs: [{ oid: t, ref: 'refs/tags/v1.1' }] });
    const v3 = Buffer.from(`# v3 git bundle\n@object-format=sha1\n${t} refs/notes/snap-restore-tests\n\nPACK`);
    expect(parseBundleHeader(v3).refs).toEqual([{ oid: t, ref: 'refs/notes/snap-restore-tests' }]);
    expect(() => parseBundleHeader(Buffer.from('PK\u0003\u0004'))).toThrow(/not a git bundle/);
  });

  it('never prints the credentials of a remote URL', () => {
    expect(withoutCredentials('To https://ops:ghp_secret123@git.example.com/estate.git\n ! [rejected] main')).toBe('To https://git.example.com/estate.git\n ! [rejected] main');
  });
});
