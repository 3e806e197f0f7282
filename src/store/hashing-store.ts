// A content store that only hashes: put() streams the payload through sha256 and keeps
// nothing, everything else reads the real store. Used where payloads must be identified
// but the archive must not change (`snap status`).
import type { Readable } from 'node:stream';
import type { Pointer } from './pointer.js';
import { chunksOf, PayloadDigest } from './put-source.js';
import type { CheckOptions, CheckResult, ContentStore, PutOptions, PutSource } from './types.js';

export class HashingStore implements ContentStore {
  /** the store it reads: hash-only views never write, but they answer for it */
  constructor(readonly real: ContentStore) {}

  get description(): string {
    return `hash-only view of the ${this.real.description}`;
  }

  async put(source: PutSource, options: PutOptions = {}): Promise<Pointer> {
    const digest = new PayloadDigest(options.expect);
    for await (const chunk of chunksOf(source, options.signal)) digest.update(chunk);
    return digest.finish();
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

  check(pointer: Pointer, options?: CheckOptions): Promise<CheckResult> {
    return this.real.check(pointer, options);
  }
}
