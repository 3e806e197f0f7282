// An item that holds every DynamoDB type at its edges (sets in no order, binary, numbers
// past double precision, empty strings, nested maps and lists): what lossless archiving and
// restoring must carry exactly.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/** A number that a double cannot hold exactly. */
export const BIG = '12345678901234567890.123456789';

export const TYPED_ITEM: Record<string, AttributeValue> = {
  pk: { S: 'typed' },
  sk: { N: BIG },
  ns: { NS: ['3', '1.50', '-2', '100000000000000000000000000000000000001'] },
  ss: { SS: ['b', '\uffff', 'a', '😀', 'B'] },
  bs: { BS: [new Uint8Array([2]), new Uint8Array([1, 2]), new Uint8Array([1])] },
  b: { B: new Uint8Array([0, 255, 1]) },
  m: { M: { z: { NULL: true }, a: { L: [{ N: '1.0' }, { BOOL: false }, { S: '' }] } } },
  tiny: { N: '0.000000000000000000000000000000000001' },
};
