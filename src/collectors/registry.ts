// Every collector snap knows, by id. Each is listed by its identity and config schema and
// loaded on first use (see lazy.ts): `snap --help` or `snap log` never load the AWS SDK.
// The order here is the order of config sections and of reports; it does not limit
// parallelism (the runner runs collectors concurrently). test/unit/registry.test.ts checks
// that each entry matches the collector its loader returns.
import { apigatewayConfigSchema } from './aws/apigateway/config.js';
import { cloudfrontConfigSchema } from './aws/cloudfront/config.js';
import { dynamodbConfigSchema } from './aws/dynamodb/config.js';
import { iamConfigSchema } from './aws/iam/config.js';
import { lambdaConfigSchema } from './aws/lambda/config.js';
import { lightsailConfigSchema } from './aws/lightsail/config.js';
import { rdsConfigSchema } from './aws/rds/config.js';
import { route53ConfigSchema } from './aws/route53/config.js';
import { s3ConfigSchema } from './aws/s3/config.js';
import { sesConfigSchema } from './aws/ses/config.js';
import { gasConfigSchema } from './gas/config.js';
import { lazyCollector } from './lazy.js';
import { localConfigSchema } from './local/config.js';
import type { AnyCollector } from './types.js';

export const collectors: readonly AnyCollector[] = [
  lazyCollector({ id: 's3', platform: 'aws', title: 'S3 buckets', root: 's3_buckets', configSchema: s3ConfigSchema, enabledByDefault: true, uriSchemes: ['s3'], loadPayloads: async () => (await import('./aws/s3/payloads.js')).s3Payloads }, async () => (await import('./aws/s3/collect.js')).s3Collector),
  lazyCollector({ id: 'lambda', platform: 'aws', title: 'Lambda functions', root: 'lambda_functions', configSchema: lambdaConfigSchema, enabledByDefault: true }, async () => (await import('./aws/lambda/collect.js')).lambdaCollector),
  lazyCollector({ id: 'cloudfront', platform: 'aws', title: 'CloudFront distributions', root: 'cloudfront', configSchema: cloudfrontConfigSchema, enabledByDefault: true }, async () => (await import('./aws/cloudfront/collect.js')).cloudfrontCollector),
  lazyCollector({ id: 'route53', platform: 'aws', title: 'Route53 hosted zones and records', root: 'route53', configSchema: route53ConfigSchema, enabledByDefault: true }, async () => (await import('./aws/route53/collect.js')).route53Collector),
  lazyCollector({ id: 'dynamodb', platform: 'aws', title: 'DynamoDB tables and items', root: 'dynamodb', configSchema: dynamodbConfigSchema, enabledByDefault: true }, async () => (await import('./aws/dynamodb/collect.js')).dynamodbCollector),
  lazyCollector({ id: 'iam', platform: 'aws', title: 'IAM roles, users and policies', root: 'iam', configSchema: iamConfigSchema, enabledByDefault: true }, async () => (await import('./aws/iam/collect.js')).iamCollector),
  lazyCollector({ id: 'apigateway', platform: 'aws', title: 'API Gateway REST APIs', root: 'apigateway', configSchema: apigatewayConfigSchema, enabledByDefault: true }, async () => (await import('./aws/apigateway/collect.js')).apigatewayCollector),
  lazyCollector({ id: 'ses', platform: 'aws', title: 'SES identities and configuration sets', root: 'ses', configSchema: sesConfigSchema, enabledByDefault: true }, async () => (await import('./aws/ses/collect.js')).sesCollector),
  lazyCollector({ id: 'rds', platform: 'aws', title: 'RDS and Aurora databases', root: 'rds', configSchema: rdsConfigSchema, enabledByDefault: true }, async () => (await import('./aws/rds/collect.js')).rdsCollector),
  lazyCollector({ id: 'lightsail', platform: 'aws', title: 'Lightsail instances and snapshots', root: 'lightsail', configSchema: lightsailConfigSchema, enabledByDefault: true }, async () => (await import('./aws/lightsail/collect.js')).lightsailCollector),
  lazyCollector({ id: 'gas', platform: 'apps-script', title: 'Google Apps Script projects', root: 'gas_projects', configSchema: gasConfigSchema, enabledByDefault: false }, async () => (await import('./gas/collect.js')).gasCollector),
  lazyCollector({ id: 'local', platform: 'local', title: 'local folders and repositories', root: 'local_repos', configSchema: localConfigSchema, enabledByDefault: true }, async () => (await import('./local/collect.js')).localCollector),
];

export function collectorById(id: string): AnyCollector | undefined {
  return collectors.find((c) => c.id === id);
}
