// `snap commit --skip-unchanged`: whether a snapshot just taken holds nothing new since the
// version before it, so a scheduled run writes a version only when something changed. Nothing
// changed when the differ finds no change between the two trees (the manifests, MANIFEST.md
// and the generated RECOVERY.md are not compared: they record the run, not the estate) and
// the run ended as the last one did: complete, with the same coverage findings and the same
// estate. A partial run is never skipped: its failure is news, and its version records it.
import type { Manifest } from '../archive/manifest.js';
import type { PreviousVersion } from '../archive/runner.js';
import { compareTrees, type ObjectSource, type ResourceChange } from '../diff/compare.js';
import { stableJson } from '../normalize/stable-json.js';

/** What a manifest says about the estate rather than about the run (no times, no transfer counts). */
function essence(m: Manifest): string {
  return stableJson({
    status: m.status,
    source: m.source ?? null,
    coverage: m.coverage,
    collectors: m.collectors.map((c) => ({ id: c.id, status: c.status, errors: c.errors, staleFrom: c.staleFrom ?? null })),
  });
}

/**
 * The version a new snapshot is identical to (`since`), or null when it is new in any way; with
 * the resource changes when the trees were compared to decide it, so the commit's summary need
 * not compare them again.
 */
export async function unchangedSince(objects: ObjectSource, previous: PreviousVersion | null, parentTree: string | null, treeOid: string, manifest: Manifest): Promise<{ since: string | null; changes: ResourceChange[] | null }> {
  if (!previous || !parentTree || !previous.manifest) return { since: null, changes: null };
  if (manifest.status !== 'complete' || essence(manifest) !== essence(previous.manifest)) return { since: null, changes: null };
  const changes = await compareTrees(objects, parentTree, treeOid);
  return { since: changes.length === 0 ? previous.name : null, changes };
}
