// Reads a bucket's configuration, one record per kind (see CONFIG_KINDS). A kind that is not
// set is recorded as "not-configured" (S3 answers NoSuch…/…NotFound, or an empty document);
// a refused read (AccessDenied) as "unreadable" with a coverage finding, so the archive never
// shows a configuration as removed when it could only not be read. Anything else is thrown:
// the caller decides for the whole bucket.
import {
  GetBucketAclCommand,
  GetBucketCorsCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketLoggingCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketReplicationCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetBucketWebsiteCommand,
  GetObjectLockConfigurationCommand,
  GetPublicAccessBlockCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Limiter } from '../../../util/limiter.js';
import { awsErrorName, classifyAwsError } from '../shared/errors.js';
import { CONFIG_KINDS, parsePolicy, type ConfigKind } from './normalize.js';

export type ConfigRecord =
  | { bucket: string; kind: ConfigKind; state: 'configured'; value: unknown }
  | { bucket: string; kind: ConfigKind; state: 'not-configured' }
  | { bucket: string; kind: ConfigKind; state: 'unreadable'; reason: string };

type Reader = (client: S3Client, bucket: string, signal: AbortSignal | undefined) => Promise<unknown | null>;

const isEmpty = (v: object | undefined | null) => !v || Object.values(v).every((x) => x === undefined || (Array.isArray(x) && x.length === 0));

/** SDK output without its envelope ($metadata) and without undefined fields. */
function body<T extends object>(out: T): Omit<T, '$metadata'> {
  const { $metadata: _ignored, ...rest } = out as T & { $metadata?: unknown };
  return rest as Omit<T, '$metadata'>;
}

/** Each reader returns the configuration, or null when it is not set. */
const READERS: Record<Exclude<ConfigKind, 'location'>, Reader> = {
  versioning: async (c, Bucket, abortSignal) => {
    const out = body(await c.send(new GetBucketVersioningCommand({ Bucket }), { abortSignal }));
    return out.Status ? out : null; // never enabled: S3 answers an empty document
  },
  policy: async (c, Bucket, abortSignal) => parsePolicy((await c.send(new GetBucketPolicyCommand({ Bucket }), { abortSignal })).Policy),
  'public-access-block': async (c, Bucket, abortSignal) => body(await c.send(new GetPublicAccessBlockCommand({ Bucket }), { abortSignal })).PublicAccessBlockConfiguration ?? null,
  'ownership-controls': async (c, Bucket, abortSignal) => body(await c.send(new GetBucketOwnershipControlsCommand({ Bucket }), { abortSignal })).OwnershipControls ?? null,
  // Who may write and read besides the owner (a logging target grants the log delivery group).
  acl: async (c, Bucket, abortSignal) => ({ Grants: (await c.send(new GetBucketAclCommand({ Bucket }), { abortSignal })).Grants ?? [] }),
  encryption: async (c, Bucket, abortSignal) => body(await c.send(new GetBucketEncryptionCommand({ Bucket }), { abortSignal })).ServerSideEncryptionConfiguration ?? null,
  lifecycle: async (c, Bucket, abortSignal) => body(await c.send(new GetBucketLifecycleConfigurationCommand({ Bucket }), { abortSignal })),
  cors: async (c, Bucket, abortSignal) => body(await c.send(new GetBucketCorsCommand({ Bucket }), { abortSignal })),
  website: async (c, Bucket, abortSignal) => body(await c.send(new GetBucketWebsiteCommand({ Bucket }), { abortSignal })),
  logging: async (c, Bucket, abortSignal) => {
    const out = body(await c.send(new GetBucketLoggingCommand({ Bucket }), { abortSignal }));
    return out.LoggingEnabled ? out : null;
  },
  tagging: async (c, Bucket, abortSignal) => body(await c.send(new GetBucketTaggingCommand({ Bucket }), { abortSignal })),
  notification: async (c, Bucket, abortSignal) => {
    const out = body(await c.send(new GetBucketNotificationConfigurationCommand({ Bucket }), { abortSignal }));
    return isEmpty(out) ? null : out;
  },
  replication: async (c, Bucket, abortSignal) => body(await c.send(new GetBucketReplicationCommand({ Bucket }), { abortSignal })).ReplicationConfiguration ?? null,
  'object-lock': async (c, Bucket, abortSignal) => body(await c.send(new GetObjectLockConfigurationCommand({ Bucket }), { abortSignal })).ObjectLockConfiguration ?? null,
};

export interface ConfigReadOptions {
  client: S3Client;
  bucket: string;
  region: string;
  /** what GetBucketLocation answered (null when it could not be asked) */
  locationConstraint: string | null;
  limit: Limiter;
  signal?: AbortSignal;
  onRefused(kind: ConfigKind, reason: string): void;
}

/** The region a GetBucketLocation constraint names (none: us-east-1; the legacy "EU": eu-west-1). */
export function regionOf(constraint: string | undefined | null): string {
  if (!constraint) return 'us-east-1';
  return constraint === 'EU' ? 'eu-west-1' : constraint;
}

export function locationRecord(options: Pick<ConfigReadOptions, 'bucket' | 'region' | 'locationConstraint'>): ConfigRecord {
  return { bucket: options.bucket, kind: 'location', state: 'configured', value: { LocationConstraint: options.locationConstraint, region: options.region } };
}

/** Reads one configuration kind (not location, which GetBucketLocation answered already). */
export function readConfigKind(options: ConfigReadOptions, kind: Exclude<ConfigKind, 'location'>): Promise<ConfigRecord> {
  const { bucket } = options;
  return options.limit(async (): Promise<ConfigRecord> => {
    try {
      const value = await READERS[kind](options.client, bucket, options.signal);
      return value === null ? { bucket, kind, state: 'not-configured' } : { bucket, kind, state: 'configured', value };
    } catch (err) {
      const category = classifyAwsError(err);
      if (category === 'not-found' && awsErrorName(err) !== 'NoSuchBucket') return { bucket, kind, state: 'not-configured' };
      if (category === 'access-denied' || category === 'unavailable' || awsErrorName(err) === 'NotImplemented') {
        options.onRefused(kind, awsErrorName(err));
        return { bucket, kind, state: 'unreadable', reason: awsErrorName(err) };
      }
      throw err;
    }
  });
}

/** Every kind but location and versioning, read concurrently (within the limiter). */
export function readOtherConfig(options: ConfigReadOptions): Promise<ConfigRecord[]> {
  return Promise.all(CONFIG_KINDS.filter((k): k is Exclude<ConfigKind, 'location' | 'versioning'> => k !== 'location' && k !== 'versioning').map((kind) => readConfigKind(options, kind)));
}

export async function readBucketConfig(options: ConfigReadOptions): Promise<ConfigRecord[]> {
  const [versioning, rest] = await Promise.all([readConfigKind(options, 'versioning'), readOtherConfig(options)]);
  return [locationRecord(options), versioning, ...rest];
}
