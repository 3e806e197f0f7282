// Which manifest file (shard) holds an entry of a large listing. A bucket's object listing
// is kept as objects/<shard>.json files, a local folder's file list as listing/<shard>.json,
// so a million entries are a thousand git entries, not a million; a change to one entry
// rewrites one shard, and `snap diff` skips every unchanged shard by its blob id.
//
// Assignment is a hash trie over sha256(key): the shard of a key is a prefix of its hash's
// hex digits. A node becomes a file when it holds at most `maxEntries` entries; otherwise it
// splits into its 16 children. So:
// - the layout is a function of the current set of keys alone (history does not matter, two
//   snapshots of one state give the same files);
// - an object's shard depends on its key only, so an unchanged object's shard keeps the same
//   blob unless an entry in that same shard changed, or the shard split or merged;
// - every file holds at most `maxEntries` entries, except that one key's versions are never
//   split across files (a hash cannot separate them).
// A listing that fits in one shard has the single file all.json.
import { createHash } from 'node:crypto';

export const ROOT_SHARD = 'all';
const MAX_DEPTH = 16;

export function keyHash(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex').slice(0, MAX_DEPTH);
}

/** The file of a shard named by assignShards(): <name>.json. */
export function shardFileName(shard: string): string {
  return `${shard}.json`;
}

/** Groups entries into shards; returns shard name (hex prefix, or "all") → entries, in input order. */
export function assignShards<T>(entries: readonly T[], keyOf: (entry: T) => string, maxEntries: number): Map<string, T[]> {
  const hashes = new Map<string, string>();
  const hashOf = (e: T) => {
    const k = keyOf(e);
    let h = hashes.get(k);
    if (h === undefined) hashes.set(k, (h = keyHash(k)));
    return h;
  };
  const out = new Map<string, T[]>();
  const place = (prefix: string, items: T[]): void => {
    if (items.length === 0) return;
    const oneKey = items.every((e) => keyOf(e) === keyOf(items[0]!));
    if (items.length <= maxEntries || oneKey || prefix.length >= MAX_DEPTH) {
      out.set(prefix === '' ? ROOT_SHARD : prefix, items);
      return;
    }
    const children = new Map<string, T[]>();
    for (const e of items) {
      const digit = hashOf(e)[prefix.length]!;
      let list = children.get(digit);
      if (!list) children.set(digit, (list = []));
      list.push(e);
    }
    for (const digit of [...children.keys()].sort()) place(prefix + digit, children.get(digit)!);
  };
  place('', [...entries]);
  return out;
}

/** Of the shard names a version holds, the one that holds `key`, or null. */
export function shardOf(key: string, shardNames: Iterable<string>): string | null {
  const names = new Set(shardNames);
  if (names.has(ROOT_SHARD)) return ROOT_SHARD;
  const h = keyHash(key);
  for (let len = 1; len <= MAX_DEPTH; len++) if (names.has(h.slice(0, len))) return h.slice(0, len);
  return null;
}
