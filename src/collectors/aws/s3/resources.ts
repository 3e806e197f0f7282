// What the files of s3_buckets/ describe, for `snap diff` and people (see ResourceFileSpec).
import type { ResourceFileSpec } from '../../types.js';
import { CONFIG_KINDS, CONFIG_RULES, BUCKET_RULES, SHARD_RULES } from './normalize.js';

/** The headers that say how an object's bytes were checksummed, not what they are. */
export const CHECKSUM_HEADERS = ['ChecksumCRC32', 'ChecksumCRC32C', 'ChecksumCRC64NVME', 'ChecksumSHA1', 'ChecksumSHA256', 'ChecksumType'] as const;

const str = (v: unknown, field: string): string => {
  const x = (v as Record<string, unknown> | null)?.[field];
  return typeof x === 'string' ? x : '?';
};

export const S3_RESOURCES: readonly ResourceFileSpec[] = [
  {
    pattern: '*/bucket.json',
    kind: 'bucket',
    rules: BUCKET_RULES,
    label: (v) => `${str(v, 'name')} (${str(v, 'region')})`,
    // Counts of a history no restore writes back (see the object manifest's `recreated`).
    recreated: (v) => {
      const doc = v as { objects?: Record<string, unknown> } | null;
      if (!doc?.objects) return v;
      const { versions: _versions, deleteMarkers: _markers, shards: _shards, ...counts } = doc.objects;
      return { ...doc, objects: counts };
    },
  },
  ...CONFIG_KINDS.map(
    (kind): ResourceFileSpec => ({ pattern: `*/config/${kind}.json`, kind: `bucket ${kind.replace(/-/g, ' ')}`, rules: CONFIG_RULES[kind], label: (v) => `${str(v, 'bucket')} ${kind}` }),
  ),
  {
    pattern: '*/objects/*.json',
    kind: 'object manifest',
    rules: SHARD_RULES,
    label: (v) => `${str(v, 'bucket')} objects (shard ${str(v, 'shard')})`,
    // Each object is its own resource, named by bucket/key like its readable copy, so the
    // two group together; where the copy is and its blob id are bookkeeping, not state.
    records: {
      array: 'objects',
      key: ['key', 'versionId'],
      kind: 'S3 object',
      label: (record, path) => objectLabel(path.split('/')[0]!, record),
      ignore: ['file', 'fileBlob'],
      // The same bytes written again (a restore, a re-deploy of an unchanged file) are not a
      // change of the object: its content hash says so, whatever its new timestamp and ETag,
      // and whichever checksums S3 keeps for it (a restore sends the sha256 of an object that
      // had none, or of one uploaded in parts, for S3 to check).
      incidental: (before, after) => {
        const sha = (v: unknown) => (v as { sha256?: string } | null)?.sha256;
        return sha(before) !== undefined && sha(before) === sha(after) ? ['lastModified', 'etag', ...CHECKSUM_HEADERS.map((h) => `headers.${h}`)] : [];
      },
    },
    // A versioned bucket re-created from the archive holds its current objects, each under a
    // new version id; its older versions and delete markers are history no restore writes back.
    recreated: (v) => {
      const doc = v as { objects?: { versionId?: string; isLatest?: boolean; deleteMarker?: boolean }[] } | null;
      if (!doc || !Array.isArray(doc.objects)) return v;
      return { ...doc, objects: doc.objects.filter((o) => !o.deleteMarker && o.isLatest !== false).map(({ versionId: _id, isLatest: _latest, ...rest }) => rest) };
    },
  },
  { pattern: '*/files/**', kind: 'S3 object text', label: (_v, path) => `${path.split('/')[0]}/${readableKey(path.split('/').slice(2))}` },
];

function objectLabel(bucket: string, record: unknown): string {
  const r = (record ?? {}) as { key?: string; versionId?: string; isLatest?: boolean };
  const version = r.versionId !== undefined && r.isLatest === false ? ` (version ${r.versionId})` : '';
  return `${bucket}/${r.key ?? '?'}${version}`;
}

/** The key a readable copy's path stands for, for display (the manifest holds the exact key). */
function readableKey(segments: string[]): string {
  return segments
    .map((seg) => seg.replace(/~(object|case-[0-9a-f]{12})$/, ''))
    .map((seg) => (seg === '%EMPTY' ? '' : seg.replace(/%[0-9A-F]{2}/g, (m) => String.fromCharCode(parseInt(m.slice(1), 16)))))
    .join('/');
}
