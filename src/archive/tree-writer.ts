// TreeWriter: the one way anything enters a version's tree. Collectors hand it values and
// streams; it normalizes JSON to stable bytes, writes small content as git blobs, streams
// large or binary payloads into the content store and writes a pointer in their place, and
// finally builds the git trees bottom-up. It never touches the disk outside the object
// transaction and the store, so a collector that fails leaves nothing behind in the tree.
//
//   json(path, value, rules?) → normalize → stable JSON → git blob
//   text(path, content)       → git blob
//   blob(path, stream)        → sha256 while streaming → store → pointer blob
import { SnapError } from '../errors.js';
import { encodeTree, MODE_EXEC, MODE_FILE, MODE_TREE, type BlobMode, type TreeEntry } from '../git/objects.js';
import type { ObjectSink } from '../git/repo.js';
import type { Fingerprinter } from '../normalize/fingerprint.js';
import { normalize, type NormalizationRules } from '../normalize/rules.js';
import { stableJson } from '../normalize/stable-json.js';
import { formatPointer, type Pointer } from '../store/pointer.js';
import type { ContentStore, PutOptions, PutSource } from '../store/types.js';
import { assertSafeTreePath } from './paths.js';

type Node =
  | { kind: 'dir'; entries: Map<string, Node> }
  | { kind: 'file'; oid: string; mode: BlobMode; bytes: number; pointer: Pointer | null }
  | { kind: 'tree'; oid: string; stats: WriterStats };

export interface WriterStats {
  files: number;
  /** bytes of file content written into git (text, JSON, pointers) */
  treeBytes: number;
  /** payloads referenced through pointer files, and their total size */
  pointers: number;
  pointerBytes: number;
  /**
   * payloads listed inside the folder's files (S3 objects in manifest shards, see
   * src/archive/payloads.ts), and their total size; absent in manifests of older versions
   */
  listed?: number;
  listedBytes?: number;
}

export const EMPTY_STATS: Readonly<Required<WriterStats>> = Object.freeze({ files: 0, treeBytes: 0, pointers: 0, pointerBytes: 0, listed: 0, listedBytes: 0 });

/** Every payload a folder needs: its pointer files and the payloads its files list. */
export function payloadTotals(stats: WriterStats): { payloads: number; bytes: number } {
  return { payloads: stats.pointers + (stats.listed ?? 0), bytes: stats.pointerBytes + (stats.listedBytes ?? 0) };
}

export interface TreeWriterDeps {
  objects: ObjectSink;
  store: ContentStore;
  fingerprint?: Fingerprinter;
}

export class TreeWriter {
  private readonly root: Node & { kind: 'dir' } = { kind: 'dir', entries: new Map() };
  private ownWrites = 0;

  constructor(private readonly deps: TreeWriterDeps) {}

  get store(): ContentStore {
    return this.deps.store;
  }

  /** Writes a JSON value as stable JSON, after applying the declared rules if given. */
  json(path: string, value: unknown, rules?: NormalizationRules): void {
    const plain = rules ? normalize(value, rules, this.deps.fingerprint) : value;
    this.text(path, stableJson(plain));
  }

  text(path: string, content: string | Uint8Array, options: { executable?: boolean } = {}): void {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    const oid = this.deps.objects.write('blob', bytes);
    this.place(path, { kind: 'file', oid, mode: options.executable ? MODE_EXEC : MODE_FILE, bytes: bytes.length, pointer: null });
    this.ownWrites++;
  }

  /** Streams a payload into the content store and writes its pointer at `path`. */
  async blob(path: string, source: PutSource, options: PutOptions = {}): Promise<Pointer> {
    assertSafeTreePath(path);
    const pointer = await this.deps.store.put(source, options);
    this.pointer(path, pointer);
    return pointer;
  }

  /** Writes a pointer to a payload the store already holds (reuse from a previous version). */
  pointer(path: string, pointer: Pointer): void {
    const text = Buffer.from(formatPointer(pointer), 'utf8');
    const oid = this.deps.objects.write('blob', text);
    this.place(path, { kind: 'file', oid, mode: MODE_FILE, bytes: text.length, pointer });
    this.ownWrites++;
  }

  /** Places an existing git subtree (carried over unchanged from a previous version). */
  mountTree(path: string, oid: string, stats: WriterStats): void {
    this.place(path, { kind: 'tree', oid, stats });
  }

  /**
   * Places a git blob the repository already holds (reused unchanged from a previous
   * version, so it is neither downloaded nor written again). `bytes` is its size.
   */
  mountFile(path: string, oid: string, bytes: number, mode: BlobMode = MODE_FILE): void {
    this.place(path, { kind: 'file', oid, mode, bytes, pointer: null });
  }

  /** Drops everything written at or under `path` (a resource that failed half-way). */
  remove(path: string): void {
    const segs = path.split('/');
    let node: Node = this.root;
    for (const seg of segs.slice(0, -1)) {
      const next: Node | undefined = node.kind === 'dir' ? node.entries.get(seg) : undefined;
      if (!next) return;
      node = next;
    }
    if (node.kind === 'dir') node.entries.delete(segs[segs.length - 1]!);
  }

  /**
   * Files written through json/text/blob/pointer: what the collector found itself this time,
   * as opposed to files and folders mounted unchanged from the previous version.
   */
  get writes(): number {
    return this.ownWrites;
  }

  /**
   * Counts of what the tree holds so far, mounted subtrees included. Listed payloads are
   * known only for mounted subtrees (as their stats say); the runner counts a collector's own
   * folder with its payloads() once it is built.
   */
  get stats(): Required<WriterStats> {
    const total: Required<WriterStats> = { ...EMPTY_STATS };
    const visit = (node: Node): void => {
      if (node.kind === 'dir') for (const child of node.entries.values()) visit(child);
      else if (node.kind === 'tree') {
        total.files += node.stats.files;
        total.treeBytes += node.stats.treeBytes;
        total.pointers += node.stats.pointers;
        total.pointerBytes += node.stats.pointerBytes;
        total.listed += node.stats.listed ?? 0;
        total.listedBytes += node.stats.listedBytes ?? 0;
      } else {
        total.files++;
        total.treeBytes += node.bytes;
        if (node.pointer) {
          total.pointers++;
          total.pointerBytes += node.pointer.size;
        }
      }
    };
    visit(this.root);
    return total;
  }

  has(path: string): boolean {
    let node: Node = this.root;
    for (const seg of path.split('/')) {
      if (node.kind !== 'dir') return false;
      const next = node.entries.get(seg);
      if (!next) return false;
      node = next;
    }
    return true;
  }

  private place(path: string, leaf: Node): void {
    assertSafeTreePath(path);
    const segs = path.split('/');
    let dir = this.root;
    for (let i = 0; i < segs.length - 1; i++) {
      const seg = segs[i]!;
      let next = dir.entries.get(seg);
      if (!next) {
        next = { kind: 'dir', entries: new Map() };
        dir.entries.set(seg, next);
      }
      if (next.kind !== 'dir') {
        throw new SnapError('UNSAFE_PATH', `cannot write ${path}: ${segs.slice(0, i + 1).join('/')} is already a file or a mounted tree`, { path });
      }
      dir = next;
    }
    const name = segs[segs.length - 1]!;
    if (dir.entries.has(name)) throw new SnapError('UNSAFE_PATH', `${path} was written twice in one snapshot`, { path });
    dir.entries.set(name, leaf);
  }

  /** Writes all trees; returns the root tree id, or null when nothing was written. */
  build(): string | null {
    const write = (dir: Node & { kind: 'dir' }): string | null => {
      const entries: TreeEntry[] = [];
      for (const [name, node] of dir.entries) {
        if (node.kind === 'dir') {
          const oid = write(node);
          if (oid) entries.push({ name, mode: MODE_TREE, oid });
        } else if (node.kind === 'tree') entries.push({ name, mode: MODE_TREE, oid: node.oid });
        else entries.push({ name, mode: node.mode, oid: node.oid });
      }
      if (entries.length === 0) return null;
      return this.deps.objects.write('tree', encodeTree(entries));
    };
    return write(this.root);
  }
}
