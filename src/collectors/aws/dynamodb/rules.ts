// What the DynamoDB collector's files hold and how they are normalized, as data: volatile
// fields dropped, unordered arrays sorted by identity (which is also how `snap diff` matches
// their elements), and how each file's resource is named for people. Tested by
// test/unit/dynamodb-rules.test.ts.
import type { NormalizationRules } from '../../../normalize/rules.js';
import { policyDocumentSortRules } from '../iam/policy-document.js';
import type { ResourceFileSpec } from '../../types.js';

/**
 * <region>/<table>/table.json: DescribeTable, DescribeTimeToLive, DescribeContinuousBackups,
 * tags, resource policy, and what the items export holds.
 *
 * Dropped, because they change without anyone changing the table:
 * - ItemCount, TableSizeBytes, IndexSizeBytes and index ItemCount: counters DynamoDB
 *   refreshes about every six hours (the export's own exact Count and Bytes are kept).
 * - TableStatus, IndexStatus, Backfilling, ReplicaStatus*, WarmThroughput.Status: transient
 *   states (CREATING, UPDATING, …) of an operation in progress, not configuration.
 * - ProvisionedThroughput.LastIncreaseDateTime / LastDecreaseDateTime /
 *   NumberOfDecreasesToday, on the table and every index: autoscaling's daily bookkeeping.
 * - PointInTimeRecoveryDescription.EarliestRestorableDateTime / LatestRestorableDateTime:
 *   the restore window, which moves every second while recovery is on.
 * - ResourcePolicy.RevisionId: a token for conditional updates of the policy.
 * Kept on purpose: CreationDateTime (fixed for a table's life; a new value means the table
 * was deleted and re-created, and its recovery history lost), TableId, LatestStreamArn and
 * LatestStreamLabel (they change only when the stream is re-created).
 */
export const tableRules: NormalizationRules = {
  drop: [
    'Table.ItemCount',
    'Table.TableSizeBytes',
    'Table.TableStatus',
    'Table.GlobalSecondaryIndexes[].IndexStatus',
    'Table.GlobalSecondaryIndexes[].Backfilling',
    'Table.GlobalSecondaryIndexes[].IndexSizeBytes',
    'Table.GlobalSecondaryIndexes[].ItemCount',
    'Table.LocalSecondaryIndexes[].IndexSizeBytes',
    'Table.LocalSecondaryIndexes[].ItemCount',
    'Table.Replicas[].ReplicaStatus',
    'Table.Replicas[].ReplicaStatusDescription',
    'Table.Replicas[].ReplicaStatusPercentProgress',
    '**.WarmThroughput.Status',
    '**.ProvisionedThroughput.LastIncreaseDateTime',
    '**.ProvisionedThroughput.LastDecreaseDateTime',
    '**.ProvisionedThroughput.NumberOfDecreasesToday',
    'ContinuousBackups.PointInTimeRecoveryDescription.EarliestRestorableDateTime',
    'ContinuousBackups.PointInTimeRecoveryDescription.LatestRestorableDateTime',
    'ResourcePolicy.RevisionId',
  ],
  sortBy: {
    'Table.AttributeDefinitions': 'AttributeName',
    'Table.GlobalSecondaryIndexes': 'IndexName',
    'Table.LocalSecondaryIndexes': 'IndexName',
    'Table.GlobalSecondaryIndexes[].Projection.NonKeyAttributes': null,
    'Table.LocalSecondaryIndexes[].Projection.NonKeyAttributes': null,
    'Table.Replicas': 'RegionName',
    'Table.Replicas[].GlobalSecondaryIndexes': 'IndexName',
    'Table.GlobalTableWitnesses': 'RegionName',
    Tags: 'Key',
    ...policyDocumentSortRules,
  },
};

/** <region>/tables.json: the index of a region's tables and their folders. */
export const tableIndexRules: NormalizationRules = {
  sortBy: { Tables: 'TableName' },
};

type Obj = Record<string, any>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' ? (v as Obj) : {});

export const dynamodbResources: readonly ResourceFileSpec[] = [
  { pattern: '*/tables.json', kind: 'table index', rules: tableIndexRules, label: (_v, path) => `tables in ${path.split('/')[0]}` },
  {
    pattern: '*/*/table.json',
    kind: 'table',
    rules: tableRules,
    assigned: ['Table.CreationDateTime', 'Table.TableId', 'Table.LatestStreamArn', 'Table.LatestStreamLabel'],
    label: (value, path) => `${obj(obj(value).Table).TableName ?? path.split('/')[1]} (${path.split('/')[0]})`,
  },
  // items.jsonl is JSON Lines, one item per line sorted by primary key; an item is named by its key.
  { pattern: '*/*/items.jsonl', kind: 'table items', label: (_v, path) => `items of ${path.split('/')[1]} (${path.split('/')[0]})` },
];
