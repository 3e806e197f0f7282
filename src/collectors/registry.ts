// Every collector snap knows, by id. The order here is the order of config sections and of
// reports; it does not limit parallelism (the runner runs them concurrently).
import { apigatewayCollector } from './aws/apigateway/collect.js';
import { cloudfrontCollector } from './aws/cloudfront/collect.js';
import { dynamodbCollector } from './aws/dynamodb/collect.js';
import { iamCollector } from './aws/iam/collect.js';
import { lambdaCollector } from './aws/lambda/collect.js';
import { lightsailCollector } from './aws/lightsail/collect.js';
import { rdsCollector } from './aws/rds/collect.js';
import { route53Collector } from './aws/route53/collect.js';
import { s3Collector } from './aws/s3/collect.js';
import { sesCollector } from './aws/ses/collect.js';
import { gasCollector } from './gas/collect.js';
import { localCollector } from './local/collect.js';
import type { AnyCollector } from './types.js';

export const collectors: readonly AnyCollector[] = [
  s3Collector,
  lambdaCollector,
  cloudfrontCollector,
  route53Collector,
  dynamodbCollector,
  iamCollector,
  apigatewayCollector,
  sesCollector,
  rdsCollector,
  lightsailCollector,
  gasCollector,
  localCollector,
];

export function collectorById(id: string): AnyCollector | undefined {
  return collectors.find((c) => c.id === id);
}
