// `snap stats`: how big the archive is and where the bytes go. Counted from the same references
// prune works from (prune.ts planPrune), so "what prune would free" is exactly what `snap prune`
// then deletes:
//   - versions kept, and forgotten (by a signed record);
//   - the store: objects and bytes, as the backend lists them;
//   - bytes per service: the payloads each top-level folder refers to in any kept version
//     (a payload two services share counts for both; the referenced total counts it once);
//   - dedup: what the kept versions refer to, reference by reference (each version's payloads
//     in full, as a restore of each would need them), against what is stored once;
//   - what each recent version added: the payloads no older kept version referenced;
//   - the git history: bytes of .git/objects (packs and loose objects).
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Archive } from '../archive/archive.js';
import type { ContentStore } from '../store/types.js';
import { evaluateTrust } from '../archive/trust.js';
import { pendingForgets } from './forget.js';
import { planPrune } from './prune.js';
import { recordSigners } from './trust-signers.js';

export interface ArchiveStats {
  format: 'snap-stats/1';
  versions: { kept: number; forgotten: number; newest: string | null; oldest: string | null };
  store: { description: string; objects: number; bytes: number };
  referenced: { objects: number; bytes: number };
  services: { service: string; objects: number; bytes: number }[];
  /** sum over kept versions of the payload bytes each refers to */
  logicalBytes: number;
  /** logicalBytes / referenced.bytes (1 when nothing is stored) */
  dedupRatio: number;
  recent: { version: string; date: string; payloads: number; bytes: number; added: { objects: number; bytes: number } }[];
  /** interruptedForget: versions an interrupted forget recorded; prune deletes their tags first, so they are counted as forgotten */
  prune: { objects: number; bytes: number; forgottenVersions: number; interruptedForget: string[] };
  git: { bytes: number };
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += await folderBytes(p);
    else if (e.isFile()) total += (await stat(p).catch(() => null))?.size ?? 0;
  }
  return total;
}

export async function archiveStats(archive: Archive, store: ContentStore, options: { recent?: number } = {}): Promise<ArchiveStats> {
  const chain = await evaluateTrust(archive);
  const signers = await recordSigners(archive, chain);
  const recentCount = options.recent ?? 5;
  // Counted as `snap prune` will find them: it first completes an interrupted forget.
  const interrupted = await pendingForgets(archive, chain);
  const plan = await planPrune(archive, store, signers, undefined, new Set(interrupted));
  const { history, walker } = plan;

  // Versions oldest first, as planPrune walked their commits.
  const position = (c: string) => history.order.get(c) ?? -1;
  const perVersion: ArchiveStats['recent'] = [];
  let logicalBytes = 0;
  for (const v of [...history.versions].sort((a, b) => position(b.commitOid) - position(a.commitOid))) {
    const r = plan.perCommit.get(v.commitOid)!;
    logicalBytes += r.total.bytes;
    perVersion.push({ version: v.name, date: v.date.toISOString(), payloads: r.total.refs, bytes: r.total.bytes, added: r.added });
  }

  const byService = new Map<string, { objects: number; bytes: number }>();
  for (const ref of walker.referenced.values()) {
    for (const root of ref.roots) {
      const s = byService.get(root || '(root)') ?? { objects: 0, bytes: 0 };
      s.objects++;
      s.bytes += ref.size;
      byService.set(root || '(root)', s);
    }
  }
  const referencedBytes = [...walker.referenced.values()].reduce((n, r) => n + r.size, 0);
  const newestFirst = [...perVersion].reverse();
  return {
    format: 'snap-stats/1',
    versions: {
      kept: history.versions.length,
      forgotten: history.main.filter((c) => c.kind === 'forgotten').length,
      newest: newestFirst[0]?.version ?? null,
      oldest: perVersion[0]?.version ?? null,
    },
    store: { description: store.description, objects: plan.store.objects, bytes: plan.store.bytes },
    referenced: { objects: walker.referenced.size, bytes: referencedBytes },
    services: [...byService.entries()].map(([service, s]) => ({ service, ...s })).sort((a, b) => b.bytes - a.bytes || (a.service < b.service ? -1 : 1)),
    logicalBytes,
    dedupRatio: referencedBytes > 0 ? Math.round((logicalBytes / referencedBytes) * 100) / 100 : 1,
    recent: newestFirst.slice(0, recentCount),
    prune: { objects: plan.unreferenced.length, bytes: plan.unreferenced.reduce((n, o) => n + o.size, 0), forgottenVersions: history.main.filter((c) => c.kind === 'forgotten').length, interruptedForget: interrupted },
    git: { bytes: await folderBytes(join(archive.gitdir, 'objects')) },
  };
}
