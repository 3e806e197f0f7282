// Server-side capture: with an S3 vault as the content store, an object's bytes are copied by
// S3 itself (src/store/s3-copy.ts) and never pass through this machine. Per object:
//   readable text wanted (a small current object whose key or type says text) → null: the
//       caller downloads it as before (fetch.ts), because its bytes go into the git tree
//   otherwise HeadObject (its headers for the manifest, and any full-object SHA256 S3
//       recorded), pinned like a download (the listed version id, or If-Match on the listed
//       ETag; read again unconditionally when the object changed since the listing), then:
//       its sha256 known (recorded by S3, or the same ETag and size seen elsewhere in the
//       estate and already in the vault) → at most one copy, to its content address
//       unknown → S3 copies it and reports its SHA256 (see s3-copy.ts)
//       larger than one CopyObject (5 GiB) → read once and hashed as it streams, then copied
//       in parts
// The copy is signed by the estate's credentials in the vault's region. Counts go to the
// collector's report: vaultCopies, vaultStagingCopies, vaultDeduplicated, vaultHashedBytes.
import { GetObjectCommand, HeadObjectCommand, S3Client, type HeadObjectCommandOutput } from '@aws-sdk/client-s3';
import { HashingStore } from '../../../store/hashing-store.js';
import { VaultStore } from '../../../store/s3-store.js';
import type { ContentStore } from '../../../store/types.js';
import type { CollectContext } from '../../types.js';
import { awsErrorName } from '../shared/errors.js';
import type { S3Config } from './config.js';
import { normalizeHeaders, sha256FromChecksum, type FetchedObject } from './fetch.js';
import { unquoteEtag, type ListedObject } from './listing.js';
import type { ObjectEntry, ShardFile } from './manifest.js';
import { textTypeHint } from './text.js';

export interface CaptureRequest {
  /** a client of the bucket's region (estate credentials) */
  client: S3Client;
  bucket: string;
  object: ListedObject;
  /** a readable copy is wanted (the key has a planned path) */
  wantText: boolean;
  signal: AbortSignal;
}

export interface Capture {
  /** The object captured into the vault, or null when it is to be downloaded (readable text). */
  object(request: CaptureRequest): Promise<FetchedObject | null>;
}

/** Multipart ETags ("…-N") and SSE-KMS ETags are not the MD5 of the bytes; these are. */
const MD5_ETAG = /^[0-9a-f]{32}$/;

/** The bucket is the archive's own vault (which is never archived into itself). */
export function isVaultBucket(store: ContentStore, bucket: string): boolean {
  const real = store instanceof HashingStore ? store.real : store;
  return real instanceof VaultStore && real.location.bucket === bucket;
}

/** One capture per collector run (asked per bucket): what one bucket learns serves the others. */
const perRun = new WeakMap<object, Capture>();

export function vaultCapture(ctx: CollectContext<S3Config>, store: ContentStore): Capture | null {
  if (!(store instanceof VaultStore)) return null;
  let capture = perRun.get(ctx);
  if (!capture) perRun.set(ctx, (capture = makeCapture(ctx, store)));
  return capture;
}

function makeCapture(ctx: CollectContext<S3Config>, vault: VaultStore): Capture {
  const copier = ctx.aws.get(S3Client, vault.region, { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  const byEtag = new Map<string, string>(); // "<md5 etag> <size>" → sha256, from this run and the previous version
  let previousLoaded: Promise<void> | null = null;
  const remember = (etag: string, size: number, sha256: string) => {
    if (MD5_ETAG.test(etag)) byEtag.set(`${etag} ${size}`, sha256);
  };
  const loadPrevious = () =>
    (previousLoaded ??= (async () => {
      if (!ctx.previous) return;
      for (const bucket of await ctx.previous.list()) {
        for (const shard of await ctx.previous.list(`${bucket.name}/objects`).catch(() => [])) {
          const file = await ctx.previous.json<ShardFile>(`${bucket.name}/objects/${shard.name}`).catch(() => null);
          for (const e of file?.objects ?? []) if (!e.deleteMarker && (e as ObjectEntry).content === 'stored' && e.sha256) remember(e.etag, e.size, e.sha256);
        }
      }
    })());

  return {
    async object({ client, bucket, object, wantText, signal }) {
      if (wantText && object.size <= ctx.config.textMaxBytes && textTypeHint(object.key, undefined, undefined)) return null;
      const { head, changed } = await headPinned(client, bucket, object, signal);
      if (wantText && textTypeHint(object.key, head.ContentType, head.ContentEncoding)) return null;
      const etag = unquoteEtag(head.ETag);
      const size = head.ContentLength ?? object.size;
      let sha256 = /-\d+$/.test(etag) ? null : sha256FromChecksum(head);
      if (!sha256 && MD5_ETAG.test(etag)) {
        await loadPrevious();
        const seen = byEtag.get(`${etag} ${size}`);
        if (seen && (await vault.has(seen))) sha256 = seen;
      }
      const versionId = object.versionId;
      const result = await vault.copyIn({
        client: copier,
        source: { bucket, key: object.key, versionId, etag, size },
        sha256,
        read: async () => (await client.send(new GetObjectCommand({ Bucket: bucket, Key: object.key, ...(versionId !== undefined ? { VersionId: versionId } : { IfMatch: `"${etag}"` }) }), { abortSignal: signal })).Body as AsyncIterable<Uint8Array>,
        signal,
      });
      remember(etag, size, result.pointer.oid);
      if (result.how === 'deduplicated') ctx.count('vaultDeduplicated');
      else ctx.count('vaultCopies');
      if (result.how === 'staged') ctx.count('vaultStagingCopies');
      if (result.receivedBytes) ctx.count('vaultHashedBytes', result.receivedBytes);
      return {
        sha256: result.pointer.oid,
        size,
        etag,
        headers: normalizeHeaders(head),
        ...(changed && head.LastModified ? { changedLastModified: head.LastModified.toISOString() } : {}),
      };
    },
  };
}

/** HeadObject of what the listing described; read again unconditionally when it changed since (unversioned). */
async function headPinned(client: S3Client, bucket: string, object: ListedObject, signal: AbortSignal): Promise<{ head: HeadObjectCommandOutput; changed: boolean }> {
  const versioned = object.versionId !== undefined;
  const input = { Bucket: bucket, Key: object.key, ChecksumMode: 'ENABLED' as const };
  try {
    return { head: await client.send(new HeadObjectCommand({ ...input, ...(versioned ? { VersionId: object.versionId } : { IfMatch: `"${object.etag}"` }) }), { abortSignal: signal }), changed: false };
  } catch (err) {
    if (versioned || (awsErrorName(err) !== 'PreconditionFailed' && (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 412)) throw err;
    return { head: await client.send(new HeadObjectCommand(input), { abortSignal: signal }), changed: true };
  }
}

