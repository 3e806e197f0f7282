// `snap verify`: proves a version is what was sealed. For each version it checks, and
// reports every problem rather than stopping at the first:
//   - its seal (verify/seal.ts, the one decision every verb that reads a version shares): the
//     tag's signature against the signers trusted before the version (archive/trust.ts: rooted
//     in .git/snap, changed only by versions signed by a key already trusted), that any change
//     the version makes to the signers was so signed, that the tag object is the version it is
//     filed under (a moved or re-filed tag shows here), that the manifest of its commit names
//     it, and that it is on main;
//   - every git object the version reaches re-hashes to its id (corruption of git's own store);
//   - every pointer is well formed, and the content store holds its payload with the right
//     size and sha256 (re-hashed: a flipped byte shows);
//   - the manifest's counts agree with the tree (files, payloads, payload bytes per collector);
//   - with --all, every commit on main without a tag: forgotten by policy (a signed forget
//     record) or not (retention/verify-history.ts).
// Verifying one version reads only that version's objects and payloads.
import { Archive } from '../archive/archive.js';
import { MANIFEST_MD_PATH, MANIFEST_PATH, type Manifest } from '../archive/manifest.js';
import { folderPayloads, payloadListers } from '../archive/payloads.js';
import { EMPTY_STATS, type WriterStats } from '../archive/tree-writer.js';
import { evaluateTrust, type Notify, type TrustChain } from '../archive/trust.js';
import { describeTag, firstParentOrder, listVersions, type VersionInfo } from '../archive/versions.js';
import { describeError } from '../errors.js';
import { decodeTree, hashObject, MODE_TREE } from '../git/objects.js';
import type { GitRepo } from '../git/repo.js';
import { looksLikePointer, parsePointer, POINTER_MAX_BYTES, type Pointer } from '../store/pointer.js';
import type { CheckResult, ContentStore } from '../store/types.js';
import { mapLimit } from '../util/limiter.js';
import type { Progress } from '../util/log.js';
import { summarizeSignature } from './signature.js';
import { sealOf } from './seal.js';
import { historyVerdicts, type ForgottenInfo } from '../retention/verify-history.js';
import { signerSetOf } from '../retention/trust-signers.js';

export type ProblemKind =
  | 'signature'
  | 'signers'
  | 'tag-mismatch'
  | 'not-on-main'
  | 'git-object'
  | 'bad-pointer'
  | 'missing-payload'
  | 'corrupt-payload'
  | 'retention'
  | 'manifest'
  | 'tag-deleted'
  | 'forget-record';

export interface Problem {
  kind: ProblemKind;
  /** tree path, or the ref/object concerned */
  where: string;
  detail: string;
}

export interface VersionVerdict {
  version: string;
  commit: string;
  ok: boolean;
  signer: string | null;
  files: number;
  payloads: number;
  payloadBytes: number;
  /** payloads the store could compare by size only (a vault object uploaded in parts keeps no full-object SHA256) */
  payloadsBySizeOnly?: number;
  problems: Problem[];
  /** facts worth knowing that are not problems */
  notes: string[];
  /** a version forgotten by policy (snap forget): who, when, which policy; nothing else is checked */
  forgotten?: ForgottenInfo;
}

export interface VerifyOptions {
  /** progress per version (a task "verify <version>"): git objects read, then payloads re-hashed against their count and bytes */
  progress?: Progress;
  /** payload checks run this many at a time */
  concurrency?: number;
  /** told when trust is first established (trust on first use) */
  notify?: Notify;
  /** the trust chain, when the caller has it already */
  chain?: TrustChain;
  /** download and re-hash payloads even where the store keeps a checksum of its own (the vault) */
  readData?: boolean;
  /**
   * With Object Lock: a payload whose retention ends before this date (or that has none) is
   * reported; the vault's retention policy sets it to now + its margin.
   */
  retainAtLeastUntil?: Date;
}

interface PayloadRef {
  path: string;
  pointer: Pointer;
}

/** Payload check results shared between versions of one run: each payload is re-hashed once. */
type PayloadCache = Map<string, Promise<CheckResult>>;

export async function verifyVersions(archive: Archive, store: ContentStore, names: string[] | 'all', options: VerifyOptions = {}): Promise<VersionVerdict[]> {
  const strays: string[] = [];
  const refs = await archive.repo.listRefs('refs/tags/', strays);
  const wanted = names === 'all' ? [...refs.keys()].map((r) => r.slice('refs/tags/'.length)) : names;
  const versions = await listVersions(archive.repo).catch(() => null);
  const order = new Map((versions ?? []).map((v, i) => [v.name, i]));
  wanted.sort((a, b) => (order.get(a) ?? -1) - (order.get(b) ?? -1) || (a < b ? -1 : 1));
  const chain = options.chain ?? (await evaluateTrust(archive, { notify: options.notify, versions: versions ?? undefined }));
  const onMain = new Set((await firstParentOrder(archive.repo)).keys());
  const cache: PayloadCache = new Map();
  const verdicts: VersionVerdict[] = [];
  // A file under refs/tags that is no ref: planted, or damaged. Its content is never shown.
  if (names === 'all') {
    for (const ref of strays) verdicts.push({ version: ref.slice('refs/tags/'.length).slice(0, 120), commit: '', ok: false, signer: null, files: 0, payloads: 0, payloadBytes: 0, problems: [{ kind: 'git-object', where: ref.slice(0, 140), detail: 'a file under refs/tags that is not a ref (its name is not a valid tag name, or it holds no object id)' }], notes: [] });
  }
  for (const name of wanted) {
    const oid = refs.get(`refs/tags/${name}`);
    let v: VersionInfo | null = null;
    let failure = 'the tag names no commit';
    try {
      v = oid ? await describeTag(archive.repo, name, oid) : null;
    } catch (err) {
      failure = describeError(err);
    }
    if (!v) {
      // The tag or the commit it names cannot be read: report it, and go on with the others.
      verdicts.push({ version: name, commit: '', ok: false, signer: null, files: 0, payloads: 0, payloadBytes: 0, problems: [{ kind: 'git-object', where: `refs/tags/${name}`, detail: failure }], notes: [] });
      continue;
    }
    verdicts.push(await verifyOne(archive.repo, store, v, chain, onMain, cache, options));
  }
  // With --all, main's history too: a commit without a tag is forgotten by policy, or a problem.
  if (names === 'all') verdicts.push(...(await historyVerdicts(archive, signerSetOf(chain))));
  return verdicts;
}

/**
 * Why a tag is not a sealed snap version, if it is not (verify/seal.ts decides), leaving out
 * whether it is on main: for `snap forget`, which keeps versions off main apart itself.
 */
export async function sealProblems(repo: GitRepo, v: VersionInfo, chain: TrustChain): Promise<Problem[]> {
  return (await sealOf({ repo, chain }, v)).problems;
}

async function verifyOne(
  repo: GitRepo,
  store: ContentStore,
  v: VersionInfo,
  chain: TrustChain,
  onMain: Set<string>,
  cache: PayloadCache,
  options: VerifyOptions,
): Promise<VersionVerdict> {
  const problems: Problem[] = [];
  const taskId = `verify ${v.name}`;
  const task = options.progress?.task(taskId);
  task?.phase('signature');
  let objects = 0;

  const seal = await sealOf({ repo, chain, main: onMain }, v);
  problems.push(...seal.problems);
  const notes = [...seal.notes];
  const sig = summarizeSignature(seal.trust);

  // Git objects: re-hash the commit, every tree and blob; collect pointers on the way.
  const payloads: PayloadRef[] = [];
  let files = 0;
  const stats = new Map<string, WriterStats>(); // per top-level folder
  const checkObject = async (oid: string, where: string, type: 'commit' | 'tree' | 'blob'): Promise<Uint8Array | null> => {
    if (++objects % 500 === 1) task?.phase(`git objects (${objects})`);
    try {
      const obj = await repo.readObject(oid);
      if (obj.type !== type) throw new Error(`is a ${obj.type}, expected a ${type}`);
      if (hashObject(obj.type, obj.content) !== oid) throw new Error('content does not hash to its id');
      return obj.content;
    } catch (err) {
      problems.push({ kind: 'git-object', where, detail: `${type} ${oid.slice(0, 12)}: ${describeError(err)}` });
      return null;
    }
  };
  await checkObject(v.commitOid, `commit of ${v.name}`, 'commit');
  const walk = async (treeOid: string, prefix: string): Promise<void> => {
    const content = await checkObject(treeOid, prefix || '/', 'tree');
    if (!content) return;
    for (const e of decodeTree(content)) {
      const path = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.mode === MODE_TREE) {
        await walk(e.oid, path);
        continue;
      }
      const content = await checkObject(e.oid, path, 'blob');
      if (!content) continue;
      files++;
      const top = path.includes('/') ? path.slice(0, path.indexOf('/')) : '';
      const s = stats.get(top) ?? { ...EMPTY_STATS };
      s.files++;
      s.treeBytes += content.length;
      if (content.length <= POINTER_MAX_BYTES && looksLikePointer(content)) {
        const pointer = parsePointer(content);
        if (!pointer) problems.push({ kind: 'bad-pointer', where: path, detail: 'looks like a pointer but is not a well-formed git-lfs v1 pointer' });
        else {
          payloads.push({ path, pointer });
          s.pointers++;
          s.pointerBytes += pointer.size;
        }
      }
      stats.set(top, s);
    }
  };
  await walk(v.treeOid, '');

  let sizeOnly = 0;
  // Payloads listed inside collector files (S3 objects in sharded manifests), collector by collector.
  const top = await repo.readTree(v.treeOid).catch(() => []);
  for (const collector of payloadListers()) {
    const folder = top.find((e) => e.name === collector.root && e.mode === MODE_TREE);
    if (!folder) continue;
    const s = stats.get(collector.root) ?? { ...EMPTY_STATS };
    s.listed = 0;
    s.listedBytes = 0;
    try {
      for await (const ref of folderPayloads(repo, collector, folder.oid)) {
        payloads.push({ path: ref.label, pointer: ref.pointer });
        s.listed++;
        s.listedBytes += ref.pointer.size;
      }
    } catch (err) {
      problems.push({ kind: 'git-object', where: `${collector.root}/`, detail: `its payload listing cannot be read: ${describeError(err)}` });
    }
    stats.set(collector.root, s);
  }

  // Payloads: present, right size, right sha256 (and, in a vault with Object Lock, retained long enough).
  task?.expect(payloads.length, payloads.reduce((n, p) => n + p.pointer.size, 0));
  task?.phase(`${objects} git objects; payloads`);
  const floor = options.retainAtLeastUntil;
  await mapLimit(payloads, options.concurrency ?? 8, async ({ path, pointer }) => {
    let pending = cache.get(pointer.oid);
    if (!pending) {
      pending = store.check(pointer, { readData: options.readData ?? false });
      cache.set(pointer.oid, pending);
    }
    const result = await pending;
    if (result.status === 'missing') problems.push({ kind: 'missing-payload', where: path, detail: `sha256:${pointer.oid} (${pointer.size} bytes) is not in the content store (${store.description})` });
    else if (result.status === 'corrupt') problems.push({ kind: 'corrupt-payload', where: path, detail: result.detail ? `sha256:${pointer.oid}: ${result.detail}` : `sha256:${pointer.oid} re-hashes to sha256:${result.actual.oid} (${result.actual.size} bytes, expected ${pointer.size})` });
    // Retention advice only for the right bytes: extending a corrupt object's would lock it in.
    if (floor && result.status === 'ok' && 'retainUntil' in result) {
      const until = result.retainUntil ?? null;
      if (!until) problems.push({ kind: 'retention', where: path, detail: `sha256:${pointer.oid} has no Object Lock retention: \`snap maintenance\` sets it` });
      else if (until < floor) problems.push({ kind: 'retention', where: path, detail: `sha256:${pointer.oid} is retained only until ${until.toISOString()}, within the margin: \`snap maintenance\` (or the next commit) extends it` });
    }
    if (result.status === 'ok' && result.verified === 'size') sizeOnly++;
    task?.add(1, pointer.size);
  });
  options.progress?.end(taskId, '');

  checkManifest(repo, v, stats, problems, await readManifest(repo, v.treeOid));

  problems.sort((a, b) => (a.kind + a.where < b.kind + b.where ? -1 : 1));
  return {
    version: v.name,
    commit: v.commitOid,
    ok: problems.length === 0,
    signer: sig.signer,
    files,
    payloads: payloads.length,
    payloadBytes: payloads.reduce((n, p) => n + p.pointer.size, 0),
    ...(sizeOnly ? { payloadsBySizeOnly: sizeOnly } : {}),
    problems,
    notes,
  };
}

async function readManifest(repo: GitRepo, treeOid: string): Promise<Manifest | 'missing' | 'invalid'> {
  try {
    const e = await repo.entryAt(treeOid, MANIFEST_PATH);
    if (!e) return 'missing';
    return JSON.parse(Buffer.from(await repo.readBlob(e.oid)).toString('utf8')) as Manifest;
  } catch {
    return 'invalid'; // unreadable objects are already reported by the object checks
  }
}

function checkManifest(_repo: GitRepo, v: VersionInfo, stats: Map<string, WriterStats>, problems: Problem[], manifest: Manifest | 'missing' | 'invalid'): void {
  if (manifest === 'missing' || manifest === 'invalid') {
    problems.push({ kind: 'manifest', where: MANIFEST_PATH, detail: manifest === 'missing' ? `${v.name} has no manifest` : 'the manifest cannot be read as JSON' });
    return;
  }
  // Whether the manifest names this version is part of the seal (verify/seal.ts).
  // Listed payloads are checked where the manifest counted them (versions before it did, did not).
  const counted = (recorded: WriterStats) => (['files', 'pointers', 'pointerBytes', 'listed', 'listedBytes'] as const).filter((k) => recorded[k] !== undefined);
  for (const c of manifest.collectors) {
    const actual = stats.get(c.root) ?? EMPTY_STATS;
    for (const k of counted(c.stats)) {
      if ((actual[k] ?? 0) !== c.stats[k]) problems.push({ kind: 'manifest', where: `${c.root}/`, detail: `manifest says ${c.stats[k]} ${k}, the tree holds ${actual[k] ?? 0}` });
    }
  }
  // Totals were counted before the two manifest files were added to the tree.
  const total: Required<WriterStats> = { ...EMPTY_STATS };
  for (const s of stats.values()) {
    total.files += s.files;
    total.pointers += s.pointers;
    total.pointerBytes += s.pointerBytes;
    total.listed += s.listed ?? 0;
    total.listedBytes += s.listedBytes ?? 0;
  }
  total.files -= [MANIFEST_PATH, MANIFEST_MD_PATH].length;
  for (const k of counted(manifest.totals)) {
    if (total[k] !== manifest.totals[k]) problems.push({ kind: 'manifest', where: MANIFEST_PATH, detail: `manifest totals say ${manifest.totals[k]} ${k}, the tree holds ${total[k]}` });
  }
}
