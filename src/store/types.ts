// The content-addressed store contract. Payloads too large or too binary for the git tree
// (S3 objects, Lambda code, table exports, repository bundles) are kept here under their
// sha256; the tree holds a pointer. Two backends: the local filesystem (fs-store.ts) and an S3
// vault (s3-store.ts), which keeps the local store as a cache. Every backend must pass the
// contract suite in test/helpers/store-contract.ts.
//
// Contract:
// - put() streams: memory does not grow with payload size. The sha256 is computed while the
//   bytes flow. The object becomes visible only complete (write to a temporary, then rename).
// - put() of content already present keeps the existing object (deduplication) and is safe to
//   run concurrently with another put() of the same content.
// - put() with `expect` checks the hash, size and/or second checksum (digests.ts) the source
//   claims; on mismatch nothing is kept and an IntegrityError is thrown.
// - open() of a missing object throws SnapError STORE_MISSING_OBJECT.
// - check() reports, it never repairs or deletes. The filesystem re-reads and re-hashes; the
//   vault compares the SHA256 and size S3 recorded (no download) unless `readData` asks it to
//   download and re-hash.
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

export interface CheckOptions {
  /** download and re-hash even where the backend keeps a checksum of its own (the vault) */
  readData?: boolean;
}

/** When the payload's Object Lock retention ends (vault only); null: it has none. */
type Retention = { retainUntil?: Date | null };

export type CheckResult =
  /** verified: content re-hashed; recorded-sha256: the SHA256 S3 keeps matches; size: only the size could be compared (S3 keeps a checksum of parts) */
  | ({ status: 'ok'; verified?: 'content' | 'recorded-sha256' | 'size' } & Retention)
  | { status: 'missing' }
  /** detail: what the backend found, when it says more than the re-hashed pointer (a vault object without the SHA256 snap wrote it with) */
  | ({ status: 'corrupt'; actual: Pointer; detail?: string } & Retention);

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
  check(pointer: Pointer, options?: CheckOptions): Promise<CheckResult>;
  /** Every object held, in no particular order. */
  listObjects(): AsyncIterable<StoredObject>;
  /** Removes one object (see the contract above). */
  delete(oid: string): Promise<DeleteResult>;
  /**
   * Told which objects prune will delete next, before it deletes any of them: a backend that
   * remembers what it holds (the vault's index) forgets them first, so a kill mid-way never
   * leaves it believing in an object that is gone.
   */
  beforeDelete?(oids: readonly string[]): Promise<void>;
  /**
   * Makes every object put() so far durable (fsync), when the backend defers that to batch
   * it. A version must not be sealed before this resolves.
   */
  flush?(): Promise<void>;
}
