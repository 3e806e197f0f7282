// Pointer files: what the git tree holds in place of a payload kept in the content store.
// The format is git-lfs's pointer spec v1, so tools that know LFS pointers can read them:
//   version https://git-lfs.github.com/spec/v1
//   oid sha256:<64 hex>
//   size <bytes>
// Parsing is strict (exact lines, canonical numbers): a pointer is either exactly this or not
// a pointer at all, which keeps verification and tamper detection unambiguous.
import { SnapError } from '../errors.js';

export const POINTER_VERSION_LINE = 'version https://git-lfs.github.com/spec/v1';
export const POINTER_MAX_BYTES = 200;

export interface Pointer {
  oid: string; // sha256 hex, lower case
  size: number;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

export function isSha256Hex(value: string): boolean {
  return SHA256_HEX.test(value);
}

export function formatPointer(pointer: Pointer): string {
  if (!isSha256Hex(pointer.oid)) throw new SnapError('POINTER_INVALID', 'pointer oid must be 64 lower-case hex digits', { oid: pointer.oid });
  if (!Number.isSafeInteger(pointer.size) || pointer.size < 0) throw new SnapError('POINTER_INVALID', 'pointer size must be a non-negative integer', { size: pointer.size });
  return `${POINTER_VERSION_LINE}\noid sha256:${pointer.oid}\nsize ${pointer.size}\n`;
}

/** Returns the pointer a blob holds, or null when the blob is not a well-formed pointer. */
export function parsePointer(content: Uint8Array | string): Pointer | null {
  if (content.length > POINTER_MAX_BYTES) return null;
  const text = typeof content === 'string' ? content : Buffer.from(content).toString('utf8');
  const m = /^version https:\/\/git-lfs\.github\.com\/spec\/v1\noid sha256:([0-9a-f]{64})\nsize (0|[1-9][0-9]{0,15})\n$/.exec(text);
  if (!m) return null;
  const size = Number(m[2]);
  if (!Number.isSafeInteger(size)) return null;
  return { oid: m[1]!, size };
}

/** True when the text starts like a pointer, whether or not it is well formed (for tamper reports). */
export function looksLikePointer(content: Uint8Array | string): boolean {
  const text = typeof content === 'string' ? content.slice(0, 64) : Buffer.from(content.subarray(0, 64)).toString('utf8');
  return text.startsWith('version https://git-lfs.github.com/spec/');
}
