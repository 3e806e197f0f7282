// Writes a table's sorted item lines as JSON Lines (one item per line, so a changed item is a
// one-line diff). Up to the configured size the file is a readable blob in the tree; above
// it the same bytes are streamed into the content store and the tree holds a pointer at the
// same path, so a table that grows past the threshold keeps its path. The export is streamed
// in chunks built from the lines: no string of the whole export is ever made.
import { Readable } from 'node:stream';
import type { TreeWriter } from '../../../archive/tree-writer.js';

export interface ItemsExport {
  File: string;
  /** "tree": a readable file; "store": a pointer to the content store */
  Storage: 'tree' | 'store';
  Count: number;
  Bytes: number;
}

const CHUNK_BYTES = 256 * 1024;

function* chunks(lines: readonly string[]): Generator<Buffer> {
  let parts: string[] = [];
  let size = 0;
  for (const line of lines) {
    parts.push(line, '\n');
    size += line.length + 1;
    if (size >= CHUNK_BYTES) {
      yield Buffer.from(parts.join(''), 'utf8');
      parts = [];
      size = 0;
    }
  }
  if (parts.length) yield Buffer.from(parts.join(''), 'utf8');
}

export async function writeItems(out: TreeWriter, path: string, lines: readonly string[], treeMaxBytes: number, signal?: AbortSignal): Promise<ItemsExport> {
  let bytes = 0;
  for (const line of lines) bytes += Buffer.byteLength(line, 'utf8') + 1;
  const file = path.split('/').pop()!;
  if (bytes <= treeMaxBytes) {
    out.text(path, Buffer.concat([...chunks(lines)]));
    return { File: file, Storage: 'tree', Count: lines.length, Bytes: bytes };
  }
  await out.blob(path, Readable.from(chunks(lines)), { expect: { size: bytes }, ...(signal ? { signal } : {}) });
  return { File: file, Storage: 'store', Count: lines.length, Bytes: bytes };
}
