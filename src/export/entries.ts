// A version as the plain files it stands for, one entry at a time, for `snap export` and
// `snap checkout`, in a fixed order:
//
//   1. the tree: folders and files in git's tree order, modes from the tree (0755 folders and
//      executables, 0644 the rest); a pointer file is replaced by the payload it names;
//   2. the payloads collectors list inside their files (every current S3 object, at
//      s3_buckets/<bucket>/content/<key>: see Collector.payloads and src/archive/payloads.ts),
//      with the folders they need;
//   3. PAYLOADS.jsonl at the root: one line per payload of step 2, {"address", "path",
//      "sha256", "size"}, so each file can be matched to its exact S3 key without snap.
//
// Each payload is streamed from the content store and checked as it streams (sha256 and
// size); it is opened only when its turn comes, so memory holds one git blob or one stream
// chunk, never a payload. The index is written from a second pass over the listings, never
// held whole.
//
// Every path is checked before it is handed out: a tampered tree (a '..' or '.git' segment,
// a symlink or submodule entry) stops the walk with UNSAFE_PATH instead of producing a path
// that could write outside the destination when extracted.
import { Readable, Transform } from 'node:stream';
import { assertSafeTreePath } from '../archive/paths.js';
import { openPayload } from '../archive/listing.js';
import { listedPayloads, pointerIn, type ListedPayload } from '../archive/payloads.js';
import { IntegrityError, SnapError, isSnapError } from '../errors.js';
import { MODE_EXEC, MODE_FILE, MODE_TREE } from '../git/objects.js';
import type { GitRepo } from '../git/repo.js';
import type { Pointer } from '../store/pointer.js';
import type { ContentStore } from '../store/types.js';

/** The index of the payloads written from collectors' listings, at the root of every export. */
const PAYLOAD_INDEX = 'PAYLOADS.jsonl';

export type VersionEntry =
  | { kind: 'directory'; path: string; mode: 0o755 }
  | {
      kind: 'file';
      path: string;
      mode: 0o644 | 0o755;
      size: number;
      /** git: content kept in git; pointer: a pointer file's payload; listed: a payload a collector lists; index: PAYLOADS.jsonl */
      source: 'git' | 'pointer' | 'listed' | 'index';
      /** the payload, for source pointer and listed */
      pointer: Pointer | null;
      /** the exact bytes; a payload is checked as it streams and fails naming `path` */
      open(): Promise<Readable>;
    };

export function isPayload(e: VersionEntry): boolean {
  return e.kind === 'file' && (e.source === 'pointer' || e.source === 'listed');
}

/** Every entry of a version: its tree, the payloads collectors list, and their index. */
export async function* versionEntries(repo: GitRepo, store: ContentStore, treeOid: string): AsyncGenerator<VersionEntry> {
  const folders = new Set<string>();
  yield* treeEntries(repo, store, treeOid, '', folders);
  let indexBytes = 0;
  for await (const p of listedPayloads(repo, treeOid)) {
    if (p.path === null) continue;
    checkPath(p.path);
    const parts = p.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const folder = parts.slice(0, i).join('/');
      if (folders.has(folder)) continue;
      folders.add(folder);
      yield { kind: 'directory', path: folder, mode: 0o755 };
    }
    const { pointer, path } = p;
    yield { kind: 'file', path, mode: 0o644, size: pointer.size, source: 'listed', pointer, open: () => openStoredPayload(store, pointer, path, p.label) };
    indexBytes += Buffer.byteLength(indexLine(p));
  }
  yield { kind: 'file', path: PAYLOAD_INDEX, mode: 0o644, size: indexBytes, source: 'index', pointer: null, open: async () => sized(Readable.from(indexLines(repo, treeOid)), indexBytes, PAYLOAD_INDEX) };
}

async function* treeEntries(repo: GitRepo, store: ContentStore, treeOid: string, prefix: string, folders: Set<string>): AsyncGenerator<VersionEntry> {
  for (const e of await repo.readTree(treeOid)) {
    const path = prefix ? `${prefix}/${e.name}` : e.name;
    checkPath(path);
    if (e.mode === MODE_TREE) {
      folders.add(path);
      yield { kind: 'directory', path, mode: 0o755 };
      yield* treeEntries(repo, store, e.oid, path, folders);
      continue;
    }
    if (e.mode !== MODE_FILE && e.mode !== MODE_EXEC) throw unsafe(path, e.mode === '120000' ? 'a symlink' : `an entry of mode ${e.mode}`);
    const content = await repo.readBlob(e.oid);
    const pointer = pointerIn(content);
    const mode = e.mode === MODE_EXEC ? 0o755 : 0o644;
    if (!pointer) {
      yield { kind: 'file', path, mode, size: content.length, source: 'git', pointer: null, open: async () => Readable.from([Buffer.from(content.buffer, content.byteOffset, content.byteLength)]) };
    } else {
      yield { kind: 'file', path, mode, size: pointer.size, source: 'pointer', pointer, open: () => openStoredPayload(store, pointer, path, path) };
    }
  }
}

function checkPath(path: string): void {
  assertSafeTreePath(path);
  if (path.split('/').some((s) => s.toLowerCase() === '.git')) throw unsafe(path, 'a .git folder');
}

function indexLine(p: ListedPayload): string {
  return `${JSON.stringify({ address: p.address ?? p.label, path: p.path, sha256: p.pointer.oid, size: p.pointer.size })}\n`;
}

async function* indexLines(repo: GitRepo, treeOid: string): AsyncGenerator<Buffer> {
  let batch = '';
  for await (const p of listedPayloads(repo, treeOid)) {
    if (p.path === null) continue;
    batch += indexLine(p);
    if (batch.length >= 64 * 1024) {
      yield Buffer.from(batch);
      batch = '';
    }
  }
  if (batch) yield Buffer.from(batch);
}

function unsafe(path: string, what: string): SnapError {
  return new SnapError('UNSAFE_PATH', `refusing ${what} in the version's tree: ${JSON.stringify(path.slice(0, 200))}`, { path });
}

/**
 * A payload's bytes for `path`: a missing payload is named by its path (and its address when
 * it has one); openPayload() fails at once on more bytes than the pointer's size (a tar entry
 * must never receive more than its header says), and on other bytes before the last chunk.
 */
async function openStoredPayload(store: ContentStore, pointer: Pointer, path: string, label: string): Promise<Readable> {
  const what = label === path ? path : `${label} (${path})`;
  try {
    return await openPayload(store, pointer, what);
  } catch (err) {
    if (isSnapError(err) && err.code === 'STORE_MISSING_OBJECT') {
      throw new SnapError('STORE_MISSING_OBJECT', `the payload of ${what} (sha256:${pointer.oid}, ${pointer.size} bytes) is not in the content store`, { path, oid: pointer.oid }, { cause: err });
    }
    throw err;
  }
}

/** Fails the moment a stream gives more bytes than `size`, and when it ends with fewer. */
function sized(stream: Readable, size: number, what: string): Readable {
  let seen = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > size) done(new IntegrityError(`stored content of ${what} is corrupt: longer than the ${size} bytes its pointer names`, { path: what }));
      else done(null, chunk);
    },
    flush(done) {
      if (seen < size) done(new IntegrityError(`stored content of ${what} is corrupt: ${seen} bytes, its pointer names ${size}`, { path: what }));
      else done();
    },
  });
  stream.on('error', (err) => limit.destroy(err));
  return stream.pipe(limit);
}
