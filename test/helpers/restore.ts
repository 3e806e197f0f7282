// Restore tests: plan and apply a restore the way `snap restore --yes` does, and check that
// the live estate then shows no drift from the version (what `snap status` would print).
import { expect } from 'vitest';
import type { Archive } from '../../src/archive/archive.js';
import { collectLive } from '../../src/archive/live.js';
import { resolveVersion } from '../../src/archive/versions.js';
import type { AnyCollector } from '../../src/collectors/types.js';
import { compareTrees, type ResourceChange } from '../../src/diff/compare.js';
import { applyPlan, planRestore, type RestorePlan, type RestoreRequest } from '../../src/restore/plan.js';
import { silentLogger, silentProgress } from '../../src/util/log.js';

export async function plan(archive: Archive, request: Partial<RestoreRequest> & { version: string }): Promise<RestorePlan> {
  return planRestore(archive, { selectors: [], prune: false, rename: new Map(), ...request }, { log: silentLogger });
}

/** Plans and applies; fails the test if any change failed to apply. Returns the plan. */
export async function restore(archive: Archive, request: Partial<RestoreRequest> & { version: string }): Promise<RestorePlan> {
  const p = await plan(archive, request);
  for (const s of p.services) expect(s.error, `planning ${s.collector.id}`).toBeUndefined();
  const results = await applyPlan(p);
  expect(results.filter((r) => r.error).map((r) => `${r.change.resource}: ${r.error}`)).toEqual([]);
  return p;
}

/** What `snap status PATHS` would show against `version` (default: latest). */
export async function drift(archive: Archive, paths: string[], options: { version?: string; collectors?: readonly AnyCollector[] } = {}): Promise<ResourceChange[]> {
  const v = await resolveVersion(archive.repo, options.version ?? 'latest');
  const live = await collectLive(archive, { paths, progress: silentProgress, log: silentLogger, collectors: options.collectors });
  for (const c of live.manifest.collectors) expect(c.errors, `live ${c.id}`).toEqual([]);
  return compareTrees(live.objects, v.treeOid, live.treeOid, { paths });
}

/** Field paths and files that differ, compactly, for readable assertion failures. */
export function describeDrift(changes: ResourceChange[]): string[] {
  return changes.map((c) => `${c.status} ${c.path}${c.fields ? ` [${c.fields.map((f) => f.path).join(', ')}]` : ''}`);
}
