// The sample estate the demo seeds into the emulator, and the "bad deploy" it then makes:
// a small copy of the shape snap was built for (prod, staging and backup buckets of three
// sites in two regions, a function with a secret in its environment, a distribution, a DNS
// zone, a table). Each service is seeded independently; one the emulator refuses is skipped.
import { S3Client, CreateBucketCommand, PutObjectCommand, PutBucketVersioningCommand, PutBucketTaggingCommand, PutBucketWebsiteCommand } from '@aws-sdk/client-s3';
import { IAMClient, CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { LambdaClient, CreateFunctionCommand, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { Route53Client, CreateHostedZoneCommand, ChangeResourceRecordSetsCommand, ListHostedZonesByNameCommand } from '@aws-sdk/client-route-53';
import { DynamoDBClient, CreateTableCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CloudFrontClient, CreateDistributionCommand } from '@aws-sdk/client-cloudfront';
import { zipSync, strToU8 } from 'fflate';

const creds = { accessKeyId: 'demo', secretAccessKey: 'demo' };
const opts = (endpoint, region = 'us-east-1') => ({ endpoint, region, forcePathStyle: true, credentials: creds });

const page = (site, price) => `<!doctype html>
<html>
  <head><title>${site}: Bob Dylan at the Rady Shell</title></head>
  <body>
    <h1>Bob Dylan</h1>
    <p class="price">Tickets: $${price}</p>
  </body>
</html>
`;

async function step(label, fn) {
  try {
    await fn();
  } catch (err) {
    console.log(`  (emulator skipped ${label}: ${err.name ?? err.message})`);
  }
}

export async function seedEstate(endpoint) {
  await step('S3', async () => {
    const east = new S3Client(opts(endpoint));
    const west = new S3Client(opts(endpoint, 'us-west-2'));
    const buckets = [
      [east, 'sailjada-prod', null],
      [west, 'sailjada-staging', 'us-west-2'],
      [east, 'queenofsandiego-prod', null],
      [east, 'salejada-prod', null],
      [west, 'jada-backups', 'us-west-2'],
    ];
    for (const [client, Bucket, region] of buckets) {
      await client.send(new CreateBucketCommand({ Bucket, ...(region ? { CreateBucketConfiguration: { LocationConstraint: region } } : {}) }));
      await client.send(new PutBucketTaggingCommand({ Bucket, Tagging: { TagSet: [{ Key: 'site', Value: Bucket.split('-')[0] }] } }));
    }
    await east.send(new PutBucketWebsiteCommand({ Bucket: 'sailjada-prod', WebsiteConfiguration: { IndexDocument: { Suffix: 'index.html' } } }));
    await west.send(new PutBucketVersioningCommand({ Bucket: 'jada-backups', VersioningConfiguration: { Status: 'Enabled' } }));
    for (const [client, Bucket] of buckets.slice(0, 4)) {
      await client.send(new PutObjectCommand({ Bucket, Key: 'index.html', Body: `<h1>${Bucket}</h1>\n`, ContentType: 'text/html' }));
      await client.send(new PutObjectCommand({ Bucket, Key: 'events/bob-dylan.html', Body: page(Bucket, 225), ContentType: 'text/html' }));
      await client.send(new PutObjectCommand({ Bucket, Key: 'img/hero.jpg', Body: Buffer.alloc(4096, 7), ContentType: 'image/jpeg' }));
    }
    await west.send(new PutObjectCommand({ Bucket: 'jada-backups', Key: 'db/2026-05-09.sql.gz', Body: Buffer.alloc(20000, 3) }));
  });

  await step('IAM and Lambda', async () => {
    const iam = new IAMClient(opts(endpoint));
    const role = await iam.send(new CreateRoleCommand({
      RoleName: 'jada-dashboard-role',
      AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] }),
    }));
    await iam.send(new PutRolePolicyCommand({ RoleName: 'jada-dashboard-role', PolicyName: 'read-sites', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: 'arn:aws:s3:::sailjada-prod/*' }] }) }));
    const lambda = new LambdaClient(opts(endpoint));
    const zip = zipSync({ 'update_dashboard.py': strToU8('def handler(event, context):\n    return {"ok": True}\n') });
    await lambda.send(new CreateFunctionCommand({
      FunctionName: 'update_dashboard',
      Runtime: 'python3.12',
      Handler: 'update_dashboard.handler',
      Role: role.Role.Arn,
      Code: { ZipFile: zip },
      Timeout: 30,
      MemorySize: 256,
      Environment: { Variables: { SITE: 'sailjada.com', STRIPE_SECRET_KEY: 'sk_live_demo_never_archived' } },
    }));
  });

  await step('Route53', async () => {
    const r53 = new Route53Client(opts(endpoint));
    const zone = await r53.send(new CreateHostedZoneCommand({ Name: 'sailjada.com', CallerReference: 'demo-1' }));
    await r53.send(new ChangeResourceRecordSetsCommand({
      HostedZoneId: zone.HostedZone.Id,
      ChangeBatch: { Changes: [
        { Action: 'CREATE', ResourceRecordSet: { Name: 'www.sailjada.com', Type: 'CNAME', TTL: 300, ResourceRecords: [{ Value: 'd111111abcdef8.cloudfront.net' }] } },
        { Action: 'CREATE', ResourceRecordSet: { Name: 'sailjada.com', Type: 'MX', TTL: 3600, ResourceRecords: [{ Value: '10 inbound-smtp.us-east-1.amazonaws.com' }] } },
      ] },
    }));
  });

  await step('DynamoDB', async () => {
    const ddb = new DynamoDBClient(opts(endpoint));
    await ddb.send(new CreateTableCommand({ TableName: 'jada-events', BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }] }));
    for (const [id, artist, price] of [['e1', 'Bob Dylan', '225'], ['e2', 'James Taylor', '150']]) {
      await ddb.send(new PutItemCommand({ TableName: 'jada-events', Item: { id: { S: id }, artist: { S: artist }, price: { N: price } } }));
    }
  });

  await step('CloudFront', async () => {
    const cf = new CloudFrontClient(opts(endpoint));
    await cf.send(new CreateDistributionCommand({ DistributionConfig: {
      CallerReference: 'demo-sailjada',
      Comment: 'sailjada.com',
      Enabled: true,
      Aliases: { Quantity: 1, Items: ['www.sailjada.com'] },
      Origins: { Quantity: 1, Items: [{ Id: 's3-sailjada-prod', DomainName: 'sailjada-prod.s3.amazonaws.com', S3OriginConfig: { OriginAccessIdentity: '' } }] },
      DefaultCacheBehavior: { TargetOriginId: 's3-sailjada-prod', ViewerProtocolPolicy: 'redirect-to-https', MinTTL: 0, DefaultTTL: 86400, ForwardedValues: { QueryString: false, Cookies: { Forward: 'none' } }, TrustedSigners: { Enabled: false, Quantity: 0 } },
      DefaultRootObject: 'index.html',
    } }));
  });
}

export async function deployMistakes(endpoint) {
  await step('S3 change', async () => {
    const west = new S3Client(opts(endpoint, 'us-west-2'));
    await west.send(new PutObjectCommand({ Bucket: 'sailjada-staging', Key: 'events/bob-dylan.html', Body: page('sailjada-staging', 195), ContentType: 'text/html' }));
  });
  await step('Lambda change', async () => {
    const lambda = new LambdaClient(opts(endpoint));
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'update_dashboard', Timeout: 3, Environment: { Variables: { SITE: 'sailjada.com', STRIPE_SECRET_KEY: 'sk_live_demo_rotated' } } }));
  });
  await step('Route53 change', async () => {
    const r53 = new Route53Client(opts(endpoint));
    const zones = await r53.send(new ListHostedZonesByNameCommand({ DNSName: 'sailjada.com' }));
    await r53.send(new ChangeResourceRecordSetsCommand({
      HostedZoneId: zones.HostedZones[0].Id,
      ChangeBatch: { Changes: [{ Action: 'UPSERT', ResourceRecordSet: { Name: 'www.sailjada.com', Type: 'CNAME', TTL: 60, ResourceRecords: [{ Value: 'staging.sailjada.com' }] } }] },
    }));
  });
}
