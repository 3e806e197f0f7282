// The S3 collector (s3_buckets/): every bucket the credentials list (filtered by the config's
// include/exclude globs), each read through a client in its own region.
//
//   ListBuckets → per bucket (bucketConcurrency at once; requests bounded by `concurrency`,
//   object content in flight by `inFlightBytes`):
//     GetBucketLocation → client for that region → configuration (bucket-config.ts)
//     → listing (listing.ts) → previous manifest (manifest.ts) → per object (concurrency):
//         unchanged since the previous version (key, version, size, ETag, last-modified)
//             → its recorded sha256, headers and readable copy are reused: no request at all
//         archive storage class, not restored → HeadObject for metadata, coverage finding
//         otherwise → GetObject streamed into the content store, checked (fetch.ts)
//     → readable copies of small text objects under files/ (tree-paths.ts, text.ts)
//     → sharded manifests under objects/ (shards.ts) and bucket.json
//
// A bucket that fails unexpectedly is reported with ctx.partial and its previous folder is
// carried over, so a failure never looks like a deletion. Refusals (AccessDenied) of a
// configuration, a listing or an object are coverage findings; the rest goes on.
import { setMaxListeners } from 'node:events';
import { GetBucketLocationCommand, HeadBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { joinPath } from '../../../archive/paths.js';
import { isSnapError } from '../../../errors.js';
import { hashObject, MODE_TREE } from '../../../git/objects.js';
import { globMatch } from '../../../util/glob.js';
import { createLimiter, mapLimit, type Limiter } from '../../../util/limiter.js';
import { formatBytes } from '../../../util/log.js';
import { isText } from '../../../util/text.js';
import type { CollectContext, Collector } from '../../types.js';
import { awsErrorName, classifyAwsError } from '../shared/errors.js';
import { locationRecord, readConfigKind, readOtherConfig, regionOf, type ConfigReadOptions } from './bucket-config.js';
import { createByteBudget, type ByteBudget } from './byte-budget.js';
import { s3ConfigSchema, type S3Config } from './config.js';
import { isVaultBucket, vaultCapture } from './capture.js';
import { collectClient, fetchObject, headObject, objectLabel } from './fetch.js';
import { listBucket, type ListedObject } from './listing.js';
import { BUCKETS_ROOT, bucketFolder, entryId, readPreviousEntries, type BucketRecord, type ManifestEntry, type ObjectEntry } from './manifest.js';
import { BUCKET_RULES, CONFIG_RULES, SHARD_RULES } from './normalize.js';
import { resolveS3Uri } from './resolve.js';
import { restoreS3 } from './restore.js';
import { s3Payloads } from './payloads.js';
import { S3_RESOURCES } from './resources.js';
import { assignShards, shardFileName } from '../../../archive/shards.js';
import { textTypeHint } from './text.js';
import { planTreePaths } from './tree-paths.js';
import { s3Runbook } from './runbook.js';

/** Storage classes whose objects must be restored before they can be read. */
export const ARCHIVE_CLASSES: ReadonlySet<string> = new Set(['GLACIER', 'DEEP_ARCHIVE']);

type Ctx = CollectContext<S3Config>;

interface Shared {
  limit: Limiter;
  bytes: ByteBudget;
  totals: { items: number; bytes: number };
}

export function selectBuckets(names: readonly string[], config: Pick<S3Config, 'include' | 'exclude'>): string[] {
  return names.filter((n) => config.include.some((g) => globMatch(g, n)) && !config.exclude.some((g) => globMatch(g, n))).sort();
}

async function listBucketNames(ctx: Ctx): Promise<{ name: string; region?: string }[]> {
  const client = ctx.aws.get(S3Client);
  const out: { name: string; region?: string }[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListBucketsCommand({ ContinuationToken: token }), { abortSignal: ctx.signal });
    for (const b of page.Buckets ?? []) if (b.Name) out.push({ name: b.Name, ...(b.BucketRegion ? { region: b.BucketRegion } : {}) });
    token = page.ContinuationToken;
  } while (token);
  return out;
}

async function collectS3(ctx: Ctx): Promise<void> {
  // Every request in flight listens on the collector's signal to be cancelled with it.
  setMaxListeners(ctx.config.concurrency * ctx.config.bucketConcurrency + 64, ctx.signal);
  ctx.progress.phase('listing buckets');
  const listed = await listBucketNames(ctx);
  const chosen = new Set(selectBuckets(listed.map((b) => b.name), ctx.config));
  // The archive's own vault is never archived into itself.
  const buckets = listed.filter((b) => chosen.has(b.name) && !isVaultBucket(ctx.out.store, b.name)).sort((a, b) => (a.name < b.name ? -1 : 1));
  const shared: Shared = { limit: createLimiter(ctx.config.concurrency), bytes: createByteBudget(ctx.config.inFlightBytes), totals: { items: 0, bytes: 0 } };
  await mapLimit(buckets, ctx.config.bucketConcurrency, async (b) => {
    try {
      await archiveBucket(ctx, shared, b.name, b.region);
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      ctx.partial(`${BUCKETS_ROOT}/${b.name}`, err);
      await ctx.carryOver(bucketFolder(b.name));
    }
  });
}

async function locateBucket(ctx: Ctx, name: string, listedRegion: string | undefined): Promise<{ region: string; constraint: string | null }> {
  try {
    // GetBucketLocation is answered for every bucket by us-east-1.
    const out = await ctx.aws.get(S3Client, 'us-east-1').send(new GetBucketLocationCommand({ Bucket: name }), { abortSignal: ctx.signal });
    return { region: regionOf(out.LocationConstraint), constraint: out.LocationConstraint ?? '' };
  } catch (err) {
    if (classifyAwsError(err) !== 'access-denied') throw err;
    ctx.finding({ resource: `${BUCKETS_ROOT}/${name}/config/location`, reason: awsErrorName(err) });
  }
  if (listedRegion) return { region: listedRegion, constraint: null };
  const head = await ctx.aws.get(S3Client).send(new HeadBucketCommand({ Bucket: name }), { abortSignal: ctx.signal });
  return { region: head.BucketRegion ?? ctx.aws.settings.region, constraint: null };
}

async function archiveBucket(ctx: Ctx, shared: Shared, name: string, listedRegion: string | undefined): Promise<void> {
  const folder = bucketFolder(name);
  const { region, constraint } = await locateBucket(ctx, name, listedRegion);
  if (ctx.config.regions && !ctx.config.regions.includes(region)) return;
  ctx.progress.phase('buckets');
  const client = collectClient(ctx.aws, region);
  ctx.count('buckets');

  const configOptions: ConfigReadOptions = {
    client,
    bucket: name,
    region,
    locationConstraint: constraint,
    limit: shared.limit,
    signal: ctx.signal,
    onRefused: (kind, reason) => ctx.finding({ resource: `${BUCKETS_ROOT}/${name}/config/${kind}`, reason }),
  };
  // Versioning decides how the bucket is listed; the listing then runs alongside the other
  // configuration reads instead of after them.
  const versioning = await readConfigKind(configOptions, 'versioning');
  const previousBucket = (await ctx.previous?.json<BucketRecord>(`${folder}/bucket.json`).catch(() => null)) ?? null;
  const versioned = versioning.state === 'configured' ? true : versioning.state === 'not-configured' ? false : (previousBucket?.versioned ?? false);
  const listed = shared.limit(() => listBucket(client, name, { versioned, versions: ctx.config.versions, signal: ctx.signal }));
  listed.catch(() => undefined); // awaited below; not unhandled if the configuration fails first
  const configs = [locationRecord(configOptions), versioning, ...(await readOtherConfig(configOptions))];
  for (const record of configs) ctx.out.json(`${folder}/config/${record.kind}.json`, record, CONFIG_RULES[record.kind]);

  let listing: ListedObject[];
  const listingDone = ctx.progress.active(`${name} (listing)`);
  try {
    listing = await listed;
  } catch (err) {
    if (classifyAwsError(err) !== 'access-denied') throw err;
    // The objects cannot be listed now: keep what the previous version knew, and say so.
    ctx.finding({ resource: `${BUCKETS_ROOT}/${name}/objects`, reason: awsErrorName(err), detail: 'the bucket cannot be listed; its previous object manifest and readable copies are carried over' });
    const carriedOver = await ctx.carryOver(`${folder}/objects`);
    if (carriedOver) await ctx.carryOver(`${folder}/files`);
    const record: BucketRecord = {
      name,
      region,
      listing: { state: 'unreadable', reason: awsErrorName(err), carriedOver },
      versioned,
      objects: previousBucket?.objects ?? { count: 0, bytes: 0, versions: 0, deleteMarkers: 0, shards: 0, readableCopies: 0 },
    };
    ctx.out.json(`${folder}/bucket.json`, record, BUCKET_RULES);
    return;
  } finally {
    listingDone();
  }

  // Shown as transferring only while its objects are read (not while it waits for a turn).
  const transferring = ctx.progress.active(name);
  const objects = await archiveObjects(ctx, shared, { name, folder, client, listing }).finally(transferring);
  const shards = assignShards(objects, (e) => e.key, ctx.config.shardMaxEntries);
  for (const [shard, entries] of shards) ctx.out.json(`${folder}/objects/${shardFileName(shard)}`, { bucket: name, shard, objects: entries }, SHARD_RULES);

  const live = objects.filter((e): e is ObjectEntry => !e.deleteMarker);
  const current = live.filter((e) => e.isLatest === undefined || e.isLatest);
  const record: BucketRecord = {
    name,
    region,
    listing: { state: 'complete' },
    versioned,
    objects: {
      count: current.length,
      bytes: current.reduce((n, e) => n + e.size, 0),
      versions: live.length,
      deleteMarkers: objects.length - live.length,
      shards: shards.size,
      readableCopies: current.filter((e) => e.file).length,
    },
  };
  ctx.out.json(`${folder}/bucket.json`, record, BUCKET_RULES);
}

interface BucketWork {
  name: string;
  folder: string;
  client: S3Client;
  listing: ListedObject[];
}

/** Every listed object (and delete marker) as a manifest entry; content stored, copies placed. */
async function archiveObjects(ctx: Ctx, shared: Shared, work: BucketWork): Promise<ManifestEntry[]> {
  const { name, folder, client, listing } = work;
  const previous = await readPreviousEntries(ctx.previous, name);
  const store = ctx.out.store;
  const capture = vaultCapture(ctx, store);
  const isCurrent = (o: ListedObject) => !o.deleteMarker && (o.isLatest === undefined || o.isLatest);
  const candidates = listing.filter((o) => isCurrent(o) && o.size <= ctx.config.textMaxBytes && !ARCHIVE_CLASSES.has(o.storageClass));
  const paths = planTreePaths(candidates.map((o) => o.key));
  const stats = { downloaded: 0, downloadedBytes: 0, reused: 0, copies: 0 };
  const refused = new Map<string, string[]>(); // reason → keys

  shared.totals.items += listing.length;
  shared.totals.bytes += listing.reduce((n, o) => n + o.size, 0);
  ctx.progress.expect(shared.totals.items, shared.totals.bytes);

  const refuse = (reason: string, key: string) => {
    const list = refused.get(reason) ?? [];
    list.push(key);
    refused.set(reason, list);
  };

  /** Places the readable copy of an object when its key has a planned path. */
  const placeCopy = async (o: ListedObject, entry: ObjectEntry, prevEntry: ObjectEntry | null, fresh: Uint8Array | undefined): Promise<void> => {
    const planned = isCurrent(o) ? paths.get(o.key) : null;
    if (!planned || entry.content !== 'stored' || !entry.sha256) return;
    const treePath = joinPath(folder, 'files', planned);
    let blob: string;
    if (fresh) {
      ctx.out.text(treePath, fresh);
      blob = hashObject('blob', fresh);
    } else if (prevEntry?.file && ctx.previous) {
      // Unchanged: the previous version's blob is mounted as it is, found by the id its entry
      // recorded (no tree is read), or else by its path.
      let known = prevEntry.fileBlob && ctx.previous.repo.hasObject(prevEntry.fileBlob) ? prevEntry.fileBlob : null;
      if (!known) {
        const before = await ctx.previous.entry(joinPath(folder, prevEntry.file));
        if (!before || before.mode === MODE_TREE) return;
        known = before.oid;
      }
      ctx.out.mountFile(treePath, known, entry.size);
      blob = known;
    } else if (textTypeHint(o.key, str(entry.headers?.ContentType), str(entry.headers?.ContentEncoding))) {
      // Unchanged but had no copy (e.g. the size limit was raised): the store has the bytes.
      const chunks: Buffer[] = [];
      for await (const c of await store.open(entry.sha256)) chunks.push(c as Buffer);
      const bytes = Buffer.concat(chunks);
      if (!isText(bytes)) return;
      ctx.out.text(treePath, bytes);
      blob = hashObject('blob', bytes);
    } else return;
    entry.file = joinPath('files', planned);
    entry.fileBlob = blob;
    stats.copies++;
  };

  const one = async (o: ListedObject): Promise<ManifestEntry | null> => {
    if (o.deleteMarker) return { key: o.key, versionId: o.versionId!, isLatest: o.isLatest ?? false, deleteMarker: true, lastModified: o.lastModified };
    const base: ObjectEntry = {
      key: o.key,
      ...(o.versionId !== undefined ? { versionId: o.versionId, isLatest: o.isLatest ?? false } : {}),
      size: o.size,
      etag: o.etag,
      lastModified: o.lastModified,
      storageClass: o.storageClass,
    };
    const prev = previous.get(entryId(o.key, o.versionId));
    const same = prev && !prev.deleteMarker && prev.size === o.size && prev.etag === o.etag && prev.lastModified === o.lastModified ? prev : null;

    if (same?.content === 'stored' && same.sha256 && (await store.has(same.sha256))) {
      const entry: ObjectEntry = { ...base, content: 'stored', sha256: same.sha256, ...(same.headers ? { headers: same.headers } : {}) };
      await placeCopy(o, entry, same, undefined);
      stats.reused++;
      ctx.progress.add(1, o.size);
      return entry;
    }
    if (same?.content === 'archived' && ARCHIVE_CLASSES.has(o.storageClass)) {
      refuse('Archived', o.key);
      ctx.progress.add(1, 0);
      return { ...base, content: 'archived', ...(same.headers ? { headers: same.headers } : {}) };
    }

    try {
      if (ARCHIVE_CLASSES.has(o.storageClass)) {
        const head = await shared.limit(() => headObject(client, name, o, ctx.signal));
        if (!head.restored) {
          refuse('Archived', o.key);
          ctx.progress.add(1, 0);
          return { ...base, content: 'archived', headers: head.headers };
        }
      }
      const wantText = paths.get(o.key) != null && isCurrent(o);
      // With an S3 vault, S3 copies the object itself (capture.ts); readable text is downloaded.
      const captured = capture ? await shared.limit(() => capture.object({ client, bucket: name, object: o, wantText, signal: ctx.signal })) : null;
      const got = captured ?? (await shared.bytes(o.size, () => shared.limit(() => fetchObject({ client, store, bucket: name, object: o, wantText, textMaxBytes: ctx.config.textMaxBytes, signal: ctx.signal, attempts: ctx.aws.settings.maxAttempts }))));
      const entry: ObjectEntry = {
        ...base,
        size: got.size,
        etag: got.etag,
        ...(got.changedLastModified ? { lastModified: got.changedLastModified } : {}),
        content: 'stored',
        sha256: got.sha256,
        headers: got.headers,
      };
      await placeCopy(o, entry, null, got.text);
      if (!captured) {
        stats.downloaded++;
        stats.downloadedBytes += got.size;
      }
      ctx.progress.add(1, got.size);
      return entry;
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      ctx.progress.add(1, 0);
      const errName = awsErrorName(err);
      if (errName === 'NoSuchKey' || errName === 'NoSuchVersion') return null; // deleted since the listing
      if (errName === 'InvalidObjectState') {
        // An archive tier S3 does not show in the storage class (Intelligent-Tiering archive access).
        refuse('Archived', o.key);
        const head = await shared.limit(() => headObject(client, name, o, ctx.signal)).catch(() => null);
        return { ...base, content: 'archived', ...(head ? { headers: head.headers } : {}) };
      }
      if (classifyAwsError(err) === 'access-denied') {
        refuse(errName, o.key);
        return { ...base, content: 'denied' };
      }
      ctx.partial(objectLabel(name, o.key), err);
      return { ...base, content: isSnapError(err) && err.code === 'INTEGRITY' ? 'corrupt' : 'failed' };
    }
  };

  const entries = (await mapLimit(listing, ctx.config.concurrency, one)).filter((e): e is ManifestEntry => e !== null);

  for (const [reason, keys] of [...refused.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const sample = keys.slice(0, 5).map((k) => JSON.stringify(k)).join(', ');
    const what = reason === 'Archived' ? 'in an archive storage class and not restored, listed with their metadata only' : 'could not be read, listed with their listing metadata only';
    ctx.finding({ resource: `${BUCKETS_ROOT}/${name}/objects`, reason, detail: `${keys.length} object${keys.length === 1 ? '' : 's'} ${what}: ${sample}${keys.length > 5 ? ', …' : ''}` });
    ctx.count(reason === 'Archived' ? 'archivedObjects' : 'refusedObjects', keys.length);
  }
  ctx.count('objects', entries.filter((e) => !e.deleteMarker).length);
  ctx.count('downloaded', stats.downloaded);
  ctx.count('downloadedBytes', stats.downloadedBytes);
  ctx.count('reused', stats.reused);
  ctx.count('readableCopies', stats.copies);
  ctx.log.info(`${name}: ${entries.length} entries, ${stats.downloaded} downloaded (${formatBytes(stats.downloadedBytes)}), ${stats.reused} unchanged, ${stats.copies} readable copies`);
  return entries;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export const s3Collector: Collector<S3Config> = {
  id: 's3',
  title: 'S3 buckets',
  root: BUCKETS_ROOT,
  platform: 'aws',
  configSchema: s3ConfigSchema,
  enabledByDefault: true,
  runbook: s3Runbook,
  resources: S3_RESOURCES,
  collect: collectS3,
  uriSchemes: ['s3'],
  resolveUri: resolveS3Uri,
  payloads: s3Payloads,
  restore: restoreS3,
};
