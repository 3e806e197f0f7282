// What every ContentStore.put() shares: reading the source as chunks, and checking the hash
// and size the caller expected once the whole payload has been hashed (see types.ts).
import { IntegrityError } from '../errors.js';
import { createDigest, type Digest } from './digests.js';
import type { PutOptions, PutSource } from './types.js';

export async function* chunksOf(source: PutSource): AsyncIterable<Uint8Array> {
  if (typeof source === 'string') yield Buffer.from(source, 'utf8');
  else if (source instanceof Uint8Array) yield source;
  else yield* source as AsyncIterable<Uint8Array>;
}

/**
 * Throws IntegrityError when the payload hashed to `oid` with `size` bytes (and `checksum`, the
 * value of expect.checksum's algorithm) is not what was expected.
 */
export function checkExpected(oid: string, size: number, expect: PutOptions['expect'], checksum?: string): void {
  if (expect?.sha256 !== undefined && expect.sha256.toLowerCase() !== oid) {
    throw new IntegrityError(`content of ${expect.label ?? 'payload'} does not match its expected sha256`, { expected: expect.sha256, actual: oid, label: expect.label });
  }
  if (expect?.size !== undefined && expect.size !== size) {
    throw new IntegrityError(`content of ${expect.label ?? 'payload'} is ${size} bytes, expected ${expect.size}`, { expected: expect.size, actual: size, label: expect.label });
  }
  if (expect?.checksum && checksum !== expect.checksum.value) {
    throw new IntegrityError(`content of ${expect.label ?? 'payload'} does not match its ${expect.checksum.name}`, { expected: expect.checksum.value, actual: checksum, label: expect.label });
  }
}

/** The digest of expect.checksum's algorithm, when the caller expects one. */
export function expectedDigest(expect: PutOptions['expect']): Digest | null {
  return expect?.checksum ? createDigest(expect.checksum.algorithm) : null;
}

