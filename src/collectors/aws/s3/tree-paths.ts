// Where the readable copy of a text object goes under s3_buckets/<bucket>/files/. S3 keys are
// foreign names: they become tree paths only through foreignPath() (each '/'-separated part
// escaped by safeSegment(), so '..', '.git', '', '%' and over-long parts are never paths
// as such). Two more conflicts cannot be solved per key, because they are between keys, and
// are settled by this rule, applied to every key that could have a readable copy (the
// current, non-deleted versions up to the text size limit), so a key's path depends only on
// the set of such keys in the bucket, never on download order or content:
//
//  1. File beside folder. When a key's path is also a folder of other keys' paths ("a" beside
//     "a/b", "dir" beside "dir/" whose path is "dir/%EMPTY"), the folder keeps the name and
//     the key's file becomes "<name>~object".
//  2. Names that only differ by letter case or Unicode normalization ("Case.txt" beside
//     "case.txt") would overwrite each other on the case-insensitive filesystems of macOS and
//     Windows. Within one folder, of the names that fold alike, the first in UTF-8 byte order
//     keeps its name; each other becomes "<name>~case-<12 hex of sha256(name)>".
//
// '~' never appears unescaped in a safeSegment() of a foreign name except in its own long-name
// form ("<cut>~<16 hex>"), so these suffixes cannot meet a real key's path. A key whose
// path would still clash, or would be longer than MAX_TREE_PATH_BYTES, gets no readable copy
// (null); its bytes are in the content store like every object's, and the manifest says so.
import { createHash } from 'node:crypto';
import { foreignPath } from '../../../archive/paths.js';

/** Longest readable-copy path (below files/): keeps checkouts within every platform's limits. */
export const MAX_TREE_PATH_BYTES = 1024;
export const FILE_BESIDE_FOLDER_SUFFIX = '~object';

interface Node {
  children: Map<string, Node>;
  key?: string;
}

function fold(name: string): string {
  return name.normalize('NFC').toLowerCase();
}

function utf8Compare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Plans the readable-copy path (relative to files/) of each key; null when it gets none. */
export function planTreePaths(keys: Iterable<string>): Map<string, string | null> {
  const root: Node = { children: new Map() };
  const out = new Map<string, string | null>();
  for (const key of keys) {
    if (out.has(key)) continue;
    out.set(key, null);
    let node = root;
    for (const seg of foreignPath(key).split('/')) {
      let next = node.children.get(seg);
      if (!next) node.children.set(seg, (next = { children: new Map() }));
      node = next;
    }
    node.key = key;
  }

  const visit = (node: Node, prefix: string): void => {
    const entries: { name: string; file?: string; dir?: Node }[] = [];
    for (const [seg, child] of node.children) {
      if (child.key !== undefined) entries.push({ name: child.children.size > 0 ? seg + FILE_BESIDE_FOLDER_SUFFIX : seg, file: child.key });
      if (child.children.size > 0) entries.push({ name: seg, dir: child });
    }
    const groups = new Map<string, typeof entries>();
    for (const e of entries) {
      const f = fold(e.name);
      const g = groups.get(f);
      if (g) g.push(e);
      else groups.set(f, [e]);
    }
    for (const group of groups.values()) {
      if (group.length < 2) continue;
      group.sort((a, b) => utf8Compare(a.name, b.name));
      for (const e of group.slice(1)) e.name = `${e.name}~case-${createHash('sha256').update(e.name, 'utf8').digest('hex').slice(0, 12)}`;
    }
    // After renaming, a name that still folds like another (a hash collision) gets nothing.
    const seen = new Map<string, number>();
    for (const e of entries) seen.set(fold(e.name), (seen.get(fold(e.name)) ?? 0) + 1);
    for (const e of entries) {
      if (seen.get(fold(e.name))! > 1) continue;
      const path = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.file !== undefined && Buffer.byteLength(path, 'utf8') <= MAX_TREE_PATH_BYTES) out.set(e.file, path);
      if (e.dir) visit(e.dir, path);
    }
  };
  visit(root, '');
  return out;
}
