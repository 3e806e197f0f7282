// Runs the configured collectors in parallel, each isolated: every collector writes into its
// own TreeWriter, so a collector that throws loses only its own output. Its folder is then
// carried over from the previous version and reported as stale (or failed, on a first
// snapshot), and the others are unaffected. The runner also owns per-collector timeouts,
// progress and the collection of coverage findings.
//
// One kind of error is not isolated: a run-fatal one (credentials refused or missing, the
// endpoint unreachable, the disk full; isRunFatal). Every other collector would meet it too,
// and a run that records it as one resource's failure writes a version that reads as if the
// estate had lost its resources. The first one stops every collector, and runCollectors
// throws it: nothing is written.
import type { Manifest, CollectorReport } from './manifest.js';
import type { AnyCollector, CollectContext, CollectorBaseConfig, CoverageFinding } from '../collectors/types.js';
import { describeError, isRunFatal, isSnapError } from '../errors.js';
import { diskFullError } from '../util/disk-space.js';
import { Redactor } from '../util/redact.js';
import type { ObjectReader, ObjectSink } from '../git/repo.js';
import type { Fingerprinter } from '../normalize/fingerprint.js';
import type { ContentStore } from '../store/types.js';
import { mapLimit } from '../util/limiter.js';
import type { Logger, Progress } from '../util/log.js';
import type { AwsClients } from '../collectors/aws/shared/clients.js';
import { folderStats, subtreeStats } from './stats.js';
import { loadCollector } from '../collectors/lazy.js';
import { EMPTY_STATS, TreeWriter, type WriterStats } from './tree-writer.js';
import { MODE_TREE, type BlobMode } from '../git/objects.js';
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
  /** the command's secret filter: error messages recorded or logged pass through it */
  redactor?: Redactor;
}

export interface CollectorOutcome {
  report: CollectorReport;
  /** the collector's folder in the new version, or null when it has none */
  tree: { oid: string; stats: WriterStats } | null;
  coverage: CoverageFinding[];
  /**
   * It read something of its service this time: it wrote a file of its own (not one carried
   * over), or it completed with nothing to report (an empty service). A collector whose every
   * read failed, or was refused, read nothing.
   */
  read: boolean;
}

interface RunState {
  signal: AbortSignal;
  redactor: Redactor;
  /** stops the whole run with a run-fatal error (the first one wins) */
  stop(err: unknown): void;
}

export async function runCollectors(options: RunnerOptions): Promise<CollectorOutcome[]> {
  const run = new AbortController();
  let fatal: unknown = null;
  const onParentAbort = () => run.abort(options.signal?.reason);
  if (options.signal?.aborted) onParentAbort();
  options.signal?.addEventListener('abort', onParentAbort, { once: true });
  const state: RunState = {
    signal: run.signal,
    redactor: options.redactor ?? new Redactor(),
    stop(err) {
      if (fatal !== null) return;
      fatal = isSnapError(err) ? err : diskFullError(err, { path: options.archiveDir, what: 'the snapshot' });
      run.abort(fatal);
    },
  };
  try {
    const outcomes = await mapLimit(options.collectors, options.concurrency, async ({ collector, config }) => runOne(options, state, await loadCollector(collector), config));
    if (fatal !== null) throw fatal;
    return outcomes;
  } finally {
    options.signal?.removeEventListener('abort', onParentAbort);
  }
}

async function runOne(options: RunnerOptions, run: RunState, collector: AnyCollector, config: CollectorBaseConfig): Promise<CollectorOutcome> {
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const writer = new TreeWriter({ objects: options.objects, store: options.store, fingerprint: options.fingerprint });
  const counts: Record<string, number> = {};
  const coverage: CoverageFinding[] = [];
  const errors: { resource: string; message: string }[] = [];
  const log = options.log.child(collector.id);
  const progress = options.progress.task(collector.id);
  const abort = new AbortController();
  const onParentAbort = () => abort.abort(run.signal.reason);
  if (run.signal.aborted) onParentAbort();
  run.signal.addEventListener('abort', onParentAbort, { once: true });
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
    redactor: run.redactor,
    signal: abort.signal,
    finding: (f) => coverage.push(f.detail ? { ...f, detail: run.redactor.brief(f.detail, 2000) } : f),
    count: (name, n = 1) => {
      counts[name] = (counts[name] ?? 0) + n;
    },
    partial: (resource, error) => {
      if (isRunFatal(error)) {
        run.stop(error);
        throw abort.signal.aborted ? abort.signal.reason : error;
      }
      const message = describeError(error, run.redactor);
      errors.push({ resource, message });
      log.warn(`${resource}: ${message}`);
    },
    carryOver: async (path) => {
      writer.remove(path);
      const entry = previous ? await previous.entry(path) : null;
      if (!entry) return false;
      if (entry.mode === MODE_TREE) writer.mountTree(path, entry.oid, await subtreeStats(previous!.repo, entry.oid));
      else writer.mountFile(path, entry.oid, (await previous!.repo.readBlob(entry.oid)).length, entry.mode as BlobMode);
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
    if (isRunFatal(err)) run.stop(err);
    abort.abort(err);
    const message = describeError(err, run.redactor);
    errors.push({ resource: collector.root, message });
    if (!run.signal.aborted) log.warn(`failed: ${message}`);
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
    run.signal.removeEventListener('abort', onParentAbort);
  }
  // A collector that met nothing but an endpoint without its service (an emulator without
  // Lightsail) says so once, with how to stop asking, instead of once per region and list.
  if (writer.writes === 0 && report.status === 'ok' && coverage.length > 0 && coverage.every((f) => f.reason === 'NotOffered')) {
    const services = [...new Set(coverage.map((f) => f.service ?? collector.title))].join(', ');
    const detail = `the endpoint does not offer the ${services} API; set collectors.${collector.id}.enabled=false`;
    coverage.splice(0, coverage.length, { resource: collector.root, reason: 'NotOffered', detail, service: services });
    // A warning the first time; when the previous version already recorded it, a standing
    // condition (info: not printed with -q, so a scheduled run stays silent until something changes).
    const known = options.previous?.manifest?.coverage.some((f) => f.collector === collector.id && f.reason === 'NotOffered' && f.detail === detail);
    if (!run.signal.aborted) (known ? log.info : log.warn).call(log, detail);
  }
  // A collector that threw keeps nothing of what it wrote; one that ended read what it wrote.
  const read = report.status === 'ok' ? writer.writes > 0 || coverage.length === 0 : report.status === 'partial' && writer.writes > 0;
  if (!run.signal.aborted) options.progress.end(collector.id, `${collector.id}: ${report.status}${summarizeCounts(report)} in ${(report.durationMs / 1000).toFixed(1)}s`);
  return { report, tree, coverage, read };
}

function summarizeCounts(report: CollectorReport): string {
  const parts = Object.entries(report.counts)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${v} ${k}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}
