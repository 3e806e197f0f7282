// What main's history holds, commit by commit, as retention sees it: a version (one or more
// tags name the commit), the commit `snap init` made, a version forgotten by policy (no tag, a
// signed forget record), or a commit that lost its tag some other way (no tag and no valid
// record: deleted outside `snap forget`, or a commit stopped before its tag was made). `snap
// verify --all` reports the last kind, `snap log --all` shows the forgotten ones, and prune
// keeps the payloads of every commit that is not forgotten by a valid record.
import type { Archive } from '../archive/archive.js';
import { MANIFEST_PATH } from '../archive/manifest.js';
import { listVersions, MAIN_REF, type VersionInfo } from '../archive/versions.js';
import type { GitRepo } from '../git/repo.js';
import type { SignerSet } from './trust-signers.js';
import { checkRecord, readRecords, type ForgetRecord, type StoredRecord } from './records.js';

export type MainCommit =
  | { kind: 'version'; commit: string; versions: VersionInfo[]; position: number; records: StoredRecord[] }
  | { kind: 'init'; commit: string; position: number }
  | { kind: 'forgotten'; commit: string; name: string; position: number; record: ForgetRecord; signer: string; taken: Date }
  | { kind: 'bad-record'; commit: string; name: string; position: number; why: string }
  | { kind: 'untagged'; commit: string; name: string; position: number; date: Date };

export interface History {
  /** main's first-parent history, newest first */
  main: MainCommit[];
  /** every version (tag), on main or not, newest first */
  versions: VersionInfo[];
  records: Map<string, (StoredRecord | null)[]>;
  /** commit → position on main (0 = main's head) */
  order: Map<string, number>;
}

/** main's first-parent commits, newest first (a commit that cannot be read ends the walk). */
export async function mainCommits(repo: GitRepo): Promise<{ oid: string; parents: string[]; tree: string; message: string; date: Date }[]> {
  const out: { oid: string; parents: string[]; tree: string; message: string; date: Date }[] = [];
  const seen = new Set<string>();
  let oid = await repo.resolveRef(MAIN_REF);
  while (oid && !seen.has(oid)) {
    seen.add(oid);
    const c = await repo.readCommit(oid).catch(() => null);
    if (!c) break; // reported by `snap verify`'s object checks
    out.push({ oid, parents: c.parents, tree: c.tree, message: c.message, date: new Date(c.committer.timestamp * 1000) });
    oid = c.parents[0] ?? null;
  }
  return out;
}

/** The version name a commit's message begins with ("v1.3: 2 changed in …"), else a short id. */
export function nameFromMessage(message: string, commit: string): string {
  const m = /^([^\s:]{1,100}): /.exec(message);
  return m ? m[1]! : commit.slice(0, 12);
}

/**
 * `deleted`: tags to read as already deleted: those an interrupted forget recorded and the next
 * forget or prune deletes, so a dry run and `snap stats` count what that run will do.
 */
export async function readHistory(archive: Archive, signers: SignerSet, deleted: ReadonlySet<string> = new Set()): Promise<History> {
  const repo = archive.repo;
  const versions = (await listVersions(repo)).filter((v) => !deleted.has(v.name));
  const records = await readRecords(repo);
  const byCommit = new Map<string, VersionInfo[]>();
  for (const v of versions) byCommit.set(v.commitOid, [...(byCommit.get(v.commitOid) ?? []), v]);
  const commits = await mainCommits(repo);
  const order = new Map(commits.map((c, i) => [c.oid, i]));
  const main: MainCommit[] = [];
  for (const [position, c] of commits.entries()) {
    const tagged = byCommit.get(c.oid);
    const filed = records.get(c.oid) ?? [];
    if (tagged) {
      main.push({ kind: 'version', commit: c.oid, versions: tagged, position, records: filed.filter((r): r is StoredRecord => r !== null) });
      continue;
    }
    if (c.parents.length === 0 && !(await repo.entryAt(c.tree, MANIFEST_PATH).catch(() => null))) {
      main.push({ kind: 'init', commit: c.oid, position });
      continue;
    }
    const name = nameFromMessage(c.message, c.oid);
    if (filed.length === 0) {
      main.push({ kind: 'untagged', commit: c.oid, name, position, date: c.date });
      continue;
    }
    // The newest valid record speaks for the commit; if none is valid, the first failure is reported.
    let why = 'its forget record cannot be read';
    let found: MainCommit | null = null;
    for (const stored of [...filed].reverse()) {
      if (!stored) continue;
      const check = checkRecord(stored, c.oid, signers);
      if (check.ok) {
        found = { kind: 'forgotten', commit: c.oid, name: stored.record.version, position, record: stored.record, signer: check.signer, taken: new Date(stored.record.taken) };
        break;
      }
      why = check.why;
    }
    main.push(found ?? { kind: 'bad-record', commit: c.oid, name, position, why });
  }
  return { main, versions, records, order };
}

/** Commits whose payloads must stay: every tag's, and every commit on main not forgotten by a valid record. */
export function keptCommits(history: History): Set<string> {
  const kept = new Set(history.versions.map((v) => v.commitOid));
  for (const c of history.main) if (c.kind === 'untagged' || c.kind === 'bad-record') kept.add(c.commit);
  return kept;
}
