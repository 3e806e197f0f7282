// Reading every item of a table: a parallel scan in `segments` segments (Scan's Segment and
// TotalSegments), each segment followed page by page through LastEvaluatedKey, every request
// through the collector's limiter. Each item is turned into its archived line as it arrives,
// together with its primary key values, so the raw pages can be dropped at once; the lines
// are then sorted by primary key (key-order.ts), which makes the export independent of how
// the segments interleaved.
//
// The sorted lines of one table are held in memory (one string per item, never one string
// for the table) until they are written: sorting needs them all. Memory therefore grows with
// the largest table being read; see the collector's notes.
import { ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Limiter } from '../../../util/limiter.js';
import { itemLine } from './attribute-value.js';
import { compareKeyValues } from './key-order.js';

export interface ScannedItem {
  hash: AttributeValue | undefined;
  range: AttributeValue | undefined;
  line: string;
}

export interface ScanOptions {
  client: DynamoDBClient;
  limit: Limiter;
  signal: AbortSignal;
  tableName: string;
  hashKey: string;
  rangeKey?: string | undefined;
  segments: number;
  pageLimit?: number | undefined;
  consistentRead: boolean;
  /** called after each page with the number of items and bytes it added */
  onPage?(items: number, bytes: number): void;
}

export function compareScanned(a: ScannedItem, b: ScannedItem): number {
  return compareKeyValues(a.hash, b.hash) || compareKeyValues(a.range, b.range) || (a.line < b.line ? -1 : a.line > b.line ? 1 : 0);
}

async function scanSegment(o: ScanOptions, segment: number, out: ScannedItem[]): Promise<void> {
  let start: Record<string, AttributeValue> | undefined;
  for (;;) {
    const page = await o.limit(() =>
      o.client.send(
        new ScanCommand({
          TableName: o.tableName,
          ConsistentRead: o.consistentRead,
          ...(o.segments > 1 ? { Segment: segment, TotalSegments: o.segments } : {}),
          ...(o.pageLimit ? { Limit: o.pageLimit } : {}),
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
        { abortSignal: o.signal },
      ),
    );
    let bytes = 0;
    for (const item of page.Items ?? []) {
      const line = itemLine(item);
      bytes += Buffer.byteLength(line, 'utf8') + 1;
      out.push({ hash: item[o.hashKey], range: o.rangeKey === undefined ? undefined : item[o.rangeKey], line });
    }
    o.onPage?.(page.Items?.length ?? 0, bytes);
    if (!page.LastEvaluatedKey || Object.keys(page.LastEvaluatedKey).length === 0) return;
    start = page.LastEvaluatedKey;
  }
}

/** Every item of the table, sorted by primary key. */
export async function scanTable(o: ScanOptions): Promise<ScannedItem[]> {
  const bySegment = Array.from({ length: o.segments }, () => [] as ScannedItem[]);
  await Promise.all(bySegment.map((out, segment) => scanSegment(o, segment, out)));
  return bySegment.flat().sort(compareScanned);
}
