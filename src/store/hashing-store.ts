// A content store that only hashes: put() streams the payload through sha256 and keeps
// nothing, everything else reads the real store. Used where payloads must be identified
// but the archive must not change (`snap status`).
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { IntegrityError } from '../errors.js';
import type { Pointer } from './pointer.js';
import type { CheckResult, ContentStore, PutOptions, PutSource } from './types.js';

async function* chunksOf(source: PutSource): AsyncIterable<Uint8Array> {
  if (typeof source === 'string') yield Buffer.from(source, 'utf8');
  else if (source instanceof Uint8Array) yield source;
  else yield* source as AsyncIterable<Uint8Array>;
}

export class HashingStore implements ContentStore {
  constructor(private readonly real: ContentStore) {}

  get description(): string {
    return `hash-only view of the ${this.real.description}`;
  }

  async put(source: PutSource, options: PutOptions = {}): Promise<Pointer> {
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of chunksOf(source)) {
      if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted');
      hash.update(chunk);
      size += chunk.length;
    }
    const oid = hash.digest('hex');
    const expect = options.expect;
    if (expect?.sha256 !== undefined && expect.sha256.toLowerCase() !== oid) {
      throw new IntegrityError(`content of ${expect.label ?? 'payload'} does not match its expected sha256`, { expected: expect.sha256, actual: oid, label: expect.label });
    }
    if (expect?.size !== undefined && expect.size !== size) {
      throw new IntegrityError(`content of ${expect.label ?? 'payload'} is ${size} bytes, expected ${expect.size}`, { expected: expect.size, actual: size, label: expect.label });
    }
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
