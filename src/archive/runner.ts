// Runs the configured collectors in parallel, each isolated: every collector writes into its
// own TreeWriter, so a collector that throws loses only its own output. Its folder is then
// carried over from the previous version and reported as stale (or failed, on a first
// snapshot), and the others are unaffected. The runner also owns per-collector timeouts,
// progress and the collection of coverage findings.
import type { Manifest, CollectorReport } from './manifest.js';
import type { AnyCollector, CollectContext, CollectorBaseConfig, CoverageFinding } from '../collectors/types.js';
import { describeError } from '../errors.js';
import type { ObjectReader, ObjectSink } from '../git/repo.js';
import type { Fingerprinter } from '../normalize/fingerprint.js';
import type { ContentStore } from '../store/types.js';
import { mapLimit } from '../util/limiter.js';
import type { Logger, Progress } from '../util/log.js';
import type { AwsClients } from '../collectors/aws/shared/clients.js';
import { folderStats, subtreeStats } from './stats.js';
import { loadCollector } from '../collectors/lazy.js';
import { EMPTY_STATS, TreeWriter, type WriterStats } from './tree-writer.js';
import type { VersionReader } from './version-reader.js';

export interface PreviousVersion {
  name: string;
  reader: VersionReader;
  manifest: Manifest | null;
}

export interface RunnerOptions {
  collectors: { collector: AnyCollector; config: CollectorBaseConfig }[];
  version: string;
  archiveDir: string;
  /** where new objects go; read back to count the payloads a collector's files list */
  objects: ObjectSink & ObjectReader;
  store: ContentStore;
  fingerprint: Fingerprinter;
  aws: AwsClients;
  previous: PreviousVersion | null;
  concurrency: number;
  progress: Progress;
  log: Logger;
  signal?: AbortSignal;
  /** abandon a collector that runs longer than this */
  timeoutMs?: number;
}

export interface CollectorOutcome {
  report: CollectorReport;
  /** the collector's folder in the new version, or null when it has none */
  tree: { oid: string; stats: WriterStats } | null;
  coverage: CoverageFinding[];
}

export async function runCollectors(options: RunnerOptions): Promise<CollectorOutcome[]> {
  return mapLimit(options.collectors, options.concurrency, async ({ collector, config }) => runOne(options, await loadCollector(collector), config));
}

async function runOne(options: RunnerOptions, collector: AnyCollector, config: CollectorBaseConfig): Promise<CollectorOutcome> {
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const writer = new TreeWriter({ objects: options.objects, store: options.store, fingerprint: options.fingerprint });
  const counts: Record<string, number> = {};
  const coverage: CoverageFinding[] = [];
  const errors: { resource: string; message: string }[] = [];
  const log = options.log.child(collector.id);
  const progress = options.progress.task(collector.id);
  const abort = new AbortController();
  const onParentAbort = () => abort.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onParentAbort, { once: true });
  const timer = options.timeoutMs ? setTimeout(() => abort.abort(new Error(`timed out after ${Math.round(options.timeoutMs! / 1000)}s`)), options.timeoutMs) : null;
  const previous = options.previous ? options.previous.reader.scope(collector.root) : null;

  const ctx: CollectContext = {
    id: collector.id,
    config,
    out: writer,
    previous,
    version: options.version,
    archiveDir: options.archiveDir,
    aws: options.aws,
    fingerprint: options.fingerprint,
    progress,
    log,
    signal: abort.signal,
    finding: (f) => coverage.push(f),
    count: (name, n = 1) => {
      counts[name] = (counts[name] ?? 0) + n;
    },
    partial: (resource, error) => {
      const message = describeError(error);
      errors.push({ resource, message });
      log.warn(`${resource}: ${message}`);
    },
    carryOver: async (path) => {
      writer.remove(path);
      const oid = previous ? await previous.subtree(path) : null;
      if (!oid) return false;
      writer.mountTree(path, oid, await subtreeStats(previous!.repo, oid));
      return true;
    },
  };

  const aborted = new Promise<never>((_, reject) => {
    abort.signal.addEventListener('abort', () => reject(abort.signal.reason ?? new Error('aborted')), { once: true });
  });
  aborted.catch(() => undefined);

  let report: CollectorReport;
  let tree: CollectorOutcome['tree'] = null;
  try {
    progress.phase('collecting');
    await Promise.race([collector.collect(ctx), aborted]);
    const oid = writer.build();
    tree = oid ? { oid, stats: await folderStats(options.objects, collector, oid, writer.stats) } : null;
    report = { id: collector.id, title: collector.title, root: collector.root, status: errors.length ? 'partial' : 'ok', startedAt, durationMs: Date.now() - started, stats: tree?.stats ?? { ...EMPTY_STATS }, counts, errors };
  } catch (err) {
    abort.abort(err);
    errors.push({ resource: collector.root, message: describeError(err) });
    log.warn(`failed: ${describeError(err)}`);
    const carried = options.previous ? await options.previous.reader.subtree(collector.root) : null;
    if (carried) {
      const recorded = options.previous!.manifest?.collectors.find((c) => c.id === collector.id)?.stats;
      const repo = options.previous!.reader.repo;
      // Manifests of older versions did not count listed payloads: count them now.
      tree = { oid: carried, stats: recorded?.listed !== undefined ? recorded : await folderStats(repo, collector, carried, recorded ?? (await subtreeStats(repo, carried))) };
    }
    report = {
      id: collector.id,
      title: collector.title,
      root: collector.root,
      status: carried ? 'stale' : 'failed',
      startedAt,
      durationMs: Date.now() - started,
      stats: tree?.stats ?? { ...EMPTY_STATS },
      counts,
      errors,
      ...(carried ? { staleFrom: options.previous!.name } : {}),
    };
  } finally {
    if (timer) clearTimeout(timer);
    options.signal?.removeEventListener('abort', onParentAbort);
  }
  options.progress.end(collector.id, `${collector.id}: ${report.status}${summarizeCounts(report)} in ${(report.durationMs / 1000).toFixed(1)}s`);
  return { report, tree, coverage };
}

function summarizeCounts(report: CollectorReport): string {
  const parts = Object.entries(report.counts)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${v} ${k}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}
