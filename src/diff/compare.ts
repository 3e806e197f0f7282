// Comparing two trees resource by resource: the engine behind `snap diff`, `snap status`
// and commit summaries. Each changed file is described with what its collector declared
// (which kind of resource, its name for people, its keyed arrays), and its change is shown
// at the right depth: field paths for JSON, a line diff for text, size and sha256 for
// payloads in the content store and other binary content. Generated files (manifests) are
// never differences. Subtrees with the same id on both sides are skipped unread.
import { createHash } from 'node:crypto';
import { normalize } from '../normalize/rules.js';
import { MANIFEST_MD_PATH, MANIFEST_PATH } from '../archive/manifest.js';
import { loadCollector } from '../collectors/lazy.js';
import { collectors } from '../collectors/registry.js';
import type { AnyCollector, ResourceFileSpec } from '../collectors/types.js';
import { MODE_TREE, type TreeEntry } from '../git/objects.js';
import { diffTrees, type FileChange, type TreeSource } from '../git/tree-walk.js';
import { stableKey, type Json } from '../normalize/stable-json.js';
import { parsePointer, POINTER_MAX_BYTES } from '../store/pointer.js';
import { globMatch } from '../util/glob.js';
import { decodeText } from '../util/text.js';
import { diffJson, type FieldChange } from './json-diff.js';
import { unifiedDiff } from './text-diff.js';

export interface ObjectSource extends TreeSource {
  readBlob(oid: string): Promise<Uint8Array>;
}

export interface ContentRef {
  sha256: string;
  size: number;
  /** the content lives in the content store (the tree holds a pointer) */
  stored: boolean;
}

export interface ResourceChange {
  /** top-level folder: s3_buckets, cloudfront, lambda_functions, … */
  service: string;
  /** path of the changed file in the tree */
  path: string;
  /** what the file describes, as its collector declares it ("distribution"), else "file" */
  kind: string;
  /** the resource's name for people ("E1ABC (www.sailjada.com)") */
  label: string;
  status: 'added' | 'removed' | 'changed';
  /** JSON documents: what changed, field by field */
  fields?: FieldChange[];
  /** text content: unified line diff */
  text?: string;
  /** stored payloads and binary content: size and sha256 on each side */
  content?: { old: ContentRef | null; new: ContentRef | null };
  /** folders of resources linked to this one (the buckets a distribution serves) */
  related?: string[];
  /** DNS names the resource answers to; only while changes are linked (see linkByName) */
  names?: string[];
}

/** Files that change with every version by construction. */
export const GENERATED_FILES = new Set([MANIFEST_PATH, MANIFEST_MD_PATH, 'RECOVERY.md']);

export function collectorForPath(path: string, registry: readonly AnyCollector[] = collectors): AnyCollector | undefined {
  const top = path.split('/')[0];
  return registry.find((c) => c.root === top);
}

export async function specForPath(path: string, registry: readonly AnyCollector[] = collectors): Promise<{ collector: AnyCollector; spec: ResourceFileSpec | undefined; rel: string } | null> {
  const entry = collectorForPath(path, registry);
  if (!entry) return null;
  const collector = await loadCollector(entry);
  const rel = path.slice(collector.root.length + 1);
  return { collector, spec: collector.resources?.find((s) => globMatch(s.pattern, rel)), rel };
}

interface Side {
  bytes: Uint8Array;
  pointer: ContentRef | null;
  json: Json | undefined;
  text: string | null;
}

async function readSide(source: ObjectSource, oid: string | undefined, path: string): Promise<Side | null> {
  if (!oid) return null;
  const bytes = await source.readBlob(oid);
  const p = bytes.length <= POINTER_MAX_BYTES ? parsePointer(bytes) : null;
  if (p) return { bytes, pointer: { sha256: p.oid, size: p.size, stored: true }, json: undefined, text: null };
  const text = decodeText(bytes);
  let json: Json | undefined;
  if (text !== null && path.endsWith('.json')) {
    try {
      json = JSON.parse(text) as Json;
    } catch {
      json = undefined;
    }
  }
  return { bytes, pointer: null, json, text };
}

function contentRef(side: Side | null): ContentRef | null {
  if (!side) return null;
  return side.pointer ?? { sha256: createHash('sha256').update(side.bytes).digest('hex'), size: side.bytes.length, stored: false };
}

export interface DescribeOptions {
  labelPath?: string;
  registry?: readonly AnyCollector[];
  /** restore-test: compare modulo what re-creation changes (the spec's `assigned` and `recreated`) */
  moduloAssigned?: boolean;
  /** the old side is another resource (diff --between): its own name is read as the new side's */
  rename?: { from: string; to: string };
}

export async function describeChange(source: ObjectSource, change: FileChange, options: DescribeOptions = {}): Promise<ResourceChange[]> {
  const path = options.labelPath ?? change.path;
  const [a, b] = await Promise.all([readSide(source, change.old?.oid, path), readSide(source, change.new?.oid, path)]);
  if (options.rename && a?.json !== undefined) a.json = renameIn(a.json, options.rename.from, options.rename.to);
  const found = await specForPath(path, options.registry);
  const assigned = options.moduloAssigned ? found?.spec?.assigned : undefined;
  if (assigned?.length) {
    for (const side of [a, b]) if (side && side.json !== undefined) side.json = normalize(side.json, { drop: assigned });
  }
  const recreated = options.moduloAssigned ? found?.spec?.recreated : undefined;
  if (recreated) for (const side of [a, b]) if (side && side.json !== undefined) side.json = recreated(side.json) as typeof side.json;
  const incidental = found?.spec?.incidental;
  if (incidental && a?.json !== undefined && b?.json !== undefined) {
    const drop = safely(() => incidental(a.json, b.json), [] as string[]);
    if (drop.length) for (const side of [a, b]) side.json = normalize(side.json, { drop });
  }
  const value = (b?.json ?? a?.json) as unknown;
  const base: ResourceChange = {
    service: path.split('/')[0]!,
    path: change.path,
    kind: found?.spec?.kind ?? 'file',
    label: found?.spec?.label ? safeLabel(() => found.spec!.label!(value ?? null, found.rel), found.rel) : (found?.rel ?? path),
    status: change.status === 'modified' ? 'changed' : change.status,
  };
  const related = found?.spec?.related && value !== undefined ? safely(() => found.spec!.related!(value, found.rel), []) : [];
  if (related.length) base.related = related;
  const names = found?.spec?.names && value !== undefined ? safely(() => found.spec!.names!(value), []) : [];
  if (names.length) base.names = names;
  if ((a?.pointer || b?.pointer) || (a && a.text === null) || (b && b.text === null)) {
    return [{ ...base, content: { old: contentRef(a), new: contentRef(b) } }];
  }
  if (a?.json !== undefined || b?.json !== undefined) {
    const records = found?.spec?.records;
    if (records) return explodeRecords(base, a?.json, b?.json, found!.spec!, found!.rel);
    if (a?.json !== undefined && b?.json !== undefined) {
      const fields = diffJson(a.json, b.json, found?.spec?.rules);
      return fields.length ? [{ ...base, fields }] : []; // same data, different bytes: not a change
    }
    return [base];
  }
  return [{ ...base, text: unifiedDiff(a?.text ?? '', b?.text ?? '') }];
}

type JsonObject = { [key: string]: Json };
const asObject = (v: Json | undefined): JsonObject | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? v : null);

/** Deep equality of two JSON values, without serializing either. */
export function sameJson(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i]!, b[i]!)) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k) || !sameJson(a[k]!, b[k]!)) return false;
  }
  return true;
}

/** A collection file's changes, one per element (by identity), plus the file's own fields. */
function explodeRecords(base: ResourceChange, before: Json | undefined, after: Json | undefined, spec: ResourceFileSpec, rel: string): ResourceChange[] {
  const r = spec.records!;
  const out: ResourceChange[] = [];
  const listOf = (doc: Json | undefined) => {
    const items = asObject(doc)?.[r.array];
    return Array.isArray(items) ? items : [];
  };
  const keyOf = (item: Json) => {
    const parts = r.key.map((k) => asObject(item)?.[k] ?? null);
    // Scalars (the usual identity: a path, a key, a name) stringify the same either way, faster.
    return parts.every((p) => p === null || typeof p !== 'object') ? JSON.stringify(parts) : stableKey(parts);
  };
  // A field to drop is a name, or a dotted path into nested objects ("headers.ChecksumSHA256").
  const strip = (item: Json | undefined, also: string[]): Json | undefined => {
    const drop = [...(r.ignore ?? []), ...also];
    if (!asObject(item) || !drop.length) return item;
    return dropPaths(item!, drop.map((d) => d.split('.')));
  };
  const left = new Map(listOf(before).map((i) => [keyOf(i), i] as const));
  const right = new Map(listOf(after).map((i) => [keyOf(i), i] as const));
  // Equal records are passed over before anything is built for them: a 100,000-file listing
  // with 10 changes costs two map builds and one allocation-free comparison per record.
  const keys: string[] = [];
  for (const [key, l] of left) {
    const rr = right.get(key);
    if (rr === undefined || !sameJson(l, rr)) keys.push(key);
  }
  for (const key of right.keys()) if (!left.has(key)) keys.push(key);
  for (const key of keys.sort()) {
    const [l, rr] = [left.get(key), right.get(key)];
    const incidental = l !== undefined && rr !== undefined && r.incidental ? r.incidental(l, rr) : [];
    const was = strip(l, incidental);
    const now = strip(rr, incidental);
    const label = safeLabel(() => r.label((now ?? was) as unknown, rel), rel);
    const change: ResourceChange = { ...base, kind: r.kind, label, status: was === undefined ? 'added' : now === undefined ? 'removed' : 'changed' };
    const linked = r.related ? safely(() => r.related!(rr ?? l), []) : [];
    if (linked.length) change.related = [...new Set([...(base.related ?? []), ...linked])].sort();
    if (was === undefined || now === undefined) {
      out.push(change);
      continue;
    }
    // Diffed inside a one-element collection so the file's declared rules apply to the record's fields.
    const fields = diffJson({ [r.array]: [was] }, { [r.array]: [now] }, spec.rules);
    const prefix = /^[^[]*\[[^\]]*\]\.?/;
    if (fields.length) out.push({ ...change, fields: fields.map((f) => ({ ...f, path: f.path.replace(prefix, '') || '(record)' })) });
  }
  // The file's other fields (and a file that appears or disappears with no records).
  const rest = (doc: Json | undefined): Json | undefined => {
    const o = asObject(doc);
    return o ? Object.fromEntries(Object.entries(o).filter(([k]) => k !== r.array)) : doc;
  };
  if (before !== undefined && after !== undefined) {
    const fields = diffJson(rest(before) ?? null, rest(after) ?? null, spec.rules);
    if (fields.length) out.push({ ...base, fields });
  } else if (out.length === 0) out.push(base);
  return out;
}

/** `value` without the fields at `paths` (each a list of names, outermost first); untouched objects are shared. */
function dropPaths(value: Json, paths: string[][]): Json {
  const o = asObject(value);
  if (!o) return value;
  const here = new Set(paths.filter((p) => p.length === 1).map((p) => p[0]!));
  const deeper = new Map<string, string[][]>();
  for (const p of paths) if (p.length > 1) deeper.set(p[0]!, [...(deeper.get(p[0]!) ?? []), p.slice(1)]);
  const out: { [k: string]: Json } = {};
  for (const [k, v] of Object.entries(o)) {
    if (here.has(k)) continue;
    const inner = deeper.get(k);
    out[k] = inner ? dropPaths(v, inner) : v;
  }
  return out;
}

/** A collector's naming or linking hook must never fail a diff: its fallback instead. */
function safely<T>(make: () => T, fallback: T): T {
  try {
    return make();
  } catch {
    return fallback;
  }
}

function safeLabel(make: () => string, fallback: string): string {
  return safely(make, fallback) || fallback;
}

/** The entry at `path` under `tree` (a folder or a file), or null. */
export async function subtreeAt(source: TreeSource, tree: string | null, path: string): Promise<TreeEntry | null> {
  if (!tree) return null;
  let current: TreeEntry = { name: '', mode: MODE_TREE, oid: tree };
  for (const seg of path.split('/').filter(Boolean)) {
    if (current.mode !== MODE_TREE) return null;
    const next = (await source.readTree(current.oid)).find((e) => e.name === seg);
    if (!next) return null;
    current = next;
  }
  return current;
}

export interface CompareOptions {
  /** limit to these folders or files (tree paths) */
  paths?: string[];
  registry?: readonly AnyCollector[];
}

/** Every resource change from `fromTree` to `toTree`, in path order. */
export async function compareTrees(source: ObjectSource, fromTree: string | null, toTree: string | null, options: CompareOptions = {}): Promise<ResourceChange[]> {
  const roots = options.paths?.length ? [...new Set(options.paths.map((p) => p.replace(/^\/+|\/+$/g, '')))].sort() : [''];
  const out: ResourceChange[] = [];
  for (const root of roots) {
    const [a, b] = await Promise.all([subtreeAt(source, fromTree, root), subtreeAt(source, toTree, root)]);
    for await (const change of filesUnder(source, a, b, root)) {
      if (GENERATED_FILES.has(change.path)) continue;
      out.push(...(await describeChange(source, change, { registry: options.registry })));
    }
  }
  return linkByName(out);
}

/**
 * Turns "dns:<name>" links into the path of the changed resource that answers to that name
 * (a record aliased to a distribution that changed too). A name no change answers to is
 * dropped: there is nothing to show next to the record.
 */
export function linkByName(changes: ResourceChange[]): ResourceChange[] {
  const byName = new Map<string, string>();
  for (const c of changes) for (const n of c.names ?? []) byName.set(n, c.path);
  for (const c of changes) {
    delete c.names;
    if (!c.related?.some((r) => r.startsWith('dns:'))) continue;
    const resolved = [...new Set(c.related.flatMap((r) => (r.startsWith('dns:') ? (byName.has(r.slice(4)) ? [byName.get(r.slice(4))!] : []) : [r])))].sort();
    if (resolved.length) c.related = resolved;
    else delete c.related;
  }
  return changes;
}

/**
 * A resource's own name in one of its values, read as another's: a string that is the name,
 * and the name inside an ARN or a path (after ':', before '/', ':' or the end) or at the start
 * of a domain name ("NAME.s3.amazonaws.com"). Anything else that merely contains the name is
 * left alone, so a copy that still points at the original shows as a difference.
 */
export function renameIn(value: Json, from: string, to: string): Json {
  if (from === to || from === '') return value;
  const escaped = from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const inside = new RegExp(`(:)${escaped}(?=$|[/:])|^${escaped}(?=\\.s3[.-])`, 'g');
  const walk = (v: Json): Json => {
    if (typeof v === 'string') return v === from ? to : v.replace(inside, (_m, colon: string | undefined) => `${colon ?? ''}${to}`);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value);
}

/**
 * Compares two folders of one version as if they were one resource (prod against staging).
 * The left resource's own name (its folder's name) is read as the right one's, so two copies
 * differ in nothing but what differs between them: not in the name each carries.
 */
export async function compareFolders(source: ObjectSource, tree: string, left: string, right: string, options: { registry?: readonly AnyCollector[] } = {}): Promise<ResourceChange[]> {
  const [a, b] = await Promise.all([subtreeAt(source, tree, left), subtreeAt(source, tree, right)]);
  const rename = { from: left.split('/').pop()!, to: right.split('/').pop()! };
  const out: ResourceChange[] = [];
  for await (const change of filesUnder(source, a, b, '')) {
    for (const described of await describeChange(source, change, { labelPath: `${right}/${change.path}`, registry: options.registry, rename })) out.push({ ...described, path: change.path });
  }
  return linkByName(out);
}

async function* filesUnder(source: TreeSource, a: TreeEntry | null, b: TreeEntry | null, prefix: string): AsyncGenerator<FileChange> {
  const aTree = a?.mode === MODE_TREE ? a.oid : null;
  const bTree = b?.mode === MODE_TREE ? b.oid : null;
  if (a && !aTree) {
    if (b && !bTree) {
      if (a.oid !== b.oid) yield { path: prefix, status: 'modified', old: { path: prefix, mode: a.mode, oid: a.oid }, new: { path: prefix, mode: b.mode, oid: b.oid } };
      return;
    }
    yield { path: prefix, status: 'removed', old: { path: prefix, mode: a.mode, oid: a.oid }, new: null };
  }
  yield* diffTrees(source, aTree, bTree, prefix);
  if (b && !bTree && !(a && !aTree)) yield { path: prefix, status: 'added', old: null, new: { path: prefix, mode: b.mode, oid: b.oid } };
}
