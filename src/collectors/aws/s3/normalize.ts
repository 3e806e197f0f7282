// The S3 collector's normalization rules, as data (see src/normalize/rules.ts). What is
// volatile and dropped, and which arrays AWS returns in no fixed order and are sorted by
// their identity, for each file kind the collector writes. Tested with must-appear /
// must-not-appear checks in test/unit/s3-normalize.test.ts.
//
// Decisions kept here so they can be reviewed in one place:
// - Bucket policy: the JSON document is parsed into stable JSON (sorted keys), and read as the
//   set of statements S3 evaluates: statements matched by Sid (else by content) and sorted,
//   and the values S3 treats as sets (actions, resources, principals, condition values)
//   sorted, as every policy document snap archives (iam/policy-document.ts). A reordered
//   policy is the same policy: no change in diff, status or a restore plan.
// - CORS rules and website routing rules keep their order: the first matching rule wins.
// - Lifecycle, replication, notification configurations, tags and ACL grants are sets: sorted.
import type { NormalizationRules } from '../../../normalize/rules.js';
import { policyDocumentSortRules } from '../iam/policy-document.js';

export const CONFIG_KINDS = [
  'location',
  'versioning',
  'policy',
  'public-access-block',
  'ownership-controls',
  'acl',
  'encryption',
  'lifecycle',
  'cors',
  'website',
  'logging',
  'tagging',
  'notification',
  'replication',
  'object-lock',
] as const;

export type ConfigKind = (typeof CONFIG_KINDS)[number];

/** Rules for config/<kind>.json; the configuration itself sits under `value`. */
export const CONFIG_RULES: Record<ConfigKind, NormalizationRules> = {
  location: {},
  versioning: {},
  policy: { sortBy: policyDocumentSortRules },
  'public-access-block': {},
  'ownership-controls': {},
  // Grants only: the owner is the account itself, not configuration of the bucket.
  acl: { sortBy: { 'value.Grants': null } },
  encryption: { sortBy: { 'value.Rules': null } },
  lifecycle: { sortBy: { 'value.Rules': 'ID', 'value.Rules[].Filter.And.Tags': 'Key', 'value.Rules[].Filter.And.Tag': 'Key' } },
  cors: { sortBy: { 'value.CORSRules[].AllowedMethods': null, 'value.CORSRules[].AllowedHeaders': null, 'value.CORSRules[].ExposeHeaders': null } },
  website: {},
  logging: { sortBy: { 'value.LoggingEnabled.TargetGrants': null } },
  tagging: { sortBy: { 'value.TagSet': 'Key' } },
  notification: {
    sortBy: {
      'value.TopicConfigurations': 'Id',
      'value.QueueConfigurations': 'Id',
      'value.LambdaFunctionConfigurations': 'Id',
      'value.*[].Events': null,
      'value.*[].Filter.Key.FilterRules': 'Name',
    },
  },
  replication: { sortBy: { 'value.Rules': 'ID' } },
  'object-lock': {},
};

/**
 * bucket.json holds what snap derives (region, counts, listing state). ListBuckets' CreationDate
 * is deliberately not recorded: for buckets in us-east-1 it moves when the bucket's
 * configuration is edited, so it would show as a change of its own beside the real one.
 */
export const BUCKET_RULES: NormalizationRules = {};

/**
 * The GetObject / HeadObject response headers kept as an object's system and user metadata
 * (`headers` of a manifest entry). Dropped: what the entry already holds from the listing
 * (size, ETag, last-modified, storage class, version id), per-request values (range, request
 * charges) and states that change without the object changing (restore progress, replication
 * status, lifecycle expiry, tag count, archive tier).
 */
export const OBJECT_HEADER_RULES: NormalizationRules = {
  drop: [
    'Body',
    'AcceptRanges',
    'ContentLength',
    'ContentRange',
    'ETag',
    'LastModified',
    'StorageClass',
    'VersionId',
    'DeleteMarker',
    'Expires', // the parsed form; ExpiresString keeps the header exactly as set
    'Expiration',
    'Restore',
    'ArchiveStatus',
    'ReplicationStatus',
    'TagCount',
    'RequestCharged',
    'PartsCount',
    'MissingMeta',
  ],
};

/** Manifest shards (objects/*.json): entries are identified by key and version id. */
export const SHARD_RULES: NormalizationRules = {
  sortBy: { objects: ['key', 'versionId'] },
};

/** A bucket policy as stable JSON: the parsed document, or the text when it is not JSON. */
export function parsePolicy(text: string | undefined): unknown {
  if (text === undefined) return null;
  try {
    return JSON.parse(text);
  } catch {
    return { unparsedPolicy: text };
  }
}
