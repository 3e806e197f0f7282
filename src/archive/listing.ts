// Listing and reading a version's entries for `snap ls` and `snap cat`: tree paths with their
// size and sha256, where a pointer is listed as the payload it stands for (resolved through
// the content store when read), and the payloads collectors list inside their files (S3
// objects, see src/archive/payloads.ts) with their addresses.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { IntegrityError, SnapError } from '../errors.js';
import { MODE_TREE } from '../git/objects.js';
import type { GitRepo } from '../git/repo.js';
import { walkFiles } from '../git/tree-walk.js';
import { checkedBytes, type Mismatch } from '../store/checked-bytes.js';
import { parsePointer, POINTER_MAX_BYTES, type Pointer } from '../store/pointer.js';
import { listedPayloads, pointerIn } from './payloads.js';
import type { ContentStore } from '../store/types.js';

export interface ListedEntry {
  /**
   * the tree path; for a payload a collector lists (an S3 object), where `snap export` and
   * `snap checkout` write it, or null when they do not (an older object version)
   */
  path: string | null;
  /** "file" for content in git, "stored" for a payload in the content store */
  kind: 'file' | 'stored';
  size: number;
  sha256: string;
  executable: boolean;
  /** a listed payload's address ("s3://bucket/key"), as `snap cat` takes it */
  address?: string;
  /** a listed payload that is an older version of its object: that version's id */
  versionId?: string;
}

/**
 * Every entry archived in a version under `path` (default: all): the tree's files (a pointer
 * listed as the payload it stands for), then the payloads collectors list (S3 objects).
 * `path` is a tree path (a folder, a file, or a folder of listed payloads such as
 * s3_buckets/<bucket>/content/img), or an address prefix such as s3://bucket/ or s3://bucket/img/.
 */
export async function* listEntries(repo: GitRepo, treeOid: string, path = ''): AsyncGenerator<ListedEntry> {
  const address = /^[a-z][a-z0-9+.-]*:\/\//i.test(path) ? (/^[a-z][a-z0-9+.-]*:\/\/[^/]*$/i.test(path) ? `${path}/` : path) : null;
  const clean = address ? '' : path.replace(/^\/+|\/+$/g, '');
  let found = false;
  if (!address) {
    const entry = clean ? await repo.entryAt(treeOid, clean) : { mode: MODE_TREE, oid: treeOid };
    if (entry) {
      found = true;
      const files = entry.mode === MODE_TREE ? walkFiles(repo, entry.oid, clean) : (async function* () { yield { path: clean, mode: entry.mode, oid: entry.oid }; })();
      for await (const f of files) {
        const content = await repo.readBlob(f.oid);
        const pointer = pointerIn(content);
        if (pointer) yield { path: f.path, kind: 'stored', size: pointer.size, sha256: pointer.oid, executable: false };
        else yield { path: f.path, kind: 'file', size: content.length, sha256: createHash('sha256').update(content).digest('hex'), executable: f.mode === '100755' };
      }
    }
  }
  const under = (p: string | null, prefix: string) => p !== null && (prefix === '' || p === prefix || p.startsWith(`${prefix}/`));
  const roots = clean ? new Set([clean.split('/')[0]!]) : undefined;
  for await (const p of listedPayloads(repo, treeOid, roots ? { roots } : {})) {
    const match = address ? (p.address ?? '').startsWith(address) : under(p.path, clean) || under(p.folder, clean);
    if (!match) continue;
    found = true;
    yield { path: p.path, kind: 'stored', size: p.pointer.size, sha256: p.pointer.oid, executable: false, ...(p.address ? { address: p.address } : {}), ...(p.versionId ? { versionId: p.versionId } : {}) };
  }
  if (!found) throw new SnapError('PATH_NOT_FOUND', `no such path in this version: ${address ?? clean}`, { path: address ?? clean });
}

/** The exact bytes archived at `path`: the blob, or the payload its pointer names. */
export async function openEntry(repo: GitRepo, store: ContentStore, treeOid: string, path: string): Promise<Readable> {
  const clean = path.replace(/^\/+|\/+$/g, '');
  const entry = await repo.entryAt(treeOid, clean);
  if (!entry) {
    // A payload a collector lists inside its files has the path `snap ls` shows for it
    // (s3_buckets/<bucket>/content/<key>), though no tree entry holds it.
    const root = clean.split('/')[0]!;
    for await (const p of listedPayloads(repo, treeOid, { roots: new Set([root]) })) if (p.path === clean) return openPayload(store, p.pointer, p.label);
    throw new SnapError('PATH_NOT_FOUND', `no such path in this version: ${clean}`, { path: clean });
  }
  if (entry.mode === MODE_TREE) throw new SnapError('PATH_NOT_FOUND', `${clean || '/'} is a folder; list it with \`snap ls\``, { path: clean });
  const content = await repo.readBlob(entry.oid);
  const pointer = content.length <= POINTER_MAX_BYTES ? parsePointer(content) : null;
  if (!pointer) return Readable.from([Buffer.from(content)]);
  return openPayload(store, pointer, clean);
}

/**
 * A stored payload's bytes, checked against its sha256 and size as they stream; the last chunk
 * is held back until both are known (checkedBytes), so a corrupt payload never comes out whole.
 */
export async function openPayload(store: ContentStore, pointer: Pointer, label: string): Promise<Readable> {
  const source = await store.open(pointer.oid);
  const expected = { sha256: pointer.oid, size: pointer.size };
  const refuse = (m: Mismatch) => new IntegrityError(`stored content of ${label} is corrupt: ${m.actual === null ? `longer than the ${pointer.size} bytes its pointer names` : `expected sha256:${pointer.oid} (${pointer.size} bytes), read sha256:${m.actual} (${m.size} bytes)`}`, { path: label, expected: pointer.oid, actual: m.actual });
  return Readable.from(checkedBytes(source, expected, refuse), { objectMode: false });
}
