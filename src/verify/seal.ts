// A version's seal: whether the tag a user names is what a trusted signer sealed. One decision,
// made here and nowhere else, for `snap verify`, `snap log` and every verb that reads a version:
//   - the tag is a signed annotated tag, signed by a key trusted at that point of the history,
//     and any change it makes to the signers was so signed (archive/trust.ts);
//   - the tag object is the version it is filed under (`git tag -f v1.43 v1.0` files v1.0's
//     tag object, validly signed, under another name);
//   - it points where it was made: the manifest sealed with its commit names it (a trusted
//     tag made on another version's commit is not that version);
//   - its commit is on main's history (or sealed right on top of main by a commit that was
//     stopped before it moved main: a note, not a problem). `snap forget`, which keeps versions
//     off main apart itself, asks without it.
// It reads the tag, the manifest and at most one commit: never the rest of the version's tree
// or its payloads, so a verb can afford it on every run. What is inside the version is
// `snap verify`'s to check.
import { checkSignature, evaluateTrust, signatureProblem, type Notify, type TrustChain, type VersionTrust } from '../archive/trust.js';
import { firstParentOrder, MAIN_REF, type VersionInfo } from '../archive/versions.js';
import type { Archive } from '../archive/archive.js';
import { MANIFEST_PATH, type Manifest } from '../archive/manifest.js';
import type { GitRepo } from '../git/repo.js';

export type SealProblemKind = 'signature' | 'signers' | 'tag-mismatch' | 'manifest' | 'not-on-main';

export interface SealProblem {
  kind: SealProblemKind;
  /** the ref (or file) concerned */
  where: string;
  detail: string;
}

export interface Seal {
  version: VersionInfo;
  trust: VersionTrust;
  /** nothing wrong with the seal */
  ok: boolean;
  problems: SealProblem[];
  /** facts worth knowing that are not problems */
  notes: string[];
}

/** What the seal check needs of the archive, made once per run and shared by every version checked. */
export interface SealContext {
  repo: GitRepo;
  chain: TrustChain;
  /** main's first-parent history (commit ids); without it, whether a version is on main is not checked */
  main?: ReadonlySet<string>;
}

export async function sealContext(archive: Archive, options: { notify?: Notify; versions?: VersionInfo[]; chain?: TrustChain } = {}): Promise<SealContext> {
  const chain = options.chain ?? (await evaluateTrust(archive, { notify: options.notify, versions: options.versions }));
  return { repo: archive.repo, chain, main: new Set((await firstParentOrder(archive.repo)).keys()) };
}

/** The seal of one version, as `snap verify` judges it. */
export async function sealOf(ctx: SealContext, v: VersionInfo): Promise<Seal> {
  const ref = `refs/tags/${v.name}`;
  const problems: SealProblem[] = [];
  const notes: string[] = [];
  if (v.untagged) {
    // A commit id on main that no tag names (forgotten by policy, or its tag deleted).
    const trust: VersionTrust = { version: v, onMain: true, trustedBefore: ctx.chain.current, signature: { ok: false, reason: 'unsigned' }, change: null, accepted: false, problems: [] };
    problems.push({ kind: 'signature', where: v.commitOid, detail: `commit ${v.commitOid.slice(0, 12)} is no version: no tag names it, so nothing seals it (\`snap log --all\` shows what became of its tag)` });
    return { version: v, trust, ok: false, problems, notes };
  }
  const trust = ctx.chain.versions.get(v.name) ?? unlistedVersionTrust(v, ctx.chain);
  for (const p of trust.problems) problems.push({ kind: p.kind, where: ref, detail: p.detail });
  if (v.tagOid) {
    const tag = await ctx.repo.readTag(v.tagOid).catch(() => null);
    if (tag && tag.tag !== v.name) problems.push({ kind: 'tag-mismatch', where: ref, detail: `the tag object is version "${tag.tag}", filed under "${v.name}"` });
  }
  // Where it was made: the manifest sealed with the commit names the version (a missing or
  // unreadable manifest is for `snap verify`'s content checks to report).
  const manifest = await manifestVersion(ctx.repo, v.treeOid);
  if (manifest !== null && manifest !== v.name) problems.push({ kind: 'manifest', where: MANIFEST_PATH, detail: `the manifest is for version "${manifest}", not "${v.name}"` });
  if (ctx.main && !ctx.main.has(v.commitOid)) {
    // Sealed by a trusted key right on top of main: a commit stopped between creating the tag and
    // moving main (the tag comes first); the next `snap commit` moves main to it.
    const parent = (await ctx.repo.readCommit(v.commitOid).catch(() => null))?.parents[0];
    if (parent !== undefined && parent === (await ctx.repo.resolveRef(MAIN_REF)) && trust.signature.ok) notes.push('not on main yet: sealed by a `snap commit` that was stopped before it moved main; the next `snap commit` completes it');
    else problems.push({ kind: 'not-on-main', where: ref, detail: `commit ${v.commitOid.slice(0, 12)} is not on main's history` });
  }
  return { version: v, trust, ok: problems.length === 0, problems, notes };
}

async function manifestVersion(repo: GitRepo, treeOid: string): Promise<string | null> {
  try {
    const e = await repo.entryAt(treeOid, MANIFEST_PATH);
    if (!e) return null;
    const version = (JSON.parse(Buffer.from(await repo.readBlob(e.oid)).toString('utf8')) as Partial<Manifest>).version;
    return typeof version === 'string' ? version : null;
  } catch {
    return null;
  }
}

/** A version the history walk did not list (its tag could be read only on its own): checked against the signers trusted now. */
function unlistedVersionTrust(v: VersionInfo, chain: TrustChain): VersionTrust {
  const signature = checkSignature(v, chain.current);
  const detail = signatureProblem(v, signature);
  return { version: v, onMain: false, trustedBefore: chain.current, signature, change: null, accepted: false, problems: detail ? [{ kind: 'signature', detail }] : [] };
}
