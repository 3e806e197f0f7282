// Reading a version for its runbook: which layers it holds (a layer is present when its
// folder is at the version's root), each layer's resources and what of it cannot be restored,
// and the top-level folders no layer claims. The result is plain data, already in a stable
// order, so rendering it is a pure function and the same version always reads the same.
import { byteOrder, LAYERS, LayerFolder, type LayerContent, type LayerSpec } from './layers.js';
import type { RunbookSource } from './source.js';

export interface LayerFacts extends LayerContent {
  spec: LayerSpec;
}

export interface RunbookFacts {
  /** present layers, in restore order */
  layers: LayerFacts[];
  /** top-level folders of the version that no layer describes */
  otherFolders: string[];
}

/** Folders at the root that belong to snap itself, not to the estate. */
const SNAP_FOLDERS = new Set(['.snap']);

export async function readRunbookFacts(source: RunbookSource, layers: readonly LayerSpec[] = LAYERS): Promise<RunbookFacts> {
  const top = (await source.list('')).filter((e) => e.mode === '40000').map((e) => e.name);
  const present = new Set(top);
  const out: LayerFacts[] = [];
  for (const spec of layers) {
    if (!present.has(spec.root)) continue;
    out.push({ spec, ...(await spec.read(new LayerFolder(source, spec.root))) });
  }
  const claimed = new Set(layers.map((l) => l.root));
  const otherFolders = top.filter((name) => !claimed.has(name) && !SNAP_FOLDERS.has(name)).sort(byteOrder);
  return { layers: out, otherFolders };
}
