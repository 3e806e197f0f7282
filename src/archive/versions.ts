// Versions are annotated tags on the commits `snap commit` makes on main. This module names
// them (validation, the next name after the latest), lists them in history order, and
// resolves what a user types (a version, "latest", or a commit id) to a commit and tree.
// What a user types is checked as a tag name before anything is looked up: a version name
// is a name, never a path into .git.
import { SnapError } from '../errors.js';
import type { Identity } from '../git/objects.js';
import type { GitRepo } from '../git/repo.js';
import { tagNameProblem } from '../git/ref-names.js';
import { forgottenNames } from '../retention/records.js';

export const MAIN_REF = 'refs/heads/main';

export interface VersionInfo {
  name: string;
  /** the annotated tag object, or null for a lightweight tag */
  tagOid: string | null;
  commitOid: string;
  treeOid: string;
  tagger: Identity | null;
  date: Date;
  message: string;
  signature: string | null;
  /** exactly what the signature covers */
  signedPayload: string | null;
  /** a commit on main named by its id, that no tag names */
  untagged?: true;
}

const GOOD_NAMES = 'a good name: v1.1, v2.0-rc1 or release-2026-05';

function invalidName(name: string, why: string): SnapError {
  return new SnapError('INVALID_VERSION_NAME', `invalid version name ${JSON.stringify(name.slice(0, 120))}: ${why}`, { name: name.slice(0, 120), why });
}

/** The same, for a new version's name: with an example of a good one. */
function badNewName(name: string, why: string): SnapError {
  return invalidName(name, `${why}; ${GOOD_NAMES}`);
}

/** Characters no version name may hold: what a screen shows as nothing, as a space, or not at all. */
const UNSEEN = /[\p{Cc}\p{Cf}\p{Cs}\p{Z}\p{Co}\p{Cn}]/u;

function unseenKind(ch: string): string {
  if (/\p{Cc}/u.test(ch)) return 'a control character';
  if (/\p{Cf}/u.test(ch)) return 'invisible: a format character';
  if (/\p{Z}/u.test(ch)) return 'a space';
  if (/\p{Co}/u.test(ch)) return 'a private-use character';
  if (/\p{Cs}/u.test(ch)) return 'half of a surrogate pair';
  return 'unassigned';
}

/** A version name as a screen can show it: what it could not show (a tag made with stock git) written as \u{…}. */
export function displayVersionName(name: string): string {
  return name.replace(new RegExp(UNSEEN.source, 'gu'), (ch) => `\\u{${ch.codePointAt(0)!.toString(16)}}`);
}

/**
 * Names git resolves before refs/tags/<name>, or beside it: git's own refs at the top of .git
 * (HEAD, FETCH_HEAD, ORIG_HEAD, MERGE_HEAD, … and the few others git keeps there). A tag so
 * named is shadowed by them in stock git.
 */
const GIT_SPECIAL = /^(?:[A-Z_]*HEAD|AUTO_MERGE|BISECT_EXPECTED_REV|NOTES_MERGE_PARTIAL|NOTES_MERGE_REF|MERGE_AUTOSTASH)$/;

/** The archive's own branch; any other branch is found by validateNewVersionName. */
const ARCHIVE_BRANCHES = ['main'];

/**
 * A name for a new version: a tag name (git-check-ref-format), plus: no '/', at most 100
 * characters, nothing a screen cannot show (U+200B, U+202E, spaces of any kind, private-use or
 * unassigned code points: two names that look the same are two versions no one can tell
 * apart), not one of git's own refs nor the archive's branch (`git log main` would be
 * ambiguous), not reserved.
 */
export function validateVersionName(name: string): void {
  if (name.length === 0) throw badNewName(name, 'empty');
  if (name.length > 100) throw badNewName(name, 'longer than 100 characters');
  const unseen = UNSEEN.exec(name)?.[0];
  if (unseen) throw badNewName(name, `contains U+${unseen.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} (${unseenKind(unseen)}), which a screen cannot show apart from other names`);
  if (/[~^:?*[\\/]/.test(name)) throw badNewName(name, 'contains one of ~ ^ : ? * [ \\ /');
  if (name.startsWith('.') || name.startsWith('-')) throw badNewName(name, 'starts with "." or "-"');
  if (name.endsWith('.') || name.endsWith('.lock')) throw badNewName(name, 'ends with "." or ".lock"');
  if (name.includes('..') || name.includes('@{') || name === '@') throw badNewName(name, 'contains "..", "@{" or is "@"');
  if (GIT_SPECIAL.test(name)) throw badNewName(name, `is one of git's own refs (HEAD, FETCH_HEAD, ORIG_HEAD, MERGE_HEAD, …): stock git would read ${name} as that, not as the version`);
  // `git stash` keeps refs/stash, which git's lookup (refs/<name> before refs/tags/<name>) finds first.
  if (name === 'stash') throw badNewName(name, 'is the ref git keeps for `git stash` (refs/stash): stock git would read "stash" as that once anything is stashed, not as the version');
  if (ARCHIVE_BRANCHES.includes(name)) throw badNewName(name, `is the name of a branch of the archive (refs/heads/${name}): stock git would call "${name}" ambiguous`);
  if (name === 'latest' || name === 'live' || /^[0-9a-f]{7,40}$/.test(name)) throw badNewName(name, 'reserved (it would be read as latest, live or a commit id)');
  const problem = tagNameProblem(name);
  if (problem) throw badNewName(name, problem);
}

/**
 * validateVersionName, and not the name of any branch (or remote) the archive has, nor one that
 * differs only in case from an existing version (on a case-insensitive filesystem, such as a
 * clone on macOS or Windows, refs/tags/V1.0 and refs/tags/v1.0 are one file).
 */
export async function validateNewVersionName(repo: GitRepo, name: string): Promise<void> {
  validateVersionName(name);
  const lower = name.toLowerCase();
  const twin = [...(await repo.listRefs('refs/tags/')).keys()].map((ref) => ref.slice('refs/tags/'.length)).find((tag) => tag !== name && tag.toLowerCase() === lower);
  if (twin !== undefined) throw badNewName(name, `differs only in case from the version ${twin}: on a case-insensitive filesystem (macOS, Windows) they would be one file under refs/tags`);
  for (const prefix of ['refs/heads/', 'refs/remotes/']) {
    const taken = [...(await repo.listRefs(prefix)).keys()].find((ref) => ref === `${prefix}${name}` || ref.startsWith(`${prefix}${name}/`));
    if (taken) throw badNewName(name, `is the name of a ${prefix === 'refs/heads/' ? 'branch' : 'remote'} of the archive (${taken}): stock git would call "${name}" ambiguous`);
  }
}

/**
 * What a user typed for an existing version: "latest", a commit id, or a tag name by git's
 * rules (which, unlike a new version's name, may hold '/' between valid components, as tags
 * made with stock git can). Anything else is refused (exit 2) before any lookup.
 */
export function checkVersionSpec(spec: string, options: { allowLive?: boolean } = {}): void {
  if (spec === 'latest' || (options.allowLive && spec === 'live')) return;
  if (spec.length > 255) throw invalidName(spec, 'longer than 255 characters');
  const problem = tagNameProblem(spec);
  if (problem) throw invalidName(spec, `${problem} (a version is a tag name, not a path)`);
}

const NUMBERED = /^v(\d+)\.(\d+)$/;

/** The next minor version after the highest vMAJOR.MINOR name; v1.0 when there is none. */
export function nextVersionName(existing: Iterable<string>): string {
  let best: [number, number] | null = null;
  for (const name of existing) {
    const m = NUMBERED.exec(name);
    if (!m) continue;
    const v: [number, number] = [Number(m[1]), Number(m[2])];
    if (!best || v[0] > best[0] || (v[0] === best[0] && v[1] > best[1])) best = v;
  }
  return best ? `v${best[0]}.${best[1] + 1}` : 'v1.0';
}

/** main's first-parent history: commit id → its distance from main's head (0 for the head). */
export async function firstParentOrder(repo: GitRepo): Promise<Map<string, number>> {
  const order = new Map<string, number>();
  let oid = await repo.resolveRef(MAIN_REF);
  let i = 0;
  while (oid && !order.has(oid)) {
    order.set(oid, i++);
    try {
      oid = (await repo.readCommit(oid)).parents[0] ?? null;
    } catch {
      break; // an unreadable commit ends the history here; `snap verify` reports it
    }
  }
  return order;
}

export async function describeTag(repo: GitRepo, name: string, oid: string): Promise<VersionInfo | null> {
  const obj = await repo.readObject(oid);
  if (obj.type === 'tag') {
    const tag = await repo.readTag(oid);
    if (tag.type !== 'commit') return null;
    const commit = await repo.readCommit(tag.object);
    return {
      name,
      tagOid: oid,
      commitOid: tag.object,
      treeOid: commit.tree,
      tagger: tag.tagger,
      date: new Date((tag.tagger?.timestamp ?? commit.committer.timestamp) * 1000),
      message: tag.message,
      signature: tag.signature,
      signedPayload: tag.signature ? tag.payload : null,
    };
  }
  if (obj.type === 'commit') {
    const commit = await repo.readCommit(oid);
    return { name, tagOid: null, commitOid: oid, treeOid: commit.tree, tagger: null, date: new Date(commit.committer.timestamp * 1000), message: commit.message, signature: null, signedPayload: null };
  }
  return null;
}

/** All versions, newest first: by position on main's history, then by date. */
export async function listVersions(repo: GitRepo): Promise<VersionInfo[]> {
  const tags = await repo.listRefs('refs/tags/');
  const order = await firstParentOrder(repo);
  const out: VersionInfo[] = [];
  for (const [ref, oid] of tags) {
    // A tag that cannot be read is left out here; `snap verify --all` reports it.
    const info = await describeTag(repo, ref.slice('refs/tags/'.length), oid).catch(() => null);
    if (info) out.push(info);
  }
  const pos = (v: VersionInfo) => order.get(v.commitOid) ?? Number.MAX_SAFE_INTEGER;
  return out.sort((a, b) => pos(a) - pos(b) || b.date.getTime() - a.date.getTime() || (a.name < b.name ? -1 : 1));
}

export async function findVersion(repo: GitRepo, name: string): Promise<VersionInfo | null> {
  checkVersionSpec(name);
  const oid = await repo.resolveRef(`refs/tags/${name}`);
  return oid ? describeTag(repo, name, oid) : null;
}

/** Resolves a version name, "latest", or a commit id (7+ hex digits) on main. */
export async function resolveVersion(repo: GitRepo, spec: string): Promise<VersionInfo> {
  checkVersionSpec(spec);
  if (spec === 'latest') {
    const all = await listVersions(repo);
    if (all.length === 0) throw new SnapError('UNKNOWN_VERSION', 'the archive has no versions yet; make one with `snap commit`', { spec });
    return all[0]!;
  }
  const found = await findVersion(repo, spec);
  if (found) return found;
  if (/^[0-9a-f]{7,40}$/.test(spec)) {
    const order = await firstParentOrder(repo);
    const matches = [...order.keys()].filter((c) => c.startsWith(spec));
    if (matches.length === 1) {
      const commit = await repo.readCommit(matches[0]!);
      const tagged = (await listVersions(repo)).find((v) => v.commitOid === matches[0]);
      return tagged ?? { name: matches[0]!.slice(0, 12), tagOid: null, commitOid: matches[0]!, treeOid: commit.tree, tagger: null, date: new Date(commit.committer.timestamp * 1000), message: commit.message, signature: null, signedPayload: null, untagged: true };
    }
  }
  const forgotten = (await forgottenNames(repo).catch(() => null))?.get(spec);
  if (forgotten) throw new SnapError('UNKNOWN_VERSION', `${spec} was forgotten by policy (${forgotten.rule}) on ${forgotten.forgotten.slice(0, 10)}: it is no longer a version (\`snap log --all\` lists forgotten versions)`, { spec });
  const known = (await listVersions(repo)).map((v) => v.name);
  const hint = known.length ? `known versions: ${known.slice(0, 8).join(', ')}${known.length > 8 ? ', …' : ''}` : 'the archive has no versions yet';
  throw new SnapError('UNKNOWN_VERSION', `unknown version ${JSON.stringify(spec.slice(0, 100))} (${hint})`, { spec });
}
