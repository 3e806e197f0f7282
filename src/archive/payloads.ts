// Every payload a version needs, found one way. A payload is content kept in the content store
// rather than in git, and a version refers to it in one of two ways:
//
//   a pointer file in the tree     (Lambda code.zip, a large items.jsonl, bundle.git, a local
//                                   file too large or too binary for git): found by reading the
//                                   tree, the path is the pointer file's;
//   listed inside a collector's    (S3 objects in their buckets' manifest shards): found by the
//   files                          collector's payloads() (see Collector.payloads), the path is
//                                  where export and checkout write it.
//
// `snap verify` checks both kinds, `snap ls` lists both, `snap export` and `snap checkout`
// write both, and the manifest counts both (`listed`/`listedBytes` next to the pointers).
// A collector's payloads() is loaded on its own (registry.ts), never its collecting code.
import type { AnyCollector, PayloadRef } from '../collectors/types.js';
import { collectors as registered } from '../collectors/registry.js';
import { MODE_TREE } from '../git/objects.js';
import type { ObjectReader } from '../git/repo.js';
import { parsePointer, POINTER_MAX_BYTES, type Pointer } from '../store/pointer.js';
import { joinPath } from './paths.js';
import { TreeFolder } from './tree-folder.js';

/** A listed payload of a version, with its paths from the version's root. */
export interface ListedPayload extends PayloadRef {
  /** the collector folder it belongs to ("s3_buckets") */
  root: string;
}

/** The pointer a blob holds, or null for content kept in git. */
export function pointerIn(content: Uint8Array): Pointer | null {
  return content.length <= POINTER_MAX_BYTES ? parsePointer(content) : null;
}

/** The collectors that list payloads in their files. */
export function payloadListers(available: readonly AnyCollector[] = registered): AnyCollector[] {
  return available.filter((c) => c.payloads);
}

/** The listed payloads of one collector folder (its tree id), paths from the version's root. */
export async function* folderPayloads(objects: ObjectReader, collector: AnyCollector, folderOid: string): AsyncGenerator<ListedPayload> {
  if (!collector.payloads) return;
  for await (const ref of collector.payloads(await TreeFolder.at(objects, folderOid))) {
    yield { ...ref, root: collector.root, folder: joinPath(collector.root, ref.folder), path: ref.path === null ? null : joinPath(collector.root, ref.path) };
  }
}

/**
 * Every listed payload of a version's tree, collector by collector in registry order. With
 * `roots`, only those collector folders are read.
 */
export async function* listedPayloads(objects: ObjectReader, treeOid: string, options: { roots?: ReadonlySet<string>; collectors?: readonly AnyCollector[] } = {}): AsyncGenerator<ListedPayload> {
  const top = await objects.readTree(treeOid);
  for (const collector of payloadListers(options.collectors)) {
    if (options.roots && !options.roots.has(collector.root)) continue;
    const folder = top.find((e) => e.name === collector.root && e.mode === MODE_TREE);
    if (folder) yield* folderPayloads(objects, collector, folder.oid);
  }
}

/** How many payloads a collector folder lists, and their bytes (what the manifest records). */
export async function countListed(objects: ObjectReader, collector: AnyCollector, folderOid: string): Promise<{ listed: number; listedBytes: number }> {
  let listed = 0;
  let listedBytes = 0;
  for await (const p of folderPayloads(objects, collector, folderOid)) {
    listed++;
    listedBytes += p.pointer.size;
  }
  return { listed, listedBytes };
}
