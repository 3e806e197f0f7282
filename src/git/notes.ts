// Git notes written by snap (refs/notes/<name>): one note per annotated commit, as stock git
// keeps them, so `git log --notes=<name>` shows them too. Used to record when a version was
// last proven restorable.
import { encodeCommit, encodeTree, MODE_FILE, type Identity } from './objects.js';
import type { GitRepo } from './repo.js';

export async function readNote(repo: GitRepo, notesRef: string, commitOid: string): Promise<string | null> {
  const head = await repo.resolveRef(notesRef);
  if (!head) return null;
  const tree = (await repo.readCommit(head)).tree;
  // Notes trees may be flat or fanned out (ab/cdef…) once they grow; look in both.
  const flat = await repo.entryAt(tree, commitOid);
  const entry = flat ?? (await repo.entryAt(tree, `${commitOid.slice(0, 2)}/${commitOid.slice(2)}`));
  return entry ? Buffer.from(await repo.readBlob(entry.oid)).toString('utf8') : null;
}

export async function writeNote(repo: GitRepo, notesRef: string, commitOid: string, text: string, who: Identity): Promise<void> {
  const head = await repo.resolveRef(notesRef);
  const entries = head ? (await repo.readTree((await repo.readCommit(head)).tree)).filter((e) => e.name !== commitOid) : [];
  const blob = await repo.writeLooseObject('blob', Buffer.from(text.endsWith('\n') ? text : `${text}\n`, 'utf8'));
  const tree = await repo.writeLooseObject('tree', encodeTree([...entries, { name: commitOid, mode: MODE_FILE, oid: blob }]));
  const commit = await repo.writeLooseObject('commit', encodeCommit({ tree, parents: head ? [head] : [], author: who, committer: who, message: `Notes added by snap\n` }));
  await repo.updateRef(notesRef, commit, head);
}
