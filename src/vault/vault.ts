// The archive's S3 vault as the verbs use it: found from the config, checked before anything
// is written (vault-preflight.ts), and given what recovery needs besides payloads and history:
// the fingerprint key (PREFIX/keys/fingerprint.key). Secrets are archived as HMAC fingerprints
// under that key; a recovered archive without it would see every secret as changed and a
// restore could not keep live values whose fingerprint matches. A reader of the vault already
// reads every payload; the key only lets them test guesses against fingerprints, which is why
// it is kept there and the signing key (which would let them forge versions) is not.
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FINGERPRINT_KEY_FILE, type Archive } from '../archive/archive.js';
import { AwsClients } from '../collectors/aws/shared/clients.js';
import type { SnapConfig } from '../config/schema.js';
import { SnapError } from '../errors.js';
import type { ArchiveStore } from '../store/open-store.js';
import { VaultStore } from '../store/s3-store.js';
import { s3Status } from '../store/s3-util.js';
import { preflightVault } from '../store/vault-preflight.js';
import { FINGERPRINT_KEY_REL, HISTORY_DIR } from '../store/vault-url.js';

export function isVault(store: ArchiveStore | null | undefined): store is VaultStore & ArchiveStore {
  return store instanceof VaultStore;
}

/** Who the vault's requests are signed as, for messages. */
export function vaultPrincipal(config: SnapConfig): string {
  const profile = config.store.profile ?? config.aws.profile;
  return profile ? `the credentials of profile ${profile}` : 'the default AWS credentials';
}

/**
 * Before a run that writes: the vault is reachable, in its region, locked when the config asks,
 * and writable by the vault's credentials and, when they differ, by the estate's (they sign the
 * server-side copies).
 */
export async function checkVaultForWriting(store: ArchiveStore, config: SnapConfig): Promise<void> {
  if (!isVault(store)) return;
  const distinct = (config.store.profile ?? config.aws.profile) !== config.aws.profile;
  const estate = distinct ? estateClients(config) : null;
  try {
    const writers = estate ? [{ client: estate.get(S3Client, store.region, { requestChecksumCalculation: 'WHEN_REQUIRED' }), who: config.aws.profile ? `the estate credentials (profile ${config.aws.profile})` : 'the estate credentials' }] : [];
    await preflightVault(store, { write: true, writers, who: vaultPrincipal(config) });
  } finally {
    estate?.destroy();
  }
  // A run that writes knows what the vault holds from the start (one listing per 1,000
  // keys when this machine's index is missing), instead of asking object by object.
  if (!store.index.complete) await store.rebuildIndex();
}

function estateClients(config: SnapConfig): AwsClients {
  return new AwsClients({ profile: config.aws.profile, region: config.aws.region, regions: config.aws.regions ?? [config.aws.region], endpoint: config.aws.endpoint, maxAttempts: config.aws.maxAttempts, maxSockets: config.aws.maxSockets });
}

export async function checkVaultForReading(store: ArchiveStore, config: SnapConfig): Promise<void> {
  if (!isVault(store)) return;
  await preflightVault(store, { write: false, who: vaultPrincipal(config) });
}

/** The region a bucket is in, asked of S3 (HeadBucket answers with it, or redirects and names it). */
export async function discoverBucketRegion(client: S3Client, bucket: string): Promise<string | null> {
  try {
    return (await client.send(new HeadBucketCommand({ Bucket: bucket }))).BucketRegion ?? null;
  } catch (err) {
    const header = (err as { $response?: { headers?: Record<string, string> } }).$response?.headers?.['x-amz-bucket-region'];
    if (header) return header;
    if (s3Status(err) === 404) throw new SnapError('VAULT_UNUSABLE', `the vault bucket ${bucket} does not exist: create it with Object Lock (aws s3api create-bucket --bucket ${bucket} --object-lock-enabled-for-bucket …) or correct the address`, { bucket });
    return null;
  }
}

/** Keeps the archive's fingerprint key in the vault; true when it was written now. */
export async function ensureFingerprintKey(archive: Archive, store: VaultStore): Promise<boolean> {
  const key = await readFile(join(archive.privateDir, FINGERPRINT_KEY_FILE));
  if (store.index.get(FINGERPRINT_KEY_REL)) return false;
  const existing = await store.getKey(FINGERPRINT_KEY_REL);
  if (existing) {
    if (!existing.equals(key)) throw new SnapError('VAULT_UNUSABLE', `${store.url} holds another archive's fingerprint key: one vault prefix serves one archive (choose another prefix in store.url)`, {});
    store.recordWritten(FINGERPRINT_KEY_REL, existing.length, undefined);
    return false;
  }
  return store.putKey(FINGERPRINT_KEY_REL, key);
}

/** True when the vault prefix already holds an archive's history (a new archive must not share it). */
export async function holdsHistory(store: VaultStore): Promise<boolean> {
  for await (const _ of store.list(`${HISTORY_DIR}/`)) return true;
  return false;
}
