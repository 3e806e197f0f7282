// A content store that only hashes: put() streams the payload through sha256 and keeps
// nothing, everything else reads the real store. Used where payloads must be identified
// but the archive must not change (`snap status`).
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Pointer } from './pointer.js';
import { checkExpected, chunksOf, expectedDigest } from './put-source.js';
import type { CheckResult, ContentStore, PutOptions, PutSource } from './types.js';

export class HashingStore implements ContentStore {
  constructor(private readonly real: ContentStore) {}

  get description(): string {
    return `hash-only view of the ${this.real.description}`;
  }

  async put(source: PutSource, options: PutOptions = {}): Promise<Pointer> {
    const hash = createHash('sha256');
    const extra = expectedDigest(options.expect);
    let size = 0;
    for await (const chunk of chunksOf(source)) {
      if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted');
      hash.update(chunk);
      extra?.update(chunk);
      size += chunk.length;
    }
    const oid = hash.digest('hex');
    checkExpected(oid, size, options.expect, extra?.result());
    return { oid, size };
  }

  has(oid: string): Promise<boolean> {
    return this.real.has(oid);
  }

  stat(oid: string): Promise<number | null> {
    return this.real.stat(oid);
  }

  open(oid: string): Promise<Readable> {
    return this.real.open(oid);
  }

  check(pointer: Pointer): Promise<CheckResult> {
    return this.real.check(pointer);
  }
}
