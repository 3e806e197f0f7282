// Forget records: the signed statement that a version was forgotten by policy, and by whom.
//
// `snap forget` deletes a forgotten version's tag, but not its commit (every later commit names
// it as parent). So that nobody can mistake a forgotten version for a tag deleted by someone,
// each forgotten version gets a record, kept as a git note on its commit
// (refs/notes/snap-forgotten; `git log --notes=snap-forgotten` shows it), travelling wherever
// notes travel (`snap push`, the vault's history bundles).
//
// A record is the text of a signed annotated tag object, signed like a version with the
// archive's key (SSH signature, namespace "git"):
//
//   object <the forgotten commit>
//   type commit
//   tag forgotten/<version>
//   tagger <who> <when it was forgotten>
//
//   snap forget: <version> forgotten by policy (<policy in words>)
//
//   {"format":"snap-forget/1","version":…,"commit":…,"tag":<the deleted tag object's id>,…}
//   -----BEGIN SSH SIGNATURE-----
//
// so stock git can check one too: `git notes --ref=snap-forgotten show <commit> | git
// hash-object -t tag -w --stdin | xargs git verify-tag`. The tag object is never given a ref
// of its own: the record names the forgotten commit but keeps nothing alive. A note may hold
// several records (two names of one commit forgotten at different times), one after another.
import { hostname, userInfo } from 'node:os';
import { decodeTag, encodeTagPayload, type Identity, type ParsedTag } from '../git/objects.js';
import { readAllNotes, readNote, writeNotes } from '../git/notes.js';
import type { GitRepo } from '../git/repo.js';
import { signSsh, verifySshSignature, type AllowedSigner, type SignatureCheck, type SigningKey } from '../git/ssh-signature.js';
import type { RetentionPolicy } from './policy.js';

export const FORGOTTEN_NOTES_REF = 'refs/notes/snap-forgotten';
export const RECORD_FORMAT = 'snap-forget/1';

export interface ForgetRecord {
  format: typeof RECORD_FORMAT;
  version: string;
  commit: string;
  /** the id of the version's signed tag object when it was forgotten (null: a lightweight tag) */
  tag: string | null;
  /** when the version was taken */
  taken: string;
  /** when it was forgotten, and by whom: the archive's identity, the OS user and host */
  forgotten: string;
  by: { name: string; email: string; user: string; host: string };
  policy: RetentionPolicy;
  /** the policy in words */
  rule: string;
}

export interface StoredRecord {
  record: ForgetRecord;
  tag: ParsedTag;
  /** the record's exact text (a tag object) */
  text: string;
}

export type RecordCheck = { ok: true; signer: string } | { ok: false; why: string };

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** The record's text, signed with the archive's key. */
export function signRecord(fields: Omit<ForgetRecord, 'format' | 'by'> & { by: { name: string; email: string } }, who: Identity, key: SigningKey): string {
  const record: ForgetRecord = { format: RECORD_FORMAT, ...fields, by: { ...fields.by, user: osUser(), host: hostname() } };
  const message = `snap forget: ${record.version} forgotten by policy (${record.rule})\n\n${JSON.stringify(record)}\n`;
  const payload = encodeTagPayload({ object: record.commit, type: 'commit', tag: `forgotten/${record.version}`, tagger: who, message });
  return payload + signSsh(payload, key);
}

/** The records in one note's text; malformed parts are returned as null so they can be reported. */
export function parseRecords(text: string): (StoredRecord | null)[] {
  const parts = text.split(/(?<=-----END SSH SIGNATURE-----\n)(?=object )/);
  return parts.filter((p) => p.trim()).map((part) => {
    try {
      const tag = decodeTag(Buffer.from(part, 'utf8'));
      const json = tag.message.slice(tag.message.indexOf('\n\n') + 2).trim();
      const record = JSON.parse(json) as ForgetRecord;
      if (record.format !== RECORD_FORMAT || typeof record.version !== 'string' || typeof record.commit !== 'string') return null;
      return { record, tag, text: part };
    } catch {
      return null;
    }
  });
}

/**
 * Whether a record is what it says: signed by a trusted signer, about the commit whose note
 * holds it, and its visible header agreeing with its signed content.
 */
export function checkRecord(stored: StoredRecord, noteCommit: string, signers: AllowedSigner[] | ((at: Date) => AllowedSigner[])): RecordCheck {
  const { record, tag } = stored;
  if (!tag.signature) return { ok: false, why: 'the record is not signed' };
  // The signers trusted when the record was made (its tagger date), as a version's are.
  const allowed = typeof signers === 'function' ? signers(new Date((tag.tagger?.timestamp ?? 0) * 1000)) : signers;
  const sig: SignatureCheck = verifySshSignature(tag.payload, tag.signature, allowed);
  if (!sig.ok) return { ok: false, why: sig.reason === 'untrusted-key' ? `signed by a key that was not a trusted signer when it was made (${sig.fingerprint})` : sig.reason === 'bad-signature' ? 'the signature does not match the record: it was altered after signing' : `the signature cannot be checked (${sig.reason})` };
  if (record.commit !== noteCommit || tag.object !== noteCommit) return { ok: false, why: `the record is about commit ${record.commit.slice(0, 12)}, but is filed on ${noteCommit.slice(0, 12)}` };
  if (tag.tag !== `forgotten/${record.version}`) return { ok: false, why: `the record's header names ${tag.tag}, its content ${record.version}` };
  return { ok: true, signer: sig.principal };
}

/** Every record, by the commit it is filed on (null entries: a part that is not a record). */
export async function readRecords(repo: GitRepo): Promise<Map<string, (StoredRecord | null)[]>> {
  const out = new Map<string, (StoredRecord | null)[]>();
  for (const [commit, text] of await readAllNotes(repo, FORGOTTEN_NOTES_REF)) out.set(commit, parseRecords(text));
  return out;
}

/** Files records on their commits, after whatever a commit's note already holds (kept byte for byte), in one notes commit. */
export async function fileRecords(repo: GitRepo, records: { commit: string; text: string }[], who: Identity): Promise<void> {
  const notes = new Map<string, string>();
  for (const r of records) {
    const before = notes.get(r.commit) ?? (await readNote(repo, FORGOTTEN_NOTES_REF, r.commit)) ?? '';
    notes.set(r.commit, (before && !before.endsWith('\n') ? `${before}\n` : before) + r.text);
  }
  await writeNotes(repo, FORGOTTEN_NOTES_REF, notes, who, `snap forget: ${records.length} version${records.length === 1 ? '' : 's'} forgotten`);
}

/** The names of versions forgotten by a record (whatever its signature: a name is never given twice). */
export async function forgottenNames(repo: GitRepo): Promise<Map<string, ForgetRecord>> {
  const out = new Map<string, ForgetRecord>();
  for (const list of (await readRecords(repo)).values()) for (const r of list) if (r) out.set(r.record.version, r.record);
  return out;
}
