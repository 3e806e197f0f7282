// Walking and comparing git trees. diffTrees() compares two trees file by file and skips
// any subtree whose id is the same on both sides without reading it, which is what keeps
// diff, checkout and log summaries fast on archives of hundreds of thousands of entries.
import { MODE_TREE, type TreeEntry } from './objects.js';
/** What walking and comparing trees needs: the repository, or a repository plus objects held in memory. */
export interface TreeSource {
  readTree(oid: string): Promise<TreeEntry[]>;
}

export interface FileEntry {
  path: string;
  mode: TreeEntry['mode'];
  oid: string;
}

export interface FileChange {
  path: string;
  status: 'added' | 'removed' | 'modified';
  old: FileEntry | null;
  new: FileEntry | null;
}

function join(prefix: string, name: string): string {
  return prefix ? `${prefix}/${name}` : name;
}

/** Every file (non-tree entry) under a tree, in git's tree order. */
export async function* walkFiles(repo: TreeSource, treeOid: string, prefix = ''): AsyncGenerator<FileEntry> {
  for (const e of await repo.readTree(treeOid)) {
    const path = join(prefix, e.name);
    if (e.mode === MODE_TREE) yield* walkFiles(repo, e.oid, path);
    else yield { path, mode: e.mode, oid: e.oid };
  }
}

/** File-level differences from `oldTree` to `newTree` (either may be null for "empty"). */
export async function* diffTrees(repo: TreeSource, oldTree: string | null, newTree: string | null, prefix = ''): AsyncGenerator<FileChange> {
  if (oldTree === newTree) return;
  const oldEntries = oldTree ? await repo.readTree(oldTree) : [];
  const newEntries = newTree ? await repo.readTree(newTree) : [];
  const byName = new Map<string, { old?: TreeEntry; new?: TreeEntry }>();
  for (const e of oldEntries) byName.set(e.name, { old: e });
  for (const e of newEntries) byName.set(e.name, { ...byName.get(e.name), new: e });
  const names = [...byName.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  for (const name of names) {
    const pair = byName.get(name)!;
    const path = join(prefix, name);
    const o = pair.old;
    const n = pair.new;
    if (o && n && o.oid === n.oid && o.mode === n.mode) continue;
    const oTree = o?.mode === MODE_TREE;
    const nTree = n?.mode === MODE_TREE;
    if (oTree || nTree) {
      if (o && !oTree) yield { path, status: 'removed', old: { path, mode: o.mode, oid: o.oid }, new: null };
      yield* diffTrees(repo, oTree ? o!.oid : null, nTree ? n!.oid : null, path);
      if (n && !nTree) yield { path, status: 'added', old: null, new: { path, mode: n.mode, oid: n.oid } };
      continue;
    }
    yield {
      path,
      status: o && n ? 'modified' : o ? 'removed' : 'added',
      old: o ? { path, mode: o.mode, oid: o.oid } : null,
      new: n ? { path, mode: n.mode, oid: n.oid } : null,
    };
  }
}
