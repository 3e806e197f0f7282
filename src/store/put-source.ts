// What every ContentStore.put() shares: reading the source as chunks (stopping when the
// caller aborts), and the digests of what passed through (sha256, size and the expected
// checksum's), checked against what the caller expected once the whole payload was seen
// (see types.ts).
import { createHash } from 'node:crypto';
import { IntegrityError } from '../errors.js';
import { createDigest, type Digest } from './digests.js';
import type { Pointer } from './pointer.js';
import type { PutOptions, PutSource } from './types.js';

export async function* chunksOf(source: PutSource, signal?: AbortSignal): AsyncIterable<Uint8Array> {
  const chunks = typeof source === 'string' ? [Buffer.from(source, 'utf8')] : source instanceof Uint8Array ? [source] : (source as AsyncIterable<Uint8Array>);
  for await (const chunk of chunks) {
    if (signal?.aborted) throw signal.reason ?? new Error('aborted');
    yield chunk;
  }
}

/** The digests of a payload as it passes; finish() names it and checks the expectations. */
export class PayloadDigest {
  private readonly sha256 = createHash('sha256');
  private readonly extra: Digest | null;
  private size = 0;

  constructor(private readonly expect: PutOptions['expect']) {
    this.extra = expect?.checksum ? createDigest(expect.checksum.algorithm) : null;
  }

  update(chunk: Uint8Array): void {
    this.sha256.update(chunk);
    this.extra?.update(chunk);
    this.size += chunk.length;
  }

  /** The pointer of the bytes seen; IntegrityError when they are not what was expected. */
  finish(): Pointer {
    const oid = this.sha256.digest('hex');
    checkExpected(oid, this.size, this.expect, this.extra?.result());
    return { oid, size: this.size };
  }
}

function checkExpected(oid: string, size: number, expect: PutOptions['expect'], checksum: string | undefined): void {
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
