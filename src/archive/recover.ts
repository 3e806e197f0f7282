// What an interrupted writer leaves behind, put right by the next writer under the archive
// lock, before it collects anything. A `snap commit` killed at any moment can leave:
//   - its archive lock (taken over by lock.ts, which keeps the record as lock.dead-*);
//   - git lock files it was holding (refs/heads/main.lock, refs/tags/<v>.lock, index.lock,
//     config.lock): taken over when no process has them open and they were made while the
//     dead writer held the archive lock; any other lock is refused with the exact fix;
//   - temporary files: a pack being written (tmp_pack_snap_*), a pack renamed without its
//     index, loose objects being written (tmp_obj_snap_*), staged working-tree files
//     (.git/snap/tmp), its lock's own temporary: swept when older than this run;
//   - a version sealed (signed tag created) but not yet on main, because the tag is created
//     before main moves: main is moved to it, so the interrupted commit completes;
//   - a working tree half moved to the new version: finished by the next checkout
//     (worktree.ts), which also replaces the published signers file;
//   - a signing-key rotation sealed but not yet switched to, and pending signer changes
//     already sealed: finished (trust.ts).
// Nothing here deletes anything a version needs: every file removed is a temporary of snap's
// own, and refs only move forward onto versions signed by a trusted key.
import { existsSync } from 'node:fs';
import { lstat, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { inspectLock, isAbandoned, lockRefusal, removeStaleLock } from '../git/locks.js';
import { LOOSE_TMP_PREFIX } from '../git/repo.js';
import { PACK_TMP_PREFIX } from '../git/pack-writer.js';
import { loadSigningKey, keyFingerprint } from '../git/ssh-signature.js';
import { checkoutTree, WORKTREE_STAGING } from '../git/worktree.js';
import type { Logger } from '../util/log.js';
import { ALLOWED_SIGNERS_PATH, SIGNING_KEY_FILE, type Archive } from './archive.js';
import { deadLocks, forgetDeadLocks, type ArchiveLock } from './lock.js';
import { evaluateTrust, NEXT_KEY_FILE, sameKey, settlePending, type TrustChain } from './trust.js';
import { firstParentOrder, listVersions, MAIN_REF, type VersionInfo } from './versions.js';

export interface Recovery {
  /** a version an interrupted run sealed without moving main to it; main is on it now */
  completed: VersionInfo | null;
  /** git lock files of dead writers that were taken over (paths relative to .git) */
  locksTakenOver: string[];
  /** temporary files removed */
  swept: number;
  /** the trust chain after recovery, pending changes settled */
  chain: TrustChain;
}

/** Git lock files snap may find: every *.lock under refs/, and the repository's own. */
async function gitLockFiles(gitdir: string): Promise<string[]> {
  const out = ['index.lock', 'config.lock', 'HEAD.lock', 'packed-refs.lock'].filter((n) => existsSync(join(gitdir, n)));
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(join(gitdir, rel), { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const child = `${rel}/${e.name}`;
      if (e.isDirectory()) await walk(child);
      else if (e.name.endsWith('.lock')) out.push(child);
    }
  };
  await walk('refs');
  return out;
}

async function sweep(dir: string, matches: (name: string) => boolean, before: number): Promise<number> {
  let removed = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!matches(name)) continue;
    const path = join(dir, name);
    const st = await lstat(path).catch(() => null);
    if (!st || st.mtimeMs >= before) continue;
    await rm(path, { recursive: true, force: true }).catch(() => undefined);
    removed++;
  }
  return removed;
}

async function sweepTemporaries(archive: Archive, before: number): Promise<number> {
  const gitdir = archive.gitdir;
  const packDir = join(gitdir, 'objects', 'pack');
  let removed = await sweep(packDir, (n) => n.startsWith(PACK_TMP_PREFIX), before);
  // A pack renamed into place whose index was not: git never reads it (it reads packs through
  // their .idx), so it holds nothing a version needs. git itself renames a pack before its index.
  const packNames = await readdir(packDir).catch(() => [] as string[]);
  removed += await sweep(packDir, (n) => /^pack-[0-9a-f]{40}\.pack$/.test(n) && !packNames.includes(n.replace(/\.pack$/, '.idx')), before);
  for (const sub of await readdir(join(gitdir, 'objects')).catch(() => [] as string[])) {
    if (/^[0-9a-f]{2}$/.test(sub)) removed += await sweep(join(gitdir, 'objects', sub), (n) => n.startsWith(LOOSE_TMP_PREFIX), before);
  }
  removed += await sweep(join(gitdir, WORKTREE_STAGING), () => true, before);
  removed += await sweep(archive.privateDir, (n) => n.includes('.snap-tmp-') || /^lock\.new-\d+-/.test(n), before);
  removed += await sweep(gitdir, (n) => n.startsWith('.') && n.includes('.snap-tmp-'), before);
  return removed;
}

/** Takes over the git locks dead snap writers left; returns them. Others are left for assertGitLocksFree. */
async function takeOverAbandonedLocks(archive: Archive): Promise<string[]> {
  const taken: string[] = [];
  if (archive.repo.deadWriters.length === 0) return taken; // nothing can be attributed to a dead writer: no /proc scan
  for (const rel of await gitLockFiles(archive.gitdir)) {
    const state = await inspectLock(join(archive.gitdir, rel));
    if (state && isAbandoned(state, archive.repo.deadWriters) && (await removeStaleLock(state, archive.gitdir))) taken.push(rel);
  }
  return taken;
}

/**
 * Refuses, before any work, when a git lock the coming write needs is held or left by
 * someone else (taking over what a dead snap writer left). `refs` are full ref names.
 */
export async function assertGitLocksFree(archive: Archive, refs: string[]): Promise<void> {
  const needed: [string, string][] = [...refs.map((r): [string, string] => [`${r}.lock`, `ref ${r}`]), ['index.lock', 'the index'], ['config.lock', 'the git config']];
  for (const [rel, what] of needed) {
    const state = await inspectLock(join(archive.gitdir, rel));
    if (!state) continue;
    if (isAbandoned(state, archive.repo.deadWriters) && (await removeStaleLock(state, archive.gitdir))) continue;
    throw lockRefusal(state, archive.gitdir, what);
  }
}

/** An interrupted commit's sealed version, not yet on main: signed by a trusted key, its parent main's head. */
async function sealedButNotOnMain(archive: Archive, chain: TrustChain): Promise<VersionInfo | null> {
  const head = await archive.repo.resolveRef(MAIN_REF);
  if (!head) return null;
  const order = await firstParentOrder(archive.repo);
  const candidates: VersionInfo[] = [];
  for (const v of await listVersions(archive.repo)) {
    if (order.has(v.commitOid)) continue;
    const commit = await archive.repo.readCommit(v.commitOid).catch(() => null);
    if (commit?.parents[0] !== head) continue;
    if (!chain.versions.get(v.name)?.signature.ok) continue;
    const tag = v.tagOid ? await archive.repo.readTag(v.tagOid).catch(() => null) : null;
    if (tag?.tag !== v.name) continue;
    candidates.push(v);
  }
  return candidates.length === 1 ? candidates[0]! : null;
}

/** A rotated signing key whose version is sealed: switch to it (the old key is no longer trusted). */
async function completeRotation(archive: Archive, chain: TrustChain, log: Logger): Promise<void> {
  const nextPath = join(archive.privateDir, NEXT_KEY_FILE);
  const nextPem = await readFile(nextPath, 'utf8').catch(() => null);
  if (nextPem === null) return;
  let next;
  try {
    next = loadSigningKey(nextPem);
  } catch {
    log.warn(`${nextPath} cannot be read as a signing key; the rotation it was made for is not completed (run \`snap signers rotate\` again)`);
    return;
  }
  const current = await archive.signingKey().catch(() => null);
  const trusts = (key: string) => chain.current.some((s) => sameKey(s.publicKey, key));
  if (!trusts(next.publicKey) || (current && trusts(current.publicKey))) return;
  await rename(nextPath, join(archive.privateDir, SIGNING_KEY_FILE));
  log.info(`signing key rotated: versions are now signed with ${keyFingerprint(next.publicKey)}${current ? ` (the retired key ${keyFingerprint(current.publicKey)} is no longer trusted)` : ''}`);
}

/** Settles what the signed history already holds: a sealed rotation, sealed pending changes. */
/** `known`: the chain just evaluated, when nothing has changed since (it is not evaluated again). */
export async function settleTrust(archive: Archive, log: Logger, known?: TrustChain): Promise<TrustChain> {
  let chain = known ?? (await evaluateTrust(archive, { notify: (m) => log.warn(m) }));
  await completeRotation(archive, chain, log);
  chain = await settlePending(archive, chain);
  return chain;
}

export async function recoverInterruptedWrites(archive: Archive, lock: ArchiveLock, log: Logger): Promise<Recovery> {
  const dead = await deadLocks(lock.path);
  archive.repo.deadWriters = dead.map((d) => d.writer);
  const before = Date.parse(lock.info.startedAt);
  const locksTakenOver = await takeOverAbandonedLocks(archive);
  const swept = await sweepTemporaries(archive, before);
  for (const d of dead) log.info(`recovering after ${d.writer.command} (pid ${d.writer.pid}, started ${d.writer.since.toISOString()}), which was stopped before it finished`);
  if (locksTakenOver.length) log.info(`took over ${locksTakenOver.map((l) => `.git/${l}`).join(', ')}, left by it`);

  let completed: VersionInfo | null = null;
  const chain = await evaluateTrust(archive, { notify: (m) => log.warn(m) });
  const sealed = await sealedButNotOnMain(archive, chain);
  if (sealed) {
    const head = (await archive.repo.resolveRef(MAIN_REF))!;
    const headTree = (await archive.repo.readCommit(head)).tree;
    await lock.assertHeld();
    await archive.repo.updateRef(MAIN_REF, sealed.commitOid, head);
    log.info(`${sealed.name} was sealed by a run that was stopped before main moved to it; main now points at ${sealed.name}`);
    await checkoutTree(archive.repo, archive.dir, headTree, sealed.treeOid, { refresh: [ALLOWED_SIGNERS_PATH] });
    completed = sealed;
  }
  // Main moved: trust is judged again along the new history; else the chain above still holds.
  const settled = await settleTrust(archive, log, sealed ? undefined : chain);
  await forgetDeadLocks(dead);
  return { completed, locksTakenOver, swept, chain: settled };
}
