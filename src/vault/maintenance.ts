// `snap maintenance`: keeps the vault ahead of need between commits, as kopia's maintenance
// does for its repository: every key the vault holds for this archive (payloads, history
// bundles, keys) whose Object Lock retention ends within the margin is extended, dates not
// known on this machine are asked for first (after `snap clone`, or with --rescan, which
// rebuilds the local index from a listing and asks every date again), and the fingerprint
// key is put back if missing.
// It also counts the staging copies left by server-side capture (the writer may not delete;
// the vault's lifecycle rule removes them) so a missing rule shows.
import type { Archive } from '../archive/archive.js';
import { acquireLock } from '../archive/lock.js';
import type { SnapConfig } from '../config/schema.js';
import { SnapError } from '../errors.js';
import type { RetentionReport } from '../store/s3-store.js';
import { STAGING_DIR } from '../store/vault-url.js';
import { checkVaultForReading, checkVaultForWriting, ensureFingerprintKey, isVault } from './vault.js';

export interface MaintenanceOptions {
  dryRun?: boolean;
  rescan?: boolean;
  onProgress?: (done: number, total: number) => void;
}

export interface MaintenanceReport {
  vault: string;
  region: string;
  retention: { mode: string; days: number; marginDays: number } | null;
  rescanned: number | null;
  dryRun: boolean;
  report: RetentionReport;
  fingerprintKeyWritten: boolean;
  staging: { count: number; bytes: number };
}

export async function maintainVault(archive: Archive, config: SnapConfig, options: MaintenanceOptions = {}): Promise<MaintenanceReport> {
  if (!config.store.url) throw new SnapError('USAGE', 'this archive has no vault (store.url in snap.config.json): `snap maintenance` keeps a vault\'s retention ahead of need', {});
  const store = archive.openStore(config);
  try {
    if (!isVault(store)) throw new SnapError('USAGE', 'store.url did not open a vault', {});
    if (options.dryRun) await checkVaultForReading(store, config);
    else await checkVaultForWriting(store, config);
    const release = await acquireLock(archive.lockPath, 'snap maintenance');
    try {
      const rescanned = options.rescan || !store.index.complete ? await store.rebuildIndex({ forgetDates: options.rescan ?? false }) : null;
      const fingerprintKeyWritten = options.dryRun ? false : await ensureFingerprintKey(archive, store);
      const report = await store.keepRetentionAhead({ dryRun: options.dryRun ?? false, ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
      let count = 0;
      let bytes = 0;
      for await (const o of store.list(`${STAGING_DIR}/`)) {
        count++;
        bytes += o.size;
      }
      await store.index.save();
      const policy = store.retention;
      return {
        vault: store.url,
        region: store.region,
        retention: policy ? { mode: policy.mode.toLowerCase(), days: policy.days, marginDays: policy.marginDays } : null,
        rescanned,
        dryRun: options.dryRun ?? false,
        report: { ...report, kept: store.index.size },
        fingerprintKeyWritten,
        staging: { count, bytes },
      };
    } finally {
      await release();
    }
  } finally {
    store.close?.();
  }
}
