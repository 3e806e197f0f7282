// One-line summaries of what changed between two trees, per top-level folder, for commit
// messages, tag messages and `snap log`. The generated files are left out: the manifests always
// change, and RECOVERY.md is derived from the rest of the tree.
import type { GitRepo } from '../git/repo.js';
import { diffTrees } from '../git/tree-walk.js';
import { RECOVERY_PATH } from './archive.js';
import { MANIFEST_MD_PATH, MANIFEST_PATH } from './manifest.js';

export interface ChangeCounts {
  /** top-level folder (or file) → changed files under it */
  byFolder: Map<string, { added: number; removed: number; modified: number }>;
  total: number;
}

const IGNORED = new Set([MANIFEST_PATH, MANIFEST_MD_PATH, RECOVERY_PATH]);

export async function countChanges(repo: GitRepo, fromTree: string | null, toTree: string): Promise<ChangeCounts> {
  const byFolder: ChangeCounts['byFolder'] = new Map();
  let total = 0;
  for await (const change of diffTrees(repo, fromTree, toTree)) {
    if (IGNORED.has(change.path)) continue;
    const folder = change.path.split('/')[0]!;
    const c = byFolder.get(folder) ?? { added: 0, removed: 0, modified: 0 };
    c[change.status]++;
    byFolder.set(folder, c);
    total++;
  }
  return { byFolder, total };
}

export function formatChangeSummary(counts: ChangeCounts, firstVersion: boolean): string {
  if (counts.total === 0) return 'no changes';
  const parts = [...counts.byFolder.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([folder, c], i) => {
      const n = c.added + c.removed + c.modified;
      const noun = i === 0 ? (n === 1 ? ' file' : ' files') : '';
      return firstVersion ? `${n}${noun} in ${folder}` : `${n}${noun} changed in ${folder}`;
    });
  return parts.join(', ');
}
