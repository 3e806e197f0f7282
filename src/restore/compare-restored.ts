// What `snap restore-test` compares: the version's files against the files a live snapshot
// of the scratch target wrote for what was restored. Like `snap diff`, except that
//   - files are paired by each collector's restoreTestKey (a zone folder or a distribution
//     re-created in another account has a new id in its path), and derived views are left out;
//   - the fields a provider assigns when it creates a resource (ResourceFileSpec.assigned:
//     ids, creation times) are not differences.
// Pairs with the same blob id are equal without being read.
import { collectorForPath, describeChange, linkByName, subtreeAt, type ObjectSource, type ResourceChange } from '../diff/compare.js';
import { loadCollector } from '../collectors/lazy.js';
import type { AnyCollector } from '../collectors/types.js';
import { walkFiles, type FileEntry } from '../git/tree-walk.js';
import { MODE_TREE } from '../git/objects.js';

async function keyedFiles(source: ObjectSource, tree: string, path: string, collector: AnyCollector): Promise<Map<string, FileEntry>> {
  const out = new Map<string, FileEntry>();
  const folder = await subtreeAt(source, tree, path);
  if (folder?.mode !== MODE_TREE) return out;
  for await (const file of walkFiles(source, folder.oid, path)) {
    const rel = file.path.slice(collector.root.length + 1);
    const read = async () => JSON.parse(Buffer.from(await source.readBlob(file.oid)).toString('utf8')) as unknown;
    const key = collector.restoreTestKey ? await collector.restoreTestKey(rel, read) : rel;
    if (key !== null) out.set(key, file);
  }
  return out;
}

/** Resource changes from the version's `paths` to what was restored, modulo re-creation. */
export async function compareRestored(source: ObjectSource, versionTree: string, restoredTree: string, paths: string[], registry?: readonly AnyCollector[]): Promise<ResourceChange[]> {
  const out: ResourceChange[] = [];
  for (const path of [...new Set(paths)].sort()) {
    const entry = collectorForPath(path, registry);
    if (!entry) continue;
    const collector = await loadCollector(entry);
    const [before, after] = await Promise.all([keyedFiles(source, versionTree, path, collector), keyedFiles(source, restoredTree, path, collector)]);
    for (const key of [...new Set([...before.keys(), ...after.keys()])].sort()) {
      const a = before.get(key);
      const b = after.get(key);
      if (a && b && a.oid === b.oid) continue;
      const change = { path: (a ?? b)!.path, status: a && b ? ('modified' as const) : a ? ('removed' as const) : ('added' as const), old: a ?? null, new: b ?? null };
      out.push(...(await describeChange(source, change, { registry, moduloAssigned: true })));
    }
  }
  return linkByName(out);
}
