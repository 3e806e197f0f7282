// The address of an S3 vault: s3://BUCKET/PREFIX. The bucket name is checked against S3's
// rules (so a typo is refused with the rule it breaks, before any request), the prefix is
// kept without leading or trailing slashes, and every key snap writes in the vault is built
// here: payloads at PREFIX/objects/<oid[0:2]>/<oid[2:4]>/<oid> (the local store's layout),
// history bundles at PREFIX/history/, keys at PREFIX/keys/, server-side copies land first
// at PREFIX/staging/ (see s3-store.ts).
import { randomBytes } from 'node:crypto';
import { SnapError } from '../errors.js';
import { isSha256Hex } from './pointer.js';

export interface VaultLocation {
  bucket: string;
  /** '' or a path without leading/trailing slashes */
  prefix: string;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function parseVaultUrl(url: string): VaultLocation {
  const bad = (why: string) => new SnapError('CONFIG_INVALID', `store.url ${JSON.stringify(url)}: ${why} (expected s3://BUCKET/PREFIX, e.g. s3://estate-vault/snap)`, { url });
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(url);
  if (!m) throw bad('not an s3:// address');
  const bucket = m[1]!;
  if (!BUCKET.test(bucket) || bucket.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(bucket)) throw bad(`"${bucket}" is not a valid S3 bucket name (3-63 lower-case letters, digits, dots and hyphens)`);
  const prefix = (m[2] ?? '').replace(/^\/+|\/+$/g, '');
  if (prefix.split('/').some((s) => s === '.' || s === '..') || /\/\//.test(prefix)) throw bad('the prefix has an empty, "." or ".." segment');
  return { bucket, prefix };
}

export function formatVaultUrl(location: VaultLocation): string {
  return `s3://${location.bucket}${location.prefix ? `/${location.prefix}` : ''}`;
}

export function vaultKey(location: VaultLocation, rel: string): string {
  return location.prefix ? `${location.prefix}/${rel}` : rel;
}

/** The key of a payload, relative to the prefix. */
export function objectRel(oid: string): string {
  if (!isSha256Hex(oid)) throw new SnapError('POINTER_INVALID', `not a sha256 object id: ${oid.slice(0, 80)}`, { oid });
  return `objects/${oid.slice(0, 2)}/${oid.slice(2, 4)}/${oid}`;
}

/** The sha256 a payload key (relative to the prefix) names, or null when it is not one. */
export function oidOfRel(rel: string): string | null {
  const m = /^objects\/([0-9a-f]{2})\/([0-9a-f]{2})\/([0-9a-f]{64})$/.exec(rel);
  return m && m[3]!.startsWith(m[1]! + m[2]!) ? m[3]! : null;
}

export const HISTORY_DIR = 'history';
export const STAGING_DIR = 'staging';
export const FINGERPRINT_KEY_REL = 'keys/fingerprint.key';

export function stagingRel(): string {
  return `${STAGING_DIR}/${new Date().toISOString().slice(0, 10)}/${randomBytes(12).toString('hex')}`;
}
