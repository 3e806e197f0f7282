// The content-addressed store contract. Payloads too large or too binary for the git tree
// (S3 objects, Lambda code, table exports, repository bundles) are kept here under their
// sha256; the tree holds a pointer. Every backend must pass test/unit/store-contract.test.ts.
//
// Contract:
// - put() streams: memory does not grow with payload size. The sha256 is computed while the
//   bytes flow. The object becomes visible only complete (write to a temporary, then rename).
// - put() of content already present keeps the existing object (deduplication) and is safe to
//   run concurrently with another put() of the same content.
// - put() with `expect` checks the hash, size and/or second checksum (digests.ts) the source
//   claims; on mismatch nothing is kept and an IntegrityError is thrown.
// - open() of a missing object throws SnapError STORE_MISSING_OBJECT.
// - check() re-reads and re-hashes: it reports, it never repairs or deletes.
// - listObjects() gives every object the store holds (never a temporary), each once.
// - delete() removes one object, and is called only by `snap prune`, holding the archive lock,
//   for an object no kept version references. An object the backend must keep (retention
//   that has not ended) is left and reported, never an error; a missing one is reported too.
import type { Readable } from 'node:stream';
import type { ExpectedChecksum } from './digests.js';
import type { Pointer } from './pointer.js';

export type PutSource = Readable | AsyncIterable<Uint8Array> | Uint8Array | string;

export interface PutOptions {
  expect?: { sha256?: string; size?: number; label?: string; checksum?: ExpectedChecksum };
  signal?: AbortSignal;
}

export type CheckResult = { status: 'ok' } | { status: 'missing' } | { status: 'corrupt'; actual: Pointer };

/** An object the store holds. */
export interface StoredObject {
  oid: string;
  size: number;
}

export type DeleteResult = { status: 'deleted'; size: number } | { status: 'missing' } | { status: 'retained'; retainUntil: Date | null; detail: string };

export interface ContentStore {
  readonly description: string;
  put(source: PutSource, options?: PutOptions): Promise<Pointer>;
  has(oid: string): Promise<boolean>;
  /** Size of a stored object, or null when absent. Does not read the content. */
  stat(oid: string): Promise<number | null>;
  open(oid: string): Promise<Readable>;
  check(pointer: Pointer): Promise<CheckResult>;
  /** Every object held, in no particular order. */
  listObjects(): AsyncIterable<StoredObject>;
  /** Removes one object (see the contract above). */
  delete(oid: string): Promise<DeleteResult>;
  /**
   * Makes every object put() so far durable (fsync), when the backend defers that to batch
   * it. A version must not be sealed before this resolves.
   */
  flush?(): Promise<void>;
}
