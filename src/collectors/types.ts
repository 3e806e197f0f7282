// The collector contract. A collector knows one service: it reads it and writes what it
// found through ctx.out (paths relative to its own folder). It never touches git, the store
// or the disk directly, so the runner can give every collector the same guarantees:
// isolation (a failure discards only its own output), concurrency limits, progress,
// cancellation, and carry-over of its previous folder when it fails.
//
// Expected refusals (AccessDenied, a sub-configuration that is not set, a service not offered
// in a region) are reported with ctx.finding() and are not failures. An unexpected error on
// one resource is reported with ctx.partial(); an error thrown out of collect() fails the
// whole collector. Errors no other part could get past (credentials refused, the endpoint
// unreachable, the disk full: isRunFatal in src/errors.ts) are neither: ctx.partial() rethrows
// them and the runner stops the whole snapshot, writing nothing.
import type { z } from 'zod';
import type { TreeWriter } from '../archive/tree-writer.js';
import type { VersionReader } from '../archive/version-reader.js';
import type { TreeEntry } from '../git/objects.js';
import type { Fingerprinter } from '../normalize/fingerprint.js';
import type { NormalizationRules } from '../normalize/rules.js';
import type { Pointer } from '../store/pointer.js';
import type { RestoreContext } from '../restore/types.js';
import type { RunbookSpec } from '../runbook/spec.js';
import type { Logger, TaskProgress } from '../util/log.js';
import type { Redactor } from '../util/redact.js';
import type { AwsClients } from './aws/shared/clients.js';

/**
 * A payload a collector's files refer to without a pointer file of its own (an S3 object,
 * listed in its bucket's manifest shards). Paths are relative to the collector's folder.
 */
export interface PayloadRef {
  pointer: Pointer;
  /** the folder of the resource it belongs to ("<bucket>"): what `snap ls PATH` filters by */
  folder: string;
  /**
   * Where `snap export` and `snap checkout` write its bytes as a plain file; null when it is
   * not written there (an older version of an object). Unique within the version, and never
   * a path the tree itself holds.
   */
  path: string | null;
  /** the address resolveUri understands ("s3://bucket/key"), exactly; absent when there is none */
  address?: string;
  /** the object version, for a payload that is not the resource's current content */
  versionId?: string;
  /** for people and error messages: "s3://bucket/key", "s3://bucket/key (version 3)" */
  label: string;
}

/** Read access to a folder of a version, or of a tree still being built (VersionReader has this shape). */
export interface FolderReader {
  /** the entries of the folder at `path` ('' for the folder itself); [] when there is none */
  list(path?: string): Promise<TreeEntry[]>;
  /** the parsed JSON file at `path`; null when there is none */
  json<T = unknown>(path: string): Promise<T | null>;
}

export type ResolvedContent = { kind: 'path'; path: string } | { kind: 'pointer'; pointer: Pointer; label: string };

export interface CoverageFinding {
  /** what was found but not (fully) collected, e.g. "s3_buckets/logs-archive" or "lambda:us-west-2" */
  resource: string;
  /** a short code: AccessDenied, NotAvailableInRegion, Archived, NotOffered, … */
  reason: string;
  detail?: string;
  /** for NotOffered: the API the endpoint does not offer ("Lightsail", "SES v2") */
  service?: string;
}

export interface CollectorBaseConfig {
  enabled: boolean;
}

export interface CollectContext<C extends CollectorBaseConfig = CollectorBaseConfig> {
  readonly id: string;
  readonly config: C;
  readonly out: TreeWriter;
  /** The collector's folder in the previous version, or null on a first snapshot. */
  readonly previous: VersionReader | null;
  /** Name of the version being written, e.g. "v1.1". */
  readonly version: string;
  /** The archive's folder (relative paths in config are relative to it). */
  readonly archiveDir: string;
  readonly aws: AwsClients;
  readonly fingerprint: Fingerprinter;
  readonly progress: TaskProgress;
  readonly log: Logger;
  /** The command's secret filter: register every secret the collector holds, filter foreign text. */
  readonly redactor: Redactor;
  readonly signal: AbortSignal;
  finding(finding: CoverageFinding): void;
  count(name: string, n?: number): void;
  /**
   * A resource failed unexpectedly; the rest goes on and the collector ends as partial. A
   * run-fatal error (isRunFatal) is rethrown: it stops the snapshot.
   */
  partial(resource: string, error: unknown): void;
  /** Copies `path` (a folder or a file) from the previous version into this one; false when it had none. */
  carryOver(path: string): Promise<boolean>;
}

/**
 * What the files of a collector's folder describe, for `snap diff` and people: which kind of
 * resource, how to name it, and the rules it was written with (arrays sorted by identity
 * there are matched by that identity when two versions are compared, so a reorder is never
 * shown as a change).
 */
export interface ResourceFileSpec {
  /** glob over paths relative to the collector's folder: "*\/config.json", "zones/*.json" */
  pattern: string;
  /** for people: "distribution", "function configuration", "record sets" */
  kind: string;
  rules?: NormalizationRules;
  /** a short name for the resource in this file, e.g. "E1ABC (www.example.com)" */
  label?(value: unknown, path: string): string;
  /**
   * Fields the provider assigns when the resource is created (ids, creation times, stream
   * ARNs): a resource re-created from the archive always gets new ones. `snap restore-test`
   * compares what it restored with the version modulo these; `snap diff` shows them.
   */
  assigned?: string[];
  /**
   * What a re-creation from the archive can give back of this file's content, when that is
   * less than the file holds (a versioned bucket's object history: the current objects come
   * back, with new version ids, the older versions do not). `snap restore-test` passes both
   * sides through it (after dropping `assigned`) before comparing; `snap diff` never does.
   */
  recreated?(value: unknown): unknown;
  /**
   * Fields (drop paths, as for `assigned`) that are no difference between these two sides of
   * the file, decided from both: what the provider renumbers when the same content is written
   * again (a managed policy's version ids when the same documents are back). `snap diff`,
   * `snap status` and restore-test all apply it, so they agree with what a restore plans.
   */
  incidental?(before: unknown, after: unknown): string[];
  /**
   * Other resources this one is linked to, as folders of the archive (a distribution →
   * "s3_buckets/<bucket>" it serves): `snap diff` shows their changes next to this one's.
   */
  related?(value: unknown, path: string): string[];
  /**
   * The DNS names this resource answers to (a distribution: its aliases and its
   * *.cloudfront.net name), lower case, without the trailing dot. A record that points at
   * one of them names it in its `related` as "dns:<name>", and `snap diff` links the two.
   */
  names?(value: unknown): string[];
  /**
   * The file is a collection: each element of `array` is a resource of its own (an S3
   * object in a manifest shard, a record set of a zone, a file of a folder listing). The
   * differ reports each added, removed or changed element under its own label, so it groups
   * with that resource's other files (the object's readable copy, the file's text).
   */
  records?: {
    array: string;
    key: string[];
    kind: string;
    label(record: unknown, path: string): string;
    /** bookkeeping fields of a record that are not state (never shown as a difference) */
    ignore?: string[];
    /**
     * Fields that differ between these two versions of a record only as a side effect of how
     * it was written, not of what it holds (an S3 object written again with the same bytes:
     * a new last-modified time, and a new ETag if it was uploaded in other parts). A name, or
     * a dotted path into the record ("headers.ChecksumSHA256").
     */
    incidental?(before: unknown, after: unknown): string[];
    /** As ResourceFileSpec.related, for one element (a record aliased to a distribution: "dns:<name>"). */
    related?(record: unknown): string[];
  };
}

/**
 * Where a collector's service lives, and so where a restore of it writes: `snap restore-test`
 * can redirect only AWS services to a scratch endpoint or account.
 */
export type Platform = 'aws' | 'apps-script' | 'local';

export interface Collector<C extends CollectorBaseConfig = CollectorBaseConfig> {
  readonly id: string;
  /** For people: "S3 buckets", "Lambda functions". */
  readonly title: string;
  /** The top-level folder this collector owns in every version. */
  readonly root: string;
  readonly platform: Platform;
  /** The collector's section of snap.config.json (collectors.<id>). */
  readonly configSchema: z.ZodType<C>;
  /** Whether a new archive's default config enables it. */
  readonly enabledByDefault: boolean;
  /** Address schemes resolveUri understands, e.g. ["s3"] for s3://bucket/key. */
  readonly uriSchemes?: readonly string[];
  /** What its files describe (see ResourceFileSpec); first match wins. */
  readonly resources?: readonly ResourceFileSpec[];
  collect(ctx: CollectContext<C>): Promise<void>;
  /**
   * Finds the archived content of a resource address this collector understands (e.g.
   * s3://bucket/key) in a version: a tree path, or a payload pointer when the content has no
   * file of its own in the tree. Null when the address is not its kind; throws SnapError
   * PATH_NOT_FOUND when it is its kind but not in this version.
   */
  resolveUri?(uri: string, version: VersionReader): Promise<ResolvedContent | null>;
  /**
   * Payloads referred to from inside its files (S3 objects listed in sharded manifests)
   * rather than by pointer files, in a fixed order for the same folder. Every reader of a
   * version's payloads goes through src/archive/payloads.ts, which asks this: `snap verify`
   * checks them, `snap export` and `snap checkout` write them, `snap ls` lists them, and the
   * manifest counts them. Pointer files need no declaration: they are found in the tree.
   */
  payloads?(folder: FolderReader): AsyncIterable<PayloadRef>;
  /** Plans putting the service back as a version holds it (see src/restore/types.ts). */
  restore?(ctx: RestoreContext<C>): Promise<void>;
  /**
   * What the recovery runbook says about this service (src/runbook/spec.ts): its layer, what
   * it depends on and why, its resources in a version, and what neither the archive nor
   * `snap restore` gives back. The runbook names `snap restore` commands only for a
   * collector that has restore(), so the two cannot disagree.
   */
  readonly runbook?: RunbookSpec;
  /**
   * For `snap restore-test`: the name a file of this collector's folder is matched by between
   * the version and what a restore re-created, when re-creation changes its path (a hosted
   * zone's folder carries its new zone id; a distribution's file its new id). `rel` is
   * relative to the collector's folder; `read` gives the file's JSON. Null: the file is a
   * view derived from others that are compared on their own (an index, a zone file), and is
   * not compared. Without this hook a file is matched by its path.
   */
  restoreTestKey?(rel: string, read: () => Promise<unknown>): Promise<string | null>;
}

export type AnyCollector = Collector<any>;
