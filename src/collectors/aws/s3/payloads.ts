// The payloads an S3 folder refers to: every object version whose content is in the store,
// listed in the bucket's sharded manifests rather than as pointer files. `snap verify`
// checks each of them, `snap ls` lists them, and `snap export` and `snap checkout` write the
// current ones as plain files:
//
//   s3_buckets/<bucket>/content/<key as a path>        every current object, binary or text
//   s3_buckets/<bucket>/content-by-key/<sha256 of key> a key that cannot be a path (see below)
//
// Keys become paths by the same rule as the readable copies under files/ (tree-paths.ts:
// each segment escaped, a key beside a folder of the same name gets "~object", case twins
// "~case-<hash>"), planned over every current stored object of the bucket, so a key's place
// depends only on the set of keys. The few keys that still get no path (over 1,024 bytes as
// a path) are placed by the sha256 of the key, which is unique per key. Older versions of a
// versioned bucket are verified and listed, not written (path null).
//
// This module is loaded on its own (registry.ts), without the collector and its SDK client.
import { createHash } from 'node:crypto';
import type { FolderReader, PayloadRef } from '../../types.js';
import { type ObjectEntry, type ShardFile } from './manifest.js';
import { planTreePaths } from './tree-paths.js';

type Stored = Pick<ObjectEntry, 'key' | 'size' | 'versionId' | 'isLatest'> & { sha256: string };

const CONTENT_FOLDER = 'content';
const CONTENT_BY_KEY_FOLDER = 'content-by-key';

export async function* s3Payloads(folder: FolderReader): AsyncGenerator<PayloadRef> {
  for (const bucket of await folder.list()) {
    if (bucket.mode !== '40000') continue;
    // Only what placing and naming needs is kept of each entry (not its headers): a bucket's
    // keys must all be known before any gets its place.
    const stored: Stored[] = [];
    let name = bucket.name;
    for (const shard of await folder.list(`${bucket.name}/objects`)) {
      if (!shard.name.endsWith('.json')) continue;
      const file = await folder.json<ShardFile>(`${bucket.name}/objects/${shard.name}`);
      if (file?.bucket) name = file.bucket;
      for (const e of file?.objects ?? []) {
        if (!e.deleteMarker && e.content === 'stored' && e.sha256) stored.push({ key: e.key, sha256: e.sha256, size: e.size, ...(e.versionId !== undefined ? { versionId: e.versionId } : {}), ...(e.isLatest !== undefined ? { isLatest: e.isLatest } : {}) });
      }
    }
    const isCurrent = (e: Stored) => e.isLatest === undefined || e.isLatest;
    const places = planTreePaths(stored.filter(isCurrent).map((e) => e.key));
    for (const e of stored) {
      const current = isCurrent(e);
      const place = current ? places.get(e.key) : null;
      const address = `s3://${name}/${e.key}`;
      yield {
        pointer: { oid: e.sha256, size: e.size },
        folder: bucket.name,
        path: !current ? null : place ? `${bucket.name}/${CONTENT_FOLDER}/${place}` : `${bucket.name}/${CONTENT_BY_KEY_FOLDER}/${createHash('sha256').update(e.key, 'utf8').digest('hex')}`,
        address,
        ...(current ? {} : { versionId: e.versionId ?? 'null' }),
        label: current ? address : `${address} (version ${e.versionId ?? 'null'})`,
      };
    }
  }
}
