// `snap prune`: deletes every payload no kept version references, and the git objects that
// only forgotten versions held and history lets go of.
//
// What is kept: every payload referenced (references.ts) by any commit whose payloads must stay
// (history.ts keptCommits: every tag, on main or not, and every commit on main that is not
// forgotten by a valid signed record). A payload shared by a forgotten and a kept version,
// by two buckets, or by two services is one object under one sha256, and it stays.
//
// Why a kill at any point leaves every kept version verifiable, and a second run finishes:
//   1. everything is decided first, under the archive lock (so no snapshot adds references
//      meanwhile): the referenced set is complete before the first deletion;
//   2. only objects outside that set are deleted, one at a time, each by one unlink (or the
//      DeleteObject of each of its versions): an object is either there or gone, and nothing
//      kept is ever a candidate. A store that remembers what it holds (the vault's index) is
//      told each batch first and forgets it before any of it is deleted (beforeDelete), so it
//      never believes in an object that is gone;
//   3. the git side comes last and touches only tag objects of forgotten versions that no ref
//      names.
// A second run computes the same set from the same versions and deletes what is left.
//
// Git: a forgotten version's commit, tree and files stay, because every later commit names its
// parent and each kept version's signature covers its commit id, which covers that chain;
// dropping them would mean rewriting and re-signing every later version. What goes is the
// version's signed tag object (its forget record keeps its id and what it said). Git stores a
// file once for all versions that hold it unchanged, so what stays is the small part.
import { existsSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Archive } from '../archive/archive.js';
import { acquireLock } from '../archive/lock.js';
import { evaluateTrust } from '../archive/trust.js';
import type { GitRepo } from '../git/repo.js';
import type { ContentStore, StoredObject } from '../store/types.js';
import { crashPoint } from '../util/crash-points.js';
import { completeInterruptedForgets, pendingForgets } from './forget.js';
import { keptCommits, readHistory, type History } from './history.js';
import { ReferenceWalker, type VersionReferences } from './references.js';
import { recordSigners, type SignerSet } from './trust-signers.js';

/** Objects announced to the store (beforeDelete) at a time: one index save per batch in a vault. */
const DELETE_BATCH = 256;

export interface PrunePlan {
  history: History;
  walker: ReferenceWalker;
  /** commits whose payloads stay */
  kept: Set<string>;
  /** what each kept commit refers to and added, walked oldest first */
  perCommit: Map<string, VersionReferences>;
  store: { objects: number; bytes: number };
  /** objects of the store no kept version references */
  unreferenced: StoredObject[];
}

export interface PruneReport {
  dryRun: boolean;
  store: string;
  keptVersions: number;
  forgottenVersions: number;
  before: { objects: number; bytes: number };
  referenced: { objects: number; bytes: number };
  /** what no kept version references (with a dry run: what would be deleted) */
  unreferenced: { objects: number; bytes: number };
  deleted: { objects: number; bytes: number };
  /** objects the backend must keep for now (Object Lock retention), left in place */
  retained: { oid: string; size: number; retainUntil: string | null; detail: string }[];
  git: { tagObjectsDropped: number; tagObjectsInPacks: number; forgottenCommits: number };
  temporaries: number;
  /** tags of an interrupted forget this run deleted (a dry run: would delete, and counts as forgotten) */
  completedForgets: string[];
  /** every unreferenced object, for --json */
  objects: StoredObject[];
}

/** Walks every kept version (oldest first) and lists the store: what prune would delete. */
/** `deleted`: tags to count as deleted already (an interrupted forget's, which prune deletes first). */
export async function planPrune(archive: Archive, store: ContentStore, signers: SignerSet, onVersion?: (name: string) => void, deleted: ReadonlySet<string> = new Set()): Promise<PrunePlan> {
  const history = await readHistory(archive, signers, deleted);
  const kept = keptCommits(history);
  const walker = new ReferenceWalker(archive.repo);
  // Oldest first, so a walker's "added" is what each version added to what came before it.
  // Commits off main (no position) come last, after main's head.
  const position = (c: string) => history.order.get(c) ?? -1;
  const commits = [...kept].sort((a, b) => position(b) - position(a));
  const perCommit = new Map<string, VersionReferences>();
  for (const commit of commits) {
    const v = history.versions.find((x) => x.commitOid === commit);
    onVersion?.(v?.name ?? commit.slice(0, 12));
    const tree = v?.treeOid ?? (await archive.repo.readCommit(commit)).tree;
    perCommit.set(commit, await walker.version(tree));
  }
  const unreferenced: StoredObject[] = [];
  const totals = { objects: 0, bytes: 0 };
  for await (const o of store.listObjects()) {
    totals.objects++;
    totals.bytes += o.size;
    if (!walker.referenced.has(o.oid)) unreferenced.push(o);
  }
  return { history, walker, kept, perCommit, store: totals, unreferenced };
}

function isLoose(repo: GitRepo, oid: string): string | null {
  const path = join(repo.gitdir, 'objects', oid.slice(0, 2), oid.slice(2));
  return existsSync(path) ? path : null;
}

export async function pruneArchive(archive: Archive, store: ContentStore & { sweepTemporaries?(olderThanMs?: number): Promise<number> }, options: { dryRun?: boolean; onVersion?: (name: string) => void; onDeleted?: (done: number, total: number) => void } = {}): Promise<PruneReport> {
  const dryRun = options.dryRun === true;
  const chain = await evaluateTrust(archive);
  const signers = await recordSigners(archive, chain);
  const release = dryRun ? null : await acquireLock(archive.lockPath, 'snap prune');
  try {
    // A dry run counts the interrupted forget's versions as the real run will: forgotten.
    const completedForgets = dryRun ? await pendingForgets(archive, chain) : await completeInterruptedForgets(archive, chain);
    const plan = await planPrune(archive, store, signers, options.onVersion, dryRun ? new Set(completedForgets) : undefined);
    const referencedBytes = [...plan.walker.referenced.values()].reduce((n, r) => n + r.size, 0);
    const forgotten = plan.history.main.filter((c) => c.kind === 'forgotten');
    const report: PruneReport = {
      dryRun,
      store: store.description,
      keptVersions: plan.history.versions.length,
      forgottenVersions: forgotten.length,
      before: plan.store,
      referenced: { objects: plan.walker.referenced.size, bytes: referencedBytes },
      unreferenced: { objects: plan.unreferenced.length, bytes: plan.unreferenced.reduce((n, o) => n + o.size, 0) },
      deleted: { objects: 0, bytes: 0 },
      retained: [],
      git: { tagObjectsDropped: 0, tagObjectsInPacks: 0, forgottenCommits: forgotten.length },
      temporaries: 0,
      completedForgets,
      objects: plan.unreferenced,
    };

    // The forgotten versions' tag objects that no ref names any more.
    const named = new Set((await archive.repo.listRefs('refs/')).values());
    const tagObjects = [...new Set(forgotten.map((c) => (c.kind === 'forgotten' ? c.record.tag : null)).filter((t): t is string => t !== null && !named.has(t)))];
    const loose = tagObjects.map((oid) => ({ oid, path: isLoose(archive.repo, oid) }));
    report.git.tagObjectsInPacks = loose.filter((t) => !t.path && archive.repo.hasObject(t.oid)).length;
    if (dryRun) {
      report.git.tagObjectsDropped = loose.filter((t) => t.path).length;
      return report;
    }

    let done = 0;
    for (let at = 0; at < plan.unreferenced.length; at += DELETE_BATCH) {
      const batch = plan.unreferenced.slice(at, at + DELETE_BATCH);
      await store.beforeDelete?.(batch.map((o) => o.oid));
      for (const o of batch) {
        const r = await store.delete(o.oid);
        if (r.status === 'deleted') {
          report.deleted.objects++;
          report.deleted.bytes += r.size;
        } else if (r.status === 'retained') report.retained.push({ oid: o.oid, size: o.size, retainUntil: r.retainUntil?.toISOString() ?? null, detail: r.detail });
        options.onDeleted?.(++done, plan.unreferenced.length);
        crashPoint('prune-deleted');
      }
    }
    for (const t of loose) {
      if (!t.path) continue;
      await unlink(t.path).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
      report.git.tagObjectsDropped++;
    }
    if (report.git.tagObjectsDropped) archive.repo.forgetPackIndexes();
    report.temporaries = (await store.sweepTemporaries?.(0)) ?? 0;
    return report;
  } finally {
    await release?.();
  }
}
