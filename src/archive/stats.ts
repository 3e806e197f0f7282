// Counting what a tree holds (files, bytes in git, pointers and the payload bytes they
// reference) by reading it. Used when a folder is carried over from a previous version and
// by `snap verify` to check the manifest's counts against the tree.
import type { GitRepo } from '../git/repo.js';
import { walkFiles } from '../git/tree-walk.js';
import { parsePointer, POINTER_MAX_BYTES } from '../store/pointer.js';
import type { WriterStats } from './tree-writer.js';

export async function subtreeStats(repo: GitRepo, treeOid: string): Promise<WriterStats> {
  const stats: WriterStats = { files: 0, treeBytes: 0, pointers: 0, pointerBytes: 0 };
  for await (const file of walkFiles(repo, treeOid)) {
    const content = await repo.readBlob(file.oid);
    stats.files++;
    stats.treeBytes += content.length;
    const pointer = content.length <= POINTER_MAX_BYTES ? parsePointer(content) : null;
    if (pointer) {
      stats.pointers++;
      stats.pointerBytes += pointer.size;
    }
  }
  return stats;
}
