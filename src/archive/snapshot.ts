// Taking a snapshot into a tree, without committing it: runs the selected collectors against
// the previous version, mounts their folders, adds the user's root files, the recovery
// runbook and the manifests, and builds the root tree. `snap commit` seals the result as a
// version; `snap status` and `snap diff … live` use it with objects kept in memory and
// payloads only hashed, so that nothing is written to the archive.
//
// The runbook (RECOVERY.md) is generated from the collectors' folders as they were just
// written: the object sink reads its own objects back (the unsealed pack of a commit, or the
// objects held in memory), so RECOVERY.md is in the tree, and in the manifest's counts, like
// every other file, before anything is sealed.
//
// Two checks keep a snapshot from writing a version that is not one. When an AWS collector is
// enabled, the credentials and endpoint are checked first (STS GetCallerIdentity): refused or
// missing credentials, or an endpoint that cannot be reached, stop the run before any
// collector starts, and the account and endpoint go into the manifest (manifest.source). And
// a run in which no collector read anything (every one failed, or every read it made was
// refused) writes nothing: a version that only carries the previous one over is not a snapshot.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SnapError } from '../errors.js';
import type { AnyCollector, CollectorBaseConfig } from '../collectors/types.js';
import { AwsClients } from '../collectors/aws/shared/clients.js';
import { checkAwsAccess } from '../collectors/aws/shared/preflight.js';
import type { AwsTarget } from '../collectors/aws/shared/target.js';
import type { SnapConfig } from '../config/schema.js';
import { MODE_TREE, type TreeEntry } from '../git/objects.js';
import type { ObjectReader, ObjectSink } from '../git/repo.js';
import type { Fingerprinter } from '../normalize/fingerprint.js';
import { RECOVERY_PATH, storedRunbook } from '../runbook/runbook.js';
import { TreeFolder } from './tree-folder.js';
import type { ContentStore } from '../store/types.js';
import type { Logger, Progress } from '../util/log.js';
import { Redactor } from '../util/redact.js';
import { SNAP_VERSION } from '../version.js';
import { Archive, ALLOWED_SIGNERS_PATH, USER_FILES } from './archive.js';
import { MANIFEST_FORMAT, MANIFEST_MD_PATH, MANIFEST_PATH, renderManifestMarkdown, type Manifest } from './manifest.js';
import { runCollectors, type CollectorOutcome, type PreviousVersion } from './runner.js';
import { TreeWriter } from './tree-writer.js';
import { VersionReader } from './version-reader.js';
import { listVersions, MAIN_REF } from './versions.js';

export function enabledCollectors(config: SnapConfig, available: readonly AnyCollector[]): { collector: AnyCollector; config: CollectorBaseConfig }[] {
  const sections = config.collectors as unknown as Record<string, CollectorBaseConfig | undefined>;
  return available.filter((c) => sections[c.id]?.enabled ?? c.enabledByDefault).map((c) => ({ collector: c, config: (sections[c.id] ?? c.configSchema.parse({})) as CollectorBaseConfig }));
}

export function awsClientsFor(config: SnapConfig, redactor?: Redactor): AwsClients {
  return new AwsClients(
    {
      profile: config.aws.profile,
      region: config.aws.region,
      regions: config.aws.regions ?? [config.aws.region],
      endpoint: config.aws.endpoint,
      maxAttempts: config.aws.maxAttempts,
      maxSockets: config.aws.maxSockets,
    },
    { redactor },
  );
}

/** Every value the snapshot fingerprints is a secret: it is registered with the filter first. */
function registering(fingerprint: Fingerprinter, redactor: Redactor): Fingerprinter {
  return (value) => {
    redactor.add(value);
    return fingerprint(value);
  };
}

export interface SnapshotOptions {
  version: string;
  config: SnapConfig;
  selected: { collector: AnyCollector; config: CollectorBaseConfig }[];
  /** where new objects go; it must read them back (the runbook is written from them) */
  objects: ObjectSink & ObjectReader;
  store: ContentStore;
  fingerprint: Fingerprinter;
  /** the published copy of the trusted signers (.snap/allowed_signers), from trust.ts */
  signers: string;
  progress: Progress;
  log: Logger;
  signal?: AbortSignal;
  now: () => Date;
  /** the command's secret filter (a new one when not given) */
  redactor?: Redactor;
}

export interface SnapshotTree {
  treeOid: string;
  manifest: Manifest;
  outcomes: CollectorOutcome[];
  /** main's head before this snapshot, and its tree */
  parent: string | null;
  parentTree: string | null;
  previous: PreviousVersion | null;
}

export async function snapshotTree(archive: Archive, options: SnapshotOptions): Promise<SnapshotTree> {
  const repo = archive.repo;
  const started = options.now();
  const parent = await repo.resolveRef(MAIN_REF);
  const parentTree = parent ? (await repo.readCommit(parent)).tree : null;
  const previous = await previousVersion(archive, parent, parentTree);
  const redactor = options.redactor ?? new Redactor();
  const aws = awsClientsFor(options.config, redactor);
  let outcomes: CollectorOutcome[];
  let source: AwsTarget | undefined;
  try {
    // The estate this version is read from (account and endpoint), checked before any collector
    // runs; `snap restore-test` refuses to write to it.
    if (options.selected.some((s) => s.collector.platform === 'aws')) source = (await checkAwsAccess(aws, options.log, options.signal)) ?? undefined;
    outcomes = await runCollectors({
      collectors: options.selected,
      version: options.version,
      archiveDir: archive.dir,
      objects: options.objects,
      store: options.store,
      fingerprint: registering(options.fingerprint, redactor),
      aws,
      previous,
      concurrency: options.config.concurrency,
      timeoutMs: options.config.collectorTimeoutMinutes * 60_000,
      progress: options.progress,
      log: options.log,
      signal: options.signal,
      redactor,
    });
  } finally {
    options.progress.stop();
    aws.destroy();
  }
  if (!outcomes.some((o) => o.read)) throw nothingRead(outcomes, options.version);

  const root = new TreeWriter({ objects: options.objects, store: options.store, fingerprint: options.fingerprint });
  for (const o of outcomes) if (o.tree) root.mountTree(o.report.root, o.tree.oid, o.tree.stats);
  const previousRoot = parentTree ? new VersionReader(repo, parentTree) : null;
  for (const file of USER_FILES) {
    const content = await readFile(join(archive.dir, file)).catch(async () => previousRoot?.bytes(file) ?? null);
    if (content) root.text(file, content);
  }
  root.text(ALLOWED_SIGNERS_PATH, options.signers);
  // Generated, not copied: it names no time and no version, so unchanged estates keep equal trees.
  const collected = outcomes.flatMap((o): TreeEntry[] => (o.tree ? [{ name: o.report.root, mode: MODE_TREE, oid: o.tree.oid }] : []));
  root.text(RECOVERY_PATH, await storedRunbook(new TreeFolder(options.objects, collected), options.log));

  const reports = outcomes.map((o) => o.report);
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    version: options.version,
    createdAt: started.toISOString(),
    snapVersion: SNAP_VERSION,
    status: reports.every((r) => r.status === 'ok') ? 'complete' : 'partial',
    durationMs: options.now().getTime() - started.getTime(),
    ...(source ? { source } : {}),
    collectors: reports,
    coverage: outcomes
      .flatMap((o) => o.coverage.map((f) => ({ collector: o.report.id, ...f })))
      .sort((a, b) => (a.collector + a.resource + a.reason < b.collector + b.resource + b.reason ? -1 : 1)),
    totals: root.stats,
  };
  root.json(MANIFEST_PATH, manifest);
  root.text(MANIFEST_MD_PATH, renderManifestMarkdown(manifest));
  return { treeOid: root.build()!, manifest, outcomes, parent, parentTree, previous };
}

/** No collector read anything: what each one met instead. */
function nothingRead(outcomes: CollectorOutcome[], version: string): SnapError {
  const what = (o: CollectorOutcome) => o.report.errors[0]?.message ?? (o.coverage[0] ? `${o.coverage[0].resource}: ${o.coverage[0].reason}${o.coverage[0].detail ? ` (${o.coverage[0].detail})` : ''}` : o.report.status);
  const reasons = outcomes.map((o) => `${o.report.id}: ${what(o)}`).join('; ');
  const after = version === 'live' ? 'nothing could be compared' : `no version was written (${version} is still free)`;
  return new SnapError('NOTHING_COLLECTED', `no collector could read anything, so ${after}: ${reasons.length > 1500 ? `${reasons.slice(0, 1499)}…` : reasons}`, { version });
}

async function previousVersion(archive: Archive, parent: string | null, parentTree: string | null): Promise<PreviousVersion | null> {
  if (!parent || !parentTree) return null;
  const tagged = (await listVersions(archive.repo)).find((v) => v.commitOid === parent);
  if (!tagged) return null; // the initial commit of `snap init` holds no collected data
  const reader = new VersionReader(archive.repo, parentTree);
  const manifest = await reader.json<Manifest>(MANIFEST_PATH).catch(() => null);
  return { name: tagged.name, reader, manifest };
}
