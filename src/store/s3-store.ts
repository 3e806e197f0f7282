// The S3 backend of the content store: a vault at s3://BUCKET/PREFIX, ideally in another
// account and with Object Lock. Payloads live at PREFIX/objects/<oid[0:2]>/<oid[2:4]>/<oid>,
// the local store's layout, each with the full-object SHA256 S3 computed or checked when it
// was written, so the vault can be verified without downloading it.
//
//   put(stream)   sha256 while streaming into the local cache (store.path) or a spool (memory,
//                 or a temporary file past memorySpoolBytes); then one PutObject that carries
//                 the sha256 for S3 to check (If-None-Match: * keeps an existing copy), or a
//                 multipart upload with a SHA256 per part past putMaxBytes
//   copyIn(S3 object)  S3 copies it (CopyObject with the SHA256 checksum algorithm): see
//                 s3-copy.ts; no byte of it passes through this machine
//   has/stat      answered by the vault index (vault-index.ts), else one HeadObject
//   open          the local cache when it holds the payload, else a GetObject stream
//   check         HeadObject: the SHA256 and size S3 recorded (readData: download and re-hash)
//   flush         retention kept ahead (retention.ts), the index saved
//   listObjects   one listing of PREFIX/objects/ (and cached payloads the vault lacks)
//   delete        (snap prune) the index entry first, the cached copy, then each version of
//                 the key by its version id; a version under Object Lock retention or legal
//                 hold, or one the vault's policy will not let go, is left and reported
//
// With store.objectLock every object is written with a retain-until date; the credentials
// need no s3:DeleteObject and no s3:BypassGovernanceRetention (README: IAM policies).
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, stat as fsStat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  PutObjectRetentionCommand,
  UploadPartCommand,
  type CompletedPart,
  type HeadObjectCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { resendWithFreshBody } from '../collectors/aws/shared/resumable.js';
import { IntegrityError, SnapError } from '../errors.js';
import { mapLimit } from '../util/limiter.js';
import type { FsContentStore } from './fs-store.js';
import type { Pointer } from './pointer.js';
import { chunksOf, PayloadDigest } from './put-source.js';
import { retainUntil, retentionDue, type RetentionPolicy } from './retention.js';
import { copyIntoVault, type CopyInRequest, type CopyInResult } from './s3-copy.js';
import { addLockChecksumHeader, partBytesFor, partsOfEtag, s3ErrorName, s3Status, sha256FromChecksum, toBase64Sha256 } from './s3-util.js';
import type { CheckOptions, CheckResult, ContentStore, DeleteResult, PutOptions, PutSource, StoredObject } from './types.js';
import { VaultIndex } from './vault-index.js';
import { formatVaultUrl, objectRel, oidOfRel, vaultKey, type VaultLocation } from './vault-url.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

export interface VaultLimits {
  /** the largest object one CopyObject copies (S3: 5 GiB); larger ones are hashed while streamed, then copied in parts */
  copyMaxBytes: number;
  /** the largest payload one PutObject carries (S3: 5 GiB); larger ones are uploaded in parts */
  putMaxBytes: number;
  /** part size of multipart uploads and copies (S3: at least 5 MiB but for the last) */
  partBytes: number;
  /** payloads up to this size are held in memory between hashing and uploading, larger ones in a file */
  memorySpoolBytes: number;
}

export const S3_LIMITS: VaultLimits = { copyMaxBytes: 5 * GiB, putMaxBytes: 5 * GiB, partBytes: 64 * MiB, memorySpoolBytes: 8 * MiB };

export interface VaultStoreOptions {
  location: VaultLocation;
  region: string;
  /** a client of the vault's region with the vault's credentials */
  client: S3Client;
  /** the local store, kept as a cache of what passes through this machine; null for none */
  cache: FsContentStore | null;
  index: VaultIndex;
  retention: RetentionPolicy | null;
  /** where payloads wait between hashing and uploading when there is no cache */
  spoolDir: string;
  limits?: Partial<VaultLimits>;
  /** requests in flight for retention updates and listings */
  concurrency?: number;
  /** how many times in all an upload from a file is sent when its connection is cut (aws.maxAttempts; default 3) */
  attempts?: number;
  now?: () => Date;
  /** called when the store is closed (the client's owner destroys it) */
  onClose?: () => void;
  /** the custom endpoint the client uses (an emulator, an S3-compatible server); undefined for AWS */
  endpoint?: string | undefined;
}

/** What the vault recorded for one key (HeadObject). */
export interface VaultHead {
  size: number;
  /** the full-object SHA256 as hex; null when S3 keeps none (multipart: a checksum of parts) */
  sha256: string | null;
  /** uploaded in parts (ETag "…-N", or a composite checksum): S3 keeps no full-object checksum of it */
  multipart: boolean;
  /** the number of parts of a multipart object (its ETag's "-N"); null when not known */
  parts: number | null;
  checksumType: string | null;
  retainUntil: Date | null;
  lockMode: string | null;
  versionId: string | null;
}

export interface RetentionReport {
  /** keys whose date was not known here and was asked for */
  learned: number;
  /** keys extended (or, with dryRun, due) */
  extended: number;
  /** keys the index holds, all kept ahead */
  kept: number;
  /** the earliest retain-until of any key afterwards, epoch seconds (null: none known) */
  earliest: number | null;
  /** keys due whose retention was not extended: S3's record of them is not what snap wrote (see notWritten()) */
  refused: { key: string; detail: string }[];
}

type Body = { kind: 'memory'; bytes: Buffer } | { kind: 'file'; path: string };

export class VaultStore implements ContentStore {
  readonly location: VaultLocation;
  readonly region: string;
  readonly client: S3Client;
  readonly cache: FsContentStore | null;
  private readonly attempts: number;
  readonly index: VaultIndex;
  readonly retention: RetentionPolicy | null;
  readonly limits: VaultLimits;
  readonly endpoint: string | undefined;
  private readonly spoolDir: string;
  private readonly concurrency: number;
  private readonly inFlight = new Map<string, Promise<boolean>>();
  /** what the last listObjects() saw of each payload's versions, for delete() */
  private readonly listedVersions = new Map<string, { versionId: string; size: number; deleteMarker: boolean }[]>();
  readonly now: () => Date;
  private readonly onClose: (() => void) | undefined;
  /** counts for reports: copies S3 made, staging copies left for the lifecycle rule */
  readonly counters = { uploads: 0, copies: 0, staged: 0, deduplicated: 0, extended: 0 };
  /** keys the last retention pass did not extend because they are not what snap wrote (RetentionReport.refused) */
  refusedRetention: { key: string; detail: string }[] = [];

  constructor(options: VaultStoreOptions) {
    this.location = options.location;
    this.region = options.region;
    this.client = options.client;
    this.cache = options.cache;
    this.index = options.index;
    this.retention = options.retention;
    this.limits = { ...S3_LIMITS, ...options.limits };
    this.endpoint = options.endpoint;
    this.spoolDir = options.spoolDir;
    this.concurrency = options.concurrency ?? 16;
    this.attempts = options.attempts ?? 3;
    this.now = options.now ?? (() => new Date());
    this.onClose = options.onClose;
    // S3 refuses a write with a retention date unless it names a checksum of the request
    // (Content-MD5 or x-amz-sdk-checksum-algorithm); the SDK names one for PutObject only.
    addLockChecksumHeader(this.client.middlewareStack);
  }

  get url(): string {
    return formatVaultUrl(this.location);
  }

  get description(): string {
    return `S3 vault ${this.url} (${this.region})`;
  }

  /** The full key of a key relative to the vault's prefix. */
  key(rel: string): string {
    return vaultKey(this.location, rel);
  }

  /** Where a payload lives, for server-side copies out of the vault. */
  locate(oid: string): { bucket: string; key: string; region: string } {
    return { bucket: this.location.bucket, key: this.key(objectRel(oid)), region: this.region };
  }

  /** Object Lock headers for a new object, when retention is configured. */
  lockFields(): { ObjectLockMode?: RetentionPolicy['mode']; ObjectLockRetainUntilDate?: Date } {
    if (!this.retention) return {};
    return { ObjectLockMode: this.retention.mode, ObjectLockRetainUntilDate: retainUntil(this.retention, this.now()) };
  }

  /** Records a key written now (with the retention lockFields() gave it). */
  recordWritten(rel: string, size: number, until: Date | undefined): void {
    this.index.set(rel, { size, until: until ? Math.floor(until.getTime() / 1000) : 0 });
  }

  // --- the ContentStore contract ----------------------------------------------------------

  async put(source: PutSource, options: PutOptions = {}): Promise<Pointer> {
    const { pointer, body, release } = await this.spool(source, options);
    try {
      await this.ensureUploaded(pointer, body, options.signal);
      return pointer;
    } finally {
      await release();
    }
  }

  async has(oid: string): Promise<boolean> {
    return (await this.stat(oid)) !== null;
  }

  async stat(oid: string): Promise<number | null> {
    const rel = objectRel(oid);
    const known = this.index.get(rel);
    if (known) return known.size;
    if (this.index.complete && !this.inFlight.has(rel)) return null;
    return (await this.head(rel))?.size ?? null;
  }

  async open(oid: string): Promise<Readable> {
    if (this.cache && (await this.cache.stat(oid)) !== null) return this.cache.open(oid);
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: this.key(objectRel(oid)) }));
      return out.Body as Readable;
    } catch (err) {
      if (s3Status(err) === 404) throw missing(oid, this.description);
      throw err;
    }
  }

  async check(pointer: Pointer, options: CheckOptions = {}): Promise<CheckResult> {
    const head = await this.head(objectRel(pointer.oid), true);
    if (!head) return { status: 'missing' };
    const retention = { retainUntil: head.retainUntil };
    if (head.size !== pointer.size) return { status: 'corrupt', actual: { oid: head.sha256 ?? '(unknown)', size: head.size }, ...retention };
    if (options.readData) {
      const hash = createHash('sha256');
      let size = 0;
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: this.key(objectRel(pointer.oid)) }));
      for await (const chunk of out.Body as AsyncIterable<Uint8Array>) {
        hash.update(chunk);
        size += chunk.length;
      }
      const oid = hash.digest('hex');
      if (oid !== pointer.oid || size !== pointer.size) return { status: 'corrupt', actual: { oid, size }, ...retention };
      return { status: 'ok', verified: 'content', ...retention };
    }
    const wrong = this.notWritten(objectRel(pointer.oid), head, pointer.size);
    if (wrong) return { status: 'corrupt', actual: { oid: head.sha256 ?? '(none recorded)', size: head.size }, detail: `${this.key(objectRel(pointer.oid))} ${wrong}`, ...retention };
    return { status: 'ok', verified: head.multipart ? 'size' : 'recorded-sha256', ...retention };
  }

  /** Makes the cache durable, keeps retention ahead of need, and saves the index. */
  async flush(): Promise<void> {
    await this.cache?.flush();
    if (this.retention) await this.keepRetentionAhead();
    await this.index.save();
  }

  /** Moves a cache still in .git/lfs/objects to the store's folder (FsContentStore.migrateLegacy). Under the archive lock. */
  async migrateLegacy(): Promise<number> {
    return (await this.cache?.migrateLegacy()) ?? 0;
  }

  /** Removes temporaries of interrupted writes (cache and spool). Only while holding the archive lock. */
  async sweepTemporaries(olderThanMs = 0): Promise<number> {
    let removed = (await this.cache?.sweepTemporaries(olderThanMs)) ?? 0;
    let names: string[] = [];
    try {
      names = await readdir(this.spoolDir);
    } catch {
      return removed;
    }
    const cutoff = Date.now() - olderThanMs;
    for (const name of names) {
      const p = join(this.spoolDir, name);
      try {
        if (olderThanMs <= 0 || (await fsStat(p)).mtimeMs <= cutoff) {
          await unlink(p);
          removed++;
        }
      } catch {
        /* raced with another sweeper */
      }
    }
    return removed;
  }

  close(): void {
    this.onClose?.();
  }

  // --- pruning (snap prune, holding the archive lock) ------------------------------------

  /**
   * Every payload the vault holds in any version: a key whose current version is a delete
   * marker still holds its older versions (and Object Lock may keep them), so the listing is
   * of versions (ListObjectVersions, s3:ListBucketVersions), and delete() is then told of each.
   * Credentials that may only list current objects (the writer's) list those.
   */
  async *listObjects(): AsyncGenerator<StoredObject> {
    const inVault = new Set<string>();
    this.listedVersions.clear();
    let versions: AsyncGenerator<{ rel: string; size: number }> = this.listVersions('objects/');
    try {
      const first = await versions.next();
      if (!first.done) versions = prepend(first.value, versions);
    } catch (err) {
      if (s3Status(err) !== 403 && s3ErrorName(err) !== 'AccessDenied') throw err;
      this.listedVersions.clear();
      versions = this.list('objects/');
    }
    for await (const { rel, size } of versions) {
      const oid = oidOfRel(rel);
      if (!oid) continue;
      inVault.add(oid);
      yield { oid, size };
    }
    // A cached payload the vault lacks (an upload that never completed) is the store's too.
    if (this.cache) for await (const o of this.cache.listObjects()) if (!inVault.has(o.oid)) yield o;
  }

  /** The versions of each key under `relPrefix` (one entry per key that has an object version, with its largest size); remembered for delete(). */
  private async *listVersions(relPrefix: string): AsyncGenerator<{ rel: string; size: number }> {
    const full = this.key(relPrefix);
    const strip = this.location.prefix ? this.location.prefix.length + 1 : 0;
    const asked = full.endsWith('/') ? full.slice(0, -1) : full; // as list() asks (moto #5948)
    let KeyMarker: string | undefined;
    let VersionIdMarker: string | undefined;
    // A key's versions may span pages: each key is yielded once the listing has moved past it.
    let pending: { rel: string; size: number } | null = null;
    do {
      const page = await this.client.send(new ListObjectVersionsCommand({ Bucket: this.location.bucket, Prefix: asked, KeyMarker, VersionIdMarker }));
      const entries = [
        ...(page.Versions ?? []).map((v) => ({ key: v.Key, versionId: v.VersionId, size: v.Size ?? 0, marker: false })),
        ...(page.DeleteMarkers ?? []).map((m) => ({ key: m.Key, versionId: m.VersionId, size: 0, marker: true })),
      ].sort((a, b) => ((a.key ?? '') < (b.key ?? '') ? -1 : (a.key ?? '') > (b.key ?? '') ? 1 : 0));
      for (const e of entries) {
        if (!e.key?.startsWith(full)) continue;
        const rel = e.key.slice(strip);
        const oid = oidOfRel(rel);
        if (!oid) continue;
        const known = this.listedVersions.get(oid) ?? [];
        known.push({ versionId: e.versionId ?? 'null', size: e.size, deleteMarker: e.marker });
        this.listedVersions.set(oid, known);
        if (pending && pending.rel !== rel) {
          yield pending;
          pending = null;
        }
        const same = pending as { rel: string; size: number } | null;
        if (!e.marker) pending = { rel, size: Math.max(same?.size ?? 0, e.size) };
      }
      KeyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      VersionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
    } while (KeyMarker);
    if (pending) yield pending;
  }

  /**
   * Drops payloads about to be deleted from the index and saves it, before any of them is
   * deleted: a kill after this leaves the index saying "absent" for an object still there
   * (a later commit that needs it writes it again, or finds it), never "present" for one gone.
   */
  async beforeDelete(oids: readonly string[]): Promise<void> {
    for (const oid of oids) this.index.delete(objectRel(oid));
    await this.index.save();
  }

  async delete(oid: string): Promise<DeleteResult> {
    const rel = objectRel(oid);
    if (this.index.get(rel)) await this.beforeDelete([oid]);
    const cached = (await this.cache?.delete(oid)) ?? { status: 'missing' as const };
    const Key = this.key(rel);
    const Bucket = this.location.bucket;
    let freed = 0;
    let found = false;
    // Every version the listing saw (older ones under a delete marker too), each by its id;
    // one S3 must keep is reported with its date, the others still go.
    const listed = this.listedVersions.get(oid) ?? [];
    this.listedVersions.delete(oid);
    const kept: { retainUntil: Date | null; detail: string }[] = [];
    for (const v of [...listed.filter((x) => !x.deleteMarker), ...listed.filter((x) => x.deleteMarker)]) {
      const VersionId = v.versionId !== 'null' ? v.versionId : undefined;
      try {
        await this.client.send(new DeleteObjectCommand({ Bucket, Key, ...(VersionId ? { VersionId } : {}) }));
        if (!v.deleteMarker) {
          found = true;
          freed += v.size;
        }
      } catch (err) {
        if (s3Status(err) === 404) continue;
        if (s3Status(err) !== 403) throw err;
        const head = await this.client.send(new HeadObjectCommand({ Bucket, Key, ...(VersionId ? { VersionId } : {}) })).catch(() => ({}));
        kept.push(this.whyKept(head));
      }
    }
    if (kept.length) {
      const latest = kept.reduce((a, b) => ((b.retainUntil?.getTime() ?? 0) > (a.retainUntil?.getTime() ?? 0) ? b : a));
      return { status: 'retained', retainUntil: latest.retainUntil, detail: kept.length > 1 ? `${latest.detail} (${kept.length} versions kept)` : latest.detail };
    }
    // Then the current version, deleted by its id, until none is left (a version written since the listing): in a versioned vault (Object
    // Lock needs versioning) a DeleteObject without one only adds a delete marker and frees
    // nothing. A version S3 refuses to delete stops the walk; what is behind it stays too.
    const seen = new Set<string>();
    for (;;) {
      let head;
      try {
        head = await this.client.send(new HeadObjectCommand({ Bucket, Key }));
      } catch (err) {
        if (s3Status(err) === 404) break;
        if (s3Status(err) === 403) return { status: 'retained', retainUntil: null, detail: `the vault refused to read it (AccessDenied): prune needs s3:GetObject, s3:GetObjectVersion and s3:DeleteObjectVersion ${PRUNE_POLICY_HINT}` };
        throw err;
      }
      const VersionId = head.VersionId && head.VersionId !== 'null' ? head.VersionId : undefined;
      if (VersionId && seen.has(VersionId)) throw new SnapError('STORE_MISSING_OBJECT', `the vault still shows version ${VersionId} of ${Key} after deleting it`, { key: Key });
      if (VersionId) seen.add(VersionId);
      try {
        await this.client.send(new DeleteObjectCommand({ Bucket, Key, ...(VersionId ? { VersionId } : {}) }));
      } catch (err) {
        if (s3Status(err) !== 403) throw err;
        return { status: 'retained', ...this.whyKept(head) };
      }
      found = true;
      freed += head.ContentLength ?? 0;
      if (!VersionId) break; // an unversioned vault: the object is gone
    }
    if (!found) return cached.status === 'deleted' ? cached : { status: 'missing' };
    return { status: 'deleted', size: freed };
  }

  /** Why S3 refused to delete a version: its retention or legal hold, else the vault's policy. */
  private whyKept(head: { ObjectLockRetainUntilDate?: Date | undefined; ObjectLockLegalHoldStatus?: string | undefined; ObjectLockMode?: string | undefined }): { retainUntil: Date | null; detail: string } {
    const until = head.ObjectLockRetainUntilDate ?? null;
    if (head.ObjectLockLegalHoldStatus === 'ON') return { retainUntil: until, detail: 'under an Object Lock legal hold' };
    if (until && until.getTime() > this.now().getTime()) return { retainUntil: until, detail: `under Object Lock ${head.ObjectLockMode?.toLowerCase() ?? ''} retention until ${until.toISOString()}`.replace('  ', ' ') };
    return { retainUntil: null, detail: `the vault refused the delete (AccessDenied): the vault's policy or the credentials do not allow s3:DeleteObjectVersion ${PRUNE_POLICY_HINT}` };
  }

  // --- server-side copies ---------------------------------------------------------------

  /** S3 copies an object into the vault (see s3-copy.ts); nothing passes through this machine. */
  copyIn(request: CopyInRequest): Promise<CopyInResult> {
    return copyIntoVault(this, request);
  }

  /**
   * Runs `write` for `rel` unless the vault already holds it; concurrent calls for one key
   * share one write. Returns true when this call wrote it.
   */
  async writeOnce(rel: string, size: number, write: () => Promise<void>): Promise<boolean> {
    for (;;) {
      const pending = this.inFlight.get(rel);
      if (!pending) break;
      if (await pending.then(() => true, () => false)) return false; // the other call wrote it, or found it
    }
    const task = (async () => {
      if (await this.present(rel, size)) return false;
      await write();
      return true;
    })();
    this.inFlight.set(rel, task);
    try {
      return await task;
    } finally {
      if (this.inFlight.get(rel) === task) this.inFlight.delete(rel);
    }
  }

  /** True when the vault holds `rel` with `size` bytes, by the index or one HeadObject. */
  async present(rel: string, size: number): Promise<boolean> {
    const known = this.index.get(rel);
    if (known) return known.size === size;
    if (this.index.complete) return false;
    const head = await this.head(rel);
    return head !== null && head.size === size;
  }

  // --- keys other than payloads (history bundles, keys) ---------------------------------

  /** Writes `rel` once (If-None-Match), with the configured retention; false when it was there. */
  async putKey(rel: string, bytes: Buffer): Promise<boolean> {
    return this.writeOnce(rel, bytes.length, () => this.putSingle(rel, { kind: 'memory', bytes }, bytes.length, toBase64Sha256(createHash('sha256').update(bytes).digest('hex'))));
  }

  /** Writes a file at `rel` once, as putKey(); `sha256` (hex) is the file's, for S3 to check. */
  async putKeyFile(rel: string, path: string, size: number, sha256: string): Promise<boolean> {
    return this.writeOnce(rel, size, async () => {
      if (size <= this.limits.putMaxBytes) await this.putSingle(rel, { kind: 'file', path }, size, toBase64Sha256(sha256));
      else await this.putMultipart(rel, { kind: 'file', path }, size);
    });
  }

  async getKey(rel: string): Promise<Buffer | null> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: this.key(rel) }));
      return Buffer.from(await out.Body!.transformToByteArray());
    } catch (err) {
      if (s3Status(err) === 404) return null;
      throw err;
    }
  }

  /** Every key under `relPrefix` (e.g. "history/"), with its size. */
  async *list(relPrefix: string): AsyncGenerator<{ rel: string; size: number }> {
    const full = this.key(relPrefix);
    const strip = this.location.prefix ? this.location.prefix.length + 1 : 0;
    // Asked without the trailing slash and filtered here: the same keys (nothing else in a
    // vault starts like objects/, history/ or keys/), and a vault at a bucket's root then
    // lists with no '/' in the query, which moto's signature check mishandles (moto #5948).
    const asked = full.endsWith('/') ? full.slice(0, -1) : full;
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.location.bucket, Prefix: asked, ContinuationToken: token }));
      for (const o of page.Contents ?? []) if (o.Key?.startsWith(full)) yield { rel: o.Key.slice(strip), size: o.Size ?? 0 };
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /**
   * Fills the index from a listing of payloads, history and keys. Retention dates it knew are
   * kept unless `forgetDates` (they are then asked of S3 again when needed).
   */
  async rebuildIndex(options: { forgetDates?: boolean } = {}): Promise<number> {
    let n = 0;
    const seen = new Set<string>();
    for (const dir of ['objects/', 'history/', 'keys/']) {
      for await (const { rel, size } of this.list(dir)) {
        seen.add(rel);
        const known = this.index.get(rel);
        this.index.set(rel, { size, until: known && known.size === size && !options.forgetDates ? known.until : null });
        n++;
      }
    }
    for (const [rel] of [...this.index]) if (!seen.has(rel)) this.index.delete(rel);
    this.index.markComplete();
    return n;
  }

  // --- retention ---------------------------------------------------------------------

  /**
   * Every key the index holds whose retention ends within the margin is extended to `days`
   * from now; dates not known here are asked for first. The index holds every payload, bundle
   * and key of the vault (made complete from a listing when it is not), so nothing a kept
   * version needs can lapse.
   */
  async keepRetentionAhead(options: { dryRun?: boolean; onProgress?: (done: number, total: number) => void } = {}): Promise<RetentionReport> {
    const policy = this.retention;
    const report: RetentionReport = { learned: 0, extended: 0, kept: 0, earliest: null, refused: [] };
    if (!policy) return report;
    if (!this.index.complete) await this.rebuildIndex();
    const unknown = [...this.index].filter(([, e]) => e.until === null).map(([rel]) => rel);
    // Asked with the checksum, so a key learned here and then due needs no second HeadObject.
    const learned = new Map<string, VaultHead | null>();
    await mapLimit(unknown, this.concurrency, async (rel) => {
      learned.set(rel, await this.head(rel, true));
      report.learned++;
    });
    const now = this.now();
    const due = [...this.index].filter(([, e]) => e.until !== null && retentionDue(policy, e.until, now)).map(([rel]) => rel);
    let done = 0;
    if (!options.dryRun) {
      const until = retainUntil(policy, now);
      let extended = 0;
      await mapLimit(due, this.concurrency, async (rel) => {
        // Retention locks in whatever the key holds now: only the bytes snap wrote get it, and
        // only the version that was checked (a version written since is not extended).
        const expected = this.index.get(rel)?.size;
        const head = learned.has(rel) ? learned.get(rel)! : await this.head(rel, true);
        const wrong = head ? this.notWritten(rel, head, expected) : null;
        if (head && !wrong) {
          const VersionId = head.versionId && head.versionId !== 'null' ? head.versionId : undefined;
          await this.client.send(new PutObjectRetentionCommand({ Bucket: this.location.bucket, Key: this.key(rel), ...(VersionId ? { VersionId } : {}), Retention: { Mode: policy.mode, RetainUntilDate: until } }));
          this.index.set(rel, { size: head.size, until: Math.floor(until.getTime() / 1000) });
          this.counters.extended++;
          extended++;
        } else if (wrong) report.refused.push({ key: this.key(rel), detail: wrong });
        options.onProgress?.(++done, due.length);
      });
      report.extended = extended;
      report.refused.sort((a, b) => (a.key < b.key ? -1 : 1));
      this.refusedRetention = report.refused;
    } else report.extended = due.length;
    report.kept = this.index.size;
    for (const [, e] of this.index) if (e.until !== null && e.until > 0 && (report.earliest === null || e.until < report.earliest)) report.earliest = e.until;
    return report;
  }

  /**
   * Why `head` is not the object snap wrote at `rel` (a phrase to follow the key: "is …",
   * "has …", "was …"), or null when it may be. The one rule for verify, retention extension
   * and a restore's pre-copy check:
   *   - a single-part object must have a full-object SHA256 (snap writes each with one: PutObject
   *     carrying it, CopyObject computing it), and a payload's must be its name;
   *   - snap uploads or copies in parts only past putMaxBytes / copyMaxBytes, in parts of
   *     partBytesFor(size): a multipart object of at most that size, or in another number of
   *     parts, is not snap's; one that is keeps no full-object SHA256, so only its size (`size`,
   *     when known) is compared here (`snap verify --read-data` re-hashes it).
   */
  notWritten(rel: string, head: VaultHead, size: number | undefined): string | null {
    const oid = oidOfRel(rel);
    if (size !== undefined && head.size !== size) return `is ${head.size} bytes, not the ${size} snap wrote. ${TAMPERED_ADVICE}`;
    if (head.multipart) {
      const threshold = Math.min(this.limits.putMaxBytes, this.limits.copyMaxBytes);
      if (head.size <= threshold) return `was uploaded in parts though it is ${head.size} bytes: snap writes an object in parts only past ${threshold} bytes, so this is not the object snap wrote. ${TAMPERED_ADVICE}`;
      const parts = Math.ceil(head.size / partBytesFor(head.size, this.limits.partBytes));
      if (head.parts !== null && head.parts !== parts) return `was uploaded in ${head.parts} parts: snap writes ${head.size} bytes in ${parts}, so this is not the object snap wrote. ${TAMPERED_ADVICE}`;
      return null;
    }
    if (head.sha256 === null) return `is a single-part object with no SHA256 recorded by S3: not the object snap wrote (it writes each with its SHA256). ${TAMPERED_ADVICE}`;
    if (oid && head.sha256 !== oid) return `has SHA256 ${head.sha256} recorded by S3, not its name's. ${TAMPERED_ADVICE}`;
    return null;
  }

  // --- internals ------------------------------------------------------------------------

  /** HeadObject of `rel`, recorded in the index; null when the vault does not hold it. */
  async head(rel: string, withChecksum = false): Promise<VaultHead | null> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.location.bucket, Key: this.key(rel), ...(withChecksum ? { ChecksumMode: 'ENABLED' } : {}) }));
      const head = vaultHeadOf(out, withChecksum);
      this.index.set(rel, { size: head.size, until: head.retainUntil ? Math.floor(head.retainUntil.getTime() / 1000) : 0 });
      return head;
    } catch (err) {
      if (s3Status(err) === 404) {
        this.index.delete(rel);
        return null;
      }
      throw err;
    }
  }

  /** Hashes the source while keeping its bytes: in the cache, in memory, or in a spool file. */
  private async spool(source: PutSource, options: PutOptions): Promise<{ pointer: Pointer; body: Body; release: () => Promise<void> }> {
    if (this.cache) {
      const pointer = await this.cache.put(source, options);
      return { pointer, body: { kind: 'file', path: this.cache.pathOf(pointer.oid) }, release: async () => undefined };
    }
    const digest = new PayloadDigest(options.expect);
    const chunks: Buffer[] = [];
    let held = 0;
    let file: Awaited<ReturnType<typeof open>> | null = null;
    let path = '';
    const release = async () => {
      await file?.close().catch(() => undefined);
      file = null;
      if (path) await unlink(path).catch(() => undefined);
    };
    try {
      for await (const chunk of chunksOf(source, options.signal)) {
        const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        digest.update(buf);
        if (!file && held + buf.length <= this.limits.memorySpoolBytes) {
          chunks.push(buf);
          held += buf.length;
          continue;
        }
        if (!file) {
          await mkdir(this.spoolDir, { recursive: true });
          path = join(this.spoolDir, `${process.pid}-${randomBytes(8).toString('hex')}`);
          file = await open(path, 'wx', 0o600);
          if (chunks.length) await file.writev(chunks);
          chunks.length = 0;
        }
        await file.write(buf);
      }
      const pointer = digest.finish();
      if (file) {
        await (file as Awaited<ReturnType<typeof open>>).close();
        file = null;
        return { pointer, body: { kind: 'file', path }, release };
      }
      return { pointer, body: { kind: 'memory', bytes: Buffer.concat(chunks) }, release };
    } catch (err) {
      await release();
      throw err;
    }
  }

  private async ensureUploaded(pointer: Pointer, body: Body, signal?: AbortSignal): Promise<void> {
    const rel = objectRel(pointer.oid);
    const sha = toBase64Sha256(pointer.oid);
    await this.writeOnce(rel, pointer.size, async () => {
      if (pointer.size <= this.limits.putMaxBytes) await this.putSingle(rel, body, pointer.size, sha, signal);
      else await this.putMultipart(rel, body, pointer.size, signal);
      this.counters.uploads++;
    });
  }

  /** One PutObject: S3 checks the sha256 it is given and keeps an existing object (If-None-Match). */
  private async putSingle(rel: string, body: Body, size: number, sha256Base64: string, signal?: AbortSignal): Promise<void> {
    const lock = this.lockFields();
    try {
      const send = () =>
        this.client.send(
          new PutObjectCommand({
            Bucket: this.location.bucket,
            Key: this.key(rel),
            Body: body.kind === 'memory' ? body.bytes : createReadStream(body.path, { highWaterMark: 1 * MiB }),
            ContentLength: size,
            ContentType: 'application/octet-stream',
            ChecksumAlgorithm: 'SHA256',
            ChecksumSHA256: sha256Base64,
            IfNoneMatch: '*',
            ...lock,
          }),
          { abortSignal: signal },
        );
      // The SDK replays bytes itself; a file's stream is opened anew for each attempt.
      await (body.kind === 'memory' ? send() : resendWithFreshBody(send, { attempts: this.attempts, ...(signal ? { signal } : {}) }));
      this.recordWritten(rel, size, lock.ObjectLockRetainUntilDate);
    } catch (err) {
      // Written meanwhile by another run: the existing object is the same content.
      if (s3Status(err) === 412 || s3ErrorName(err) === 'PreconditionFailed') {
        await this.head(rel);
        return;
      }
      if (s3ErrorName(err) === 'BadDigest' || s3ErrorName(err) === 'XAmzContentSHA256Mismatch') {
        throw new IntegrityError(`the vault refused ${rel}: its bytes changed on the way (S3 computed another SHA256)`, { key: rel });
      }
      throw err;
    }
  }

  /** A multipart upload with a SHA256 per part, for payloads larger than one PutObject carries. */
  private async putMultipart(rel: string, body: Body, size: number, signal?: AbortSignal): Promise<void> {
    const Key = this.key(rel);
    const Bucket = this.location.bucket;
    const lock = this.lockFields();
    const created = await this.client.send(new CreateMultipartUploadCommand({ Bucket, Key, ContentType: 'application/octet-stream', ChecksumAlgorithm: 'SHA256', ...lock }), { abortSignal: signal });
    const UploadId = created.UploadId!;
    try {
      const parts: CompletedPart[] = [];
      const read = await partReader(body);
      try {
        const partBytes = partBytesFor(size, this.limits.partBytes);
        for (let offset = 0, n = 1; offset < size; offset += partBytes, n++) {
          const bytes = await read(offset, Math.min(partBytes, size - offset));
          const ChecksumSHA256 = createHash('sha256').update(bytes).digest('base64');
          const out = await this.client.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: n, Body: bytes, ContentLength: bytes.length, ChecksumSHA256 }), { abortSignal: signal });
          parts.push({ PartNumber: n, ETag: out.ETag, ChecksumSHA256 });
        }
      } finally {
        await read.close();
      }
      await this.client.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: parts } }), { abortSignal: signal });
      this.recordWritten(rel, size, lock.ObjectLockRetainUntilDate);
    } catch (err) {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId })).catch(() => undefined);
      throw err;
    }
  }
}

/** What a HeadObject answer says of a vault object (the SHA256 only when asked with ChecksumMode). */
export function vaultHeadOf(out: HeadObjectCommandOutput, withChecksum: boolean): VaultHead {
  // A multipart object (ETag "…-N") has a checksum of its parts, whatever the answer calls it.
  const parts = partsOfEtag(out.ETag);
  const multipart = parts !== null || out.ChecksumType === 'COMPOSITE';
  return {
    size: out.ContentLength ?? 0,
    sha256: withChecksum && !multipart ? sha256FromChecksum(out) : null,
    multipart,
    parts,
    checksumType: out.ChecksumType ?? null,
    retainUntil: out.ObjectLockRetainUntilDate ?? null,
    lockMode: out.ObjectLockMode ?? null,
    versionId: out.VersionId ?? null,
  };
}

async function partReader(body: Body): Promise<((offset: number, length: number) => Promise<Buffer>) & { close(): Promise<void> }> {
  if (body.kind === 'memory') {
    const read = async (offset: number, length: number) => body.bytes.subarray(offset, offset + length);
    return Object.assign(read, { close: async () => undefined });
  }
  const fh = await open(body.path, 'r');
  const read = async (offset: number, length: number) => {
    const buf = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
      if (bytesRead === 0) throw new SnapError('STORE_MISSING_OBJECT', `the spooled payload ended early at ${offset + got} bytes`, {});
      got += bytesRead;
    }
    return buf;
  };
  return Object.assign(read, { close: () => fh.close() });
}

async function* prepend<T>(first: T, rest: AsyncGenerator<T>): AsyncGenerator<T> {
  yield first;
  yield* rest;
}

const PRUNE_POLICY_HINT = '(README: IAM policies, the vault-pruner policy)';

/** What to do about a vault object that is not what snap wrote. */
const TAMPERED_ADVICE = '`snap verify --read-data` downloads and re-hashes it; snap maintenance and snap commit do not extend its retention (that would lock the wrong bytes in)';

function missing(oid: string, where: string): SnapError {
  return new SnapError('STORE_MISSING_OBJECT', `object sha256:${oid} is not in the ${where}`, { oid });
}
