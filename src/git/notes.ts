// Git notes written by snap (refs/notes/<name>): one note per annotated commit, as stock git
// keeps them, so `git log --notes=<name>` shows them too. Used to record when a version was
// last proven restorable, and why a version was forgotten.
import { encodeCommit, encodeTree, MODE_FILE, MODE_TREE, type Identity } from './objects.js';
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

/** Every note under a notes ref, by the commit it annotates (flat and fanned-out trees alike). */
export async function readAllNotes(repo: GitRepo, notesRef: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const head = await repo.resolveRef(notesRef);
  if (!head) return out;
  const walk = async (tree: string, prefix: string): Promise<void> => {
    for (const e of await repo.readTree(tree)) {
      const name = prefix + e.name;
      if (e.mode === MODE_TREE) await walk(e.oid, name);
      else if (/^[0-9a-f]{40}$/.test(name)) out.set(name, Buffer.from(await repo.readBlob(e.oid)).toString('utf8'));
    }
  };
  await walk((await repo.readCommit(head)).tree, '');
  return out;
}

export async function writeNote(repo: GitRepo, notesRef: string, commitOid: string, text: string, who: Identity): Promise<void> {
  await writeNotes(repo, notesRef, new Map([[commitOid, text]]), who);
}

/** Adds or replaces several notes in one notes commit (one ref update: all or none of them). */
export async function writeNotes(repo: GitRepo, notesRef: string, notes: ReadonlyMap<string, string>, who: Identity, message = 'Notes added by snap'): Promise<void> {
  const head = await repo.resolveRef(notesRef);
  const entries = head ? (await repo.readTree((await repo.readCommit(head)).tree)).filter((e) => !notes.has(e.name)) : [];
  for (const [commitOid, text] of notes) {
    const blob = await repo.writeLooseObject('blob', Buffer.from(text.endsWith('\n') ? text : `${text}\n`, 'utf8'));
    entries.push({ name: commitOid, mode: MODE_FILE, oid: blob });
  }
  const tree = await repo.writeLooseObject('tree', encodeTree(entries));
  const commit = await repo.writeLooseObject('commit', encodeCommit({ tree, parents: head ? [head] : [], author: who, committer: who, message: `${message}\n` }));
  await repo.updateRef(notesRef, commit, head);
}
