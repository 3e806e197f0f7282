// Who may sign this archive's versions, rooted outside the working tree.
//
// The root of trust is .git/snap/trust.json, never committed: the signers recorded when the
// archive was made (`snap init`: the archive's own key), or, for an archive made before snap
// kept this record (or a fresh clone), the signers of its earliest version, trusted on first
// use and said so. From the root, trust follows the history on main, oldest version first:
//   - a version must be signed by a key trusted before it;
//   - the signers it publishes (.snap/allowed_signers in its tree) become the trusted set for
//     the versions after it only if it is so signed. Any other change is tampering: reported,
//     and ignored.
// A file in a version, or in the working tree, can therefore never grant trust to the key that
// signs it. The working tree's .snap/allowed_signers is only a published copy of the trusted
// set (for people and for stock git in other clones); `snap commit` writes each version's copy
// from the trusted set, never from the working tree.
//
// Changes a team makes (`snap signers add|remove|rotate`) wait in the record as pending and
// are sealed into the next version, which the archive's own (already trusted) key signs.
// One decision is this machine's alone, as `snap init`'s is: an archive rebuilt from its vault
// (`snap clone`) gets a new signing key, which the record grants trust for the versions after
// the newest one recovered; the next version publishes it like any other signer.
//
// For stock git, .git/snap/allowed_signers is written from the same history, each key with the
// time window it was trusted in (valid-after / valid-before, which `git verify-tag` checks
// against the tag's date), and git's gpg.ssh.allowedSignersFile points at it by a path
// relative to the archive, so a moved archive still verifies.
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SnapError } from '../errors.js';
import { writeFileAtomic } from '../git/atomic-file.js';
import { formatAllowedSigner, keyFingerprint, parseAllowedSigners, verifySshSignature, type AllowedSigner, type SignatureCheck } from '../git/ssh-signature.js';
import type { Archive } from './archive.js';
import { ALLOWED_SIGNERS_PATH } from './archive.js';
import { firstParentOrder, listVersions, type VersionInfo } from './versions.js';

export const TRUST_FILE = 'trust.json';
/** The trusted copy stock git verifies with, in .git/snap. */
export const TRUSTED_COPY_FILE = 'allowed_signers';
/** gpg.ssh.allowedSignersFile: git resolves it from the top of the working tree. */
export const TRUSTED_COPY_CONFIG_PATH = '.git/snap/allowed_signers';
export const NEXT_KEY_FILE = 'signing-key.next.pem';

export interface Signer {
  /** the principals field of the line: one name, or several separated by commas */
  principals: string;
  /** "ssh-ed25519 AAAA…" */
  publicKey: string;
  comment?: string;
}

export type PendingChange = { action: 'add'; signer: Signer; at: string } | { action: 'remove'; publicKey: string; at: string };

export interface TrustRoot {
  /**
   * init: recorded by `snap init`; first-use: the earliest version's signers, trusted when
   * first needed; clone: the same, when the archive was rebuilt from its vault (`snap clone`)
   */
  how: 'init' | 'first-use' | 'clone';
  version: string | null;
  recordedAt: string;
  signers: Signer[];
}

/** A key this machine trusts, on its own say, for the versions after `after` (null: from the root). */
export interface TrustGrant {
  signer: Signer;
  after: string | null;
  at: string;
  /** what made the grant ("snap clone") */
  by: string;
}

interface TrustRecord {
  format: 'snap-trust/1';
  root: TrustRoot;
  pending: PendingChange[];
  grants?: TrustGrant[];
  /** in memory only: made on first use by this very evaluation */
  justEstablished?: boolean;
}

export type VersionSignature = SignatureCheck | { ok: false; reason: 'unsigned' };

export interface SignerChange {
  added: Signer[];
  removed: Signer[];
}

export interface VersionTrust {
  version: VersionInfo;
  onMain: boolean;
  /** the signers trusted when this version was made */
  trustedBefore: Signer[];
  signature: VersionSignature;
  /** how the signers this version publishes differ from those trusted before it */
  change: SignerChange | null;
  /** the change took effect: the version is signed by a key trusted before it */
  accepted: boolean;
  problems: { kind: 'signature' | 'signers'; detail: string }[];
}

interface KeyWindow {
  signer: Signer;
  from: Date | null;
  until: Date | null;
}

export interface TrustChain {
  root: TrustRoot;
  /** by version name */
  versions: Map<string, VersionTrust>;
  /** trusted now: after the newest version on main */
  current: Signer[];
  pending: PendingChange[];
  grants: TrustGrant[];
  /** what the next version will publish: current with the pending changes applied */
  next: Signer[];
  windows: KeyWindow[];
}

export type Notify = (message: string) => void;

const keyBody = (publicKey: string) => publicKey.trim().split(/\s+/)[1] ?? '';
export const sameKey = (a: string, b: string) => keyBody(a) === keyBody(b);

export function describeSigner(s: Signer): string {
  return `${s.principals} ${keyFingerprint(s.publicKey)}`;
}

export function formatSigners(signers: Signer[]): string {
  return signers.map((s) => formatAllowedSigner(s.principals, s.publicKey, s.comment ?? '')).join('');
}

export function parseSigners(text: string): Signer[] {
  return parseAllowedSigners(text)
    .filter((a) => a.namespaces === null || a.namespaces.includes('git'))
    .map((a) => ({ principals: a.principals.join(','), publicKey: a.publicKey, ...(a.comment ? { comment: a.comment } : {}) }));
}

function asAllowed(signers: Signer[]): AllowedSigner[] {
  return signers.map((s) => ({ principals: s.principals.split(','), namespaces: ['git'], publicKey: s.publicKey }));
}

export function compareSigners(before: Signer[], after: Signer[]): SignerChange | null {
  const ident = (s: Signer) => `${keyBody(s.publicKey)} ${s.principals}`;
  const was = new Set(before.map(ident));
  const now = new Set(after.map(ident));
  const added = after.filter((s) => !was.has(ident(s)));
  const removed = before.filter((s) => !now.has(ident(s)));
  return added.length || removed.length ? { added, removed } : null;
}

export function describeChange(change: SignerChange): string {
  return [...change.added.map((s) => `adds ${describeSigner(s)}`), ...change.removed.map((s) => `removes ${describeSigner(s)}`)].join('; ');
}

export function applyPending(signers: Signer[], pending: PendingChange[]): Signer[] {
  let out = [...signers];
  for (const p of pending) {
    if (p.action === 'add') out = [...out.filter((s) => !sameKey(s.publicKey, p.signer.publicKey)), p.signer];
    else out = out.filter((s) => !sameKey(s.publicKey, p.publicKey));
  }
  return out;
}

// ---- the record in .git/snap -----------------------------------------------------------

function recordPath(archive: Archive): string {
  return join(archive.privateDir, TRUST_FILE);
}

async function readRecord(archive: Archive): Promise<TrustRecord | null> {
  let text: string;
  try {
    text = await readFile(recordPath(archive), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let record: TrustRecord;
  try {
    record = JSON.parse(text) as TrustRecord;
  } catch (err) {
    throw new SnapError('SIGNING', `${recordPath(archive)} cannot be read as JSON: the archive's record of trusted signers is damaged; restore it from your backup of the archive folder`, { path: recordPath(archive) }, { cause: err });
  }
  if (record.format !== 'snap-trust/1' || !Array.isArray(record.root?.signers)) throw new SnapError('SIGNING', `${recordPath(archive)} is not a snap trust record (format snap-trust/1)`, { path: recordPath(archive) });
  record.pending ??= [];
  return record;
}

async function writeRecord(archive: Archive, record: TrustRecord): Promise<void> {
  await mkdir(archive.privateDir, { recursive: true, mode: 0o700 }); // a fresh clone has no .git/snap yet
  await writeFileAtomic(recordPath(archive), `${JSON.stringify(record, null, 2)}\n`, { fsync: true, mode: 0o600 });
}

/** Records the root of trust of a new archive (`snap init`): its own key. */
export async function recordInitialTrust(archive: Archive, signers: Signer[]): Promise<void> {
  await writeRecord(archive, { format: 'snap-trust/1', root: { how: 'init', version: null, recordedAt: new Date().toISOString(), signers }, pending: [] });
}

async function publishedSignersAt(archive: Archive, treeOid: string): Promise<Signer[] | null> {
  try {
    const entry = await archive.repo.entryAt(treeOid, ALLOWED_SIGNERS_PATH);
    if (!entry || entry.mode === '40000') return null;
    return parseSigners(Buffer.from(await archive.repo.readBlob(entry.oid)).toString('utf8'));
  } catch {
    return null; // unreadable objects are reported by the object checks of `snap verify`
  }
}

/**
 * The record, made on first use when the archive has none: the earliest version's signers
 * (or, with no version yet, those of main's first commit). Said so through `notify`.
 */
async function loadRecord(archive: Archive, versionsOldestFirst: VersionInfo[], notify: Notify): Promise<TrustRecord> {
  const existing = await readRecord(archive);
  if (existing) return existing;
  let signers: Signer[] | null = null;
  let from: string | null = null;
  const earliest = versionsOldestFirst[0];
  if (earliest) {
    signers = await publishedSignersAt(archive, earliest.treeOid);
    from = earliest.name;
  }
  if (!signers) {
    const order = await firstParentOrder(archive.repo);
    const first = [...order.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
    if (first) signers = await publishedSignersAt(archive, (await archive.repo.readCommit(first)).tree).catch(() => null);
    from = null;
  }
  signers ??= [];
  const record: TrustRecord = { format: 'snap-trust/1', root: { how: 'first-use', version: from, recordedAt: new Date().toISOString(), signers }, pending: [] };
  const where = from ? `the signers of ${from}, the earliest version` : "the signers of the archive's first commit";
  const list = signers.length ? signers.map(describeSigner).join(', ') : 'none';
  let recorded = true;
  try {
    await writeRecord(archive, record);
  } catch {
    recorded = false; // a read-only archive: trusted for this run only
  }
  notify(
    `this archive had no record of its trusted signers: trusting on first use ${where}: ${list}. ` +
      (recorded ? `Recorded in ${recordPath(archive)}; ` : 'Could not record it (read-only archive); ') +
      'check these fingerprints with your team. From now on only these keys, and signers they add in signed versions, are trusted.',
  );
  return { ...record, justEstablished: true } as TrustRecord;
}

// ---- the chain -------------------------------------------------------------------------

export function checkSignature(v: VersionInfo, trusted: Signer[]): VersionSignature {
  if (!v.signature || v.signedPayload === null) return { ok: false, reason: 'unsigned' };
  return verifySshSignature(v.signedPayload, v.signature, asAllowed(trusted));
}

/**
 * Why a signature is not good, in words. `keyHistory` says what became of an untrusted key
 * around this version, when it was ever trusted ("it became trusted only later: …", "it was
 * removed in …").
 */
export function signatureProblem(v: VersionInfo, sig: VersionSignature, keyHistory: (fp: string) => string | null = () => null): string | null {
  if (sig.ok) return null;
  switch (sig.reason) {
    case 'unsigned':
      return v.tagOid ? 'the tag is not signed' : 'the tag is a lightweight tag (not a signed annotated tag): it was moved or made outside snap';
    case 'untrusted-key': {
      const history = sig.fingerprint ? keyHistory(sig.fingerprint) : null;
      return `signed by a key that is not a trusted signer (${sig.fingerprint}) at ${v.name}${history ? ` (${history})` : ''}: tampering; a key becomes trusted only in a version signed by a key trusted before it (snap signers add)`;
    }
    case 'bad-signature':
      return 'the signature does not match the tag: the tag was altered after signing';
    default:
      return `the signature cannot be checked (${sig.reason}${'detail' in sig && sig.detail ? `: ${sig.detail}` : ''})`;
  }
}

export interface EvaluateOptions {
  notify?: Notify;
  /** the versions, newest first, when the caller has them already */
  versions?: VersionInfo[];
}

/** Follows trust from the root through every version on main; checks every other version against what is trusted now. */
export async function evaluateTrust(archive: Archive, options: EvaluateOptions = {}): Promise<TrustChain> {
  const notify = options.notify ?? (() => undefined);
  const all = options.versions ?? (await listVersions(archive.repo));
  const order = await firstParentOrder(archive.repo);
  const onMain = all.filter((v) => order.has(v.commitOid)).sort((a, b) => order.get(b.commitOid)! - order.get(a.commitOid)! || a.date.getTime() - b.date.getTime() || (a.name < b.name ? -1 : 1));
  const offMain = all.filter((v) => !order.has(v.commitOid));
  const record = await loadRecord(archive, onMain, notify);

  let trusted = record.root.signers;
  const windows: KeyWindow[] = trusted.map((s) => ({ signer: s, from: null, until: null }));
  const grants = record.grants ?? [];
  const grant = (after: string | null, at: Date | null) => {
    for (const g of grants.filter((x) => x.after === after)) {
      if (trusted.some((s) => sameKey(s.publicKey, g.signer.publicKey))) continue;
      trusted = [...trusted, g.signer];
      windows.push({ signer: g.signer, from: at, until: null });
    }
  };
  grant(null, null);
  const results = new Map<string, VersionTrust>();
  const checked: VersionTrust[] = [];
  for (const v of onMain) {
    const signature = checkSignature(v, trusted);
    const published = await publishedSignersAt(archive, v.treeOid);
    const change = published ? compareSigners(trusted, published) : null;
    const vt: VersionTrust = { version: v, onMain: true, trustedBefore: trusted, signature, change, accepted: false, problems: [] };
    if (change && signature.ok) {
      vt.accepted = true;
      const at = new Date(Math.floor(v.date.getTime() / 1000) * 1000);
      for (const s of change.removed) for (const w of windows) if (w.until === null && sameKey(w.signer.publicKey, s.publicKey) && w.signer.principals === s.principals) w.until = at; // ssh-keygen refuses only a signature dated after valid-before
      for (const s of change.added) windows.push({ signer: s, from: at, until: null });
      trusted = published!;
    } else if (change) {
      vt.problems.push({ kind: 'signers', detail: `${v.name} changes the trusted signers (${describeChange(change)}) but is not signed by a key trusted before it: tampering; the change is ignored` });
    }
    results.set(v.name, vt);
    checked.push(vt);
    grant(v.name, new Date(Math.floor(v.date.getTime() / 1000) * 1000));
  }
  // A grant after a version that is not (or no longer) on main counts from now on only.
  for (const g of grants) if (g.after !== null && !results.has(g.after)) grant(g.after, new Date(g.at));
  for (const v of offMain) {
    const signature = checkSignature(v, trusted);
    const published = await publishedSignersAt(archive, v.treeOid);
    const change = published ? compareSigners(trusted, published) : null;
    const vt: VersionTrust = { version: v, onMain: false, trustedBefore: trusted, signature, change, accepted: false, problems: [] };
    if (change && !signature.ok) vt.problems.push({ kind: 'signers', detail: `${v.name} changes the trusted signers (${describeChange(change)}) but is not signed by a trusted key: tampering; the change is ignored` });
    results.set(v.name, vt);
    checked.push(vt);
  }
  // Signature problems say what became of an untrusted key that was ever trusted: removed
  // before the version, or added only after it. Versions off main were checked against the
  // signers trusted now, so they come after every change.
  const events = new Map<string, { at: number; version: string; added: boolean; principals: string }[]>();
  checked.forEach((vt, at) => {
    if (!vt.accepted) return;
    for (const [list, added] of [[vt.change!.added, true], [vt.change!.removed, false]] as const) {
      for (const s of list) {
        const fp = keyFingerprint(s.publicKey);
        events.set(fp, [...(events.get(fp) ?? []), { at, version: vt.version.name, added, principals: s.principals }]);
      }
    }
  });
  checked.forEach((vt, at) => {
    const history = (fp: string): string | null => {
      const all = events.get(fp) ?? [];
      const before = all.filter((e) => e.at < at || !vt.onMain);
      const last = before[before.length - 1];
      if (last && !last.added) {
        const from = [...before].reverse().find((e) => e.added);
        return `it was removed in ${last.version}${from ? `; trusted as ${from.principals} from ${from.version}` : ''}`;
      }
      const later = all.find((e) => e.added && e.at >= at && vt.onMain);
      return later ? `it became trusted only later: added as ${later.principals} in ${later.version}` : null;
    };
    const detail = signatureProblem(vt.version, vt.signature, history);
    if (detail) vt.problems.unshift({ kind: 'signature', detail });
  });
  if (record.justEstablished) {
    const own = await archive.signingKey().catch(() => null);
    if (own && !trusted.some((s) => sameKey(s.publicKey, own.publicKey))) notify(`this archive's own signing key ${keyFingerprint(own.publicKey)} is not a trusted signer: \`snap commit\` refuses to sign with it until a trusted signer adds it`);
  }
    return { root: record.root, versions: results, current: trusted, pending: record.pending, grants, next: applyPending(trusted, record.pending), windows };
}

// ---- changes by the team -----------------------------------------------------------------

async function mutateRecord(archive: Archive, notify: Notify, change: (record: TrustRecord, chain: TrustChain) => void): Promise<TrustChain> {
  const chain = await evaluateTrust(archive, { notify });
  const record = (await readRecord(archive)) ?? { format: 'snap-trust/1' as const, root: chain.root, pending: [] };
  change(record, chain);
  await writeRecord(archive, record);
  return evaluateTrust(archive, { notify });
}

/**
 * Trust in an archive rebuilt from its vault: the earliest version's signers as the root (the
 * person recovering holds the vault; said so, as trust on first use is), and `signer`, the key
 * made for this machine, trusted for the versions after `after`, the newest one recovered.
 */
export async function recordCloneTrust(archive: Archive, signer: Signer, after: string, notify: Notify): Promise<TrustChain> {
  const existing = await readRecord(archive);
  // The root is trusted on first use here (clone may already have judged seals, which records it).
  if (!existing || (existing.root.how === 'first-use' && !existing.grants?.length)) {
    const chain = existing ? null : await evaluateTrust(archive, { notify: () => undefined }); // establishes the root on first use
    const record = (await readRecord(archive)) ?? { format: 'snap-trust/1' as const, root: chain!.root, pending: [] };
    record.root = { ...record.root, how: 'clone' };
    await writeRecord(archive, record);
  }
  return mutateRecord(archive, notify, (record) => {
    record.grants = [...(record.grants ?? []).filter((g) => !sameKey(g.signer.publicKey, signer.publicKey)), { signer, after, at: new Date().toISOString(), by: 'snap clone' }];
  });
}

/** Withdraws this machine's grant of trust to a key (it was never sealed in a version). */
export async function dropGrant(archive: Archive, publicKey: string, notify: Notify): Promise<TrustChain> {
  return mutateRecord(archive, notify, (record) => {
    record.grants = (record.grants ?? []).filter((g) => !sameKey(g.signer.publicKey, publicKey));
  });
}

export type SignerChangeRequest = { action: 'add'; signer: Signer } | { action: 'remove'; publicKey: string };

/**
 * Records changes as pending, in one write of the record. A change to a key replaces one pending
 * for it, and says so rather than change something else in passing:
 *   - removing a key that is not trusted drops what is pending for it (an add not yet sealed);
 *   - adding back a trusted key under its own name drops its pending removal;
 *   - a key trusted, or pending, under another name is refused: renaming is a removal and an
 *     addition, asked for as such (never for this archive's own key, which `rotate` replaces).
 */
export async function recordPendingChanges(archive: Archive, changes: SignerChangeRequest[], notify: Notify): Promise<TrustChain> {
  const own = (await archive.signingKey().catch(() => null))?.publicKey ?? null;
  return mutateRecord(archive, notify, (record, chain) => {
    for (const c of changes) {
      const key = c.action === 'add' ? c.signer.publicKey : c.publicKey;
      const at = new Date().toISOString();
      const trusted = chain.current.find((s) => sameKey(s.publicKey, key));
      const others = record.pending.filter((p) => !sameKey(p.action === 'add' ? p.signer.publicKey : p.publicKey, key));
      if (c.action === 'remove') {
        record.pending = trusted ? [...others, { action: 'remove', publicKey: c.publicKey, at }] : others;
        continue;
      }
      const name = c.signer.principals;
      if (trusted && trusted.principals !== name) {
        const ownKey = own !== null && sameKey(own, key);
        throw new SnapError(
          'USAGE',
          `${keyFingerprint(key)} is already trusted as ${trusted.principals}${ownKey ? " (this archive's own signing key); its name is not changed by adding it again, and `snap signers rotate` replaces the key itself" : `; to trust it as ${name} instead: snap signers remove ${trusted.principals} && snap signers add ${name} KEY`}; nothing was changed`,
          { fingerprint: keyFingerprint(key), trustedAs: trusted.principals },
        );
      }
      const pendingAdd = record.pending.find((p): p is Extract<PendingChange, { action: 'add' }> => p.action === 'add' && sameKey(p.signer.publicKey, key));
      if (pendingAdd && pendingAdd.signer.principals !== name) {
        throw new SnapError('USAGE', `${keyFingerprint(key)} is already pending as ${pendingAdd.signer.principals}; to add it as ${name} instead: snap signers remove ${pendingAdd.signer.principals} && snap signers add ${name} KEY; nothing was changed`, { fingerprint: keyFingerprint(key), pendingAs: pendingAdd.signer.principals });
      }
      record.pending = trusted ? others : [...others, { action: 'add', signer: c.signer, at }];
    }
  });
}

export function addPendingSigner(archive: Archive, signer: Signer, notify: Notify): Promise<TrustChain> {
  return recordPendingChanges(archive, [{ action: 'add', signer }], notify);
}

export function removePendingSigner(archive: Archive, publicKey: string, notify: Notify): Promise<TrustChain> {
  return recordPendingChanges(archive, [{ action: 'remove', publicKey }], notify);
}

/** Drops pending changes the trusted set already holds (sealed by a run that was interrupted after). */
export async function settlePending(archive: Archive, chain: TrustChain): Promise<TrustChain> {
  if (chain.pending.length === 0 || compareSigners(chain.current, chain.next) !== null) return chain;
  const record = await readRecord(archive);
  if (record) await writeRecord(archive, { ...record, pending: [] });
  return { ...chain, pending: [], next: chain.current };
}

// ---- what stock git is given -----------------------------------------------------------------

function sshTime(d: Date): string {
  return `${d.toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, '')}Z`;
}

export function trustedCopyText(chain: TrustChain): string {
  const lines = chain.windows.map((w) => {
    const options = [...(w.from ? [`valid-after="${sshTime(w.from)}"`] : []), ...(w.until ? [`valid-before="${sshTime(w.until)}"`] : [])];
    return formatAllowedSigner(w.signer.principals, w.signer.publicKey, w.signer.comment ?? '', options);
  });
  return (
    '# The signers this archive trusts, for stock git (gpg.ssh.allowedSignersFile), each with the\n' +
    '# time it was trusted in. Written by snap from .git/snap/trust.json and the signed history of\n' +
    '# signer changes; edits here are overwritten and never change what `snap verify` accepts.\n' +
    lines.join('')
  );
}

/**
 * Writes the trusted copy for stock git and points git at it (relative to the archive, so a
 * moved archive still verifies). Each file is written only when it changes. Returns what changed.
 */
export async function publishToGit(archive: Archive, chain: TrustChain): Promise<{ copy: boolean; config: boolean }> {
  const path = join(archive.privateDir, TRUSTED_COPY_FILE);
  const text = trustedCopyText(chain);
  const current = await readFile(path, 'utf8').catch(() => null);
  let copy = false;
  if (current !== text) {
    await mkdir(archive.privateDir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(path, text, { fsync: true });
    copy = true;
  }
  const config = await archive.repo.setConfig({ 'gpg.format': 'ssh', 'gpg.ssh.allowedSignersFile': TRUSTED_COPY_CONFIG_PATH });
  return { copy, config };
}

/** publishToGit for verbs that only read: a read-only archive is not an error. */
export async function publishToGitQuietly(archive: Archive, chain: TrustChain, notify: Notify): Promise<void> {
  try {
    const changed = await publishToGit(archive, chain);
    if (changed.config) notify(`stock git now verifies tags against the trusted copy ${TRUSTED_COPY_CONFIG_PATH} (gpg.ssh.allowedSignersFile)`);
  } catch {
    /* read-only: stock git keeps what it had; snap's own checks do not depend on it */
  }
}

/** Signers the working tree's published copy lists that are not trusted (and trusted ones it lacks). */
export async function workingTreeDrift(archive: Archive, published: Signer[]): Promise<SignerChange | null> {
  const path = join(archive.dir, ALLOWED_SIGNERS_PATH);
  if (!existsSync(path)) return null;
  const text = await readFile(path, 'utf8').catch(() => null);
  if (text === null) return null;
  return compareSigners(published, parseSigners(text));
}

export function describeDrift(drift: SignerChange): string {
  const extra = drift.added.map(describeSigner);
  const missing = drift.removed.map(describeSigner);
  return (
    `the working tree's ${ALLOWED_SIGNERS_PATH} ${extra.length ? `lists ${extra.join(', ')}, not a trusted signer` : ''}${extra.length && missing.length ? ', and ' : ''}${missing.length ? `lacks ${missing.join(', ')}` : ''}: ` +
    'that file is only a published copy and grants nothing; `snap commit` replaces it with the trusted list (add a signer with `snap signers add`)'
  );
}

