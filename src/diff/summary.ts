// One-line summaries of what changed, for commit and tag messages and `snap log`:
// "3 distributions changed in cloudfront, 1 object in s3_buckets" — resources counted by the
// names their collectors give them, per service, in path order.
import { countChanges } from '../archive/summary.js';
import type { GitRepo } from '../git/repo.js';
import { groupChanges } from './render.js';
import { collectorForPath, compareTrees, type ResourceChange } from './compare.js';

function plural(kind: string, n: number): string {
  if (n === 1) return kind;
  if (/(s|x|ch|sh)$/.test(kind)) return `${kind}es`;
  if (/[^aeiou]y$/.test(kind)) return `${kind.slice(0, -1)}ies`;
  return `${kind}s`;
}

export interface ServiceCount {
  service: string;
  resources: number;
  /** the one kind of resource that changed in this service, when there is only one */
  kind: string | null;
}

export function countByService(changes: ResourceChange[]): ServiceCount[] {
  const out: ServiceCount[] = [];
  for (const [service, byLabel] of groupChanges(changes)) {
    const kinds = new Set([...byLabel.values()].flatMap((list) => list.map((c) => c.kind)));
    out.push({ service, resources: byLabel.size, kind: kinds.size === 1 ? [...kinds][0]! : null });
  }
  return out;
}

export function summarizeChanges(changes: ResourceChange[], limit = 4): string {
  const counts = countByService(changes);
  if (counts.length === 0) return 'no changes';
  const parts = counts.map((c, i) => {
    const what = c.kind && c.kind !== 'file' ? ` ${plural(c.kind, c.resources)}` : '';
    return `${c.resources}${what} ${i === 0 ? 'changed in' : 'in'} ${c.service}`;
  });
  return parts.length > limit ? `${parts.slice(0, limit).join(', ')} and ${parts.length - limit} more services` : parts.join(', ');
}

/**
 * What changed per service from one version's tree to the next (`snap log --stat`, the notify
 * hook). A first version (no tree before it) is counted by files per service folder, since
 * reading every file of it would be wasted work; the archive's own files are no service.
 */
export async function serviceChanges(repo: GitRepo, fromTree: string | null, toTree: string): Promise<ServiceCount[]> {
  if (fromTree) return countByService(await compareTrees(repo, fromTree, toTree));
  const byFolder = (await countChanges(repo, null, toTree)).byFolder;
  return [...byFolder.entries()].filter(([folder]) => collectorForPath(folder)).map(([service, c]) => ({ service, resources: c.added, kind: 'file' }));
}
