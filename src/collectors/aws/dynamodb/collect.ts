// The DynamoDB collector (dynamodb/): every table of every configured region, its schema and
// settings, and its items.
//
//   dynamodb/<region>/tables.json             index: table names and folders
//   dynamodb/<region>/<table>/table.json      keys, indexes, billing, streams, SSE, TTL,
//                                             point-in-time recovery, tags, resource policy,
//                                             and the export's item count and size
//   dynamodb/<region>/<table>/items.jsonl     every item in lossless DynamoDB JSON, one per
//                                             line, sorted by primary key; a pointer to the
//                                             content store when larger than the threshold
//
// Expected refusals are findings (the rest goes on): a region's listing refused or not
// offered, a table refused or deleted between listing and reading, an optional setting
// refused. Any other failure of one table is reported with ctx.partial and that table's
// folder is carried over from the previous version; of one region's listing, that region's.
import {
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetResourcePolicyCommand,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { safeSegment } from '../../../archive/paths.js';
import { SnapError } from '../../../errors.js';
import { createLimiter, mapLimit } from '../../../util/limiter.js';
import type { Collector, CollectContext } from '../../types.js';
import { collectorRegions } from '../shared/config.js';
import { awsErrorName, classifyAwsError, optionalConfig, recordRefusal } from '../shared/errors.js';
import { dynamodbConfigSchema, type DynamoDBConfig } from './config.js';
import { writeItems, type ItemsExport } from './items-file.js';
import { requestSignal } from '../shared/request-signal.js';
import { restoreDynamoDB } from './restore.js';
import { listTableNames, listTags, send, type Region } from './requests.js';
import { dynamodbResources, tableIndexRules, tableRules } from './rules.js';
import { scanTable } from './scan.js';
import { dynamodbRunbook } from './runbook.js';

type Ctx = CollectContext<DynamoDBConfig>;

interface TableIndexEntry {
  TableName: string;
  Folder: string;
}

const ITEMS_FILE = 'items.jsonl';

/** A policy document as JSON when it parses (so it diffs by statement), else the text as it came. */
function parsePolicy(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * An optional setting that AWS may refuse for reasons other than permissions: `refusals`
 * name errors that become findings too (the setting is left out), beyond what
 * optionalConfig already treats as refused or not configured.
 */
async function optionalSetting<T>(ctx: Ctx, resource: string, read: () => Promise<T>, notConfigured: readonly string[], refusals: readonly string[] = []): Promise<T | null> {
  try {
    return await optionalConfig(ctx, resource, read, notConfigured);
  } catch (err) {
    if (!refusals.includes(awsErrorName(err))) throw err;
    ctx.finding({ resource, reason: awsErrorName(err) });
    return null;
  }
}

/** Scans a table and writes its items; 'gone' when it was deleted meanwhile, 'refused' when the scan was refused (a finding). */
async function exportItems(ctx: Ctx, r: Region, name: string, table: TableDescription, path: string, resource: string): Promise<ItemsExport | 'gone' | 'refused'> {
  const hashKey = table.KeySchema?.find((k) => k.KeyType === 'HASH')?.AttributeName;
  const rangeKey = table.KeySchema?.find((k) => k.KeyType === 'RANGE')?.AttributeName;
  if (!hashKey) throw new SnapError('COLLECTOR_FAILED', `DescribeTable gave no partition key for table ${name}`, { table: name });
  let lines: string[];
  const scanning = ctx.progress.active(name); // tables are scanned side by side
  try {
    const items = await scanTable({
      client: r.client,
      limit: r.limit,
      signal: r.signal,
      tableName: name,
      hashKey,
      rangeKey,
      segments: ctx.config.scanSegments,
      pageLimit: ctx.config.scanPageLimit,
      consistentRead: ctx.config.consistentRead,
      onPage: (n, bytes) => ctx.progress.add(n, bytes),
    });
    lines = items.map((i) => i.line);
  } catch (err) {
    if (classifyAwsError(err) === 'not-found') return 'gone';
    if (recordRefusal(ctx, resource, err)) return 'refused';
    throw err;
  } finally {
    scanning();
  }
  const exported = await writeItems(ctx.out, path, lines, ctx.config.itemsInTreeMaxBytes, r.signal);
  ctx.count('items', lines.length);
  if (exported.Storage === 'store') ctx.count('exports in the store');
  return exported;
}

async function collectTable(ctx: Ctx, r: Region, name: string): Promise<TableIndexEntry | null> {
  const folder = `${r.name}/${safeSegment(name)}`;
  const resource = `dynamodb/${folder}`;
  const entry: TableIndexEntry = { TableName: name, Folder: folder };
  const gone = () => {
    ctx.out.remove(folder);
    ctx.finding({ resource, reason: 'Deleted', detail: 'the table was deleted while the snapshot ran' });
    return null;
  };
  try {
    let table: TableDescription;
    try {
      const described = await send(r, (c, abortSignal) => c.send(new DescribeTableCommand({ TableName: name }), { abortSignal }));
      table = described.Table ?? {};
    } catch (err) {
      if (classifyAwsError(err) === 'not-found') return gone();
      if (recordRefusal(ctx, resource, err)) return entry;
      throw err;
    }
    const arn = table.TableArn;
    // The optional settings are independent: asked at once (the limiter bounds the requests).
    const [ttl, backups, tags, policy] = await Promise.all([
      optionalSetting(ctx, `${resource}/ttl`, () => send(r, (c, abortSignal) => c.send(new DescribeTimeToLiveCommand({ TableName: name }), { abortSignal })), []),
      // ContinuousBackupsUnavailable: AWS is still turning backups on for a new table.
      optionalSetting(
        ctx,
        `${resource}/point_in_time_recovery`,
        () => send(r, (c, abortSignal) => c.send(new DescribeContinuousBackupsCommand({ TableName: name }), { abortSignal })),
        [],
        ['ContinuousBackupsUnavailableException'],
      ),
      arn ? optionalSetting(ctx, `${resource}/tags`, () => listTags(r, arn), []) : null,
      arn
        ? optionalSetting(ctx, `${resource}/resource_policy`, () => send(r, (c, abortSignal) => c.send(new GetResourcePolicyCommand({ ResourceArn: arn }), { abortSignal })), ['PolicyNotFoundException'])
        : null,
    ]);

    let exported: ItemsExport | undefined;
    if (ctx.config.items) {
      // Scan and write in one slot: the items are held in memory from the one to the other.
      const result = await r.scanSlots(() => exportItems(ctx, r, name, table, `${folder}/${ITEMS_FILE}`, `${resource}/items`));
      if (result === 'gone') return gone();
      if (result !== 'refused') exported = result;
    }

    ctx.out.json(
      `${folder}/table.json`,
      {
        Table: table,
        TimeToLive: ttl?.TimeToLiveDescription,
        ContinuousBackups: backups?.ContinuousBackupsDescription,
        Tags: tags ?? undefined,
        ResourcePolicy: policy ? { Policy: parsePolicy(policy.Policy), RevisionId: policy.RevisionId } : undefined,
        Export: exported,
      },
      tableRules,
    );
    ctx.count('tables');
    return entry;
  } catch (err) {
    ctx.partial(resource, err);
    await ctx.carryOver(folder);
    return entry;
  }
}

async function collectRegion(ctx: Ctx, region: string, shared: Omit<Region, 'name' | 'client'>): Promise<void> {
  const r: Region = { name: region, client: ctx.aws.get(DynamoDBClient, region), ...shared };
  let names: string[];
  try {
    names = await listTableNames(r);
  } catch (err) {
    if (recordRefusal(ctx, `dynamodb/${region}`, err)) return;
    ctx.partial(`dynamodb/${region}`, err);
    await ctx.carryOver(region);
    return;
  }
  const entries = await mapLimit(names, ctx.config.concurrency, (name) => collectTable(ctx, r, name));
  ctx.out.json(`${region}/tables.json`, { Region: region, Tables: entries.filter((e): e is TableIndexEntry => e !== null) }, tableIndexRules);
}

export async function collectDynamoDB(ctx: Ctx): Promise<void> {
  const regions = collectorRegions(ctx.config, ctx.aws.settings);
  const shared = {
    limit: createLimiter(ctx.config.concurrency),
    // A table's items stay in memory from its scan until they are written (sorting needs
    // them all), so only as many tables are scanned at once as fill the request limit.
    scanSlots: createLimiter(Math.max(1, Math.floor(ctx.config.concurrency / ctx.config.scanSegments))),
    signal: requestSignal(ctx.signal, ctx.config.concurrency),
  };
  ctx.progress.phase(`tables in ${regions.join(', ')}`);
  await Promise.all(regions.map((region) => collectRegion(ctx, region, shared)));
}

export const dynamodbCollector: Collector<DynamoDBConfig> = {
  id: 'dynamodb',
  title: 'DynamoDB tables and items',
  root: 'dynamodb',
  platform: 'aws',
  configSchema: dynamodbConfigSchema,
  enabledByDefault: true,
  runbook: dynamodbRunbook,
  resources: dynamodbResources,
  collect: collectDynamoDB,
  restore: restoreDynamoDB,
};
