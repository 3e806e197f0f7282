// collectors.s3 in snap.config.json: which buckets to archive, how much to fetch at once, and
// the thresholds that shape the archive (readable text copies, manifest shard size).
import { z } from 'zod';
import { awsCollectorSchema } from '../shared/config.js';

export const DEFAULT_TEXT_MAX_BYTES = 1024 * 1024;
export const DEFAULT_SHARD_MAX_ENTRIES = 1000;
export const DEFAULT_IN_FLIGHT_BYTES = 64 * 1024 * 1024;

export const s3ConfigSchema = awsCollectorSchema(
  {
    /** bucket name globs to archive ("*" within a name); default every bucket the credentials list */
    include: z.array(z.string().min(1)).default(['*']),
    /** bucket name globs to leave out, applied after include */
    exclude: z.array(z.string().min(1)).default([]),
    /** objects up to this size whose type says text, and whose bytes are UTF-8 text, are also plain files in the tree */
    textMaxBytes: z.number().int().min(0).max(64 * 1024 * 1024).default(DEFAULT_TEXT_MAX_BYTES),
    /** most object entries in one manifest file before it is split (a single key's versions are never split) */
    shardMaxEntries: z.number().int().min(2).max(100_000).default(DEFAULT_SHARD_MAX_ENTRIES),
    /** versioned buckets: archive every version, or only the current one */
    versions: z.enum(['all', 'latest']).default('all'),
    /** object content downloading at once, in bytes: large objects are fetched a few at a time */
    inFlightBytes: z.number().int().min(1024 * 1024).default(DEFAULT_IN_FLIGHT_BYTES),
    /** buckets read at once (object requests share the `concurrency` limit) */
    bucketConcurrency: z.number().int().min(1).max(64).default(4),
  },
  { concurrency: 16 },
);

export type S3Config = z.infer<typeof s3ConfigSchema>;
