// Answers "does the repository already hold this object?" from pack .idx files, without
// loading whole packs: idx buffers are kept as they are and searched by fanout + binary search
// (about 28 bytes per object in memory), so a 1,000,000-object archive costs ~28 MB, not a
// Set of a million strings.
import { readFileSync } from 'node:fs';

export class PackIndex {
  private readonly count: number;
  private readonly shaOffset = 8 + 256 * 4;

  private constructor(private readonly buf: Buffer) {
    this.count = buf.readUInt32BE(8 + 255 * 4);
  }

  static load(path: string): PackIndex | null {
    const buf = readFileSync(path);
    if (buf.length < 8 + 1024 + 40 || buf.readUInt32BE(0) !== 0xff744f63 || buf.readUInt32BE(4) !== 2) return null;
    return new PackIndex(buf);
  }

  get size(): number {
    return this.count;
  }

  /** Where the object starts in the pack, or null when this pack does not hold it. */
  offsetOf(oid: Buffer): number | null {
    const i = this.position(oid);
    return i < 0 ? null : this.offsetAt(i);
  }

  private offsetAt(i: number): number {
    const table = this.shaOffset + this.count * 24; // after the ids and the CRCs
    const small = this.buf.readUInt32BE(table + i * 4);
    if (!(small & 0x80000000)) return small;
    const large = table + this.count * 4 + (small & 0x7fffffff) * 8;
    return Number(this.buf.readBigUInt64BE(large));
  }

  *offsets(): Iterable<number> {
    for (let i = 0; i < this.count; i++) yield this.offsetAt(i);
  }

  has(oid: Buffer): boolean {
    return this.position(oid) >= 0;
  }

  private position(oid: Buffer): number {
    const first = oid[0]!;
    let lo = first === 0 ? 0 : this.buf.readUInt32BE(8 + (first - 1) * 4);
    let hi = this.buf.readUInt32BE(8 + first * 4) - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const at = this.shaOffset + mid * 20;
      const cmp = this.buf.compare(oid, 0, 20, at, at + 20);
      if (cmp === 0) return mid;
      if (cmp > 0) hi = mid - 1;
      else lo = mid + 1;
    }
    return -1;
  }

  *oids(): Iterable<string> {
    for (let i = 0; i < this.count; i++) {
      const at = this.shaOffset + i * 20;
      yield this.buf.toString('hex', at, at + 20);
    }
  }
}
