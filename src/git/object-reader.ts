// Reading git objects straight from the repository's files: loose objects and packs,
// including the delta-compressed packs stock git writes (`git gc`). Packs are read through
// their .idx (binary search by id, then one positioned read of exactly the object's bytes,
// whose length is known from the next object's offset); nothing lists folders or throws per
// read, which matters when a diff or a verify reads tens of thousands of objects.
// Formats: https://git-scm.com/docs/pack-format, https://git-scm.com/docs/gitformat-pack
import { closeSync, existsSync, fstatSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { SnapError } from '../errors.js';
import type { ObjectType } from './objects.js';
import { PackIndex } from './pack-index.js';

const TYPES: Record<number, ObjectType> = { 1: 'commit', 2: 'tree', 3: 'blob', 4: 'tag' };
const OFS_DELTA = 6;
const REF_DELTA = 7;
const BASE_CACHE_LIMIT = 256;

export interface RawObject {
  type: ObjectType;
  content: Buffer;
}

class Pack {
  private fd: number | null = null;
  private size = 0;
  private ends: Float64Array | null = null; // object offsets, sorted; the next one bounds each object

  constructor(readonly packPath: string, readonly index: PackIndex) {}

  private open(): number {
    if (this.fd === null) {
      this.fd = openSync(this.packPath, 'r');
      this.size = fstatSync(this.fd).size;
    }
    return this.fd;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  /** The end (exclusive) of the object that starts at `offset`. */
  private endOf(offset: number): number {
    if (!this.ends) {
      const offsets = new Float64Array(this.index.size);
      let i = 0;
      for (const o of this.index.offsets()) offsets[i++] = o;
      offsets.sort();
      this.ends = offsets;
    }
    const a = this.ends;
    let lo = 0;
    let hi = a.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (a[mid]! <= offset) lo = mid + 1;
      else hi = mid - 1;
    }
    return lo < a.length ? a[lo]! : this.size - 20;
  }

  readAt(offset: number, reader: RepositoryObjects): RawObject {
    const fd = this.open();
    const end = this.endOf(offset);
    const buf = Buffer.allocUnsafe(end - offset);
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, offset + got);
      if (n === 0) throw new Error('pack ends inside an object');
      got += n;
    }
    let p = 0;
    let byte = buf[p++]!;
    const type = (byte >> 4) & 7;
    let size = byte & 15;
    let shift = 4;
    while (byte & 0x80) {
      byte = buf[p++]!;
      size += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    }
    if (type === OFS_DELTA) {
      byte = buf[p++]!;
      let rel = byte & 0x7f;
      while (byte & 0x80) {
        byte = buf[p++]!;
        rel = (rel + 1) * 128 + (byte & 0x7f);
      }
      const base = reader.cachedBase(this, offset - rel);
      return { type: base.type, content: applyDelta(base.content, inflateSync(buf.subarray(p))) };
    }
    if (type === REF_DELTA) {
      const baseOid = buf.toString('hex', p, p + 20);
      const base = reader.read(baseOid);
      return { type: base.type, content: applyDelta(base.content, inflateSync(buf.subarray(p + 20))) };
    }
    const objectType = TYPES[type];
    if (!objectType) throw new Error(`unknown pack object type ${type}`);
    const content = inflateSync(buf.subarray(p));
    if (content.length !== size) throw new Error(`pack object inflates to ${content.length} bytes, its header says ${size}`);
    return { type: objectType, content };
  }
}

function readVarint(delta: Buffer, pos: { p: number }): number {
  let value = 0;
  let shift = 0;
  let byte: number;
  do {
    byte = delta[pos.p++]!;
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return value;
}

/** Applies a git delta (copy and insert instructions) to its base. */
export function applyDelta(base: Buffer, delta: Buffer): Buffer {
  const pos = { p: 0 };
  const baseSize = readVarint(delta, pos);
  if (baseSize !== base.length) throw new Error('delta base size mismatch');
  const out = Buffer.allocUnsafe(readVarint(delta, pos));
  let o = 0;
  while (pos.p < delta.length) {
    const op = delta[pos.p++]!;
    if (op & 0x80) {
      let off = 0;
      let len = 0;
      for (let i = 0; i < 4; i++) if (op & (1 << i)) off += delta[pos.p++]! * 2 ** (8 * i);
      for (let i = 0; i < 3; i++) if (op & (0x10 << i)) len += delta[pos.p++]! * 2 ** (8 * i);
      if (len === 0) len = 0x10000;
      base.copy(out, o, off, off + len);
      o += len;
    } else if (op > 0) {
      delta.copy(out, o, pos.p, pos.p + op);
      o += op;
      pos.p += op;
    } else throw new Error('invalid delta instruction 0');
  }
  if (o !== out.length) throw new Error('delta result size mismatch');
  return out;
}

export class RepositoryObjects {
  private packs: Pack[] | null = null;
  private readonly bases = new Map<string, RawObject>();

  constructor(private readonly gitdir: string) {}

  private loadPacks(): Pack[] {
    if (!this.packs) {
      const dir = join(this.gitdir, 'objects', 'pack');
      const names = existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.idx')).sort() : [];
      this.packs = [];
      for (const name of names) {
        const index = PackIndex.load(join(dir, name));
        const packPath = join(dir, name.replace(/\.idx$/, '.pack'));
        if (index && existsSync(packPath)) this.packs.push(new Pack(packPath, index));
      }
    }
    return this.packs;
  }

  /** Call after a pack was added or removed. */
  refresh(): void {
    for (const p of this.packs ?? []) p.close();
    this.packs = null;
    this.bases.clear();
  }

  has(oid: string): boolean {
    const bin = Buffer.from(oid, 'hex');
    return this.loadPacks().some((p) => p.index.has(bin));
  }

  cachedBase(pack: Pack, offset: number): RawObject {
    const key = `${pack.packPath}:${offset}`;
    let obj = this.bases.get(key);
    if (!obj) {
      obj = pack.readAt(offset, this);
      if (this.bases.size >= BASE_CACHE_LIMIT) this.bases.delete(this.bases.keys().next().value!);
      this.bases.set(key, obj);
    }
    return obj;
  }

  read(oid: string): RawObject {
    const bin = Buffer.from(oid, 'hex');
    const inPacks = () => {
      for (const pack of this.loadPacks()) {
        const offset = pack.index.offsetOf(bin);
        if (offset !== null) return pack.readAt(offset, this);
      }
      return null;
    };
    const found = inPacks();
    if (found) return found;
    if (!existsSync(join(this.gitdir, 'objects', oid.slice(0, 2), oid.slice(2)))) {
      // Another process (a commit, stock git's gc) may have added a pack since the list was read.
      this.refresh();
      const again = inPacks();
      if (again) return again;
    }
    const loose = join(this.gitdir, 'objects', oid.slice(0, 2), oid.slice(2));
    let raw: Buffer;
    try {
      raw = inflateSync(readFileSync(loose));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new SnapError('GIT_OBJECT', `git object ${oid} is not in the repository`, { oid });
      throw err;
    }
    const nul = raw.indexOf(0);
    const [type, size] = raw.toString('latin1', 0, nul).split(' ');
    const content = raw.subarray(nul + 1);
    if (!type || !['blob', 'tree', 'commit', 'tag'].includes(type) || Number(size) !== content.length) throw new Error(`malformed loose object ${oid}`);
    return { type: type as ObjectType, content };
  }
}
