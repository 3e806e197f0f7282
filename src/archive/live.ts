// The live estate as a tree that is never written: `snap status` and `snap diff … live`.
// Runs the enabled collectors (or those owning the given paths) exactly as a commit would,
// reusing the latest version for unchanged payloads, but with git objects kept in memory and
// payloads only hashed. The archive is not locked, not changed, and nothing is downloaded
// twice that the latest version already identifies.
import { SnapError } from '../errors.js';
import { collectors as registered } from '../collectors/registry.js';
import type { AnyCollector } from '../collectors/types.js';
import { HashingStore } from '../store/hashing-store.js';
import type { Logger, Progress } from '../util/log.js';
import type { Redactor } from '../util/redact.js';
import { Archive } from './archive.js';
import { MemoryObjects } from './memory-objects.js';
import { enabledCollectors, snapshotTree, type SnapshotTree } from './snapshot.js';
import { evaluateTrust, formatSigners } from './trust.js';

export interface LiveTree extends SnapshotTree {
  objects: MemoryObjects;
  /** the top-level folders that were collected (compare only these) */
  roots: string[];
}

export interface LiveOptions {
  paths?: string[];
  progress: Progress;
  log: Logger;
  signal?: AbortSignal;
  collectors?: readonly AnyCollector[];
  /** read another endpoint or account than the configured one (a restore-test's scratch target) */
  aws?: { endpoint?: string; profile?: string };
  /** the command's secret filter */
  redactor?: Redactor;
}

export async function collectLive(archive: Archive, options: LiveOptions): Promise<LiveTree> {
  const loaded = await archive.loadConfig();
  const config = options.aws ? { ...loaded, aws: { ...loaded.aws, ...(options.aws.endpoint ? { endpoint: options.aws.endpoint } : {}), ...(options.aws.profile ? { profile: options.aws.profile } : {}) } } : loaded;
  let selected = enabledCollectors(config, options.collectors ?? registered);
  const tops = new Set((options.paths ?? []).map((p) => p.replace(/^\/+/, '').split('/')[0]!).filter(Boolean));
  if (tops.size) {
    const known = new Set(selected.map((s) => s.collector.root));
    for (const t of tops) {
      if (!known.has(t)) throw new SnapError('PATH_NOT_FOUND', `no enabled collector writes ${t}/ (enabled: ${[...known].sort().join(', ')})`, { path: t });
    }
    selected = selected.filter((s) => tops.has(s.collector.root));
  }
  const objects = new MemoryObjects(archive.repo);
  const store = new HashingStore(archive.openStore(config));
  const tree = await snapshotTree(archive, {
    version: 'live',
    config,
    selected,
    objects,
    store,
    fingerprint: await archive.fingerprinter(),
    signers: formatSigners((await evaluateTrust(archive, { notify: (m) => options.log.warn(m) })).next),
    progress: options.progress,
    log: options.log,
    signal: options.signal,
    now: () => new Date(),
    redactor: options.redactor,
  });
  return { ...tree, objects, roots: selected.map((s) => s.collector.root) };
}
