// The payloads an S3 folder refers to: every object version whose content is in the store,
// listed in the bucket's sharded manifests rather than as pointer files. `snap verify`
// checks each of them; `snap export` writes the current ones as plain files under
// <bucket>/content/, placed by the same collision rule as the readable copies.
import type { VersionReader } from '../../../archive/version-reader.js';
import type { PayloadRef } from '../../types.js';
import { type ObjectEntry, type ShardFile } from './manifest.js';
import { planTreePaths } from './tree-paths.js';

export async function* s3Payloads(folder: VersionReader): AsyncGenerator<PayloadRef> {
  for (const bucket of await folder.list()) {
    if (bucket.mode !== '40000') continue;
    const stored: ObjectEntry[] = [];
    for (const shard of await folder.list(`${bucket.name}/objects`)) {
      if (!shard.name.endsWith('.json')) continue;
      const file = await folder.json<ShardFile>(`${bucket.name}/objects/${shard.name}`);
      for (const e of file?.objects ?? []) if (!e.deleteMarker && e.content === 'stored' && e.sha256) stored.push(e);
    }
    const current = stored.filter((e) => e.isLatest === undefined || e.isLatest);
    const places = planTreePaths(current.map((e) => e.key));
    for (const e of stored) {
      const isCurrent = e.isLatest === undefined || e.isLatest;
      const place = isCurrent ? places.get(e.key) : null;
      yield {
        pointer: { oid: e.sha256!, size: e.size },
        path: isCurrent ? (place ? `${bucket.name}/content/${place}` : `${bucket.name}/content-by-sha256/${e.sha256}`) : null,
        label: `s3://${bucket.name}/${e.key}${e.versionId && !isCurrent ? ` (version ${e.versionId})` : ''}`,
      };
    }
  }
}
