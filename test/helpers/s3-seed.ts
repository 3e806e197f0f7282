// Seeds an S3 estate into moto for the S3 collector's tests: buckets in several regions, every
// bucket configuration kind, objects with system and user metadata, a versioned bucket with a
// delete marker, archive-class objects and the hostile keys of issue 3.
import {
  CreateBucketCommand,
  DeleteObjectCommand,
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
  PutObjectCommand,
  PutObjectLockConfigurationCommand,
  PutPublicAccessBlockCommand,
  S3Client,
  type PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import { clientOptions } from './moto.js';

export function s3Client(endpoint: string, region = 'us-east-1', options: Record<string, unknown> = {}): S3Client {
  return new S3Client({ ...clientOptions(endpoint, region), ...options });
}

export async function createBucket(endpoint: string, bucket: string, region: string, extra: { objectLock?: boolean } = {}): Promise<S3Client> {
  const client = s3Client(endpoint, region);
  await client.send(
    new CreateBucketCommand({
      Bucket: bucket,
      ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as never } }),
      ...(extra.objectLock ? { ObjectLockEnabledForBucket: true } : {}),
    }),
  );
  return client;
}

export async function put(client: S3Client, bucket: string, key: string, body: string | Uint8Array, extra: Partial<PutObjectCommandInput> = {}): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ...extra }));
}

/**
 * Keys that must round-trip exactly and never escape the archive. A raw newline in a key is
 * left out: moto answers such a PUT with an HTML error page (an emulator limit; S3 accepts it).
 */
export const HOSTILE_KEYS = [
  '../../x',
  '/abs',
  'a/../../b',
  'dir',
  'dir/',
  'dir/inner.txt',
  'a',
  'a/b',
  'Case.txt',
  'case.txt',
  '.git/config',
  '.GIT/hooks/pre-commit',
  `${'long-name-'.repeat(30)}.txt`,
  `${'deep/'.repeat(60)}leaf.txt`,
  'ünïcödé/☃ snow.txt',
  'e\u0301.txt', // decomposed é
  '\u00e9.txt', // composed é: the same name on macOS
  'a%2Fb',
  'sp ace+plus.txt',
  'tab\there.txt',
  'q?x=1#frag.txt',
  'back\\slash.txt',
  'a//double.txt',
  'trail.',
  './dot.txt',
  '~tilde.txt',
  'CON',
];

export const SITE_POLICY = {
  Version: '2012-10-17',
  Statement: [
    { Sid: 'PublicRead', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::site-prod/*' },
    { Sid: 'DenyDelete', Effect: 'Deny', Principal: '*', Action: 's3:DeleteObject', Resource: 'arn:aws:s3:::site-prod/*' },
  ],
};

export const INDEX_V1 = '<html>\n<body>\n<h1>Sail Jada</h1>\n<p>Sunset cruise: $120</p>\n</body>\n</html>\n';

/** site-prod (us-east-1): every configuration kind but versioning, replication and object lock. */
export async function seedSite(endpoint: string): Promise<void> {
  const s3 = await createBucket(endpoint, 'site-prod', 'us-east-1');
  await createBucket(endpoint, 'site-logs', 'us-east-1');
  // Log delivery granted by a bucket policy, as AWS recommends. (The older way, the
  // log-delivery-write ACL, does not round-trip in moto: its GetBucketAcl answer drops the
  // group's WRITE grant, so an ACL restored from it would not let logging be switched on.)
  await s3.send(
    new PutBucketPolicyCommand({
      Bucket: 'site-logs',
      Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'S3ServerAccessLogs', Effect: 'Allow', Principal: { Service: 'logging.s3.amazonaws.com' }, Action: 's3:PutObject', Resource: 'arn:aws:s3:::site-logs/*' }] }),
    }),
  );
  await s3.send(new PutBucketPolicyCommand({ Bucket: 'site-prod', Policy: JSON.stringify(SITE_POLICY) }));
  await s3.send(new PutPublicAccessBlockCommand({ Bucket: 'site-prod', PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: false, RestrictPublicBuckets: false } }));
  await s3.send(new PutBucketOwnershipControlsCommand({ Bucket: 'site-prod', OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] } }));
  await s3.send(new PutBucketEncryptionCommand({ Bucket: 'site-prod', ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] } }));
  await s3.send(
    new PutBucketLifecycleConfigurationCommand({
      Bucket: 'site-prod',
      LifecycleConfiguration: {
        Rules: [
          { ID: 'z-expire-tmp', Status: 'Enabled', Filter: { Prefix: 'tmp/' }, Expiration: { Days: 7 } },
          { ID: 'a-archive-old', Status: 'Enabled', Filter: { Prefix: 'old/' }, Transitions: [{ Days: 30, StorageClass: 'GLACIER' }] },
        ],
      },
    }),
  );
  await s3.send(new PutBucketCorsCommand({ Bucket: 'site-prod', CORSConfiguration: { CORSRules: [{ AllowedMethods: ['GET', 'HEAD'], AllowedOrigins: ['https://example.com'] }] } }));
  await s3.send(new PutBucketWebsiteCommand({ Bucket: 'site-prod', WebsiteConfiguration: { IndexDocument: { Suffix: 'index.html' }, ErrorDocument: { Key: 'error.html' } } }));
  await s3.send(new PutBucketLoggingCommand({ Bucket: 'site-prod', BucketLoggingStatus: { LoggingEnabled: { TargetBucket: 'site-logs', TargetPrefix: 'access/' } } }));
  await s3.send(new PutBucketTaggingCommand({ Bucket: 'site-prod', Tagging: { TagSet: [{ Key: 'team', Value: 'web' }, { Key: 'env', Value: 'prod' }] } }));
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: 'site-prod',
      NotificationConfiguration: { QueueConfigurations: [{ Id: 'uploads', QueueArn: 'arn:aws:sqs:us-east-1:123456789012:uploads', Events: ['s3:ObjectCreated:*'] }] },
    }),
  );
  await put(s3, 'site-prod', 'events/index.html', INDEX_V1, { ContentType: 'text/html; charset=utf-8', CacheControl: 'max-age=60', Metadata: { owner: 'web-team', build: '42' } });
  await put(s3, 'site-prod', 'events/data.json', '{"price": 120}\n', { ContentType: 'application/json' });
  await put(s3, 'site-prod', 'assets/app.js', 'console.log("hi");\n', { ContentType: 'application/octet-stream' }); // text by extension
  await put(s3, 'site-prod', 'assets/logo.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3, 255, 254]), { ContentType: 'image/png' });
  await put(s3, 'site-prod', 'assets/notes', 'plain words but no extension or text type\n'); // binary/octet-stream: no readable copy
  await put(s3, 'site-prod', 'downloads/big.txt', 'x'.repeat(3000), { ContentType: 'text/plain' }); // over the test's textMaxBytes
  await put(s3, 'site-prod', 'gz/app.js', Buffer.from('compressed?'), { ContentType: 'application/javascript', ContentEncoding: 'gzip' });
}

/** vault-eu (eu-west-1): versioning, object lock, replication; several versions and a delete marker. */
export async function seedVault(endpoint: string): Promise<void> {
  const eu = await createBucket(endpoint, 'vault-eu', 'eu-west-1', { objectLock: true });
  await eu.send(new PutObjectLockConfigurationCommand({ Bucket: 'vault-eu', ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } } } }));
  const replica = await createBucket(endpoint, 'vault-replica', 'us-west-2');
  await replica.send(new PutBucketVersioningCommand({ Bucket: 'vault-replica', VersioningConfiguration: { Status: 'Enabled' } }));
  await eu.send(
    new PutBucketReplicationCommand({
      Bucket: 'vault-eu',
      ReplicationConfiguration: {
        Role: 'arn:aws:iam::123456789012:role/replication',
        Rules: [{ ID: 'to-replica', Priority: 1, Status: 'Enabled', Filter: { Prefix: '' }, DeleteMarkerReplication: { Status: 'Disabled' }, Destination: { Bucket: 'arn:aws:s3:::vault-replica' } }],
      },
    }),
  );
  await put(eu, 'vault-eu', 'contract.txt', 'version one\n', { ContentType: 'text/plain' });
  await put(eu, 'vault-eu', 'contract.txt', 'version two\n', { ContentType: 'text/plain' });
  await put(eu, 'vault-eu', 'removed.txt', 'soon gone\n', { ContentType: 'text/plain' });
  await eu.send(new DeleteObjectCommand({ Bucket: 'vault-eu', Key: 'removed.txt' }));
}

export async function seedHostile(endpoint: string): Promise<void> {
  const s3 = await createBucket(endpoint, 'hostile-keys', 'us-east-1');
  for (const key of HOSTILE_KEYS) await put(s3, 'hostile-keys', key, hostileContent(key), { ContentType: 'text/plain' });
}

export function hostileContent(key: string): string {
  return `content of ${JSON.stringify(key)}\n`;
}

export async function seedCold(endpoint: string): Promise<void> {
  const s3 = await createBucket(endpoint, 'cold-storage', 'us-west-2');
  await put(s3, 'cold-storage', 'warm.txt', 'readable\n', { ContentType: 'text/plain' });
  await put(s3, 'cold-storage', 'backups/2019.tar', 'frozen', { StorageClass: 'GLACIER', Metadata: { origin: 'nas' } });
  await put(s3, 'cold-storage', 'backups/2015.tar', 'deep frozen', { StorageClass: 'DEEP_ARCHIVE' });
}
