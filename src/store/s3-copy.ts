// Server-side capture into the vault: S3 copies an estate object into the vault and returns
// its full-object SHA256 (CopyObject with the SHA256 checksum algorithm), so no byte of it
// passes through this machine. The copy is signed by one principal, the estate's credentials
// (the caller's client): it reads the source and writes the vault through the vault's bucket
// policy. The source is pinned to what was listed (its version id, or If-Match on its ETag).
//
// S3 places a copy at a key named before it computes the checksum, so a payload's content
// address can be the copy's destination only when its sha256 is known beforehand:
//   sha256 known (S3 recorded a full-object SHA256, or the caller learned it), vault has it
//       → nothing to do (deduplicated)
//   sha256 known, not in the vault → one copy to objects/<oid>, its SHA256 checked
//   sha256 unknown → one copy to PREFIX/staging/… to learn it; when the vault lacks that
//       content, a second copy, inside the vault, to objects/<oid> (staging copies are left
//       for the vault's lifecycle rule: the writer may not delete)
//   larger than one CopyObject (5 GiB) → the source is read once and hashed as it streams
//       (nothing kept), then copied in parts (UploadPartCopy) to objects/<oid>
// Every copy into objects/ carries the configured retention; metadata and tags are replaced
// (the archive records the object's own headers; the vault holds content only).
import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  UploadPartCopyCommand,
  type CompletedPart,
  type CopyObjectCommandInput,
  type CopyObjectCommandOutput,
  type CreateMultipartUploadCommandInput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { IntegrityError, SnapError } from '../errors.js';
import { mapLimit } from '../util/limiter.js';
import type { Pointer } from './pointer.js';
import type { VaultStore } from './s3-store.js';
import { addLockChecksumHeader, copySource, partBytesFor, sha256FromChecksum } from './s3-util.js';
import { objectRel, stagingRel } from './vault-url.js';

export interface S3SourceObject {
  bucket: string;
  key: string;
  /** the version listed (versioned buckets); the copy is pinned to it */
  versionId?: string | undefined;
  /** the ETag listed (unquoted); an unversioned copy is conditional on it */
  etag: string;
  size: number;
}

export interface CopyInRequest {
  /** signs every copy: may read the source and write the vault; a client of the vault's region */
  client: S3Client;
  source: S3SourceObject;
  /** the object's sha256 when it is known before the copy (a full-object SHA256 S3 recorded) */
  sha256?: string | null | undefined;
  /** streams the source's bytes: used for objects larger than one copy whose sha256 is unknown */
  read?: () => Promise<AsyncIterable<Uint8Array>>;
  signal?: AbortSignal | undefined;
}

export interface CopyInResult {
  pointer: Pointer;
  /** deduplicated: the vault had it; copied: one copy to its address; staged: a copy to learn it (and one more when new); hashed: read and hashed, then copied in parts */
  how: 'deduplicated' | 'copied' | 'staged' | 'hashed';
  /** object bytes this machine received (streamed hashing only) */
  receivedBytes: number;
}

export async function copyIntoVault(store: VaultStore, request: CopyInRequest): Promise<CopyInResult> {
  const { source } = request;
  if (request.sha256) return placeKnown(store, request, request.sha256, 'copied', 0);
  if (source.size > store.limits.copyMaxBytes) {
    if (!request.read) throw new SnapError('STORE_MISSING_OBJECT', `s3://${source.bucket}/${source.key} is larger than one server-side copy and no way to read it was given`, {});
    const sha = await hashStream(await request.read(), source, request.signal);
    return placeKnown(store, request, sha, 'hashed', source.size);
  }
  return placeUnknown(store, request);
}

/** The sha256 is known: nothing when the vault has it, else one copy (or one in parts) to its address. */
async function placeKnown(store: VaultStore, request: CopyInRequest, oid: string, how: 'copied' | 'hashed', receivedBytes: number): Promise<CopyInResult> {
  const { source } = request;
  const rel = objectRel(oid);
  const pointer = { oid, size: source.size };
  const wrote = await store.writeOnce(rel, source.size, async () => {
    if (source.size > store.limits.copyMaxBytes) await copyInParts(store, request, rel);
    else {
      const lock = store.lockFields();
      const out = await copy(request.client, { ...copyFrom(source), Bucket: store.location.bucket, Key: store.key(rel), ...lock }, request.signal);
      const got = sha256FromChecksum(out.CopyObjectResult ?? {});
      if (got !== oid) {
        store.index.delete(rel);
        throw new IntegrityError(`S3 copied s3://${source.bucket}/${source.key} with SHA256 ${got ?? '(none)'}, not the ${oid} it recorded for the object`, { expected: oid, actual: got });
      }
      store.recordWritten(rel, source.size, lock.ObjectLockRetainUntilDate);
    }
    store.counters.copies++;
  });
  if (!wrote) store.counters.deduplicated++;
  return { pointer, how: wrote ? how : 'deduplicated', receivedBytes };
}

/** The sha256 is unknown: one copy to a staging key teaches it; the content address gets a copy when new. */
async function placeUnknown(store: VaultStore, request: CopyInRequest): Promise<CopyInResult> {
  const { source } = request;
  const stagingKey = store.key(stagingRel());
  const staged = await copy(request.client, { ...copyFrom(source), Bucket: store.location.bucket, Key: stagingKey }, request.signal);
  store.counters.copies++;
  store.counters.staged++;
  const oid = sha256FromChecksum(staged.CopyObjectResult ?? {});
  if (!oid) throw new SnapError('STORE_MISSING_OBJECT', `the vault's endpoint returned no SHA256 for a copy of s3://${source.bucket}/${source.key}: it does not compute checksums on copy`, {});
  const rel = objectRel(oid);
  const wrote = await store.writeOnce(rel, source.size, async () => {
    const lock = store.lockFields();
    const staging: S3SourceObject = { bucket: store.location.bucket, key: stagingKey, versionId: staged.VersionId, etag: '', size: source.size };
    const out = await copy(request.client, { ...copyFrom(staging), Bucket: store.location.bucket, Key: store.key(rel), ...lock }, request.signal);
    if (sha256FromChecksum(out.CopyObjectResult ?? {}) !== oid) throw new IntegrityError(`the vault's copy of ${stagingKey} to its content address changed its SHA256`, { expected: oid });
    store.recordWritten(rel, source.size, lock.ObjectLockRetainUntilDate);
    store.counters.copies++;
  });
  if (!wrote) store.counters.deduplicated++;
  return { pointer: { oid, size: source.size }, how: 'staged', receivedBytes: 0 };
}

function copyFrom(source: S3SourceObject): Omit<CopyObjectCommandInput, 'Bucket' | 'Key'> {
  const pinned = source.versionId !== undefined && source.versionId !== 'null';
  return {
    CopySource: copySource(source.bucket, source.key, source.versionId),
    ...(!pinned && source.etag ? { CopySourceIfMatch: `"${source.etag}"` } : {}),
    ChecksumAlgorithm: 'SHA256',
    MetadataDirective: 'REPLACE',
    ContentType: 'application/octet-stream',
    TaggingDirective: 'REPLACE',
  };
}

export async function copy(client: S3Client, input: CopyObjectCommandInput, signal: AbortSignal | undefined): Promise<CopyObjectCommandOutput> {
  const command = new CopyObjectCommand(input);
  addLockChecksumHeader(command.middlewareStack);
  return client.send(command, { abortSignal: signal });
}

/** A copy larger than one CopyObject, in parts: the vault keeps a SHA256 per part (S3 computes none for the whole). */
async function copyInParts(store: VaultStore, request: CopyInRequest, rel: string): Promise<void> {
  const lock = store.lockFields();
  await multipartCopy(request.client, request.source, { Bucket: store.location.bucket, Key: store.key(rel), ContentType: 'application/octet-stream', ChecksumAlgorithm: 'SHA256', ...lock }, { partBytes: store.limits.partBytes, signal: request.signal });
  store.recordWritten(rel, request.source.size, lock.ObjectLockRetainUntilDate);
}

/**
 * Copies `source` to `destination` in parts (UploadPartCopy), for objects larger than one
 * CopyObject carries; `destination` is CreateMultipartUpload's input (metadata, checksum
 * algorithm, retention). The upload is aborted when a part fails.
 */
export async function multipartCopy(client: S3Client, source: S3SourceObject, destination: CreateMultipartUploadCommandInput & { Bucket: string; Key: string }, options: { partBytes: number; signal?: AbortSignal | undefined }): Promise<void> {
  const { Bucket, Key } = destination;
  const { signal } = options;
  const create = new CreateMultipartUploadCommand(destination);
  addLockChecksumHeader(create.middlewareStack);
  const { UploadId } = await client.send(create, { abortSignal: signal });
  const partBytes = partBytesFor(source.size, options.partBytes);
  const ranges: [number, number][] = [];
  for (let start = 0; start < source.size; start += partBytes) ranges.push([start, Math.min(source.size, start + partBytes) - 1]);
  const from = copyFrom(source);
  try {
    const parts = await mapLimit(ranges, 4, async ([start, end], i): Promise<CompletedPart> => {
      const out = await client.send(
        new UploadPartCopyCommand({ Bucket, Key, UploadId, PartNumber: i + 1, CopySource: from.CopySource, CopySourceRange: `bytes=${start}-${end}`, ...(from.CopySourceIfMatch ? { CopySourceIfMatch: from.CopySourceIfMatch } : {}) }),
        { abortSignal: signal },
      );
      return { PartNumber: i + 1, ETag: out.CopyPartResult?.ETag, ...(out.CopyPartResult?.ChecksumSHA256 ? { ChecksumSHA256: out.CopyPartResult.ChecksumSHA256 } : {}) };
    });
    await client.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: parts } }), { abortSignal: signal });
  } catch (err) {
    await client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId })).catch(() => undefined);
    throw err;
  }
}

async function hashStream(body: AsyncIterable<Uint8Array>, source: S3SourceObject, signal: AbortSignal | undefined): Promise<string> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of body) {
    if (signal?.aborted) throw signal.reason ?? new Error('aborted');
    hash.update(chunk);
    size += chunk.length;
  }
  if (size !== source.size) throw new IntegrityError(`s3://${source.bucket}/${source.key} is ${size} bytes, expected ${source.size}`, { expected: source.size, actual: size });
  return hash.digest('hex');
}
