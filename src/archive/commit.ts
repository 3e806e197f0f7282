// `snap commit`: one snapshot, end to end. Under the archive lock it first puts right what an
// interrupted run left (recover.ts), refuses early (before collecting anything) when the
// archive's key is not trusted or a git lock it needs is held, then runs the collectors into
// one object transaction, assembles the version's tree (collector folders, the user's root
// files from the working tree, the published copy of the trusted signers, manifests), seals
// the pack, writes the commit and a signed annotated tag, creates the tag and then moves main
// to it, and shows the version in the working tree.
//
// The order is what makes a kill harmless: until the tag exists nothing is visible (at worst
// temporaries the next run sweeps); between the tag and main the version is sealed but not
// on main, and the next run moves main to it; main never points at a commit without a tag.
// What follows the seal (the trust record, git's copy, the working tree) is repeated by the
// next run if it was cut short, and a failure there is a warning, not a failed commit.
//
// Out of disk space anywhere fails the commit the same way (exit 1, DISK_FULL naming the
// space needed): nothing sealed, the previous version and the working tree as they were.
// Everything that needs space is done before the refs move: the payloads, the pack, the
// commit and tag objects, and the working tree's new files and index, which are staged
// (stageCheckout) with a reserve for the few small writes after; once the refs move, the
// working tree is only renamed into place.
import { SnapError, UsageError } from '../errors.js';
import { collectors as registered } from '../collectors/registry.js';
import type { AnyCollector } from '../collectors/types.js';
import type { SnapConfig } from '../config/schema.js';
import { CONFIG_FILE } from '../config/load.js';
import { describeError, isOutOfSpace } from '../errors.js';
import { encodeCommit, encodeTagPayload, type Identity } from '../git/objects.js';
import type { ObjectTransaction } from '../git/repo.js';
import { keyFingerprint, signSsh } from '../git/ssh-signature.js';
import { stageCheckout, type StagedCheckout } from '../git/worktree.js';
import { crashPoint } from '../util/crash-points.js';
import { diskFullError } from '../util/disk-space.js';
import type { Logger, Progress } from '../util/log.js';
import type { Redactor } from '../util/redact.js';
import { SNAP_VERSION } from '../version.js';
import { Archive, ALLOWED_SIGNERS_PATH } from './archive.js';
import { MANIFEST_PATH, type Manifest } from './manifest.js';
import { payloadTotals } from './tree-writer.js';
import { acquireArchiveLock } from './lock.js';
import { assertGitLocksFree, recoverInterruptedWrites, settleTrust } from './recover.js';
import { countChanges, formatChangeSummary } from './summary.js';
import { compareTrees, type ResourceChange } from '../diff/compare.js';
import { summarizeChanges } from '../diff/summary.js';
import { enabledCollectors, snapshotTree } from './snapshot.js';
import { describeDrift, describeSigner, formatSigners, publishToGit, sameKey, workingTreeDrift } from './trust.js';
import { VersionReader } from './version-reader.js';
import { findVersion, firstParentOrder, listVersions, MAIN_REF, nextVersionName, validateNewVersionName, type VersionInfo } from './versions.js';
import { checkVaultForWriting } from '../vault/vault.js';
import { forgottenNames } from '../retention/records.js';
import { unchangedSince } from '../schedule/unchanged.js';
import { isVault } from '../vault/vault.js';


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
  /** the version was sealed by an earlier run that was stopped before main moved; this run completed it */
  completedFromInterruptedRun?: boolean;
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

function wasForgotten(version: string, when: string): SnapError {
  return new SnapError('VERSION_EXISTS', `${version} was a version, forgotten by policy on ${when.slice(0, 10)}; a name is never given twice (choose another, or omit it for the next one)`, { version });
}

function versionExists(version: string): SnapError {
  return new SnapError('VERSION_EXISTS', `version ${version} already exists; a signed version is never overwritten (choose another name, or omit it for the next one)`, { version });
}

/** The result for a version an interrupted run sealed and this run put on main. */
async function completedResult(archive: Archive, v: VersionInfo): Promise<CommitResult> {
  const manifest = (await new VersionReader(archive.repo, v.treeOid).json<Manifest>(MANIFEST_PATH))!;
  const summary = v.message.split('\n')[0]!.replace(`${v.name}: `, '');
  return { version: v.name, commitOid: v.commitOid, tagOid: v.tagOid!, treeOid: v.treeOid, manifest, summary, partial: manifest.status === 'partial', completedFromInterruptedRun: true };
}

export async function commitVersion(archive: Archive, options: CommitOptions): Promise<CommitResult> {
  const now = options.now ?? (() => new Date());
  const config = withCollectorOverrides(await archive.loadConfig(), options.collectorOverrides);
  const repo = archive.repo;
  const log = options.log;

  // Everything that can be refused is checked before anything is written.
  if (options.version !== undefined) {
    await validateNewVersionName(repo, options.version);
    const existing = await findVersion(repo, options.version);
    // One that is not on main may be an interrupted run's, which the lock-holder completes below.
    if (existing && (await firstParentOrder(repo)).has(existing.commitOid)) throw versionExists(options.version);
  }
  const forgotten = await forgottenNames(repo); // a forgotten version's name is never given again
  if (options.version !== undefined && forgotten.has(options.version)) throw wasForgotten(options.version, forgotten.get(options.version)!.forgotten);
  await archive.signingKey();
  const fingerprint = await archive.fingerprinter();
  const selected = enabledCollectors(config, options.collectors ?? registered);
  if (selected.length === 0) throw new SnapError('CONFIG_INVALID', `${CONFIG_FILE}: no collector is enabled`, {});
  for (const id of Object.keys(options.collectorOverrides ?? {})) {
    if (!selected.some((s) => s.collector.id === id)) throw new UsageError(`the ${id} collector is not enabled in ${CONFIG_FILE}, so its command-line option cannot apply`, { collector: id });
  }

  // A vault that cannot be written is refused before any collector runs.
  const store = archive.openStore(config, { now });
  let lock;
  try {
    await checkVaultForWriting(store, config);
    lock = await acquireArchiveLock(archive.lockPath, `snap commit ${options.version ?? '(next version)'}`);
  } catch (err) {
    store.close?.();
    throw err;
  }
  crashPoint('locked');
  let txn: ObjectTransaction | null = null;
  let staged: StagedCheckout | null = null;
  let version: string | null = null;
  /** what the commit is writing, for a full disk's message */
  let writing = 'the snapshot';
  try {
    const recovery = await recoverInterruptedWrites(archive, lock, log);
    const chain = recovery.chain;
    const signingKey = await archive.signingKey(); // after recovery: a sealed rotation switches keys
    if (!chain.current.some((s) => sameKey(s.publicKey, signingKey.publicKey))) {
      throw new SnapError(
        'SIGNING',
        `this archive's signing key ${keyFingerprint(signingKey.publicKey)} is not a trusted signer of the archive (trusted: ${chain.current.map(describeSigner).join(', ') || 'none'}), so a version it signs would not verify; a trusted signer adds it with \`snap signers add\` and a commit`,
        { key: keyFingerprint(signingKey.publicKey) },
      );
    }
    version = options.version ?? nextVersionName([...(await listVersions(repo)).map((v) => v.name), ...forgotten.keys()]);
    if (await findVersion(repo, version)) {
      if (recovery.completed?.name === version) return await completedResult(archive, recovery.completed);
      throw versionExists(version);
    }
    await assertGitLocksFree(archive, [MAIN_REF, `refs/tags/${version}`]);
    const drift = await workingTreeDrift(archive, chain.next);
    if (drift) log.warn(describeDrift(drift));

    txn = repo.beginWrite({ fsync: config.store.fsync });
    await store.migrateLegacy?.(); // a store still in .git/lfs/objects moves to .git/snap/store
    await store.sweepTemporaries(Math.max(1, Date.now() - Date.parse(lock.info.startedAt))); // what an interrupted run left: older than this run
    const { treeOid, manifest, parent, parentTree, previous } = await snapshotTree(archive, {
      version,
      config,
      selected,
      objects: txn,
      store,
      fingerprint,
      signers: formatSigners(chain.next),
      progress: options.progress,
      log,
      signal: options.signal,
      now,
      redactor: options.redactor,
    });
    let compared: ResourceChange[] | null = null; // the changes, when --skip-unchanged already compared the trees
    if (options.skipUnchanged && previous && parent) {
      const { since: same, changes } = await unchangedSince(txn, previous, parentTree, treeOid, manifest);
      compared = changes;
      if (same) {
        await store.flush(); // a payload the store had lost and this run fetched again is kept
        txn.abort();
        txn = null;
        const v = (await findVersion(repo, same))!;
        return { version: same, commitOid: v.commitOid, tagOid: v.tagOid ?? v.commitOid, treeOid: v.treeOid, manifest: previous.manifest!, summary: 'no changes', partial: false, unchangedSince: same };
      }
    }
    crashPoint('collected');
    writing = "the version's payloads and git objects";
    await store.flush();
    // Keys whose bytes are not what their name says are never locked in: say so, every run.
    for (const r of isVault(store) ? store.refusedRetention : []) log.warn(`vault retention not extended for ${r.key}: ${r.detail}; \`snap verify --all --read-data\` shows which versions need it`);
    await txn.commit();
    crashPoint('pack-sealed');
    const reports = manifest.collectors;

    // The first version is summarized by folder (reading every file of it would be wasted work);
    // later ones by the resources that changed.
    const summary = previous === null ? formatChangeSummary(await countChanges(repo, parentTree, treeOid), true) : summarizeChanges(compared ?? (await compareTrees(repo, parentTree, treeOid)));
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
    crashPoint('objects-written');

    writing = "the working tree's new files";
    staged = await stageCheckout(repo, archive.dir, parentTree, treeOid, { reserveBytes: POST_SEAL_RESERVE, refresh: [ALLOWED_SIGNERS_PATH] });
    writing = 'the refs and the working tree';

    // The seal: the tag first, then main (see the header). The staging's reserve of space is
    // freed for these few small writes. A main that cannot be moved (a full disk, a ref someone
    // else moved) takes the new tag back, so a failed commit seals nothing.
    await lock.assertHeld();
    await staged.releaseReserve();
    await repo.updateRef(`refs/tags/${version}`, tagOid, null, { crashPoint: 'tag-locked' });
    crashPoint('tag-created');
    try {
      await repo.updateRef(MAIN_REF, commitOid, parent, { crashPoint: 'main-locked' });
    } catch (err) {
      await repo.deleteRefIfUnchanged(`refs/tags/${version}`, tagOid).catch(() => undefined);
      throw err;
    }
    crashPoint('main-moved');

    const checkout = staged;
    staged = null;
    await afterSeal(archive, version, checkout, log);
    return { version, commitOid, tagOid, treeOid, manifest, summary, partial };
  } catch (err) {
    txn?.abort();
    await staged?.discard();
    if (!isOutOfSpace(err) || version === null) throw err;
    const sealed = (await repo.resolveRef(`refs/tags/${version}`).catch(() => null)) !== null;
    throw diskFullError(err, { path: repo.gitdir, what: `version ${version} (${writing})`, ...(sealed ? {} : { outcome: 'nothing was sealed and the archive is as it was' }) });
  } finally {
    options.progress.stop();
    store.close?.();
    await lock.release();
  }
}

/** Brings the trust record, git's trusted copy and the working tree up to the sealed version. */
async function afterSeal(archive: Archive, version: string, checkout: StagedCheckout, log: Logger): Promise<void> {
  try {
    await publishToGit(archive, await settleTrust(archive, log));
  } catch (err) {
    log.warn(`${version} is sealed, but the trusted signers for stock git (.git/snap/allowed_signers) could not be updated: ${describeError(err)}; the next snap commit does it`);
  }
  crashPoint('trust-published');
  try {
    await checkout.apply();
  } catch (err) {
    await checkout.discard();
    log.warn(`${version} is sealed, but the working tree still shows the version before it: ${describeError(err)}; the next snap commit brings it up to date`);
  }
}
