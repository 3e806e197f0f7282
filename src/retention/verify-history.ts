// What `snap verify --all` says about main's history beyond the versions it checks: each
// commit on main that has no tag is either forgotten by policy (a forget record signed by a
// trusted signer is filed on it: reported as such, not a problem) or a problem: its tag was
// deleted outside `snap forget` (or a commit was stopped before its tag was made), or its
// forget record does not verify (altered, or signed by an untrusted key).
import type { Archive } from '../archive/archive.js';
import type { SignerSet } from './trust-signers.js';
import type { VersionVerdict } from '../verify/verify.js';
import { readHistory } from './history.js';
import { FORGOTTEN_NOTES_REF } from './records.js';

export interface ForgottenInfo {
  /** who forgot it (the identity the record names) and the key that signed the record */
  by: string;
  signer: string;
  at: string;
  rule: string;
  taken: string;
}

const empty = { files: 0, payloads: 0, payloadBytes: 0 };

export async function historyVerdicts(archive: Archive, signers: SignerSet): Promise<VersionVerdict[]> {
  const history = await readHistory(archive, signers);
  const out: VersionVerdict[] = [];
  for (const c of history.main) {
    if (c.kind === 'forgotten') {
      const forgotten: ForgottenInfo = { by: `${c.record.by.name} <${c.record.by.email}>`, signer: c.signer, at: c.record.forgotten, rule: c.record.rule, taken: c.record.taken };
      out.push({ version: c.name, commit: c.commit, ok: true, signer: c.signer, ...empty, problems: [], notes: [], forgotten });
    } else if (c.kind === 'untagged') {
      out.push({
        version: c.name,
        commit: c.commit,
        ok: false,
        signer: null,
        ...empty,
        notes: [],
        problems: [{ kind: 'tag-deleted', where: `commit ${c.commit.slice(0, 12)}`, detail: `${c.name} is on main's history but has no tag and no forget record: its tag was deleted outside \`snap forget\` (or a commit was stopped before its tag was made)` }],
      });
    } else if (c.kind === 'bad-record') {
      out.push({ version: c.name, commit: c.commit, ok: false, signer: null, ...empty, notes: [], problems: [{ kind: 'forget-record', where: `${FORGOTTEN_NOTES_REF} ${c.commit.slice(0, 12)}`, detail: `${c.name} has no tag, and its forget record does not verify: ${c.why}` }] });
    }
  }
  return out;
}
