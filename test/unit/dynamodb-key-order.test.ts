// The DynamoDB collector's pure parts: the total order on key values (exact decimal numbers,
// code points, bytes) and the lossless DynamoDB JSON of items.
import { describe, expect, it } from 'vitest';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { compactJson, itemLine, toDynamoJson } from '../../src/collectors/aws/dynamodb/attribute-value.js';
import { compareBytes, compareCodePoints, compareKeyValues, compareNumbers, parseDecimal } from '../../src/collectors/aws/dynamodb/key-order.js';
import { compareScanned } from '../../src/collectors/aws/dynamodb/scan.js';
import { dynamodbConfigSchema } from '../../src/collectors/aws/dynamodb/config.js';

const sortNumbers = (xs: string[]) => [...xs].sort(compareNumbers);

describe('DynamoDB number order', () => {
  it('orders numbers by value, exactly, whatever their written form', () => {
    expect(sortNumbers(['10', '9', '-1', '-10', '0', '1E+2', '0.001', '-0.5', '1e-5', '2.50', '.5', '-.25'])).toEqual(['-10', '-1', '-0.5', '-.25', '0', '1e-5', '0.001', '.5', '2.50', '9', '10', '1E+2']);
  });

  it('tells apart numbers a double cannot', () => {
    const a = '12345678901234567890.123456789';
    const b = '12345678901234567890.12345678901';
    expect(Number(a)).toBe(Number(b));
    expect(compareNumbers(a, b)).toBe(-1);
    expect(compareNumbers(b, a)).toBe(1);
    expect(compareNumbers('-' + a, '-' + b)).toBe(1);
    expect(compareNumbers('99999999999999999999999999999999999999', '100000000000000000000000000000000000000')).toBe(-1);
    expect(compareNumbers('1E-130', '0')).toBe(1);
    expect(compareNumbers('9.9999999999999999999999999999999999999E+125', '1E+126')).toBe(-1);
  });

  it('treats equal values written differently as equal', () => {
    expect(compareNumbers('1', '1.000')).toBe(0);
    expect(compareNumbers('100', '1E+2')).toBe(0);
    expect(compareNumbers('0', '-0.0')).toBe(0);
    expect(compareNumbers('0.00100', '1e-3')).toBe(0);
  });

  it('parses to sign, significant digits and exponent', () => {
    expect(parseDecimal('-012.3400')).toEqual({ sign: -1, digits: '1234', exp: 2 });
    expect(parseDecimal('0.00100')).toEqual({ sign: 1, digits: '1', exp: -2 });
    expect(parseDecimal('0')).toEqual({ sign: 0, digits: '', exp: 0 });
    expect(parseDecimal('abc')).toBeNull();
    expect(parseDecimal('.')).toBeNull();
  });

  it('puts strings that are not numbers last instead of failing', () => {
    expect(sortNumbers(['x', '1', 'NaN', '-1'])).toEqual(['-1', '1', 'NaN', 'x']);
  });
});

describe('DynamoDB string and binary order', () => {
  it('orders strings by code point, not by UTF-16 unit', () => {
    const xs = ['😀', '\uffff', 'a', 'B', 'é', ''];
    expect([...xs].sort(compareCodePoints)).toEqual(['', 'B', 'a', 'é', '\uffff', '😀']);
    expect([...xs].sort()).not.toEqual([...xs].sort(compareCodePoints)); // what plain sort would get wrong
  });

  it('orders binary by unsigned bytes, shorter prefix first', () => {
    const xs = [[255], [1, 0], [1], [128], [0, 255]].map((b) => new Uint8Array(b));
    expect(xs.sort(compareBytes).map((b) => [...b])).toEqual([[0, 255], [1], [1, 0], [128], [255]]);
  });

  it('orders key values of different types B < N < S, and a missing sort key first', () => {
    const vals: AttributeValue[] = [{ S: '1' }, { N: '1' }, { B: new Uint8Array([1]) }];
    expect([...vals].sort(compareKeyValues).map((v) => Object.keys(v)[0])).toEqual(['B', 'N', 'S']);
    expect(compareKeyValues(undefined, { S: '' })).toBe(-1);
  });

  it('orders scanned items by partition key, then sort key', () => {
    const items = [
      { hash: { S: 'b' }, range: { N: '2' }, line: '3' },
      { hash: { S: 'a' }, range: { N: '10' }, line: '2' },
      { hash: { S: 'a' }, range: { N: '9' }, line: '1' },
    ];
    expect(items.sort(compareScanned).map((i) => i.line)).toEqual(['1', '2', '3']);
  });
});

describe('lossless DynamoDB JSON', () => {
  it('keeps numbers as strings, binary as base64, and sorts the members of sets', () => {
    expect(toDynamoJson({ N: '12345678901234567890.123456789' })).toEqual({ N: '12345678901234567890.123456789' });
    expect(toDynamoJson({ B: new Uint8Array([0, 255, 1]) })).toEqual({ B: 'AP8B' });
    expect(toDynamoJson({ NS: ['10', '9', '1E+0', '-3'] })).toEqual({ NS: ['-3', '1E+0', '9', '10'] });
    expect(toDynamoJson({ SS: ['😀', '\uffff', 'a'] })).toEqual({ SS: ['a', '\uffff', '😀'] });
    expect(toDynamoJson({ BS: [new Uint8Array([2]), new Uint8Array([1, 2])] })).toEqual({ BS: ['AQI=', 'Ag=='] });
    expect(toDynamoJson({ L: [{ N: '2' }, { N: '1' }] })).toEqual({ L: [{ N: '2' }, { N: '1' }] }); // lists keep order
    expect(toDynamoJson({ NULL: true })).toEqual({ NULL: true });
    expect(toDynamoJson({ BOOL: false })).toEqual({ BOOL: false });
  });

  it('sorts sets inside maps and lists too', () => {
    expect(toDynamoJson({ M: { x: { L: [{ SS: ['b', 'a'] }] } } })).toEqual({ M: { x: { L: [{ SS: ['a', 'b'] }] } } });
  });

  it('writes one compact line with sorted keys, the same for the same item in any order', () => {
    const a = itemLine({ pk: { S: 'k' }, z: { N: '1' }, a: { M: { y: { S: 'y' }, b: { S: 'b' } } } });
    const b = itemLine({ a: { M: { b: { S: 'b' }, y: { S: 'y' } } }, z: { N: '1' }, pk: { S: 'k' } });
    expect(a).toBe(b);
    expect(a).toBe('{"a":{"M":{"b":{"S":"b"},"y":{"S":"y"}}},"pk":{"S":"k"},"z":{"N":"1"}}');
    expect(a).not.toContain('\n');
  });

  it('keeps an attribute named __proto__ and escapes line breaks inside strings', () => {
    const item = Object.create(null) as Record<string, AttributeValue>;
    item['__proto__'] = { S: 'line one\nline two' };
    item.pk = { S: 'k' };
    expect(itemLine(item)).toBe('{"__proto__":{"S":"line one\\nline two"},"pk":{"S":"k"}}');
    expect(compactJson({ a: [1, 'x', null, true] })).toBe('{"a":[1,"x",null,true]}');
  });

  it('refuses a type it cannot write losslessly', () => {
    expect(() => toDynamoJson({ $unknown: ['VECTOR', [1, 2]] } as unknown as AttributeValue)).toThrow(/VECTOR/);
  });
});

describe('dynamodb config', () => {
  it('has safe defaults and rejects unknown fields', () => {
    expect(dynamodbConfigSchema.parse({})).toEqual({ enabled: true, concurrency: 8, items: true, scanSegments: 4, consistentRead: true, itemsInTreeMaxBytes: 1024 * 1024 });
    expect(dynamodbConfigSchema.safeParse({ scanSegment: 2 }).success).toBe(false);
    expect(dynamodbConfigSchema.parse({ regions: ['eu-west-1'] }).regions).toEqual(['eu-west-1']);
  });
});
