// snap restore for S3: puts a version's buckets back, configuration and objects.
//
// For each bucket the version holds (s3_buckets/<bucket>/, or those the selection names),
// under its own name or the one --rename gives it (a staging or scratch copy):
//   - a bucket missing live is created in the version's region (with object lock when the
//     version had it), then given every configuration kind the version records: those that
//     act on objects as they are written (AFTER_OBJECTS: default encryption and retention,
//     notifications, replication, logging) only after the objects, the policy last;
//   - an existing bucket gets each configuration kind that differs written, and each kind
//     set live but absent in the version removed (see restore-config.ts);
//   - every current object of the version (not a delete marker, the latest version of its
//     key) whose content the store holds is written back with its metadata when it is
//     missing live or differs: size, ETag, or (when only the last-modified time moved) its
//     metadata as HeadObject reports it. Content streams from the store through a sha256
//     check that aborts the upload before its last byte when the bytes are not the archived
//     ones (src/store/verified-upload.ts), so a corrupt payload never lands; the object's
//     archived checksum (else its sha256) and encryption are sent with it, so S3 itself
//     checks the bytes too and the object is encrypted as it was, whatever the bucket's
//     default is now. From a vault, S3 copies the object after checking the vault holds the
//     archived sha256 (restore-from-vault.ts);
//   - only with --prune, live objects the version does not have are deleted.
// Objects the version could not read (archive storage classes, refused, corrupt) are noted,
// not written. A versioned bucket gets its current objects back, not its history: S3 gives
// restored objects new version ids.
//
// Planning only reads (HeadBucket, GetBucketLocation, the configuration reads, listing, and
// HeadObject where only a last-modified time differs).
import { CreateBucketCommand, DeleteObjectsCommand, GetBucketLocationCommand, HeadBucketCommand, HeadObjectCommand, PutObjectCommand, S3Client, type PutObjectCommandInput } from '@aws-sdk/client-s3';
import { MODE_TREE } from '../../../git/objects.js';
import { stableJson } from '../../../normalize/stable-json.js';
import type { RestoreContext } from '../../../restore/types.js';
import { createLimiter, mapLimit, type Limiter } from '../../../util/limiter.js';
import { formatBytes } from '../../../util/log.js';
import { awsErrorName, classifyAwsError } from '../shared/errors.js';
import { requestSignal } from '../shared/request-signal.js';
import { resendWithFreshBody } from '../shared/resumable.js';
import { regionOf, type ConfigRecord } from './bucket-config.js';
import type { S3Config } from './config.js';
import { normalizeHeaders } from './fetch.js';
import { toBase64Sha256 } from '../../../store/s3-util.js';
import { listBucket, type ListedObject } from './listing.js';
import { readPreviousEntries, type BucketRecord, type ManifestEntry, type ObjectEntry } from './manifest.js';
import { copyFromVault, restoreVault } from './restore-from-vault.js';
import { sendVerified } from '../../../store/verified-upload.js';
import { isSnapError } from '../../../errors.js';
import { CHECKSUM_HEADERS } from './resources.js';
import { AFTER_OBJECTS, planKind, readLiveKind, RESTORE_KIND_ORDER, type KindPlan, type RestorableKind } from './restore-config.js';

type Ctx = RestoreContext<S3Config>;

/** The largest object one PutObject may carry. */
const MAX_SINGLE_PUT = 5 * 1024 ** 3;

/**
 * The restore writes exactly the checksum each object had (restoreChecksum), so the SDK must
 * not add one of its own choosing to every upload.
 */
const RESTORE_CLIENT = { requestChecksumCalculation: 'WHEN_REQUIRED' } as const;

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

function selected(selection: readonly string[], folder: string): boolean {
  return selection.length === 0 || selection.some((s) => s === folder || s.startsWith(`${folder}/`));
}

export async function restoreS3(ctx: Ctx): Promise<void> {
  const signal = requestSignal(ctx.signal, ctx.config.concurrency * ctx.config.bucketConcurrency);
  const limit = createLimiter(ctx.config.concurrency);
  const folders = (await ctx.version.list()).filter((e) => e.mode === MODE_TREE && selected(ctx.selection, e.name)).map((e) => e.name);
  for (const folder of await loggingTargetsFirst(ctx, folders)) {
    const deeper = ctx.selection.filter((s) => s.startsWith(`${folder}/`));
    if (deeper.length) ctx.note(`s3_buckets/${folder}`, `a bucket is restored whole: ${deeper.map((d) => `s3_buckets/${d}`).join(', ')} selects the bucket`);
    await planBucket(ctx, folder, limit, signal);
  }
}

/**
 * Buckets that others log into come first: S3 refuses a logging configuration whose target
 * bucket does not exist yet or does not grant the log delivery service.
 */
async function loggingTargetsFirst(ctx: Ctx, folders: string[]): Promise<string[]> {
  const targets = new Set<string>();
  for (const folder of folders) {
    const logging = await ctx.version.json<{ value?: { LoggingEnabled?: { TargetBucket?: string } } }>(`${folder}/config/logging.json`);
    const target = logging?.value?.LoggingEnabled?.TargetBucket;
    if (target) targets.add(target);
  }
  const first = folders.filter((f) => targets.has(f));
  return [...first, ...folders.filter((f) => !targets.has(f))];
}

interface Target {
  name: string;
  region: string;
  client: S3Client;
  exists: boolean;
}

async function locateTarget(ctx: Ctx, record: BucketRecord, signal: AbortSignal): Promise<Target> {
  const name = ctx.rename.get(record.name) ?? record.name;
  const clientIn = (region: string) => ctx.aws.get(S3Client, region, RESTORE_CLIENT);
  try {
    await clientIn(record.region).send(new HeadBucketCommand({ Bucket: name }), { abortSignal: signal });
  } catch (err) {
    if (classifyAwsError(err) === 'not-found') return { name, region: record.region, client: clientIn(record.region), exists: false };
    // 301 (another region) or 403 (HeadBucket refused): ask where it is.
    if (awsErrorName(err) !== 'PermanentRedirect' && classifyAwsError(err) !== 'access-denied' && (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 301) throw err;
  }
  const location = await clientIn('us-east-1').send(new GetBucketLocationCommand({ Bucket: name }), { abortSignal: signal });
  const region = regionOf(location.LocationConstraint);
  return { name, region, client: clientIn(region), exists: true };
}

async function planBucket(ctx: Ctx, folder: string, limit: Limiter, signal: AbortSignal): Promise<void> {
  const record = await ctx.version.json<BucketRecord>(`${folder}/bucket.json`);
  if (!record?.name) {
    ctx.cannot(`s3_buckets/${folder}`, 'the version holds no bucket.json for this bucket: nothing to restore from');
    return;
  }
  const target = await locateTarget(ctx, record, signal);
  const resource = `s3://${target.name}`;
  if (target.exists && target.region !== record.region) ctx.note(resource, `the live bucket is in ${target.region}, the version's in ${record.region}: restored where it is`);
  if (record.listing.state !== 'complete') ctx.note(resource, `the bucket could not be listed when the version was taken (${record.listing.reason}): its objects are restored from the manifest it carried over`);

  const archived = new Map<RestorableKind, ConfigRecord>();
  for (const kind of RESTORE_KIND_ORDER) {
    const r = await ctx.version.json<ConfigRecord>(`${folder}/config/${kind}.json`);
    if (r) archived.set(kind, r);
  }
  const names = { original: record.name, target: target.name };
  const cannot = (message: string) => ctx.cannot(resource, message);

  // Kinds that change objects as they are written go after the objects, the policy last of
  // all: a version's policy may deny the very writes and deletes that put its objects back
  // (a "deny s3:DeleteObject" guard, for one). See AFTER_OBJECTS.
  const first = RESTORE_KIND_ORDER.filter((k) => !AFTER_OBJECTS.includes(k));
  const after = RESTORE_KIND_ORDER.filter((k) => AFTER_OBJECTS.includes(k));
  if (!target.exists) {
    const lock = archived.get('object-lock')?.state === 'configured';
    const kinds = [...archived.values()].filter((r) => r.state === 'configured' && !isOwnerOnlyAcl(r) && (first as readonly string[]).includes(r.kind)).map((r) => r.kind);
    ctx.plan({
      resource,
      action: 'create',
      detail: `missing: bucket in ${record.region}${kinds.length ? ` with ${kinds.join(', ')}` : ''}`,
      apply: async () => {
        await target.client.send(
          new CreateBucketCommand({
            Bucket: target.name,
            ...(record.region !== 'us-east-1' ? { CreateBucketConfiguration: { LocationConstraint: record.region as never } } : {}),
            ...(lock ? { ObjectLockEnabledForBucket: true } : {}),
          }),
          { abortSignal: signal },
        );
        // A new bucket comes with defaults of its own (public access block, ownership,
        // encryption): each kind is compared again now, and only what differs is written.
        const defaults = await readLive(target, first, limit, signal);
        await applyAll(planKinds(first, archived, defaults, names, () => undefined), target, signal);
      },
    });
  }
  // An existing bucket's configuration is read once, every kind at once, for the whole plan.
  const live = target.exists ? await readLive(target, [...RESTORE_KIND_ORDER], limit, signal) : null;
  if (live) {
    for (const change of planKinds(first, archived, live, names, cannot)) {
      ctx.plan({ resource, action: 'update', detail: change.detail, apply: () => change.apply(target.client, target.name, signal) });
    }
  }
  await planObjects(ctx, record, target, live?.get('versioning')?.state === 'configured', limit, signal);
  const later = after.filter((k) => archived.get(k)?.state === 'configured');
  if (!target.exists && later.length) {
    ctx.plan({
      resource,
      action: 'create',
      detail: `${later.join(', ')} of the new bucket, after its objects`,
      apply: async () => {
        const current = await readLive(target, after, limit, signal);
        await applyAll(planKinds(after, archived, current, names, () => undefined), target, signal);
      },
    });
  } else if (live) {
    for (const change of planKinds(after, archived, live, names, cannot)) {
      ctx.plan({ resource, action: 'update', detail: change.detail, apply: () => change.apply(target.client, target.name, signal) });
    }
  }
}

/** Every bucket's ACL grants its owner full control; only more than that is worth naming. */
function isOwnerOnlyAcl(r: ConfigRecord): boolean {
  if (r.kind !== 'acl' || r.state !== 'configured') return false;
  const grants = (r.value as { Grants?: { Grantee?: { Type?: string }; Permission?: string }[] }).Grants ?? [];
  return grants.length === 1 && grants[0]!.Grantee?.Type === 'CanonicalUser' && grants[0]!.Permission === 'FULL_CONTROL';
}

/** Applies every kind; one refused kind does not keep the others from being written. */
async function applyAll(changes: KindPlan[], target: Target, signal: AbortSignal): Promise<void> {
  const failed: string[] = [];
  for (const change of changes) {
    try {
      await change.apply(target.client, target.name, signal);
    } catch (err) {
      if (signal.aborted) throw err;
      failed.push(`${change.kind}: ${awsErrorName(err)}: ${(err as Error).message}`);
    }
  }
  if (failed.length) throw new Error(`bucket created, but ${plural(failed.length, 'configuration kind')} not written: ${failed.join('; ')}`);
}

/** The live bucket's configuration of `kinds`, read concurrently (within the limiter). */
async function readLive(target: Target, kinds: readonly RestorableKind[], limit: Limiter, signal: AbortSignal): Promise<Map<RestorableKind, ConfigRecord>> {
  const records = await Promise.all(kinds.map((kind) => readLiveKind(target.client, target.name, target.region, kind, limit, signal)));
  return new Map(kinds.map((kind, i) => [kind, records[i]!]));
}

/** What each of `kinds` that the version records asks of the live configuration. */
function planKinds(kinds: readonly RestorableKind[], archived: Map<RestorableKind, ConfigRecord>, live: Map<RestorableKind, ConfigRecord>, names: { original: string; target: string }, cannot: (m: string) => void): KindPlan[] {
  const out: KindPlan[] = [];
  for (const kind of kinds) {
    const wanted = archived.get(kind);
    const change = wanted ? planKind(kind, wanted, live.get(kind) ?? null, names, cannot) : null;
    if (change) out.push(change);
  }
  return out;
}

/** The entries a version holds as the bucket's current objects, by key. */
function currentEntries(entries: Iterable<ManifestEntry>): Map<string, ObjectEntry> {
  const out = new Map<string, ObjectEntry>();
  for (const e of entries) if (!e.deleteMarker && e.isLatest !== false) out.set(e.key, e);
  return out;
}

async function planObjects(ctx: Ctx, record: BucketRecord, target: Target, liveVersioned: boolean, limit: Limiter, signal: AbortSignal): Promise<void> {
  const resource = `s3://${target.name}`;
  const all = await readPreviousEntries(ctx.version, record.name);
  const wanted = currentEntries(all.values());
  if (record.versioned && all.size > wanted.size) ctx.note(resource, `${plural(all.size - wanted.size, 'older version or delete marker', 'older versions and delete markers')} of the version ${all.size - wanted.size === 1 ? 'is' : 'are'} history: the current objects are restored, with new version ids`);

  let live = new Map<string, ListedObject>();
  if (target.exists) {
    const listing = await limit(() => listBucket(target.client, target.name, { versioned: liveVersioned, versions: 'latest', signal }));
    live = new Map(listing.filter((o) => !o.deleteMarker).map((o) => [o.key, o]));
  }

  const missing: ObjectEntry[] = [];
  const differ: { entry: ObjectEntry; live: ListedObject }[] = [];
  const unreadable = new Map<string, string[]>();
  const toCheck: { entry: ObjectEntry; live: ListedObject }[] = [];
  for (const entry of wanted.values()) {
    const current = live.get(entry.key);
    live.delete(entry.key);
    if (entry.content !== 'stored' || !entry.sha256) {
      if (current && current.size === entry.size && current.etag === entry.etag) continue; // still there as it was
      const why = entry.content ?? 'not read';
      unreadable.set(why, [...(unreadable.get(why) ?? []), entry.key]);
      continue;
    }
    if (entry.size > MAX_SINGLE_PUT && !copiesFromVault(ctx)) {
      if (current && current.size === entry.size && current.etag === entry.etag) continue; // still there as it was
      ctx.cannot(`${resource}/${entry.key}`, `${formatBytes(entry.size)} is more than one PutObject carries; snap restore does not write multipart uploads yet (a restore from a vault copies it in parts): copy it with \`snap cat\` and \`aws s3 cp\``);
      continue;
    }
    if (!current) missing.push(entry);
    else if (current.size !== entry.size || current.etag !== entry.etag) differ.push({ entry, live: current });
    else if (current.lastModified !== entry.lastModified) toCheck.push({ entry, live: current });
  }
  // Same bytes, written again since: only the metadata can differ (a copy-in-place edit).
  await mapLimit(toCheck, ctx.config.concurrency, async (pair) => {
    const head = await target.client.send(new HeadObjectCommand({ Bucket: target.name, Key: pair.entry.key, ChecksumMode: 'ENABLED' }), { abortSignal: signal });
    if (stableJson(withoutChecksums(normalizeHeaders(head))) !== stableJson(withoutChecksums(pair.entry.headers ?? {}))) differ.push(pair);
  });
  differ.sort((a, b) => (a.entry.key < b.entry.key ? -1 : a.entry.key > b.entry.key ? 1 : 0));
  for (const [why, keys] of unreadable) {
    ctx.cannot(resource, `${plural(keys.length, 'object')} (${sample(keys)}) ${keys.length === 1 ? 'was' : 'were'} not readable when the version was taken (${why}): not restored`);
  }

  const write = (entries: ObjectEntry[]) => () => putObjects(ctx, target, entries, signal);
  if (missing.length) ctx.plan({ resource: objectsResource(resource, missing), action: 'create', detail: `${plural(missing.length, 'object')} missing (${formatBytes(sum(missing))})${missing.length > 1 ? `: ${sample(missing.map((e) => e.key))}` : ''}`, apply: write(missing) });
  if (differ.length) {
    const entries = differ.map((d) => d.entry);
    const detail = differ.length === 1 ? describeDifference(differ[0]!) : `${plural(differ.length, 'object')} differ: ${sample(entries.map((e) => e.key))}`;
    ctx.plan({ resource: objectsResource(resource, entries), action: 'update', detail, apply: write(entries) });
  }
  const extra = [...live.keys()].sort();
  if (extra.length && !ctx.prune) ctx.note(resource, `${plural(extra.length, 'live object')} the version does not have ${extra.length === 1 ? 'is' : 'are'} kept (--prune deletes them): ${sample(extra)}`);
  if (extra.length && ctx.prune) {
    ctx.plan({ resource: extra.length === 1 ? `${resource}/${extra[0]}` : resource, action: 'delete', detail: `${plural(extra.length, 'object')} not in the version${extra.length > 1 ? `: ${sample(extra)}` : ''}`, apply: () => deleteObjects(target, extra, signal) });
  }
}

function describeDifference({ entry, live }: { entry: ObjectEntry; live: ListedObject }): string {
  if (live.size === entry.size && live.etag === entry.etag) return 'metadata differs';
  return `content ${formatBytes(live.size)} → ${formatBytes(entry.size)} (sha256 ${entry.sha256!.slice(0, 12)})`;
}

const sum = (entries: ObjectEntry[]) => entries.reduce((n, e) => n + e.size, 0);

function objectsResource(bucket: string, entries: ObjectEntry[]): string {
  return entries.length === 1 ? `${bucket}/${entries[0]!.key}` : bucket;
}

function sample(keys: string[], n = 3): string {
  const shown = keys.slice(0, n).map((k) => JSON.stringify(k)).join(', ');
  return keys.length > n ? `${shown} and ${keys.length - n} more` : shown;
}

/** PutObject input for an entry's archived metadata (normalized GetObject headers). */
function putInput(bucket: string, entry: ObjectEntry): PutObjectCommandInput {
  const h = (entry.headers ?? {}) as Record<string, any>;
  const input: PutObjectCommandInput = { Bucket: bucket, Key: entry.key, ContentLength: entry.size };
  const copy = ['ContentType', 'CacheControl', 'ContentDisposition', 'ContentEncoding', 'ContentLanguage', 'Metadata', 'WebsiteRedirectLocation', 'ObjectLockMode', 'ObjectLockLegalHoldStatus'] as const;
  for (const k of copy) if (h[k] !== undefined) (input as unknown as Record<string, unknown>)[k] = h[k];
  if (typeof h.ExpiresString === 'string') input.Expires = new Date(h.ExpiresString);
  if (typeof h.ObjectLockRetainUntilDate === 'string') input.ObjectLockRetainUntilDate = new Date(h.ObjectLockRetainUntilDate);
  // Encryption as the object had it, whatever the bucket's default is now.
  if (h.ServerSideEncryption === 'AES256') input.ServerSideEncryption = 'AES256';
  if (h.ServerSideEncryption === 'aws:kms' || h.ServerSideEncryption === 'aws:kms:dsse') {
    input.ServerSideEncryption = h.ServerSideEncryption;
    if (h.SSEKMSKeyId) input.SSEKMSKeyId = h.SSEKMSKeyId;
    if (h.BucketKeyEnabled !== undefined) input.BucketKeyEnabled = h.BucketKeyEnabled;
  }
  if (entry.storageClass && entry.storageClass !== 'STANDARD') input.StorageClass = entry.storageClass as never;
  Object.assign(input, restoreChecksum(h, entry.sha256));
  return input;
}

/** Headers without the checksums: an object written back with the same bytes may carry other ones (see restoreChecksum). */
function withoutChecksums(headers: Record<string, unknown>): Record<string, unknown> {
  const out = { ...headers };
  for (const k of CHECKSUM_HEADERS) delete out[k];
  return out;
}

/**
 * The checksum sent with the bytes, for S3 to refuse them (BadDigest) if they do not match:
 * the archived object's own full-object checksum when it had one, so the restored object
 * reports the same checksum as the original; otherwise (none, or a composite one of parts that
 * one PutObject cannot reproduce) the archived sha256. S3 takes one checksum per request, so
 * an object archived with a CRC32 is not also sent its sha256: snap checks the sha256 itself
 * as the bytes stream (sendVerified), which holds whatever the server checks.
 */
function restoreChecksum(h: Record<string, any>, sha256: string | undefined): Partial<PutObjectCommandInput> {
  const own = h.ChecksumType === 'COMPOSITE' ? null : pickChecksum(h);
  if (own) return own;
  return sha256 ? { ChecksumAlgorithm: 'SHA256', ChecksumSHA256: toBase64Sha256(sha256) } : {};
}

function pickChecksum(h: Record<string, any>): Partial<PutObjectCommandInput> | null {
  const pick = (field: string, algorithm: 'CRC32' | 'CRC32C' | 'SHA1' | 'SHA256') => (typeof h[field] === 'string' && !h[field].includes('-') ? { ChecksumAlgorithm: algorithm, [field]: h[field] } : null);
  return pick('ChecksumSHA256', 'SHA256') ?? pick('ChecksumCRC32', 'CRC32') ?? pick('ChecksumCRC32C', 'CRC32C') ?? pick('ChecksumSHA1', 'SHA1');
}

/** The vault S3 can copy from into the target: same endpoint as the restore's (AWS, or one emulator). */
function copiesFromVault(ctx: Ctx) {
  const vault = restoreVault(ctx.store);
  return vault && (vault.endpoint ?? '') === (ctx.aws.endpoint ?? '') ? vault : null;
}

async function putObjects(ctx: Ctx, target: Target, entries: ObjectEntry[], signal: AbortSignal): Promise<void> {
  const failed: string[] = [];
  await mapLimit(entries, ctx.config.concurrency, async (entry) => {
    try {
      // From a vault, S3 copies the object itself (restore-from-vault.ts); otherwise it streams from the store.
      const vault = copiesFromVault(ctx);
      if (vault && (await copyFromVault(vault, target.client, entry, putInput(target.name, entry), signal))) return;
      // Every attempt streams anew through the sha256 check: bytes that are not the archived ones never complete an upload.
      const label = `s3://${target.name}/${entry.key} from ${ctx.store.description}`;
      await resendWithFreshBody(
        async () => sendVerified(await ctx.store.open(entry.sha256!), { sha256: entry.sha256!, size: entry.size, label, signal }, (Body, abortSignal) => target.client.send(new PutObjectCommand({ ...putInput(target.name, entry), Body }), { abortSignal })),
        { attempts: ctx.aws.settings.maxAttempts, signal },
      );
    } catch (err) {
      if (signal.aborted) throw err;
      // snap's own integrity findings say which object and what to run; an AWS error is named by its code.
      failed.push(isSnapError(err) && err.code === 'INTEGRITY' ? err.message : `${JSON.stringify(entry.key)}: ${awsErrorName(err)}`);
    }
  });
  if (failed.length) throw new Error(`${plural(failed.length, 'object')} of ${entries.length} not written: ${failed.slice(0, 5).join('; ')}${failed.length > 5 ? '; …' : ''}`);
}

async function deleteObjects(target: Target, keys: string[], signal: AbortSignal): Promise<void> {
  for (let i = 0; i < keys.length; i += 1000) {
    const batch = keys.slice(i, i + 1000);
    const out = await target.client.send(new DeleteObjectsCommand({ Bucket: target.name, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }), { abortSignal: signal });
    if (out.Errors?.length) throw new Error(`${plural(out.Errors.length, 'object')} not deleted: ${out.Errors.slice(0, 5).map((e) => `${JSON.stringify(e.Key)}: ${e.Code}`).join('; ')}`);
  }
}
