// S3 restore from a vault: S3 copies each object from the vault into the target bucket itself
// (CopyObject, or UploadPartCopy past 5 GiB), with the metadata the version recorded, so a
// restore of many gigabytes moves nothing through this machine. S3 computes the archived
// checksum's algorithm on the copy, and the checksum it reports is compared with the archived
// one. The copy is signed by the restore's credentials, which must be able to read the vault
// (README: IAM policies, restore); when they may not (AccessDenied on the source), the caller
// streams the object from the vault through this machine instead, with the vault's own
// credentials, as a restore from a local store does.
import { type PutObjectCommandInput, type S3Client } from '@aws-sdk/client-s3';
import { IntegrityError } from '../../../errors.js';
import { copy, multipartCopy } from '../../../store/s3-copy.js';
import { VaultStore } from '../../../store/s3-store.js';
import type { ContentStore } from '../../../store/types.js';
import { awsErrorName, classifyAwsError } from '../shared/errors.js';
import type { ObjectEntry } from './manifest.js';

/** The vault behind a restore's store, when there is one. */
export function restoreVault(store: ContentStore): VaultStore | null {
  return store instanceof VaultStore ? store : null;
}

/** The metadata fields of a PutObject input that a copy with MetadataDirective REPLACE sets. */
const COPIED = ['ContentType', 'CacheControl', 'ContentDisposition', 'ContentEncoding', 'ContentLanguage', 'Metadata', 'WebsiteRedirectLocation', 'Expires', 'ObjectLockMode', 'ObjectLockRetainUntilDate', 'ObjectLockLegalHoldStatus', 'ServerSideEncryption', 'SSEKMSKeyId', 'BucketKeyEnabled', 'StorageClass'] as const;

/**
 * Copies an entry's content from the vault to `input.Bucket`/`input.Key` with `input`'s
 * metadata. False when the restore's credentials may not read the vault (the caller streams
 * instead); throws on any other failure.
 */
export async function copyFromVault(vault: VaultStore, client: S3Client, entry: ObjectEntry, input: PutObjectCommandInput, signal: AbortSignal): Promise<boolean> {
  const from = vault.locate(entry.sha256!);
  const source = { bucket: from.bucket, key: from.key, etag: '', size: entry.size };
  const fields: Record<string, unknown> = {};
  for (const k of COPIED) if (input[k] !== undefined) fields[k] = input[k];
  const algorithm = input.ChecksumAlgorithm;
  try {
    if (entry.size > vault.limits.copyMaxBytes) {
      await multipartCopy(client, source, { Bucket: input.Bucket!, Key: input.Key!, ...fields, ...(algorithm ? { ChecksumAlgorithm: algorithm } : {}) }, { partBytes: vault.limits.partBytes, signal });
      return true;
    }
    const out = await copy(client, { Bucket: input.Bucket!, Key: input.Key!, CopySource: `${from.bucket}/${from.key.split('/').map(encodeURIComponent).join('/')}`, MetadataDirective: 'REPLACE', TaggingDirective: 'REPLACE', ...fields, ...(algorithm ? { ChecksumAlgorithm: algorithm } : {}) }, signal);
    if (algorithm) {
      const field = `Checksum${algorithm}` as const;
      const want = (input as unknown as Record<string, unknown>)[field];
      const got = (out.CopyObjectResult as Record<string, unknown> | undefined)?.[field];
      if (typeof want === 'string' && typeof got === 'string' && want !== got) {
        throw new IntegrityError(`S3 copied s3://${from.bucket}/${from.key} to s3://${input.Bucket}/${input.Key} with ${algorithm} ${got}, not the archived ${want}`, { expected: want, actual: got });
      }
    }
    return true;
  } catch (err) {
    if (signal.aborted) throw err;
    // Refused reading the vault (not writing the target, which the stream would hit too).
    if (classifyAwsError(err) === 'access-denied' && awsErrorName(err) !== 'AllAccessDisabled') return false;
    throw err;
  }
}
