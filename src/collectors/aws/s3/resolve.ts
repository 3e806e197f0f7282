// `snap cat VERSION s3://BUCKET/KEY`: finds an object's archived content in a version. The
// key is everything after "s3://BUCKET/", taken exactly (no percent-decoding: "%2F" in an
// address is the three characters "%2F" of the key). The entry comes from the bucket's
// manifest by exact key match; in a versioned bucket it is the current version. The answer is
// the payload pointer (sha256 and size) that the content store holds the bytes under.
import type { VersionReader } from '../../../archive/version-reader.js';
import { SnapError } from '../../../errors.js';
import type { ResolvedContent } from '../../types.js';
import { BUCKETS_ROOT, bucketFolder, type ManifestEntry, type ShardFile } from './manifest.js';
import { shardOf } from '../../../archive/shards.js';

export function parseS3Uri(uri: string): { bucket: string; key: string } | null {
  const m = /^s3:\/\/([^/]+)\/(.+)$/s.exec(uri);
  return m ? { bucket: m[1]!, key: m[2]! } : /^s3:\/\//i.test(uri) ? { bucket: uri.slice(5).split('/')[0]!, key: '' } : null;
}

/** The entry of the current version of `key`, or null (reader at the version's root). */
export async function findObjectEntry(version: VersionReader, bucket: string, key: string): Promise<ManifestEntry | null> {
  const folder = `${BUCKETS_ROOT}/${bucketFolder(bucket)}`;
  const names = (await version.list(`${folder}/objects`)).map((e) => e.name.replace(/\.json$/, ''));
  const shard = shardOf(key, names);
  if (!shard) return null;
  const file = await version.json<ShardFile>(`${folder}/objects/${shard}.json`);
  const matches = (file?.objects ?? []).filter((e) => e.key === key);
  return matches.find((e) => e.isLatest === undefined || e.isLatest) ?? null;
}

export async function resolveS3Uri(uri: string, version: VersionReader): Promise<ResolvedContent | null> {
  const parsed = parseS3Uri(uri);
  if (!parsed) return null;
  const { bucket, key } = parsed;
  const notFound = (why: string) => new SnapError('PATH_NOT_FOUND', `${uri.slice(0, 300)}: ${why}`, { uri: uri.slice(0, 300) });
  if (key === '') throw notFound('expected s3://BUCKET/KEY');
  if (!(await version.entry(`${BUCKETS_ROOT}/${bucketFolder(bucket)}/bucket.json`))) throw notFound(`bucket ${bucket} is not in this version`);
  const entry = await findObjectEntry(version, bucket, key);
  if (!entry) throw notFound('no such object in this version');
  if (entry.deleteMarker) throw notFound('the object was deleted (its current version is a delete marker)');
  if (entry.content !== 'stored' || !entry.sha256) throw notFound(`the object's content is not in the archive (${entry.content ?? 'not read'})`);
  return { kind: 'pointer', pointer: { oid: entry.sha256, size: entry.size }, label: uri };
}
