// Puts a bucket's configuration back, one kind at a time (see normalize.ts CONFIG_KINDS):
// how to write each kind, how to take it away, and whether the live configuration already
// equals the version's. The comparison is the collector's own: the live kind is read with
// the collector's reader and normalized with its rules, so "equal" here means "a new
// snapshot would write the same file".
//
// A restore under another name (--rename prod=staging) rewrites the bucket's own ARN in its
// policy, so the copy's policy grants on the copy. Other references (a logging target bucket,
// replication destinations, notification targets) are kept as the version names them.
import {
  DeleteBucketCorsCommand,
  DeleteBucketEncryptionCommand,
  DeleteBucketLifecycleCommand,
  DeleteBucketOwnershipControlsCommand,
  DeleteBucketPolicyCommand,
  DeleteBucketReplicationCommand,
  DeleteBucketTaggingCommand,
  DeleteBucketWebsiteCommand,
  DeletePublicAccessBlockCommand,
  GetBucketAclCommand,
  PutBucketAclCommand,
  PutBucketCorsCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketLoggingCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutBucketReplicationCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutBucketWebsiteCommand,
  PutObjectLockConfigurationCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { normalize } from '../../../normalize/rules.js';
import { stableJson } from '../../../normalize/stable-json.js';
import type { Limiter } from '../../../util/limiter.js';
import { readConfigKind, type ConfigRecord } from './bucket-config.js';
import { CONFIG_RULES, type ConfigKind } from './normalize.js';

export type RestorableKind = Exclude<ConfigKind, 'location'>;

/**
 * The order kinds are written in: ownership and public access first (a public policy is
 * refused while the block is on), ACLs after ownership (which can switch them off),
 * versioning before any object is written. Then the objects (restore.ts), then the kinds that
 * act on each object as it is written (AFTER_OBJECTS), the policy last of all.
 */
export const RESTORE_KIND_ORDER: readonly RestorableKind[] = [
  'ownership-controls',
  'public-access-block',
  'acl',
  'versioning',
  'cors',
  'website',
  'lifecycle',
  'tagging',
  'encryption',
  'object-lock',
  'logging',
  'notification',
  'replication',
  'policy',
];

/**
 * Kinds written after the objects, because they change an object as it is written: default
 * encryption and default retention would be applied to restored objects that had neither
 * (objects written before encryption was set come back as they were); notifications and
 * replication would fire for every restored object; access logging would log the restore.
 * The policy comes last: it may deny the writes that restore the objects.
 */
export const AFTER_OBJECTS: readonly RestorableKind[] = ['encryption', 'object-lock', 'logging', 'notification', 'replication', 'policy'];

type Value = Record<string, any>;
type Send = (client: S3Client, Bucket: string, signal: AbortSignal) => Promise<unknown>;

interface KindWriter {
  put(value: Value): Send;
  /** null: S3 has no way to take this kind away (only change it) */
  remove: Send | null;
}

const WRITERS: Record<RestorableKind, KindWriter> = {
  versioning: {
    // MFA delete cannot be switched without the owner's MFA device; only the status is written.
    put: (v) => (c, Bucket, abortSignal) => c.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: v.Status } }), { abortSignal }),
    remove: null, // a bucket that had versioning on can only be suspended, never back to "never enabled"
  },
  policy: {
    put: (v) => (c, Bucket, abortSignal) => c.send(new PutBucketPolicyCommand({ Bucket, Policy: typeof v.unparsedPolicy === 'string' ? v.unparsedPolicy : JSON.stringify(v) }), { abortSignal }),
    remove: (c, Bucket, abortSignal) => c.send(new DeleteBucketPolicyCommand({ Bucket }), { abortSignal }),
  },
  'public-access-block': {
    put: (v) => (c, Bucket, abortSignal) => c.send(new PutPublicAccessBlockCommand({ Bucket, PublicAccessBlockConfiguration: v }), { abortSignal }),
    remove: (c, Bucket, abortSignal) => c.send(new DeletePublicAccessBlockCommand({ Bucket }), { abortSignal }),
  },
  'ownership-controls': {
    put: (v) => (c, Bucket, abortSignal) => c.send(new PutBucketOwnershipControlsCommand({ Bucket, OwnershipControls: v as never }), { abortSignal }),
    remove: (c, Bucket, abortSignal) => c.send(new DeleteBucketOwnershipControlsCommand({ Bucket }), { abortSignal }),
  },
  acl: {
    // An ACL names its owner: the live bucket's, which in another account is another one.
    put: (v) => async (c, Bucket, abortSignal) => {
      const { Owner } = await c.send(new GetBucketAclCommand({ Bucket }), { abortSignal });
      return c.send(new PutBucketAclCommand({ Bucket, AccessControlPolicy: { Owner, Grants: v.Grants ?? [] } }), { abortSignal });
    },
    remove: null, // every bucket has an ACL
  },
  encryption: {
    put: (v) => (c, Bucket, abortSignal) => c.send(new PutBucketEncryptionCommand({ Bucket, ServerSideEncryptionConfiguration: v as never }), { abortSignal }),
    remove: (c, Bucket, abortSignal) => c.send(new DeleteBucketEncryptionCommand({ Bucket }), { abortSignal }),
  },
  lifecycle: {
    put: (v) => (c, Bucket, abortSignal) =>
      c.send(new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules: withDates(v.Rules ?? []) as never }, TransitionDefaultMinimumObjectSize: v.TransitionDefaultMinimumObjectSize }), { abortSignal }),
    remove: (c, Bucket, abortSignal) => c.send(new DeleteBucketLifecycleCommand({ Bucket }), { abortSignal }),
  },
  cors: {
    put: (v) => (c, Bucket, abortSignal) => c.send(new PutBucketCorsCommand({ Bucket, CORSConfiguration: { CORSRules: v.CORSRules ?? [] } }), { abortSignal }),
    remove: (c, Bucket, abortSignal) => c.send(new DeleteBucketCorsCommand({ Bucket }), { abortSignal }),
  },
  website: {
    put: (v) => (c, Bucket, abortSignal) => c.send(new PutBucketWebsiteCommand({ Bucket, WebsiteConfiguration: v }), { abortSignal }),
    remove: (c, Bucket, abortSignal) => c.send(new DeleteBucketWebsiteCommand({ Bucket }), { abortSignal }),
  },
  logging: {
    put: (v) => (c, Bucket, abortSignal) => c.send(new PutBucketLoggingCommand({ Bucket, BucketLoggingStatus: v }), { abortSignal }),
    remove: (c, Bucket, abortSignal) => c.send(new PutBucketLoggingCommand({ Bucket, BucketLoggingStatus: {} }), { abortSignal }),
  },
  tagging: {
    put: (v) => (c, Bucket, abortSignal) => c.send(new PutBucketTaggingCommand({ Bucket, Tagging: { TagSet: v.TagSet ?? [] } }), { abortSignal }),
    remove: (c, Bucket, abortSignal) => c.send(new DeleteBucketTaggingCommand({ Bucket }), { abortSignal }),
  },
  notification: {
    put: (v) => (c, Bucket, abortSignal) => c.send(new PutBucketNotificationConfigurationCommand({ Bucket, NotificationConfiguration: v }), { abortSignal }),
    remove: (c, Bucket, abortSignal) => c.send(new PutBucketNotificationConfigurationCommand({ Bucket, NotificationConfiguration: {} }), { abortSignal }),
  },
  replication: {
    put: (v) => (c, Bucket, abortSignal) => c.send(new PutBucketReplicationCommand({ Bucket, ReplicationConfiguration: v as never }), { abortSignal }),
    remove: (c, Bucket, abortSignal) => c.send(new DeleteBucketReplicationCommand({ Bucket }), { abortSignal }),
  },
  'object-lock': {
    put: (v) => (c, Bucket, abortSignal) => c.send(new PutObjectLockConfigurationCommand({ Bucket, ObjectLockConfiguration: v }), { abortSignal }),
    remove: null, // object lock, once enabled on a bucket, stays
  },
};

/** Lifecycle dates are archived as ISO strings; the SDK writes Date objects. */
function withDates(rules: Value[]): Value[] {
  return rules.map((r) => ({
    ...r,
    ...(r.Expiration?.Date ? { Expiration: { ...r.Expiration, Date: new Date(r.Expiration.Date) } } : {}),
    ...(Array.isArray(r.Transitions) ? { Transitions: r.Transitions.map((t: Value) => (t.Date ? { ...t, Date: new Date(t.Date) } : t)) } : {}),
  }));
}

/** The bucket's own ARN (and ARNs under it) renamed from `from` to `to`, everywhere in a value. */
export function renameBucketArns(value: unknown, from: string, to: string): unknown {
  if (from === to) return value;
  const arn = `arn:aws:s3:::${from}`;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return v === arn || v.startsWith(`${arn}/`) ? `arn:aws:s3:::${to}${v.slice(arn.length)}` : v;
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value);
}

export interface KindPlan {
  kind: RestorableKind;
  action: 'update' | 'delete';
  detail: string;
  /** writes or removes the kind on the target bucket */
  apply(client: S3Client, bucket: string, signal: AbortSignal): Promise<void>;
}

/** What the version's record of one kind asks of the live bucket; null when nothing (or what cannot be done, told to `cannot`). */
export function planKind(kind: RestorableKind, archived: ConfigRecord, live: ConfigRecord | null, names: { original: string; target: string }, cannot: (message: string) => void): KindPlan | null {
  if (archived.state === 'unreadable') {
    cannot(`its ${kind} configuration could not be read when the version was taken (${archived.reason}): left as it is`);
    return null;
  }
  if (live?.state === 'unreadable') {
    cannot(`its live ${kind} configuration cannot be read (${live.reason}): left as it is`);
    return null;
  }
  const comparable = (r: ConfigRecord | null) => (r ? stableJson(normalize({ ...r, bucket: names.original }, CONFIG_RULES[kind])) : null);
  const wanted = archived.state === 'configured' ? { ...archived, value: renameBucketArns(archived.value, names.original, names.target) } : archived;
  const liveRecord = live ?? { bucket: names.original, kind, state: 'not-configured' as const };
  if (comparable(wanted) === comparable(liveRecord)) return null;
  const writer = WRITERS[kind];
  if (wanted.state === 'configured') {
    const send = writer.put(wanted.value as Value);
    return { kind, action: 'update', detail: `${kind}: ${liveRecord.state === 'configured' ? 'differs from the version' : 'not set live'}`, apply: async (c, b, s) => void (await send(c, b, s)) };
  }
  if (!writer.remove) {
    cannot(kind === 'versioning' ? 'versioning is on live but was never enabled in the version: S3 can only suspend it, so it is left on' : `its ${kind} configuration cannot be removed from a bucket once set: left as it is`);
    return null;
  }
  const remove = writer.remove;
  return { kind, action: 'delete', detail: `${kind}: set live, not in the version`, apply: async (c, b, s) => void (await remove(c, b, s)) };
}

/** Reads one live kind with the collector's own reader. */
export function readLiveKind(client: S3Client, bucket: string, region: string, kind: RestorableKind, limit: Limiter, signal: AbortSignal): Promise<ConfigRecord> {
  return readConfigKind({ client, bucket, region, locationConstraint: null, limit, signal, onRefused: () => undefined }, kind);
}
