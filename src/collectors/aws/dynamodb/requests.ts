// The DynamoDB requests of one region, each through the collector's limiter and abort signal,
// and the list calls followed to their last page.
import { ListTablesCommand, ListTagsOfResourceCommand, type DynamoDBClient, type Tag } from '@aws-sdk/client-dynamodb';
import type { Limiter } from '../../../util/limiter.js';

export interface Region {
  name: string;
  client: DynamoDBClient;
  /** bounds the requests in flight (all regions share it) */
  limit: Limiter;
  /** bounds the tables whose items are held in memory at once (all regions share it) */
  scanSlots: Limiter;
  signal: AbortSignal;
}

export function send<T>(r: Region, call: (client: DynamoDBClient, abortSignal: AbortSignal) => Promise<T>): Promise<T> {
  return r.limit(() => call(r.client, r.signal));
}

export async function listTableNames(r: Region): Promise<string[]> {
  const names: string[] = [];
  let start: string | undefined;
  for (;;) {
    const page = await send(r, (c, abortSignal) => c.send(new ListTablesCommand({ ExclusiveStartTableName: start }), { abortSignal }));
    names.push(...(page.TableNames ?? []));
    if (!page.LastEvaluatedTableName || page.LastEvaluatedTableName === start) return names;
    start = page.LastEvaluatedTableName;
  }
}

export async function listTags(r: Region, arn: string): Promise<Tag[]> {
  const tags: Tag[] = [];
  let token: string | undefined;
  for (;;) {
    const page = await send(r, (c, abortSignal) => c.send(new ListTagsOfResourceCommand({ ResourceArn: arn, NextToken: token }), { abortSignal }));
    tags.push(...(page.Tags ?? []));
    if (!page.NextToken || page.NextToken === token) return tags;
    token = page.NextToken;
  }
}
