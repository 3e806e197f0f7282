// `snap forget`: applies a retention policy (policy.ts: restic's --keep-* rules) to the
// versions on main and forgets the rest. Forgetting a version files a signed record of it
// (records.ts: who, when, which policy) and then deletes its tag; its payloads stay until
// `snap prune`, and its commit stays for good (every later commit names it as parent).
//
// Whatever the policy says, snap keeps:
//   - the newest version on main: it is what the next snapshot is compared with and
//     reuses payloads from, and an archive never has no version;
//   - every version that changes the trusted signers (.snap/allowed_signers differs from the
//     commit before it): trust is followed from the first version through each change, so
//     forgetting one would leave the versions after it signed by a key nothing vouches for;
//   - versions not on main (left alone: a run stopped between its tag and main, say);
//   - every tag that is not a sealed snap version, as `snap verify` decides (verify.ts
//     sealProblems: a lightweight tag, a tag moved or re-pointed, unsigned, or signed by a key
//     not trusted there): it is left in place, unrecorded, for `snap verify` to report.
//     Forgetting it would file a signed record that makes evidence of tampering look like
//     policy. Policy counts (--keep-last 4) count sealed versions only.
//
// Order, for a kill at any point: records first (one notes commit), then the tags (one ref
// deletion each, under git's locks). Killed between the two, a version is still listed and has
// a record; the next `snap forget` or `snap prune` deletes the tags its valid records name. A
// tag is never gone without its record, so `snap verify` never mistakes a forgotten version
// for a deleted one.
import { SnapError, UsageError } from '../errors.js';
import type { Archive } from '../archive/archive.js';
import { ALLOWED_SIGNERS_PATH } from '../archive/archive.js';
import { acquireLock } from '../archive/lock.js';
import type { VersionInfo } from '../archive/versions.js';
import { deleteRefs } from '../git/delete-refs.js';
import type { Identity } from '../git/objects.js';
import { keyFingerprint } from '../git/ssh-signature.js';
import { crashPoint } from '../util/crash-points.js';
import { evaluateTrust, sameKey, type TrustChain } from '../archive/trust.js';
import { sealProblems } from '../verify/verify.js';
import { readHistory, type History } from './history.js';
import { applyPolicy, describePolicy, isEmptyPolicy, type RetentionPolicy } from './policy.js';
import { checkRecord, fileRecords, signRecord } from './records.js';
import { signerSetOf, type SignerSet } from './trust-signers.js';

export interface ForgetOptions {
  policy: RetentionPolicy;
  dryRun?: boolean;
  now?: () => Date;
}

export interface PlannedVersion {
  name: string;
  commit: string;
  date: Date;
  /** why a kept version stays */
  reasons: string[];
}

export interface ForgetPlan {
  /** the policy in words */
  rule: string;
  dryRun: boolean;
  keep: PlannedVersion[];
  forget: PlannedVersion[];
  /** versions not on main's history: the policy does not apply to them */
  notOnMain: PlannedVersion[];
  /** tags of an earlier, interrupted forget that this run deleted (or, dry run, would) */
  completed: string[];
  /** tags that are not sealed snap versions: left in place and unrecorded, for `snap verify` to report */
  notSealed: NotSealed[];
}

export interface NotSealed {
  name: string;
  commit: string;
  date: Date;
  /** what `snap verify` says of it */
  why: string;
}

/** The tags that are not sealed snap versions (verify.ts sealProblems), each with verify's first reason. */
export async function unsealedTags(archive: Archive, versions: VersionInfo[], chain: TrustChain): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const v of versions) {
    const problems = await sealProblems(archive.repo, v, chain);
    if (problems.length) out.set(v.name, problems[0]!.detail);
  }
  return out;
}

export const NEWEST_REASON = 'newest version (never forgotten)';
export const SIGNERS_REASON = 'changes the trusted signers (kept so trust can be followed)';

/** Whether a version's published signers differ from those of the commit before it. */
async function changesSigners(archive: Archive, v: VersionInfo): Promise<boolean> {
  const repo = archive.repo;
  const commit = await repo.readCommit(v.commitOid);
  const parent = commit.parents[0];
  const mine = await repo.entryAt(v.treeOid, ALLOWED_SIGNERS_PATH);
  const before = parent ? await repo.entryAt((await repo.readCommit(parent)).tree, ALLOWED_SIGNERS_PATH) : null;
  return (mine?.oid ?? null) !== (before?.oid ?? null) && parent !== undefined;
}

/**
 * Tags that an earlier forget recorded (with a valid record naming this very tag object) but did
 * not get to delete; only sealed versions (a record never makes a tag that is not one go).
 */
export function interruptedForgets(history: History, signers: SignerSet, unsealed: Map<string, string>): VersionInfo[] {
  const out: VersionInfo[] = [];
  for (const v of history.versions) {
    if (unsealed.has(v.name)) continue;
    for (const stored of history.records.get(v.commitOid) ?? []) {
      if (!stored || stored.record.version !== v.name || stored.record.tag !== v.tagOid) continue;
      if (checkRecord(stored, v.commitOid, signers).ok) out.push(v);
    }
  }
  return out;
}

/** The versions a record names by their own tag object: the only ones an interrupted forget can have left. Their seals alone need checking. */
function namedByRecords(history: History): VersionInfo[] {
  return history.versions.filter((v) => (history.records.get(v.commitOid) ?? []).some((stored) => stored && stored.record.version === v.name && stored.record.tag === v.tagOid));
}

async function deleteTags(archive: Archive, versions: VersionInfo[]): Promise<string[]> {
  const result = await deleteRefs(archive.gitdir, versions.map((v) => ({ ref: `refs/tags/${v.name}`, expected: v.tagOid ?? v.commitOid })));
  if (result.moved.length) {
    throw new SnapError('GIT_OBJECT', `the tag${result.moved.length > 1 ? 's' : ''} ${result.moved.map((m) => m.ref.slice('refs/tags/'.length)).join(', ')} changed while snap forget ran, and ${result.moved.length > 1 ? 'were' : 'was'} left as ${result.moved.length > 1 ? 'they are' : 'it is'}; run \`snap forget\` again`, { moved: result.moved });
  }
  return result.deleted.map((r) => r.slice('refs/tags/'.length));
}

/** The tags an interrupted forget left (valid records name them), which the next forget or prune deletes. */
export async function pendingForgets(archive: Archive, chain: TrustChain): Promise<string[]> {
  const signers = signerSetOf(chain);
  const history = await readHistory(archive, signers);
  return interruptedForgets(history, signers, await unsealedTags(archive, namedByRecords(history), chain)).map((v) => v.name);
}

/** Deletes the tags an interrupted forget left (valid records name them). Call holding the archive lock. */
export async function completeInterruptedForgets(archive: Archive, chain?: TrustChain): Promise<string[]> {
  const trust = chain ?? (await evaluateTrust(archive));
  const signers = signerSetOf(trust);
  const history = await readHistory(archive, signers);
  const pending = interruptedForgets(history, signers, await unsealedTags(archive, namedByRecords(history), trust));
  return pending.length ? deleteTags(archive, pending) : [];
}

export async function forgetVersions(archive: Archive, options: ForgetOptions): Promise<ForgetPlan> {
  const { policy } = options;
  if (isEmptyPolicy(policy)) {
    throw new UsageError('snap forget needs a policy: at least one of --keep-last, --keep-hourly, --keep-daily, --keep-weekly, --keep-monthly, --keep-yearly, --keep-within or --keep-tag (see `snap forget --help`)');
  }
  const now = options.now ?? (() => new Date());
  const dryRun = options.dryRun === true;
  const config = await archive.loadConfig();
  const chain = await evaluateTrust(archive);
  const signers = signerSetOf(chain);
  // Refused before anything is written: a record this archive's key signs must verify.
  const key = dryRun ? null : await archive.signingKey();
  if (key && !chain.current.some((s) => sameKey(s.publicKey, key.publicKey))) {
    throw new SnapError('SIGNING', `this archive's signing key ${keyFingerprint(key.publicKey)} is not a trusted signer (a trusted signer adds it with \`snap signers add\` and a commit), so the forget records it signs would not verify; nothing was forgotten`, {});
  }

  const release = dryRun ? null : await acquireLock(archive.lockPath, 'snap forget');
  try {
    let history = await readHistory(archive, signers);
    const unsealed = await unsealedTags(archive, history.versions, chain);
    const pending = interruptedForgets(history, signers, unsealed);
    const completed = pending.length === 0 ? [] : dryRun ? pending.map((v) => v.name) : await deleteTags(archive, pending);
    if (completed.length && !dryRun) history = await readHistory(archive, signers);
    const pendingNames = new Set(pending.map((v) => v.name));

    const notSealed = history.versions.filter((v) => unsealed.has(v.name)).map((v) => ({ name: v.name, commit: v.commitOid, date: v.date, why: unsealed.get(v.name)! }));
    const sealed = history.versions.filter((v) => !unsealed.has(v.name));
    const candidates = sealed.filter((v) => history.order.has(v.commitOid) && !pendingNames.has(v.name));
    const notOnMain = sealed.filter((v) => !history.order.has(v.commitOid)).map((v) => planned(v, ['not on main: left alone']));
    // Versions of the same second keep history order (newest first), as the sort in applyPolicy is stable.
    candidates.sort((a, b) => history.order.get(a.commitOid)! - history.order.get(b.commitOid)!);
    const newest = candidates[0]?.commitOid ?? null;
    const decisions = applyPolicy(candidates, policy, now());

    const keep: PlannedVersion[] = [];
    const doomed: VersionInfo[] = [];
    for (const d of decisions) {
      const reasons = [...d.reasons];
      if (d.version.commitOid === newest) reasons.unshift(NEWEST_REASON);
      if (await changesSigners(archive, d.version)) reasons.push(SIGNERS_REASON);
      if (reasons.length) keep.push(planned(d.version, reasons));
      else doomed.push(d.version);
    }
    const plan: ForgetPlan = { rule: describePolicy(policy), dryRun, keep, forget: doomed.map((v) => planned(v, [])), notOnMain, completed, notSealed };
    if (dryRun || doomed.length === 0) return plan;

    const who = await archive.identity(config);
    const at = now();
    const tagger: Identity = { ...who, timestamp: Math.floor(at.getTime() / 1000), timezoneOffset: 0 };
    const records = doomed.map((v) => ({
      commit: v.commitOid,
      text: signRecord({ version: v.name, commit: v.commitOid, tag: v.tagOid, taken: v.date.toISOString(), forgotten: at.toISOString(), by: who, policy, rule: plan.rule }, tagger, key!),
    }));
    await fileRecords(archive.repo, records, tagger);
    crashPoint('forget-recorded');
    await deleteTags(archive, doomed);
    return plan;
  } finally {
    await release?.();
  }
}

function planned(v: VersionInfo, reasons: string[]): PlannedVersion {
  return { name: v.name, commit: v.commitOid, date: v.date, reasons };
}
