// A total order on DynamoDB values, used to sort a table's items by primary key so the export
// does not depend on the order a (parallel) scan returned them in, and to sort the members of
// sets. Each type is ordered by what it means, never by its JSON text:
//   S  by Unicode code points (JavaScript's `<` compares UTF-16 units, which puts U+10000 and
//      above before U+E000..U+FFFF);
//   N  numerically and exactly, on the decimal string (DynamoDB numbers carry up to 38
//      significant digits, more than a double holds: 12345678901234567890.1 and
//      12345678901234567890.2 are the same float);
//   B  by unsigned bytes.
// Values of different types (never two key values of one table, whose key types are fixed)
// are ordered B < N < S, then anything else by its canonical JSON.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { stableKey } from '../../../normalize/stable-json.js';

export function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done && y.done ? 0 : x.done ? -1 : 1;
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (d !== 0) return d < 0 ? -1 : 1;
  }
}

/** A decimal as sign, significant digits (no leading or trailing zeros) and exponent: ±0.DIGITS × 10^exp. */
interface Decimal {
  sign: -1 | 0 | 1;
  digits: string;
  exp: number;
}

const NUMBER = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

export function parseDecimal(text: string): Decimal | null {
  const m = NUMBER.exec(text.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return null;
  const int = m[2]!;
  let digits = int + (m[3] ?? '');
  let exp = int.length + Number(m[4] ?? '0');
  const lead = /^0*/.exec(digits)![0].length;
  digits = digits.slice(lead).replace(/0+$/, '');
  exp -= lead;
  if (digits === '') return { sign: 0, digits: '', exp: 0 };
  return { sign: m[1] === '-' ? -1 : 1, digits, exp };
}

/** Compares two DynamoDB number strings exactly. Strings that are not numbers sort last, by code points. */
export function compareNumbers(a: string, b: string): number {
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  if (!x || !y) return !x && !y ? compareCodePoints(a, b) : !x ? 1 : -1;
  if (x.sign !== y.sign) return x.sign < y.sign ? -1 : 1;
  if (x.sign === 0) return 0;
  // Same sign: the larger exponent is the larger magnitude; on equal exponents the digit
  // strings compare as text (no leading zeros, and a proper prefix is the smaller number).
  const magnitude = x.exp !== y.exp ? (x.exp < y.exp ? -1 : 1) : x.digits === y.digits ? 0 : x.digits < y.digits ? -1 : 1;
  return x.sign * magnitude;
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function typeRank(v: AttributeValue): number {
  return v.B !== undefined ? 0 : v.N !== undefined ? 1 : v.S !== undefined ? 2 : 3;
}

/** Orders two key values (S, N or B); undefined (no sort key) first. */
export function compareKeyValues(a: AttributeValue | undefined, b: AttributeValue | undefined): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? -1 : 1;
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  if (a.B !== undefined) return compareBytes(a.B, b.B!);
  if (a.N !== undefined) return compareNumbers(a.N, b.N!);
  if (a.S !== undefined) return compareCodePoints(a.S, b.S!);
  const ka = stableKey(a);
  const kb = stableKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
