// A version as the plain files it stands for, one entry at a time, for `snap export` and
// `snap checkout`: folders and files in git's tree order (the same order every time), modes
// from the tree (0755 folders and executables, 0644 the rest), and for each file its exact
// size and bytes. A pointer is replaced by the payload it names, streamed from the content
// store and checked as it streams (sha256 and size); it is opened only when its turn comes,
// so memory holds one git blob or one stream chunk, never a payload.
//
// Every path is checked before it is handed out: a tampered tree (a '..' or '.git' segment,
// a symlink or submodule entry) stops the walk with UNSAFE_PATH instead of producing a path
// that could write outside the destination when extracted.
import { Readable, Transform } from 'node:stream';
import { assertSafeTreePath } from '../archive/paths.js';
import { openPayload } from '../archive/listing.js';
import { IntegrityError, SnapError, isSnapError } from '../errors.js';
import { MODE_EXEC, MODE_FILE, MODE_TREE } from '../git/objects.js';
import type { GitRepo } from '../git/repo.js';
import { parsePointer, POINTER_MAX_BYTES, type Pointer } from '../store/pointer.js';
import type { ContentStore } from '../store/types.js';

export type VersionEntry =
  | { kind: 'directory'; path: string; mode: 0o755 }
  | {
      kind: 'file';
      path: string;
      mode: 0o644 | 0o755;
      size: number;
      /** the payload a pointer names, or null for content kept in git */
      pointer: Pointer | null;
      /** the exact bytes; a payload is checked as it streams and fails naming `path` */
      open(): Promise<Readable>;
    };

/** Every folder (before its content) and file of a tree, depth first in git's tree order. */
export async function* versionEntries(repo: GitRepo, store: ContentStore, treeOid: string, prefix = ''): AsyncGenerator<VersionEntry> {
  for (const e of await repo.readTree(treeOid)) {
    const path = prefix ? `${prefix}/${e.name}` : e.name;
    assertSafeTreePath(path);
    if (e.name.toLowerCase() === '.git') throw unsafe(path, 'a .git folder');
    if (e.mode === MODE_TREE) {
      yield { kind: 'directory', path, mode: 0o755 };
      yield* versionEntries(repo, store, e.oid, path);
      continue;
    }
    if (e.mode !== MODE_FILE && e.mode !== MODE_EXEC) throw unsafe(path, e.mode === '120000' ? 'a symlink' : `an entry of mode ${e.mode}`);
    const content = await repo.readBlob(e.oid);
    const pointer = content.length <= POINTER_MAX_BYTES ? parsePointer(content) : null;
    const mode = e.mode === MODE_EXEC ? 0o755 : 0o644;
    if (!pointer) {
      yield { kind: 'file', path, mode, size: content.length, pointer: null, open: async () => Readable.from([Buffer.from(content.buffer, content.byteOffset, content.byteLength)]) };
    } else {
      yield { kind: 'file', path, mode, size: pointer.size, pointer, open: () => openStoredPayload(store, pointer, path) };
    }
  }
}

function unsafe(path: string, what: string): SnapError {
  return new SnapError('UNSAFE_PATH', `refusing ${what} in the version's tree: ${JSON.stringify(path.slice(0, 200))}`, { path });
}

/**
 * A payload's bytes for `path`: a missing payload is named by its path, and more bytes than
 * the pointer's size fail at once (a tar entry must never receive more than its header says).
 */
async function openStoredPayload(store: ContentStore, pointer: Pointer, path: string): Promise<Readable> {
  let stream: Readable;
  try {
    stream = await openPayload(store, pointer, path);
  } catch (err) {
    if (isSnapError(err) && err.code === 'STORE_MISSING_OBJECT') {
      throw new SnapError('STORE_MISSING_OBJECT', `the payload of ${path} (sha256:${pointer.oid}, ${pointer.size} bytes) is not in the content store`, { path, oid: pointer.oid }, { cause: err });
    }
    throw err;
  }
  let seen = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > pointer.size) done(new IntegrityError(`stored content of ${path} is corrupt: longer than the ${pointer.size} bytes its pointer names`, { path, expected: pointer.oid }));
      else done(null, chunk);
    },
  });
  stream.on('error', (err) => limit.destroy(err));
  return stream.pipe(limit);
}
