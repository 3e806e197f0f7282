// Checks a vault before anything is written: run before any collector (commit), before a
// clone, a push or a restore reads it. Each refusal is a SnapError VAULT_UNUSABLE (exit 2,
// nothing written) that says what to do:
//   the bucket does not exist                → create it (with Object Lock) or fix store.url
//   AccessDenied / a bad key or signature    → the IAM policy or credentials (README)
//   the bucket is in another region          → store.region
//   store.objectLock, but no Object Lock     → enable it on the bucket, or drop objectLock
//   may not write (s3:PutObject), or set retention (s3:PutObjectRetention)
// Write permission is probed without writing: a PutObject conditional on an ETag no object
// has (If-Match), carrying a retention date when Object Lock is asked for, is refused with 403
// when the principal may not write, and otherwise fails its condition (404 NoSuchKey / 412).
import { GetObjectLockConfigurationCommand, HeadBucketCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SnapError } from '../errors.js';
import type { VaultStore } from './s3-store.js';
import { s3ErrorName, s3Status } from './s3-util.js';

export interface PreflightOptions {
  /** the run writes to the vault: probe s3:PutObject (and s3:PutObjectRetention with Object Lock) */
  write: boolean;
  /** other principals that write into the vault (the estate's credentials sign server-side copies) */
  writers?: { client: S3Client; who: string }[];
  /** names the vault's credentials in messages, e.g. "profile vault-owner" */
  who?: string;
}

const EMPTY_SHA256 = '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=';
const AUTH_ERRORS = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidToken', 'TokenRefreshRequired', 'CredentialsProviderError']);

function refuse(message: string, data: Record<string, unknown> = {}): SnapError {
  return new SnapError('VAULT_UNUSABLE', message, data);
}

export async function preflightVault(store: VaultStore, options: PreflightOptions): Promise<void> {
  const { bucket } = store.location;
  const who = options.who ?? 'the vault credentials';
  let region: string | undefined;
  try {
    region = (await store.client.send(new HeadBucketCommand({ Bucket: bucket }))).BucketRegion;
  } catch (err) {
    const status = s3Status(err);
    if (s3ErrorName(err) === 'CredentialsProviderError') throw refuse(`no AWS credentials were found for the vault (${who}): set store.profile in snap.config.json, or AWS_PROFILE / AWS_ACCESS_KEY_ID in the environment`, { bucket });
    if (status === 404) throw refuse(`the vault bucket ${bucket} does not exist (store.url ${store.url}): create it with Object Lock (aws s3api create-bucket --bucket ${bucket} --object-lock-enabled-for-bucket …) or correct store.url`, { bucket });
    if (status === 301) {
      const actual = (err as { $response?: { headers?: Record<string, string> } }).$response?.headers?.['x-amz-bucket-region'];
      throw wrongRegion(bucket, store.region, actual);
    }
    if (status === 403 || status === 400) throw await explainRefusal(store, err, who);
    throw refuse(`the vault bucket ${bucket} cannot be reached (${s3ErrorName(err)}): check aws.endpoint, the network and store.region`, { bucket });
  }
  if (region && region !== store.region) throw wrongRegion(bucket, store.region, region);

  if (store.retention) {
    let enabled = false;
    try {
      const out = await store.client.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }));
      enabled = out.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled';
    } catch (err) {
      if (s3Status(err) === 403) throw refuse(`${who} may not read the vault bucket's Object Lock configuration (${s3ErrorName(err)}): grant s3:GetBucketObjectLockConfiguration on arn:aws:s3:::${bucket} (README: IAM policies)`, { bucket });
      if (s3Status(err) !== 404) throw err;
    }
    if (!enabled) {
      throw refuse(
        `the vault bucket ${bucket} has no Object Lock, but snap.config.json store.objectLock asks for ${store.retention.mode.toLowerCase()} retention: enable it (aws s3api put-object-lock-configuration --bucket ${bucket} --object-lock-configuration ObjectLockEnabled=Enabled) or remove store.objectLock`,
        { bucket },
      );
    }
  }

  if (options.write) {
    for (const writer of [{ client: store.client, who }, ...(options.writers ?? [])]) await probeWrite(store, writer.client, writer.who);
  }
}

function wrongRegion(bucket: string, configured: string, actual: string | undefined): SnapError {
  return refuse(`the vault bucket ${bucket} is in ${actual ?? 'another region'}, not ${configured}: set store.region to ${actual ? JSON.stringify(actual) : "the bucket's region"} in snap.config.json`, { bucket, region: actual });
}

/** HeadBucket has no error body: one listing names the refusal (AccessDenied, a bad key, a bad signature). */
async function explainRefusal(store: VaultStore, headError: unknown, who: string): Promise<SnapError> {
  let name = s3ErrorName(headError);
  try {
    await store.client.send(new ListObjectsV2Command({ Bucket: store.location.bucket, Prefix: store.key(''), MaxKeys: 1 }));
  } catch (err) {
    name = s3ErrorName(err);
  }
  if (AUTH_ERRORS.has(name)) return refuse(`${who} were refused by S3 (${name}): check the access key, secret and session token (store.profile or the aws section), then run again`, { code: name });
  return refuse(`${who} may not read the vault bucket ${store.location.bucket} (${name}): grant s3:ListBucket on arn:aws:s3:::${store.location.bucket} and s3:GetObject on arn:aws:s3:::${store.location.bucket}/${store.key('*')} (README: IAM policies)`, { code: name });
}

async function probeWrite(store: VaultStore, client: S3Client, who: string): Promise<void> {
  // With Object Lock the probe carries a retention date: S3 then also checks
  // s3:PutObjectRetention, which a write with a retention date needs.
  const lock = store.retention ? { ObjectLockMode: store.retention.mode, ObjectLockRetainUntilDate: new Date(Date.now() + 86_400_000) } : {};
  try {
    await client.send(new PutObjectCommand({ Bucket: store.location.bucket, Key: store.key('.snap-write-check'), Body: '', ContentLength: 0, ChecksumAlgorithm: 'SHA256', ChecksumSHA256: EMPTY_SHA256, IfMatch: '"00000000000000000000000000000000"', ...lock }));
  } catch (err) {
    if (s3Status(err) !== 403) return; // NoSuchKey or PreconditionFailed: the write itself was allowed
    const name = s3ErrorName(err);
    if (AUTH_ERRORS.has(name)) throw refuse(`${who} were refused by S3 (${name}): check the access key, secret and session token, then run again`, { code: name });
    throw refuse(`${who} may not write to the vault (${name} on s3:PutObject${store.retention ? ' with a retention date' : ''}): grant s3:PutObject${store.retention ? ' and s3:PutObjectRetention' : ''} on arn:aws:s3:::${store.location.bucket}/${store.key('*')} (README: IAM policies)`, { code: name });
  }
}
