// The DynamoDB collector's declared normalization rules, with must-disappear and must-stay
// checks: two reads of an unchanged table that differ only in counters, transient states and
// restore windows give the same file; real configuration stays.
import { describe, expect, it } from 'vitest';
import { dynamodbResources, tableRules } from '../../src/collectors/aws/dynamodb/rules.js';
import { normalize } from '../../src/normalize/rules.js';
import { stableJson } from '../../src/normalize/stable-json.js';
import { globMatch } from '../../src/util/glob.js';

function describeTable(variant: { count: number; status: string; decreases: number; latest: string; order: 'a' | 'b' }) {
  const gsis = [
    { IndexName: 'by-b', KeySchema: [{ AttributeName: 'b', KeyType: 'HASH' }], Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: variant.order === 'a' ? ['x', 'y'] : ['y', 'x'] }, IndexStatus: variant.status, Backfilling: false, IndexSizeBytes: variant.count * 10, ItemCount: variant.count, ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5, NumberOfDecreasesToday: variant.decreases, LastDecreaseDateTime: variant.latest }, WarmThroughput: { ReadUnitsPerSecond: 1, WriteUnitsPerSecond: 1, Status: variant.status } },
    { IndexName: 'by-a', KeySchema: [{ AttributeName: 'a', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' }, IndexStatus: variant.status, IndexSizeBytes: variant.count, ItemCount: variant.count },
  ];
  const attrs = [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'a', AttributeType: 'S' },
    { AttributeName: 'b', AttributeType: 'N' },
  ];
  return {
    Table: {
      TableName: 'orders',
      TableArn: 'arn:aws:dynamodb:us-east-1:1:table/orders',
      TableId: 'id-1',
      CreationDateTime: '2024-01-01T00:00:00.000Z',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: variant.order === 'a' ? attrs : [...attrs].reverse(),
      GlobalSecondaryIndexes: variant.order === 'a' ? gsis : [...gsis].reverse(),
      LocalSecondaryIndexes: [{ IndexName: 'l', KeySchema: [], Projection: { ProjectionType: 'KEYS_ONLY' }, IndexSizeBytes: variant.count, ItemCount: variant.count }],
      ItemCount: variant.count,
      TableSizeBytes: variant.count * 100,
      TableStatus: variant.status,
      ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5, NumberOfDecreasesToday: variant.decreases, LastIncreaseDateTime: variant.latest, LastDecreaseDateTime: variant.latest },
      Replicas: [
        { RegionName: variant.order === 'a' ? 'eu-west-1' : 'us-west-2', ReplicaStatus: variant.status, ReplicaStatusPercentProgress: '50' },
        { RegionName: variant.order === 'a' ? 'us-west-2' : 'eu-west-1', ReplicaStatus: variant.status, ReplicaStatusDescription: 'x' },
      ],
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
      LatestStreamLabel: '2024-01-01T00:00:00.000',
    },
    ContinuousBackups: { ContinuousBackupsStatus: 'ENABLED', PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: 'ENABLED', RecoveryPeriodInDays: 35, EarliestRestorableDateTime: '2024-01-01', LatestRestorableDateTime: variant.latest } },
    TimeToLive: { TimeToLiveStatus: 'ENABLED', AttributeName: 'expires' },
    Tags: variant.order === 'a' ? [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }] : [{ Key: 'b', Value: '2' }, { Key: 'a', Value: '1' }],
    ResourcePolicy: { Policy: { Version: '2012-10-17' }, RevisionId: variant.latest },
  };
}

describe('dynamodb table rules', () => {
  const one = stableJson(normalize(describeTable({ count: 10, status: 'ACTIVE', decreases: 0, latest: '2024-05-01T10:00:00Z', order: 'a' }), tableRules));
  const two = stableJson(normalize(describeTable({ count: 99, status: 'UPDATING', decreases: 3, latest: '2024-06-02T11:00:00Z', order: 'b' }), tableRules));

  it('gives the same file for reads that differ only in counters, transient states, restore windows and order', () => {
    expect(two).toBe(one);
  });

  it('drops the volatile fields at every declared depth', () => {
    for (const volatile of ['ItemCount', 'TableSizeBytes', 'IndexSizeBytes', 'TableStatus', 'IndexStatus', 'Backfilling', 'ReplicaStatus', 'NumberOfDecreasesToday', 'LastIncreaseDateTime', 'LastDecreaseDateTime', 'EarliestRestorableDateTime', 'LatestRestorableDateTime', 'RevisionId', '"Status"']) {
      expect(one, volatile).not.toContain(volatile);
    }
  });

  it('keeps configuration, including the fixed creation time and the stream label', () => {
    const doc = JSON.parse(one);
    expect(doc.Table.CreationDateTime).toBe('2024-01-01T00:00:00.000Z');
    expect(doc.Table.LatestStreamLabel).toBe('2024-01-01T00:00:00.000');
    expect(doc.Table.ProvisionedThroughput).toEqual({ ReadCapacityUnits: 5, WriteCapacityUnits: 5 });
    expect(doc.Table.GlobalSecondaryIndexes.map((g: any) => g.IndexName)).toEqual(['by-a', 'by-b']);
    expect(doc.Table.GlobalSecondaryIndexes[1].Projection.NonKeyAttributes).toEqual(['x', 'y']);
    expect(doc.Table.GlobalSecondaryIndexes[1].WarmThroughput).toEqual({ ReadUnitsPerSecond: 1, WriteUnitsPerSecond: 1 });
    expect(doc.Table.AttributeDefinitions.map((a: any) => a.AttributeName)).toEqual(['a', 'b', 'pk']);
    expect(doc.Table.Replicas.map((r: any) => r.RegionName)).toEqual(['eu-west-1', 'us-west-2']);
    expect(doc.ContinuousBackups.PointInTimeRecoveryDescription).toEqual({ PointInTimeRecoveryStatus: 'ENABLED', RecoveryPeriodInDays: 35 });
    expect(doc.TimeToLive).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expires' });
    expect(doc.Tags.map((t: any) => t.Key)).toEqual(['a', 'b']);
    expect(doc.ResourcePolicy).toEqual({ Policy: { Version: '2012-10-17' } });
  });

  it('keeps the key schema in its order (partition key first)', () => {
    const doc = normalize({ Table: { KeySchema: [{ AttributeName: 'z', KeyType: 'HASH' }, { AttributeName: 'a', KeyType: 'RANGE' }] } }, tableRules) as any;
    expect(doc.Table.KeySchema.map((k: any) => k.AttributeName)).toEqual(['z', 'a']);
  });
});

describe('dynamodb resource declarations', () => {
  const spec = (path: string) => dynamodbResources.find((r) => globMatch(r.pattern, path));

  it('names each file kind and its resource', () => {
    expect(spec('us-east-1/tables.json')?.kind).toBe('table index');
    expect(spec('us-east-1/orders/table.json')?.label?.({ Table: { TableName: 'orders' } }, 'us-east-1/orders/table.json')).toBe('orders (us-east-1)');
    expect(spec('us-east-1/orders/items.jsonl')?.label?.(null, 'us-east-1/orders/items.jsonl')).toBe('items of orders (us-east-1)');
    expect(spec('us-east-1/orders/other.txt')).toBeUndefined();
  });
});
