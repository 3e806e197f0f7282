// The content store an archive's config describes: the local store at store.path, or the S3
// vault at store.url with the local store as its cache (store.cache). The vault's client uses
// the vault's own region and profile (store.region, store.profile), falling back to the aws
// section's, and the same endpoint as the estate (an emulator or an S3-compatible server).
import { S3Client } from '@aws-sdk/client-s3';
import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { AwsClients } from '../collectors/aws/shared/clients.js';
import type { SnapConfig } from '../config/schema.js';
import { FsContentStore } from './fs-store.js';
import { retentionPolicy } from './retention.js';
import { VaultStore, type VaultLimits } from './s3-store.js';
import type { ContentStore } from './types.js';
import { VaultIndex } from './vault-index.js';
import { formatVaultUrl, parseVaultUrl } from './vault-url.js';

/** A store as an archive uses it: the contract, plus sweeping temporaries under the archive lock. */
export type ArchiveStore = ContentStore & { flush(): Promise<void>; sweepTemporaries(olderThanMs?: number): Promise<number>; close?(): void; migrateLegacy?(): Promise<number> };

export const VAULT_INDEX_FILE = 'vault-index';
export const VAULT_SPOOL_DIR = 'vault-spool';

/** The local store's default folder, inside .git (never committed, out of git-lfs's reach). */
export const DEFAULT_STORE_PATH = '.git/snap/store';
/** Where archives kept the local store before it moved (git-lfs's folder). */
export const LEGACY_STORE_PATH = '.git/lfs/objects';

/**
 * The local store. An archive made before the store moved kept it in .git/lfs/objects: with
 * the default path, that folder is read too until `snap commit` moves it
 * (FsContentStore.migrateLegacy, under the archive lock).
 */
export function localStore(archiveDir: string, config: SnapConfig): FsContentStore {
  const root = isAbsolute(config.store.path) ? config.store.path : join(archiveDir, config.store.path);
  const legacy = join(archiveDir, LEGACY_STORE_PATH);
  const legacyRoots = resolve(root) === resolve(archiveDir, DEFAULT_STORE_PATH) && existsSync(legacy) ? [legacy] : [];
  return new FsContentStore({ root, fsync: config.store.fsync, legacyRoots });
}

export interface OpenStoreOptions {
  /** the archive's private folder (.git/snap): the vault index and spool live there */
  privateDir: string;
  /** test and benchmark knobs: smaller S3 limits (multipart thresholds) */
  limits?: Partial<VaultLimits>;
  /** the clock retention dates are counted from (a commit's own clock) */
  now?: () => Date;
}

export function openStore(archiveDir: string, config: SnapConfig, options: OpenStoreOptions): ArchiveStore {
  const local = localStore(archiveDir, config);
  if (!config.store.url) return local;
  return openVault(config, { ...options, cache: config.store.cache ? local : null, index: VaultIndex.load(join(options.privateDir, VAULT_INDEX_FILE), formatVaultUrl(parseVaultUrl(config.store.url))) });
}

/** The vault of a config (store.url must be set), with its own client. */
export function openVault(config: SnapConfig, options: OpenStoreOptions & { cache: FsContentStore | null; index?: VaultIndex }): VaultStore {
  const location = parseVaultUrl(config.store.url!);
  const region = config.store.region ?? config.aws.region;
  const clients = vaultClients(config);
  return new VaultStore({
    location,
    region,
    client: clients.get(S3Client, region, { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }),
    cache: options.cache,
    index: options.index ?? VaultIndex.inMemory(formatVaultUrl(location)),
    retention: retentionPolicy(config.store.objectLock),
    spoolDir: join(options.privateDir, VAULT_SPOOL_DIR),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.now ? { now: options.now } : {}),
    attempts: config.aws.maxAttempts,
    onClose: () => clients.destroy(),
    endpoint: clients.endpoint,
  });
}

/** Clients with the vault's credentials: store.profile, else the aws section's. */
export function vaultClients(config: SnapConfig): AwsClients {
  const region = config.store.region ?? config.aws.region;
  return new AwsClients({
    profile: config.store.profile ?? config.aws.profile,
    region,
    regions: [region],
    endpoint: config.aws.endpoint,
    maxAttempts: config.aws.maxAttempts,
    maxSockets: config.aws.maxSockets,
  });
}
