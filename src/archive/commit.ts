// `snap commit`: one snapshot, end to end. Under the archive lock it runs the collectors
// into one object transaction, assembles the version's tree (collector folders, the user's
// root files from the working tree, manifests), seals the pack, writes the commit and a
// signed annotated tag, moves main and creates the tag, then shows the version in the
// working tree. Until the refs move nothing is visible: a crash leaves the previous version
// as it was (at worst an unreferenced pack that git gc removes).
import { SnapError, UsageError } from '../errors.js';
import { collectors as registered } from '../collectors/registry.js';
import type { AnyCollector } from '../collectors/types.js';
import type { SnapConfig } from '../config/schema.js';
import { CONFIG_FILE } from '../config/load.js';
import { encodeCommit, encodeTagPayload, type Identity } from '../git/objects.js';
import { signSsh } from '../git/ssh-signature.js';
import { checkoutTree } from '../git/worktree.js';
import type { Logger, Progress } from '../util/log.js';
import { SNAP_VERSION } from '../version.js';
import { Archive } from './archive.js';
import type { Manifest } from './manifest.js';
import { payloadTotals } from './tree-writer.js';
import { acquireLock } from './lock.js';
import { countChanges, formatChangeSummary } from './summary.js';
import { compareTrees } from '../diff/compare.js';
import { summarizeChanges } from '../diff/summary.js';
import { enabledCollectors, snapshotTree } from './snapshot.js';
import { findVersion, listVersions, MAIN_REF, nextVersionName, validateVersionName } from './versions.js';


export interface CommitOptions {
  version?: string;
  message?: string;
  progress: Progress;
  log: Logger;
  signal?: AbortSignal;
  /** replaces the registry (tests: a collector that fails on purpose) */
  collectors?: readonly AnyCollector[];
  /**
   * Settings for this run only, merged over collector sections of snap.config.json (command-line
   * options such as --lightsail-snapshot); never written back. Each named collector must be enabled.
   */
  collectorOverrides?: Record<string, Record<string, unknown>>;
  now?: () => Date;
}

export interface CommitResult {
  version: string;
  commitOid: string;
  tagOid: string;
  treeOid: string;
  manifest: Manifest;
  summary: string;
  /** true when some collector failed (exit code 3) */
  partial: boolean;
}

function identityAt(who: { name: string; email: string }, date: Date): Identity {
  return { ...who, timestamp: Math.floor(date.getTime() / 1000), timezoneOffset: 0 };
}

function withCollectorOverrides(config: SnapConfig, overrides: Record<string, Record<string, unknown>> | undefined): SnapConfig {
  if (!overrides) return config;
  const sections = { ...(config.collectors as unknown as Record<string, Record<string, unknown>>) };
  for (const [id, patch] of Object.entries(overrides)) sections[id] = { ...sections[id], ...patch };
  return { ...config, collectors: sections as unknown as SnapConfig['collectors'] };
}

export async function commitVersion(archive: Archive, options: CommitOptions): Promise<CommitResult> {
  const now = options.now ?? (() => new Date());
  const config = withCollectorOverrides(await archive.loadConfig(), options.collectorOverrides);
  const repo = archive.repo;

  // Everything that can be refused is checked before anything is written.
  if (options.version !== undefined) validateVersionName(options.version);
  const version = options.version ?? nextVersionName((await listVersions(repo)).map((v) => v.name));
  if (await findVersion(repo, version)) {
    throw new SnapError('VERSION_EXISTS', `version ${version} already exists; a signed version is never overwritten (choose another name, or omit it for the next one)`, { version });
  }
  const signingKey = await archive.signingKey();
  const fingerprint = await archive.fingerprinter();
  const selected = enabledCollectors(config, options.collectors ?? registered);
  if (selected.length === 0) throw new SnapError('CONFIG_INVALID', `${CONFIG_FILE}: no collector is enabled`, {});
  for (const id of Object.keys(options.collectorOverrides ?? {})) {
    if (!selected.some((s) => s.collector.id === id)) throw new UsageError(`the ${id} collector is not enabled in ${CONFIG_FILE}, so its command-line option cannot apply`, { collector: id });
  }

  const release = await acquireLock(archive.lockPath, `snap commit ${version}`);
  const store = archive.openStore(config);
  const txn = repo.beginWrite({ fsync: config.store.fsync });
  try {
    await store.migrateLegacy(); // a store still in .git/lfs/objects moves to .git/snap/store
    await store.sweepTemporaries(60 * 60 * 1000);
    const { treeOid, manifest, parent, parentTree, previous } = await snapshotTree(archive, {
      version,
      config,
      selected,
      objects: txn,
      store,
      fingerprint,
      progress: options.progress,
      log: options.log,
      signal: options.signal,
      now,
    });
    await store.flush();
    await txn.commit();
    const reports = manifest.collectors;

    // The first version is summarized by folder (reading every file would be wasted work);
    // later ones by the resources that changed.
    const summary = previous === null ? formatChangeSummary(await countChanges(repo, parentTree, treeOid), true) : summarizeChanges(await compareTrees(repo, parentTree, treeOid));
    const partial = manifest.status === 'partial';
    const body = [
      options.message ? `${options.message.trim()}\n` : '',
      `Snapshot ${version}${partial ? ' (PARTIAL)' : ''} by snap ${SNAP_VERSION}.`,
      ...reports.map((r) => `  ${r.id}: ${r.status}${r.staleFrom ? ` (carried over from ${r.staleFrom})` : ''}, ${r.stats.files} files, ${payloadTotals(r.stats).payloads} payloads`),
    ].filter(Boolean).join('\n');
    const message = `${version}: ${summary}\n\n${body}\n`;
    const who = await archive.identity(config);
    const when = now();
    const commitOid = await repo.writeLooseObject('commit', encodeCommit({ tree: treeOid, parents: parent ? [parent] : [], author: identityAt(who, when), committer: identityAt(who, when), message }));
    const payload = encodeTagPayload({ object: commitOid, type: 'commit', tag: version, tagger: identityAt(who, when), message });
    const tagOid = await repo.writeLooseObject('tag', Buffer.from(payload + signSsh(payload, signingKey), 'utf8'));

    await repo.updateRef(MAIN_REF, commitOid, parent);
    await repo.updateRef(`refs/tags/${version}`, tagOid, null);
    await archive.configureGitVerification();
    await checkoutTree(repo, archive.dir, parentTree, treeOid);
    return { version, commitOid, tagOid, treeOid, manifest, summary, partial };
  } catch (err) {
    txn.abort();
    throw err;
  } finally {
    options.progress.stop();
    await release();
  }
}
