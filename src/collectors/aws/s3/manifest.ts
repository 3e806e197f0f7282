// The records the S3 collector writes for a bucket, and reading them back from a version
// (for incremental reuse and for resolving s3:// addresses).
//
//   s3_buckets/<bucket>/bucket.json           name, region, object counts, listing state
//   s3_buckets/<bucket>/config/<kind>.json    one per configuration kind (see normalize.ts)
//   s3_buckets/<bucket>/objects/<shard>.json  object entries, sharded (see shards.ts)
//   s3_buckets/<bucket>/files/<path>          readable copies of small text objects (see tree-paths.ts)
import { safeSegment } from '../../../archive/paths.js';
import type { VersionReader } from '../../../archive/version-reader.js';
import type { Json } from '../../../normalize/stable-json.js';

/**
 * What became of an object's content:
 *   stored    in the content store under `sha256`
 *   archived  in an archive storage class (Glacier, Deep Archive) and not restored: not readable now
 *   denied    GetObject was refused (AccessDenied)
 *   failed    reading it failed (the collector reports it as partial)
 *   corrupt   the bytes read did not match the checksum or MD5 ETag S3 gave; not kept
 */
export type ContentState = 'stored' | 'archived' | 'denied' | 'failed' | 'corrupt';

export interface DeleteMarkerEntry {
  key: string;
  versionId: string;
  isLatest: boolean;
  deleteMarker: true;
  lastModified: string;
}

export interface ObjectEntry {
  key: string;
  /** versioned buckets only ("null" for objects written while versioning was off) */
  versionId?: string;
  isLatest?: boolean;
  deleteMarker?: undefined;
  size: number;
  /** as S3 gives it, without the surrounding quotes */
  etag: string;
  /** from the listing, as S3 gives it (ISO 8601) */
  lastModified: string;
  storageClass: string;
  content?: ContentState;
  /** sha256 of the content, hex; the content store holds it */
  sha256?: string;
  /** the readable copy, relative to the bucket's folder (files/...) */
  file?: string;
  /** the readable copy's git blob id: the next snapshot reuses it without reading the tree */
  fileBlob?: string;
  /** system and user metadata from GetObject/HeadObject, normalized by OBJECT_HEADER_RULES */
  headers?: { [name: string]: Json };
}

export type ManifestEntry = ObjectEntry | DeleteMarkerEntry;

export interface ShardFile {
  bucket: string;
  shard: string;
  objects: ManifestEntry[];
}

export interface BucketRecord {
  name: string;
  region: string;
  listing: { state: 'complete' } | { state: 'unreadable'; reason: string; carriedOver: boolean };
  versioned: boolean;
  objects: { count: number; bytes: number; versions: number; deleteMarkers: number; shards: number; readableCopies: number };
}

export const BUCKETS_ROOT = 's3_buckets';

export function bucketFolder(bucket: string): string {
  return safeSegment(bucket);
}

export function entryId(key: string, versionId: string | undefined): string {
  return `${key}\u0000${versionId ?? ''}`;
}

/** Every object entry a previous version recorded for a bucket (reader scoped to s3_buckets). */
export async function readPreviousEntries(previous: VersionReader | null, bucket: string): Promise<Map<string, ManifestEntry>> {
  const out = new Map<string, ManifestEntry>();
  if (!previous) return out;
  const folder = bucketFolder(bucket);
  for (const e of await previous.list(`${folder}/objects`)) {
    if (!e.name.endsWith('.json')) continue;
    const shard = await previous.json<ShardFile>(`${folder}/objects/${e.name}`).catch(() => null);
    for (const entry of shard?.objects ?? []) out.set(entryId(entry.key, entry.versionId), entry);
  }
  return out;
}
