// What a version holds as plain files (every path, its exact bytes as `snap cat` gives them,
// and its mode), and what a folder on disk holds, in the same shape: so a test can show that
// an extracted tarball or a checkout is exactly the version.
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { Archive } from '../../src/archive/archive.js';
import { openEntry } from '../../src/archive/listing.js';
import { resolveVersion } from '../../src/archive/versions.js';
import { walkFiles } from '../../src/git/tree-walk.js';

export interface PlainFile {
  bytes: Buffer;
  /** 0o644 or 0o755 */
  mode: number;
}

async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Every file of a version with the bytes `snap cat` prints (payloads resolved) and its tree mode. */
export async function versionFiles(archive: Archive, version: string): Promise<Map<string, PlainFile>> {
  const v = await resolveVersion(archive.repo, version);
  const store = archive.openStore(await archive.loadConfig());
  const out = new Map<string, PlainFile>();
  for await (const f of walkFiles(archive.repo, v.treeOid)) {
    out.set(f.path, { bytes: await readAll(await openEntry(archive.repo, store, v.treeOid, f.path)), mode: f.mode === '100755' ? 0o755 : 0o644 });
  }
  return out;
}

/** Every file under a folder (no symlinks expected), with its permission bits. */
export function folderFiles(root: string): Map<string, PlainFile> {
  const out = new Map<string, PlainFile>();
  const walk = (rel: string) => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const path = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(root, path));
      if (st.isSymbolicLink()) throw new Error(`unexpected symlink ${path}`);
      if (st.isDirectory()) walk(path);
      else out.set(path, { bytes: readFileSync(join(root, path)), mode: st.mode & 0o777 });
    }
  };
  walk('');
  return out;
}

/** The same paths, modes and bytes on both sides (paths, sizes and modes compared as one list for a readable failure). */
export function expectSameFiles(actual: Map<string, PlainFile>, expected: Map<string, PlainFile>): void {
  const summary = (m: Map<string, PlainFile>) => [...m.entries()].map(([p, f]) => [p, f.bytes.length, f.mode.toString(8)]).sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1));
  expect(summary(actual)).toEqual(summary(expected));
  for (const [path, f] of expected) expect(actual.get(path)!.bytes.equals(f.bytes), `${path}: content differs`).toBe(true);
}
