// S3 restore from a vault: S3 copies each object from the vault into the target bucket itself
// (CopyObject, or UploadPartCopy past 5 GiB), with the metadata the version recorded, so a
// restore of many gigabytes moves nothing through this machine. The copy is signed by the
// restore's credentials, which must be able to read the vault (README: IAM policies, restore);
// when they may not (AccessDenied on the source), the caller streams the object from the vault
// through this machine instead, with the vault's own credentials, as a restore from a local
// store does.
//
// Nothing is copied on trust. A vault key is named by the sha256 of what it should hold, but
// whoever may write the vault can put other bytes there, so before any copy:
//   - HeadObject (checksum mode) of the vault key, judged by the rule verify and retention use
//     (VaultStore.notWritten): a single-part object must carry a full-object SHA256 equal to
//     the archived sha256; one uploaded in parts must be one snap could have written (past the
//     single-put size, in snap's number of parts). One that is not is not copied: the caller
//     streams the payload from the local cache through the sha256 check when the cache holds
//     it, else the object fails, naming the vault key and `snap verify --read-data`;
//   - an object uploaded in parts that passes (ETag "…-N": S3 keeps only a checksum of its
//     parts) is read once and hashed, pinned to the version that was hashed, and copied only
//     when it matches;
//   - the copy is pinned to what was checked: the version id (an Object Lock vault is always
//     versioned) and CopySourceIfMatch on its ETag, so bytes swapped in between are refused;
//   - the checksum S3 reports for the copy is compared with the archived one, and a copy that
//     differs is deleted again (by its version id in a versioned target) before the failure is
//     reported.
import { createHash } from 'node:crypto';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, type HeadObjectCommandOutput, type PutObjectCommandInput, type S3Client } from '@aws-sdk/client-s3';
import { IntegrityError } from '../../../errors.js';
import { copy, multipartCopy, type S3SourceObject } from '../../../store/s3-copy.js';
import { VaultStore, vaultHeadOf } from '../../../store/s3-store.js';
import { copySource, toBase64Sha256 } from '../../../store/s3-util.js';
import { objectRel } from '../../../store/vault-url.js';
import type { ContentStore } from '../../../store/types.js';
import { awsErrorName, classifyAwsError, httpStatus } from '../shared/errors.js';
import { unquoteEtag } from './listing.js';
import type { ObjectEntry } from './manifest.js';

/** The vault behind a restore's store, when there is one. */
export function restoreVault(store: ContentStore): VaultStore | null {
  return store instanceof VaultStore ? store : null;
}

/** The metadata fields of a PutObject input that a copy with MetadataDirective REPLACE sets. */
const COPIED = ['ContentType', 'CacheControl', 'ContentDisposition', 'ContentEncoding', 'ContentLanguage', 'Metadata', 'WebsiteRedirectLocation', 'Expires', 'ObjectLockMode', 'ObjectLockRetainUntilDate', 'ObjectLockLegalHoldStatus', 'ServerSideEncryption', 'SSEKMSKeyId', 'BucketKeyEnabled', 'StorageClass'] as const;

/** What to run to check every payload of the vault, named wherever a vault object is found wrong. */
const READ_DATA_HINT = '`snap verify --all --read-data` downloads and re-hashes every payload of the vault';

/** Refused reading the vault (not writing the target, which the stream would hit too). */
function deniedReading(err: unknown): boolean {
  return classifyAwsError(err) === 'access-denied' && awsErrorName(err) !== 'AllAccessDisabled';
}

/**
 * Copies an entry's content from the vault to `input.Bucket`/`input.Key` with `input`'s
 * metadata, after checking that the vault holds the archived bytes (see the header). False
 * when the caller must stream the payload instead (through the sha256 check): the restore's
 * credentials may not read the vault, or the vault's object is wrong and the local cache
 * holds the payload. Throws IntegrityError when the vault's object is not the archived
 * content (nothing is written to the target then), and on any other failure.
 */
export async function copyFromVault(vault: VaultStore, client: S3Client, entry: ObjectEntry, input: PutObjectCommandInput, signal: AbortSignal): Promise<boolean> {
  const oid = entry.sha256!;
  const from = vault.locate(oid);
  const where = `s3://${from.bucket}/${from.key}`;
  const to = `s3://${input.Bucket}/${input.Key}`;
  let head: HeadObjectCommandOutput;
  try {
    head = await client.send(new HeadObjectCommand({ Bucket: from.bucket, Key: from.key, ChecksumMode: 'ENABLED' }), { abortSignal: signal });
  } catch (err) {
    if (signal.aborted) throw err;
    // Refused, or missing (S3 answers 403 for a missing key to a reader without s3:ListBucket):
    // the stream reads it with the vault's own credentials, or the cache, or says it is missing.
    if (deniedReading(err) || httpStatus(err) === 404) return false;
    throw err;
  }
  const seen = vaultHeadOf(head, true);
  const { size, multipart } = seen;
  const wrong = vault.notWritten(objectRel(oid), seen, entry.size);
  if (wrong) {
    if (await vault.cache?.has(oid)) return false;
    const what = multipart ? `an upload in ${seen.parts === null ? 'parts' : `${seen.parts} part${seen.parts === 1 ? '' : 's'}`}, ${size} bytes` : `${seen.sha256 ? `SHA256 ${seen.sha256}` : 'no full-object SHA256'}, ${size} bytes`;
    throw new IntegrityError(`${where} does not hold the archived content of ${to} (S3 records ${what}; the version holds sha256:${oid}, ${entry.size} bytes): not copied, nothing written to ${to}. ${READ_DATA_HINT}`, { key: from.key, expected: oid, actual: seen.sha256, size });
  }
  const source: S3SourceObject = { bucket: from.bucket, key: from.key, versionId: head.VersionId ?? undefined, etag: unquoteEtag(head.ETag), size };
  const pinned = source.versionId !== undefined && source.versionId !== 'null';
  if (multipart) {
    let actual: string;
    try {
      actual = await hashVersion(client, source, signal);
    } catch (err) {
      if (!signal.aborted && deniedReading(err)) return false;
      throw err;
    }
    if (actual !== oid) {
      if (await vault.cache?.has(oid)) return false;
      throw new IntegrityError(`${where} (uploaded in parts) re-hashes to sha256:${actual}, not the archived sha256:${oid} of ${to}: not copied, nothing written to ${to}. ${READ_DATA_HINT}`, { key: from.key, expected: oid, actual });
    }
  }

  const fields: Record<string, unknown> = {};
  for (const k of COPIED) if (input[k] !== undefined) fields[k] = input[k];
  const algorithm = input.ChecksumAlgorithm ?? 'SHA256';
  try {
    if (entry.size > vault.limits.copyMaxBytes) {
      await multipartCopy(client, source, { Bucket: input.Bucket!, Key: input.Key!, ...fields, ChecksumAlgorithm: algorithm }, { partBytes: vault.limits.partBytes, signal });
      return true;
    }
    const out = await copy(
      client,
      {
        Bucket: input.Bucket!,
        Key: input.Key!,
        CopySource: copySource(source.bucket, source.key, pinned ? source.versionId : undefined),
        ...(source.etag ? { CopySourceIfMatch: `"${source.etag}"` } : {}),
        MetadataDirective: 'REPLACE',
        TaggingDirective: 'REPLACE',
        ...fields,
        ChecksumAlgorithm: algorithm,
      },
      signal,
    );
    const field = `Checksum${algorithm}` as const;
    const want = algorithm === 'SHA256' ? toBase64Sha256(oid) : (input as unknown as Record<string, unknown>)[field];
    const got = (out.CopyObjectResult as Record<string, unknown> | undefined)?.[field];
    if (typeof want === 'string' && typeof got === 'string' && want !== got) {
      // Bytes other than the archived ones landed: take them back before saying so.
      const removed = await client.send(new DeleteObjectCommand({ Bucket: input.Bucket!, Key: input.Key!, ...(out.VersionId && out.VersionId !== 'null' ? { VersionId: out.VersionId } : {}) }), { abortSignal: signal }).then(
        () => 'the copy was deleted again',
        (err) => `the copy could not be deleted (${awsErrorName(err)}): delete it by hand`,
      );
      throw new IntegrityError(`S3 copied ${where} to ${to} with ${algorithm} ${got}, not the archived ${want}: ${removed}. ${READ_DATA_HINT}`, { expected: want, actual: got, key: from.key });
    }
    return true;
  } catch (err) {
    if (signal.aborted) throw err;
    if (deniedReading(err)) return false;
    if (awsErrorName(err) === 'PreconditionFailed') throw new IntegrityError(`${where} changed after it was checked (its ETag is no longer ${source.etag}): not copied, nothing written to ${to}. ${READ_DATA_HINT}`, { key: from.key, expected: oid });
    throw err;
  }
}

/** The sha256 of one version of a vault object, read once (nothing kept). */
async function hashVersion(client: S3Client, source: S3SourceObject, signal: AbortSignal): Promise<string> {
  const pinned = source.versionId !== undefined && source.versionId !== 'null';
  const out = await client.send(new GetObjectCommand({ Bucket: source.bucket, Key: source.key, ...(pinned ? { VersionId: source.versionId } : source.etag ? { IfMatch: `"${source.etag}"` } : {}) }), { abortSignal: signal });
  const hash = createHash('sha256');
  for await (const chunk of out.Body as AsyncIterable<Uint8Array>) hash.update(chunk);
  return hash.digest('hex');
}
