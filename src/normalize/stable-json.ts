// Stable JSON: the one serialization every archived JSON file goes through, so the same
// value always gives the same bytes (sorted keys, 2-space indent, trailing newline).
// toPlain() first turns SDK values (Date, Uint8Array, Map, Set, bigint) into plain JSON
// and drops undefined, so collectors can hand over SDK responses as they come.
import stringify from 'json-stable-stringify';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function toPlain(value: unknown): Json | undefined {
  if (value === null) return null;
  switch (typeof value) {
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'boolean':
    case 'string':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'bigint':
      return value.toString();
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (Array.isArray(value)) return value.map((item) => toPlain(item) ?? null);
  if (value instanceof Set) return [...value].map((item) => toPlain(item) ?? null);
  const entries: [string, unknown][] = value instanceof Map ? [...value.entries()].map(([k, v]) => [String(k), v]) : Object.entries(value as object);
  const out: { [key: string]: Json } = {};
  for (const [key, item] of entries) {
    if (key === '$metadata') continue; // AWS SDK response envelope: request ids, attempts, timings
    const plain = toPlain(item);
    if (plain !== undefined) out[key] = plain;
  }
  return out;
}

/** The canonical text of a JSON value: sorted keys, 2-space indent, trailing newline. */
export function stableJson(value: unknown): string {
  const plain = toPlain(value);
  const text = stringify(plain === undefined ? null : plain, { space: 2 }) ?? 'null';
  // json-stable-stringify spreads empty containers over two lines; write them as JSON.stringify
  // does. Safe as a text rewrite: a raw newline only ever appears as formatting, never in a string.
  return `${text.replace(/\[\n\s*\]/g, '[]').replace(/\{\n\s*\}/g, '{}')}\n`;
}

/** Compact canonical form, for comparisons and sort keys. */
export function stableKey(value: unknown): string {
  return stringify(toPlain(value) ?? null) ?? 'null';
}
