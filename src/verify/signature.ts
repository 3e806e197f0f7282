// Checking a version's tag signature against the archive's trusted signers, the same check
// stock `git verify-tag` makes with the allowed-signers file snap configures.
import type { VersionInfo } from '../archive/versions.js';
import { verifySshSignature, type AllowedSigner, type SignatureCheck } from '../git/ssh-signature.js';

export type VersionSignature = SignatureCheck | { ok: false; reason: 'unsigned' };

export function checkVersionSignature(version: VersionInfo, allowed: AllowedSigner[]): VersionSignature {
  if (!version.signature || version.signedPayload === null) return { ok: false, reason: 'unsigned' };
  return verifySshSignature(version.signedPayload, version.signature, allowed);
}

export function describeSignature(sig: VersionSignature): string {
  if (sig.ok) return `signed by ${sig.principal} (good)`;
  switch (sig.reason) {
    case 'unsigned':
      return 'NOT SIGNED';
    case 'untrusted-key':
      return `signed by an untrusted key ${sig.fingerprint ?? ''}`.trim();
    case 'bad-signature':
      return 'BAD SIGNATURE';
    default:
      return `signature not verifiable (${sig.reason})`;
  }
}
