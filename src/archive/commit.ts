// `snap commit`: one snapshot, end to end. Under the archive lock it runs the collectors
// into one object transaction, assembles the version's tree (collector folders, the user's
// root files from the working tree, manifests), seals the pack, writes the commit and a
// signed annotated tag, moves main and creates the tag, then shows the version in the
// working tree. Until the refs move nothing is visible: a crash leaves the previous version
// as it was (at worst an unreferenced pack that git gc removes).
//
// Out of disk space anywhere fails the commit the same way (exit 1, DISK_FULL naming the
// space needed): nothing sealed, the previous version and the working tree as they were.
// Everything that needs space is done before the refs move: the payloads, the pack, the
// commit and tag objects, and the working tree's new files and index, which are staged
// (stageCheckout) with a reserve for the few small writes after; once the refs move, the
// working tree is only renamed into place.
import { isOutOfSpace, SnapError, UsageError } from '../errors.js';
import { collectors as registered } from '../collectors/registry.js';
import type { AnyCollector } from '../collectors/types.js';
import type { SnapConfig } from '../config/schema.js';
import { CONFIG_FILE } from '../config/load.js';
import { encodeCommit, encodeTagPayload, type Identity } from '../git/objects.js';
import { signSsh } from '../git/ssh-signature.js';
import { stageCheckout, type StagedCheckout } from '../git/worktree.js';
import { diskFullError } from '../util/disk-space.js';
import type { Logger, Progress } from '../util/log.js';
import type { Redactor } from '../util/redact.js';
import { SNAP_VERSION } from '../version.js';
import { Archive } from './archive.js';
import type { Manifest } from './manifest.js';
import { payloadTotals } from './tree-writer.js';
import { acquireLock } from './lock.js';
import { countChanges, formatChangeSummary } from './summary.js';
import { compareTrees } from '../diff/compare.js';
import { summarizeChanges } from '../diff/summary.js';
import { enabledCollectors, snapshotTree } from './snapshot.js';
import { checkVaultForWriting } from '../vault/vault.js';
import { findVersion, listVersions, MAIN_REF, nextVersionName, validateVersionName } from './versions.js';
import { forgottenNames } from '../retention/records.js';
import { unchangedSince } from '../schedule/unchanged.js';


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
  /** the command's secret filter */
  redactor?: Redactor;
  /** write no version when nothing changed since the last one (the result says which) */
  skipUnchanged?: boolean;
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
  /** with skipUnchanged: nothing changed since this version, and no version was written (the other fields describe it) */
  unchangedSince?: string;
}

/** Space set aside, once the working tree is staged, for the writes between the refs and the apply. */
const POST_SEAL_RESERVE = 64 * 1024;

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
  const forgotten = await forgottenNames(repo); // a forgotten version's name is never given again
  const version = options.version ?? nextVersionName([...(await listVersions(repo)).map((v) => v.name), ...forgotten.keys()]);
  if (await findVersion(repo, version)) {
    throw new SnapError('VERSION_EXISTS', `version ${version} already exists; a signed version is never overwritten (choose another name, or omit it for the next one)`, { version });
  }
  if (forgotten.has(version)) {
    throw new SnapError('VERSION_EXISTS', `${version} was a version, forgotten by policy on ${forgotten.get(version)!.forgotten.slice(0, 10)}; a name is never given twice (choose another, or omit it for the next one)`, { version });
  }
  const signingKey = await archive.signingKey();
  const fingerprint = await archive.fingerprinter();
  const selected = enabledCollectors(config, options.collectors ?? registered);
  if (selected.length === 0) throw new SnapError('CONFIG_INVALID', `${CONFIG_FILE}: no collector is enabled`, {});
  for (const id of Object.keys(options.collectorOverrides ?? {})) {
    if (!selected.some((s) => s.collector.id === id)) throw new UsageError(`the ${id} collector is not enabled in ${CONFIG_FILE}, so its command-line option cannot apply`, { collector: id });
  }

  // A vault that cannot be written is refused before any collector runs.
  const store = archive.openStore(config, { now });
  try {
    await checkVaultForWriting(store, config);
  } catch (err) {
    store.close?.();
    throw err;
  }
  const release = await acquireLock(archive.lockPath, `snap commit ${version}`);
  const parentCommit = await repo.resolveRef(MAIN_REF);
  const txn = repo.beginWrite({ fsync: config.store.fsync });
  let staged: StagedCheckout | null = null;
  /** what the commit is writing, for a full disk's message */
  let writing = 'the snapshot';
  try {
    await store.migrateLegacy?.(); // a store still in .git/lfs/objects moves to .git/snap/store
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
      redactor: options.redactor,
    });
    if (options.skipUnchanged && previous && parent) {
      const same = await unchangedSince(txn, previous, parentTree, treeOid, manifest);
      if (same) {
        await store.flush(); // a payload the store had lost and this run fetched again is kept
        txn.abort();
        const v = (await findVersion(repo, same))!;
        return { version: same, commitOid: v.commitOid, tagOid: v.tagOid ?? v.commitOid, treeOid: v.treeOid, manifest: previous.manifest!, summary: 'no changes', partial: false, unchangedSince: same };
      }
    }
    writing = "the version's payloads and git objects";
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
    writing = 'the commit and its signed tag';
    const who = await archive.identity(config);
    const when = now();
    const commitOid = await repo.writeLooseObject('commit', encodeCommit({ tree: treeOid, parents: parent ? [parent] : [], author: identityAt(who, when), committer: identityAt(who, when), message }));
    const payload = encodeTagPayload({ object: commitOid, type: 'commit', tag: version, tagger: identityAt(who, when), message });
    const tagOid = await repo.writeLooseObject('tag', Buffer.from(payload + signSsh(payload, signingKey), 'utf8'));

    writing = "the working tree's new files";
    staged = await stageCheckout(repo, archive.dir, parentTree, treeOid, { reserveBytes: POST_SEAL_RESERVE });
    writing = 'the refs and the working tree';

    await repo.updateRef(MAIN_REF, commitOid, parent);
    await repo.updateRef(`refs/tags/${version}`, tagOid, null);
    await archive.configureGitVerification();
    await staged.apply();
    staged = null;
    return { version, commitOid, tagOid, treeOid, manifest, summary, partial };
  } catch (err) {
    txn.abort();
    await staged?.discard();
    if (!isOutOfSpace(err)) throw err;
    const sealed = (await repo.resolveRef(MAIN_REF)) !== (parentCommit ?? null);
    throw diskFullError(err, { path: repo.gitdir, what: `version ${version} (${writing})`, ...(sealed ? {} : { outcome: 'nothing was sealed and the archive is as it was' }) });
  } finally {
    options.progress.stop();
    store.close?.();
    await release();
  }
}
