// What the files of s3_buckets/ describe, for `snap diff` and people (see ResourceFileSpec).
import type { ResourceFileSpec } from '../../types.js';
import { CONFIG_KINDS, CONFIG_RULES, BUCKET_RULES, SHARD_RULES } from './normalize.js';

const str = (v: unknown, field: string): string => {
  const x = (v as Record<string, unknown> | null)?.[field];
  return typeof x === 'string' ? x : '?';
};

export const S3_RESOURCES: readonly ResourceFileSpec[] = [
  { pattern: '*/bucket.json', kind: 'bucket', rules: BUCKET_RULES, label: (v) => `${str(v, 'name')} (${str(v, 'region')})` },
  ...CONFIG_KINDS.map(
    (kind): ResourceFileSpec => ({ pattern: `*/config/${kind}.json`, kind: `bucket ${kind.replace(/-/g, ' ')}`, rules: CONFIG_RULES[kind], label: (v) => `${str(v, 'bucket')} ${kind}` }),
  ),
  { pattern: '*/objects/*.json', kind: 'object manifest', rules: SHARD_RULES, label: (v) => `${str(v, 'bucket')} objects (shard ${str(v, 'shard')})` },
  { pattern: '*/files/**', kind: 'object content (readable copy)' },
];
