// Declared normalization rules: each resource type says, as data, which fields are volatile
// (dropped), which fields hold secrets (replaced by a keyed fingerprint) and which arrays are
// unordered (sorted by their identity). Keeping these as data makes them reviewable and
// testable with must-appear / must-not-appear checks, instead of ad-hoc regexes in collectors.
//
// Path patterns are dot-separated object keys; `[]` steps into every array element, `*`
// matches any one key, `**` matches any number of keys or elements. Examples:
//   "ETag"                        top-level field
//   "**.LastModifiedTime"          at any depth
//   "Origins.Items"               an array to sort
//   "Environment.Variables.*"     every value of a map
//
// An unordered array is identified by field(s) of its elements, by the whole element (a set),
// or by fields where an element has them and by its whole content where it has none
// (`{ key: ['Sid'], otherwise: 'content' }`: policy statements, matched by Sid, else by what
// they say). The same declaration sorts the array when a file is written and matches its
// elements when two versions are compared, so a reorder is never a change.
import { stableKey, toPlain, type Json } from './stable-json.js';
import type { Fingerprinter } from './fingerprint.js';

/** How the elements of an unordered array are told apart (see the header). */
export type ArrayIdentity = string | string[] | null | { key: string[]; otherwise: 'content' };

export interface NormalizationRules {
  /** Volatile fields, removed wherever the pattern matches. */
  drop?: string[];
  /** Secret fields: the value is replaced by its keyed fingerprint, the name is kept. */
  secrets?: string[];
  /**
   * Unordered arrays: pattern → identity field(s) to sort elements by. `null` sorts by the
   * whole element's canonical form (for sets of scalars or of identity-less objects);
   * `{ key, otherwise: 'content' }` by the key fields where an element has them all, else by
   * its whole content.
   */
  sortBy?: Record<string, ArrayIdentity>;
}

type Segment = string; // an object key, or '[]' for an array element

function parsePattern(pattern: string): Segment[] {
  const out: Segment[] = [];
  for (const part of pattern.split('.')) {
    const m = /^(.*?)((?:\[\])*)$/.exec(part)!;
    if (m[1]) out.push(m[1]);
    for (let i = 0; i < m[2]!.length / 2; i++) out.push('[]');
  }
  return out;
}

function matches(pattern: Segment[], path: Segment[], pi = 0, si = 0): boolean {
  if (pi === pattern.length) return si === path.length;
  const head = pattern[pi]!;
  if (head === '**') {
    for (let k = si; k <= path.length; k++) if (matches(pattern, path, pi + 1, k)) return true;
    return false;
  }
  if (si === path.length) return false;
  const seg = path[si]!;
  const ok = head === seg || (head === '*' && seg !== '[]');
  return ok && matches(pattern, path, pi + 1, si + 1);
}

/** A compiled identity: the key fields (null: the whole element), and whether an element without them is identified by its content. */
export interface Identity {
  keys: string[] | null;
  orContent: boolean;
}

interface CompiledRules {
  drop: Segment[][];
  secrets: Segment[][];
  sortBy: ({ pattern: Segment[] } & Identity)[];
}

const compiled = new WeakMap<NormalizationRules, CompiledRules>();

function compile(rules: NormalizationRules): CompiledRules {
  let c = compiled.get(rules);
  if (!c) {
    c = {
      drop: (rules.drop ?? []).map(parsePattern),
      secrets: (rules.secrets ?? []).map(parsePattern),
      sortBy: Object.entries(rules.sortBy ?? {}).map(([p, id]) => ({
        pattern: parsePattern(p),
        keys: id === null ? null : typeof id === 'string' ? [id] : Array.isArray(id) ? id : id.key,
        orContent: id !== null && typeof id === 'object' && !Array.isArray(id),
      })),
    };
    compiled.set(rules, c);
  }
  return c;
}

const isObject = (v: Json): v is { [key: string]: Json } => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Whether an element has every key field of an identity that falls back to content. */
export function hasKeys(item: Json, identity: Identity): boolean {
  return identity.keys !== null && isObject(item) && identity.keys.every((k) => item[k] !== undefined && item[k] !== null);
}

/** The identity of one element as a string: equal strings, same element. */
export function identityKey(item: Json, identity: Identity): string {
  if (identity.keys === null || !isObject(item)) return stableKey(item);
  if (identity.orContent) return hasKeys(item, identity) ? stableKey(['key', ...identity.keys.map((k) => item[k]!)]) : stableKey(['content', item]);
  return stableKey(identity.keys.map((k) => item[k] ?? null));
}

/**
 * How the array at `path` (object keys, '[]' for array elements) is identified under the
 * rules, or undefined when the rules do not declare it (an ordered list).
 */
export function arrayIdentity(rules: NormalizationRules | undefined, path: string[]): Identity | undefined {
  if (!rules) return undefined;
  const rule = compile(rules).sortBy.find((r) => matches(r.pattern, path));
  return rule ? { keys: rule.keys, orContent: rule.orContent } : undefined;
}

/**
 * Applies rules to a value and returns a new plain JSON value. Secrets need a fingerprinter;
 * without one, a rule that matches a secret throws rather than let a value through.
 */
export function normalize(value: unknown, rules: NormalizationRules, fingerprint?: Fingerprinter): Json {
  const c = compile(rules);
  const walk = (node: Json, path: Segment[]): Json | undefined => {
    if (path.length > 0) {
      if (c.drop.some((p) => matches(p, path))) return undefined;
      if (c.secrets.some((p) => matches(p, path))) {
        if (node === null) return null;
        if (!fingerprint) throw new Error(`no fingerprinter for secret field ${path.join('.')}`);
        return fingerprint(typeof node === 'string' ? node : stableKey(node));
      }
    }
    if (Array.isArray(node)) {
      const items = node.map((item) => walk(item, [...path, '[]']) ?? null);
      const rule = c.sortBy.find((r) => matches(r.pattern, path));
      if (!rule) return items;
      return items
        .map((item) => ({ item, key: identityKey(item, rule), tie: stableKey(item) }))
        .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.tie < b.tie ? -1 : a.tie > b.tie ? 1 : 0))
        .map((x) => x.item);
    }
    if (node !== null && typeof node === 'object') {
      const out: { [key: string]: Json } = {};
      for (const [key, child] of Object.entries(node)) {
        const v = walk(child, [...path, key]);
        if (v !== undefined) out[key] = v;
      }
      return out;
    }
    return node;
  };
  return walk(toPlain(value) ?? null, []) ?? null;
}
