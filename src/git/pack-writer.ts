// Streams new git objects into one packfile (+ its v2 index) per snapshot, instead of one
// loose file per object: a commit of 10,000 files is a single sequential file write, and
// loose objects never pile up. Objects are appended as they are produced (memory holds only
// an id/offset/crc per object); finish() writes the header count and checksum, then the .idx,
// and renames both into objects/pack so the pack becomes visible only once complete.
// Until then the writer can read its own objects back (read()), so a snapshot can look at
// what its collectors wrote before the pack is sealed (the runbook is written from it).
// A finish() that fails, and abort(), remove the temporary pack and index; a process killed
// mid-write leaves tmp_pack_snap_* (git's tmp_pack_ prefix), swept by the next writer.
// Pack format: https://git-scm.com/docs/pack-format (version 2, no deltas).
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, createReadStream, fsyncSync, openSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync, inflateSync } from 'node:zlib';
import { crashPoint } from '../util/crash-points.js';
import { hashObject, type ObjectType } from './objects.js';

/** The name prefix of the temporary files a pack is written as (and of their index). */
export const PACK_TMP_PREFIX = 'tmp_pack_snap_';

const TYPE_CODE: Record<ObjectType, number> = { commit: 1, tree: 2, blob: 3, tag: 4 };
const TYPE_OF_CODE: Record<number, ObjectType> = { 1: 'commit', 2: 'tree', 3: 'blob', 4: 'tag' };
const FLUSH_AT = 1 << 20;

interface PackedEntry {
  oid: Buffer;
  offset: number;
  crc: number;
}

function objectHeader(type: ObjectType, size: number): Buffer {
  const bytes: number[] = [];
  let byte = (TYPE_CODE[type] << 4) | (size & 0x0f);
  let rest = Math.floor(size / 16);
  while (rest > 0) {
    bytes.push(byte | 0x80);
    byte = rest & 0x7f;
    rest = Math.floor(rest / 128);
  }
  bytes.push(byte);
  return Buffer.from(bytes);
}

export interface FinishedPack {
  packPath: string;
  indexPath: string;
  count: number;
  checksum: string;
}

export class PackWriter {
  private readonly tmpPath: string;
  private fd: number;
  private offset = 12;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly entries: PackedEntry[] = [];
  /** object id → its position in entries */
  private readonly written = new Map<string, number>();
  private state: 'open' | 'finishing' | 'done' | 'aborted' = 'open';

  constructor(private readonly packDir: string, private readonly options: { fsync?: boolean; compressionLevel?: number } = {}) {
    this.tmpPath = join(packDir, `${PACK_TMP_PREFIX}${process.pid}_${randomBytes(6).toString('hex')}`);
    this.fd = openSync(this.tmpPath, 'wx+', 0o444); // read too: see read()
    writeSync(this.fd, Buffer.alloc(12)); // header placeholder; the count is known at finish()
  }

  get count(): number {
    return this.entries.length;
  }

  contains(oid: string): boolean {
    return this.written.has(oid);
  }

  /** Appends an object unless this pack already holds it; returns its id. */
  add(type: ObjectType, content: Uint8Array, knownOid?: string): string {
    if (this.state !== 'open') throw new Error('pack writer already finished');
    const oid = knownOid ?? hashObject(type, content);
    if (this.written.has(oid)) return oid;
    const header = objectHeader(type, content.length);
    const body = deflateSync(content, { level: this.options.compressionLevel ?? 1 });
    const crc = crc32(body, crc32(header));
    this.written.set(oid, this.entries.length);
    this.entries.push({ oid: Buffer.from(oid, 'hex'), offset: this.offset, crc });
    this.push(header);
    this.push(body);
    return oid;
  }

  /** An object this pack holds, read back from the file being written; null when it holds none. */
  read(oid: string): { type: ObjectType; content: Uint8Array } | null {
    const i = this.written.get(oid);
    if (i === undefined || this.state !== 'open') return null;
    const start = this.entries[i]!.offset;
    const end = i + 1 < this.entries.length ? this.entries[i + 1]!.offset : this.offset;
    this.flush();
    const raw = Buffer.alloc(end - start);
    for (let got = 0; got < raw.length; ) {
      const n = readSync(this.fd, raw, got, raw.length - got, start + got);
      if (n === 0) throw new Error(`pack being written ends before object ${oid}`);
      got += n;
    }
    const type = TYPE_OF_CODE[(raw[0]! >> 4) & 7];
    let h = 0;
    while (raw[h]! & 0x80) h++;
    if (!type) throw new Error(`object ${oid} in the pack being written has an unknown type`);
    return { type, content: inflateSync(raw.subarray(h + 1)) };
  }

  private push(buf: Buffer): void {
    this.pending.push(buf);
    this.pendingBytes += buf.length;
    this.offset += buf.length;
    if (this.pendingBytes >= FLUSH_AT) this.flush();
  }

  private flush(): void {
    if (this.pendingBytes === 0) return;
    const buf = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off);
  }

  /** Completes the pack. Returns null (and leaves nothing behind) when no object was added. */
  async finish(): Promise<FinishedPack | null> {
    if (this.state !== 'open') throw new Error('pack writer already finished');
    this.state = 'finishing';
    try {
      const result = await this.seal();
      this.state = 'done';
      return result;
    } catch (err) {
      this.removeTemporaries();
      this.state = 'aborted';
      throw err;
    }
  }

  private async seal(): Promise<FinishedPack | null> {
    if (this.entries.length === 0) {
      this.removeTemporaries();
      return null;
    }
    this.flush();
    const header = Buffer.alloc(12);
    header.write('PACK', 0, 'latin1');
    header.writeUInt32BE(2, 4);
    header.writeUInt32BE(this.entries.length, 8);
    writeSync(this.fd, header, 0, 12, 0);

    const sha = createHash('sha1');
    for await (const chunk of createReadStream(this.tmpPath, { highWaterMark: 1 << 20 })) sha.update(chunk as Buffer);
    const trailer = sha.digest();
    writeSync(this.fd, trailer, 0, 20, this.offset);
    if (this.options.fsync ?? true) fsyncSync(this.fd);
    this.closeFd();

    const checksum = trailer.toString('hex');
    const index = this.buildIndex(trailer);
    const idxFd = openSync(this.tmpIndexPath, 'wx', 0o444);
    try {
      writeSync(idxFd, index);
      if (this.options.fsync ?? true) fsyncSync(idxFd);
    } finally {
      closeSync(idxFd);
    }
    crashPoint('pack-written');

    const base = join(this.packDir, `pack-${checksum}`);
    // As git does: the pack first, then its index, which is what makes it visible.
    renameSync(this.tmpPath, `${base}.pack`);
    crashPoint('pack-renamed');
    renameSync(this.tmpIndexPath, `${base}.idx`);
    return { packPath: `${base}.pack`, indexPath: `${base}.idx`, count: this.entries.length, checksum };
  }

  private get tmpIndexPath(): string {
    return `${this.tmpPath}.idx`;
  }

  private fdOpen = true;

  private closeFd(): void {
    if (!this.fdOpen) return;
    this.fdOpen = false;
    closeSync(this.fd);
  }

  private removeTemporaries(): void {
    try {
      this.closeFd();
    } catch {
      /* already closed */
    }
    for (const p of [this.tmpPath, this.tmpIndexPath]) {
      try {
        unlinkSync(p);
      } catch {
        /* never made, or already renamed into place */
      }
    }
  }

  /** Drops everything written; nothing is left behind. A finished pack is kept. */
  abort(): void {
    if (this.state === 'done' || this.state === 'aborted') return;
    this.state = 'aborted';
    this.removeTemporaries();
  }

  private buildIndex(packChecksum: Buffer): Buffer {
    const sorted = [...this.entries].sort((a, b) => Buffer.compare(a.oid, b.oid));
    const n = sorted.length;
    const large = sorted.filter((e) => e.offset >= 0x80000000);
    const size = 8 + 256 * 4 + n * 20 + n * 4 + n * 4 + large.length * 8 + 40;
    const buf = Buffer.alloc(size);
    let p = 0;
    buf.writeUInt32BE(0xff744f63, p); // "\377tOc"
    buf.writeUInt32BE(2, p + 4);
    p += 8;
    const fanout = new Uint32Array(256);
    for (const e of sorted) fanout[e.oid[0]!]!++;
    let running = 0;
    for (let i = 0; i < 256; i++) {
      running += fanout[i]!;
      buf.writeUInt32BE(running, p);
      p += 4;
    }
    for (const e of sorted) {
      e.oid.copy(buf, p);
      p += 20;
    }
    for (const e of sorted) {
      buf.writeUInt32BE(e.crc >>> 0, p);
      p += 4;
    }
    let li = 0;
    for (const e of sorted) {
      buf.writeUInt32BE(e.offset >= 0x80000000 ? (0x80000000 | li++) >>> 0 : e.offset, p);
      p += 4;
    }
    for (const e of large) {
      buf.writeBigUInt64BE(BigInt(e.offset), p);
      p += 8;
    }
    packChecksum.copy(buf, p);
    p += 20;
    createHash('sha1').update(buf.subarray(0, p)).digest().copy(buf, p);
    return buf;
  }
}
