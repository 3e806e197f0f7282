// Reads and writes git's index (.git/index, version 2) so that after snap updates the working
// tree, stock `git status` in the archive is clean without re-hashing every file. Entries for
// files snap did not touch are carried over from the previous index with their stat data, so
// a file a person edited by hand still shows as modified.
// Format: https://git-scm.com/docs/index-format
import { createHash } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import { readFile } from 'node:fs/promises';

export interface IndexEntry {
  path: string;
  oid: string;
  mode: number;
  ctimeSec: number;
  ctimeNsec: number;
  mtimeSec: number;
  mtimeNsec: number;
  dev: number;
  ino: number;
  uid: number;
  gid: number;
  size: number;
}

const u32 = (v: bigint | number) => Number(BigInt.asUintN(32, BigInt(v)));

export function entryFromStat(path: string, oid: string, mode: number, st: BigIntStats): IndexEntry {
  return {
    path,
    oid,
    mode,
    ctimeSec: u32(st.ctimeNs / 1_000_000_000n),
    ctimeNsec: u32(st.ctimeNs % 1_000_000_000n),
    mtimeSec: u32(st.mtimeNs / 1_000_000_000n),
    mtimeNsec: u32(st.mtimeNs % 1_000_000_000n),
    dev: u32(st.dev),
    ino: u32(st.ino),
    uid: u32(st.uid),
    gid: u32(st.gid),
    size: u32(st.size),
  };
}

/** Parses a version 2 or 3 index; returns null for anything else (the caller rebuilds). */
export async function readIndex(path: string): Promise<Map<string, IndexEntry> | null> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch {
    return null;
  }
  if (buf.length < 32 || buf.toString('latin1', 0, 4) !== 'DIRC') return null;
  const version = buf.readUInt32BE(4);
  if (version !== 2 && version !== 3) return null;
  const count = buf.readUInt32BE(8);
  const out = new Map<string, IndexEntry>();
  let p = 12;
  try {
    for (let i = 0; i < count; i++) {
      const start = p;
      const flags = buf.readUInt16BE(p + 60);
      const extended = (flags & 0x4000) !== 0;
      const stage = (flags >> 12) & 0x3;
      const nameStart = p + 62 + (extended ? 2 : 0);
      const nul = buf.indexOf(0, nameStart);
      if (nul < 0) return null;
      const entry: IndexEntry = {
        ctimeSec: buf.readUInt32BE(p),
        ctimeNsec: buf.readUInt32BE(p + 4),
        mtimeSec: buf.readUInt32BE(p + 8),
        mtimeNsec: buf.readUInt32BE(p + 12),
        dev: buf.readUInt32BE(p + 16),
        ino: buf.readUInt32BE(p + 20),
        mode: buf.readUInt32BE(p + 24),
        uid: buf.readUInt32BE(p + 28),
        gid: buf.readUInt32BE(p + 32),
        size: buf.readUInt32BE(p + 36),
        oid: buf.toString('hex', p + 40, p + 60),
        path: buf.toString('utf8', nameStart, nul),
      };
      const len = nul - start;
      p = start + Math.ceil((len + 1) / 8) * 8;
      if (stage === 0) out.set(entry.path, entry);
    }
  } catch {
    return null;
  }
  return out;
}

/** The index file's bytes for `entries` (sorted by path, as git wants them). */
export function encodeIndex(entries: IndexEntry[]): Buffer {
  const sorted = [...entries].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  const parts: Buffer[] = [];
  const header = Buffer.alloc(12);
  header.write('DIRC', 0, 'latin1');
  header.writeUInt32BE(2, 4);
  header.writeUInt32BE(sorted.length, 8);
  parts.push(header);
  for (const e of sorted) {
    const name = Buffer.from(e.path, 'utf8');
    const len = 62 + name.length;
    const padded = Math.ceil((len + 1) / 8) * 8;
    const buf = Buffer.alloc(padded);
    const fields = [e.ctimeSec, e.ctimeNsec, e.mtimeSec, e.mtimeNsec, e.dev, e.ino, e.mode, e.uid, e.gid, e.size];
    fields.forEach((v, i) => buf.writeUInt32BE(u32(v), i * 4));
    buf.write(e.oid, 40, 'hex');
    buf.writeUInt16BE(Math.min(name.length, 0xfff), 60);
    name.copy(buf, 62);
    parts.push(buf);
  }
  const body = Buffer.concat(parts);
  const sum = createHash('sha1').update(body).digest();
  return Buffer.concat([body, sum]);
}

