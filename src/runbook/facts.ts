// Reading a version for its runbook: which layers it holds (a layer is present when its
// collector's folder is at the version's root), each layer's resources and what of it cannot
// be restored, and the top-level folders no collector claims. What a layer is, and whether
// `snap restore` can put it back, come from the collector that owns the folder
// (Collector.runbook and Collector.restore), so the runbook never names a command that snap
// would refuse. The result is plain data, already in a stable order, so rendering it is a
// pure function and the same version always reads the same.
import { loadCollectors } from '../collectors/lazy.js';
import { collectors as registered } from '../collectors/registry.js';
import type { AnyCollector } from '../collectors/types.js';
import { RESTORE_ORDER } from '../restore/types.js';
import { byteOrder, LayerFolder, type LayerContent, type RunbookSpec } from './spec.js';
import type { RunbookSource } from './source.js';

export interface LayerFacts extends LayerContent {
  /** the collector that writes this layer's folder */
  collector: { id: string; root: string };
  spec: RunbookSpec;
  /** `snap restore` can put the layer back (its collector has restore()) */
  restorable: boolean;
}

export interface RunbookFacts {
  /** present layers, in restore order */
  layers: LayerFacts[];
  /** top-level folders of the version that no layer describes */
  otherFolders: string[];
}

/** Folders at the root that belong to snap itself, not to the estate. */
const SNAP_FOLDERS = new Set(['.snap']);

const order = (id: string) => {
  const i = RESTORE_ORDER.indexOf(id);
  return i < 0 ? RESTORE_ORDER.length : i;
};

export async function readRunbookFacts(source: RunbookSource, available: readonly AnyCollector[] = registered): Promise<RunbookFacts> {
  const top = (await source.list('')).filter((e) => e.mode === '40000').map((e) => e.name);
  const present = new Set(top);
  const loaded = (await loadCollectors(available.filter((c) => present.has(c.root)))).sort((a, b) => order(a.id) - order(b.id));
  const out: LayerFacts[] = [];
  const claimed = new Set<string>();
  for (const c of loaded) {
    if (!c.runbook) continue;
    claimed.add(c.root);
    out.push({ collector: { id: c.id, root: c.root }, spec: c.runbook, restorable: typeof c.restore === 'function', ...(await c.runbook.read(new LayerFolder(source, c.root))) });
  }
  const otherFolders = top.filter((name) => !claimed.has(name) && !SNAP_FOLDERS.has(name)).sort(byteOrder);
  return { layers: out, otherFolders };
}
