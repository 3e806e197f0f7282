// Items in lossless DynamoDB JSON, the format of DynamoDB's own API and of `aws dynamodb scan`:
// every value keeps its type tag, numbers stay the exact decimal strings DynamoDB returned
// (never parsed into floats), binary is base64. Sets (SS, NS, BS) have no order in DynamoDB,
// so their members are sorted (see key-order.ts) and the same item always gives the same
// bytes; lists keep their order, and map keys are sorted when written.
//
// Items are written by their own small serializer rather than through toPlain/stableJson:
// an attribute may be named "__proto__", which a plain object silently swallows; maps here
// are prototype-less objects and the serializer reads only own keys, so nothing is lost here
// (what the SDK's own decoding does before it is outside snap's hands).
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { SnapError } from '../../../errors.js';
import { compareBytes, compareCodePoints, compareNumbers } from './key-order.js';

export type DynamoJson =
  | { S: string }
  | { N: string }
  | { B: string }
  | { BOOL: boolean }
  | { NULL: true }
  | { SS: string[] }
  | { NS: string[] }
  | { BS: string[] }
  | { L: DynamoJson[] }
  | { M: Record<string, DynamoJson> };

export type DynamoItem = Record<string, DynamoJson>;

const base64 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');

export function toDynamoJson(value: AttributeValue): DynamoJson {
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.B !== undefined) return { B: base64(value.B) };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: true };
  if (value.SS !== undefined) return { SS: [...value.SS].sort(compareCodePoints) };
  if (value.NS !== undefined) return { NS: [...value.NS].sort((a, b) => compareNumbers(a, b) || compareCodePoints(a, b)) };
  if (value.BS !== undefined) return { BS: [...value.BS].sort(compareBytes).map(base64) };
  if (value.L !== undefined) return { L: value.L.map(toDynamoJson) };
  if (value.M !== undefined) return { M: toDynamoItem(value.M) };
  // A type this SDK does not know: writing anything would not be lossless.
  const tag = Object.keys(value.$unknown ? { [value.$unknown[0]]: true } : value)[0] ?? '?';
  throw new SnapError('COLLECTOR_FAILED', `an attribute of DynamoDB type ${tag} cannot be archived losslessly by this version of snap`, { type: tag });
}

export function toDynamoItem(item: Record<string, AttributeValue>): DynamoItem {
  const out = Object.create(null) as DynamoItem;
  for (const [name, value] of Object.entries(item)) out[name] = toDynamoJson(value);
  return out;
}

/** Compact JSON with object keys sorted (by UTF-16 units, as json-stable-stringify does). */
export function compactJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(compactJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    return `{${Object.keys(obj)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${compactJson(obj[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** One item as one line of JSON Lines: compact, keys sorted, no trailing newline. */
export function itemLine(item: Record<string, AttributeValue>): string {
  return compactJson(toDynamoItem(item));
}
