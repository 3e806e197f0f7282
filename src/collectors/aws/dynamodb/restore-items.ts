// Items for a DynamoDB restore: reading a version's items.jsonl as a stream of items (from the
// tree, or through its pointer from the content store, checked against its sha256 as it
// streams), turning archived lossless DynamoDB JSON back into the SDK's values, naming an
// item by its primary key, and writing or deleting items in BatchWriteItem batches.
//
// Lossless both ways: numbers stay the exact decimal strings archived, binary is decoded from
// base64, sets stay sets; an attribute named "__proto__" stays an attribute (maps are built on
// prototype-less objects).
import { createHash } from 'node:crypto';
import { BatchWriteItemCommand, type AttributeValue, type DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { openPayload } from '../../../archive/listing.js';
import type { VersionReader } from '../../../archive/version-reader.js';
import { SnapError } from '../../../errors.js';
import { parsePointer, POINTER_MAX_BYTES } from '../../../store/pointer.js';
import type { ContentStore } from '../../../store/types.js';
import { itemLine, type DynamoItem, type DynamoJson } from './attribute-value.js';
import { parseDecimal } from './key-order.js';

export function fromDynamoJson(value: DynamoJson): AttributeValue {
  const v = value as Record<string, unknown>;
  if ('S' in v) return { S: v.S as string };
  if ('N' in v) return { N: v.N as string };
  if ('B' in v) return { B: Buffer.from(v.B as string, 'base64') };
  if ('BOOL' in v) return { BOOL: v.BOOL as boolean };
  if ('NULL' in v) return { NULL: true };
  if ('SS' in v) return { SS: [...(v.SS as string[])] };
  if ('NS' in v) return { NS: [...(v.NS as string[])] };
  if ('BS' in v) return { BS: (v.BS as string[]).map((b) => Buffer.from(b, 'base64')) };
  if ('L' in v) return { L: (v.L as DynamoJson[]).map(fromDynamoJson) };
  if ('M' in v) return { M: fromDynamoItem(v.M as DynamoItem) };
  throw new SnapError('COLLECTOR_FAILED', `an archived attribute has an unknown DynamoDB type (${Object.keys(v)[0] ?? 'none'})`, { type: Object.keys(v)[0] ?? null });
}

export function fromDynamoItem(item: DynamoItem): Record<string, AttributeValue> {
  const out = Object.create(null) as Record<string, AttributeValue>;
  for (const [name, value] of Object.entries(item)) out[name] = fromDynamoJson(value);
  return out;
}

/** A key value in a form equal for equal DynamoDB keys (numbers compared by value, not text). */
function keyPart(value: AttributeValue | undefined): string {
  if (value === undefined) return '-';
  if (value.S !== undefined) return `S:${value.S}`;
  if (value.B !== undefined) return `B:${Buffer.from(value.B).toString('base64')}`;
  if (value.N !== undefined) {
    const d = parseDecimal(value.N);
    return d ? `N:${d.sign < 0 ? '-' : ''}${d.digits}e${d.exp}` : `N?:${value.N}`;
  }
  throw new SnapError('COLLECTOR_FAILED', 'a key attribute is not of type S, N or B', {});
}

export interface KeySchemaNames {
  hash: string;
  range?: string | undefined;
}

/** The item's primary key as one string: the identity items are matched by. */
export function itemKey(item: Record<string, AttributeValue>, keys: KeySchemaNames): string {
  if (item[keys.hash] === undefined) throw new SnapError('COLLECTOR_FAILED', `an archived item has no partition key ${keys.hash}`, { key: keys.hash });
  return JSON.stringify([keyPart(item[keys.hash]), keys.range === undefined ? '' : keyPart(item[keys.range])]);
}

/** A short digest of an item's canonical line: items are compared by it, so a whole table's items need not be held. */
export function lineDigest(line: string): string {
  return createHash('sha256').update(line, 'utf8').digest('base64');
}

/** The canonical line of an item, as the collector writes it (sets sorted, keys sorted). */
export function canonicalLine(item: Record<string, AttributeValue>): string {
  return itemLine(item);
}

/** Splits a byte stream into lines at "\n" (JSON Lines never hold a raw newline inside a value). */
async function* linesOf(source: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array>): AsyncGenerator<string> {
  let rest: Buffer = Buffer.alloc(0);
  for await (const chunk of source) {
    const buf: Buffer = rest.length ? Buffer.concat([rest, Buffer.from(chunk)]) : Buffer.from(chunk);
    let start = 0;
    for (let nl = buf.indexOf(0x0a, start); nl !== -1; nl = buf.indexOf(0x0a, start)) {
      if (nl > start) yield buf.toString('utf8', start, nl);
      start = nl + 1;
    }
    rest = buf.subarray(start);
  }
  if (rest.length) yield rest.toString('utf8');
}

/** Where a table's archived items are: in the tree, in the store, or not archived. */
export async function itemsSource(version: VersionReader, store: ContentStore, path: string): Promise<null | { stored: boolean; open: () => AsyncGenerator<Record<string, AttributeValue>> }> {
  const bytes = await version.bytes(path);
  if (bytes === null) return null;
  const pointer = bytes.length <= POINTER_MAX_BYTES ? parsePointer(bytes) : null;
  const label = version.prefix ? `${version.prefix}/${path}` : path;
  async function* items(): AsyncGenerator<Record<string, AttributeValue>> {
    const source: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array> = pointer ? await openPayload(store, pointer, label) : [bytes!];
    let n = 0;
    for await (const line of linesOf(source)) {
      n++;
      let parsed: DynamoItem;
      try {
        parsed = JSON.parse(line) as DynamoItem;
      } catch (err) {
        throw new SnapError('GIT_OBJECT', `line ${n} of ${label} is not valid JSON`, { path: label, line: n }, { cause: err });
      }
      yield fromDynamoItem(parsed);
    }
  }
  return { stored: pointer !== null, open: items };
}

const BATCH_ITEMS = 25; // BatchWriteItem's limit
const MAX_ATTEMPTS = 8;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true });
  });

/**
 * Writes requests in batches of 25, a few batches in flight, re-sending what DynamoDB leaves
 * unprocessed (it does under throttling) with growing pauses. Puts and deletes are
 * idempotent, so a re-run after a failure is safe.
 */
export class BatchWriter {
  private batch: WriteRequest[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private failure: unknown = null;
  written = 0;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    private readonly concurrency: number,
    private readonly signal: AbortSignal,
  ) {}

  async add(request: WriteRequest): Promise<void> {
    this.batch.push(request);
    if (this.batch.length >= BATCH_ITEMS) await this.flushBatch();
  }

  async close(): Promise<void> {
    if (this.batch.length) await this.flushBatch();
    await Promise.all(this.inFlight);
    if (this.failure) throw this.failure;
  }

  private async flushBatch(): Promise<void> {
    if (this.failure) throw this.failure;
    const requests = this.batch;
    this.batch = [];
    while (this.inFlight.size >= this.concurrency) await Promise.race(this.inFlight);
    const p: Promise<void> = this.send(requests)
      .then(() => void (this.written += requests.length))
      .catch((err: unknown) => void (this.failure ??= err))
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  private async send(requests: WriteRequest[]): Promise<void> {
    let pending = requests;
    for (let attempt = 1; ; attempt++) {
      const out = await this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.table]: pending } }), { abortSignal: this.signal });
      const left = out.UnprocessedItems?.[this.table] ?? [];
      if (left.length === 0) return;
      if (attempt >= MAX_ATTEMPTS) throw new SnapError('COLLECTOR_FAILED', `DynamoDB left ${left.length} writes to ${this.table} unprocessed after ${MAX_ATTEMPTS} attempts (throttled)`, { table: this.table, left: left.length });
      pending = left;
      await sleep(Math.min(5000, 100 * 2 ** attempt), this.signal);
    }
  }
}
