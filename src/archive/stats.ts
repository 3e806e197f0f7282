// Counting what a tree holds (files, bytes in git, pointer files and the payload bytes they
// reference, and the payloads the collector's files list) by reading it. Used when a folder
// is carried over from a previous version; `snap verify` counts the same way to check the
// manifest against the tree.
import type { AnyCollector } from '../collectors/types.js';
import type { ObjectReader } from '../git/repo.js';
import { walkFiles } from '../git/tree-walk.js';
import type { GitRepo } from '../git/repo.js';
import { countListed, pointerIn } from './payloads.js';
import { EMPTY_STATS, type WriterStats } from './tree-writer.js';

export async function subtreeStats(repo: GitRepo, treeOid: string): Promise<Required<WriterStats>> {
  const stats: Required<WriterStats> = { ...EMPTY_STATS };
  for await (const file of walkFiles(repo, treeOid)) {
    const content = await repo.readBlob(file.oid);
    stats.files++;
    stats.treeBytes += content.length;
    const pointer = pointerIn(content);
    if (pointer) {
      stats.pointers++;
      stats.pointerBytes += pointer.size;
    }
  }
  return stats;
}

/** A collector's whole folder: its tree counts and the payloads it lists. */
export async function folderStats(objects: ObjectReader, collector: AnyCollector, treeOid: string, tree: WriterStats): Promise<Required<WriterStats>> {
  return { ...EMPTY_STATS, ...tree, ...(await countListed(objects, collector, treeOid)) };
}
