// Keyed fingerprints of secret values. A secret keeps its name in the archive and gets
// HMAC-SHA256(archive key, value) in place of the value: a changed value shows as a changed
// fingerprint, but the value cannot be read back or guessed offline without the key. The key
// lives in the archive's .git/snap folder and is never committed.
import { createHmac } from 'node:crypto';

export const FINGERPRINT_PREFIX = 'hmac-sha256:';

export type Fingerprinter = (value: string | Uint8Array) => string;

export function makeFingerprinter(key: Uint8Array): Fingerprinter {
  if (key.length < 32) throw new Error('fingerprint key must be at least 32 bytes');
  return (value) => `${FINGERPRINT_PREFIX}${createHmac('sha256', key).update(value).digest('hex').slice(0, 32)}`;
}

export function isFingerprint(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(FINGERPRINT_PREFIX);
}
