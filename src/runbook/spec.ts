// The runbook contract: what each service's folder declares about itself for the recovery
// runbook (Collector.runbook, beside its restore): its layer, what it must come after and why,
// how to name its resources from the version's tree (each resource's folder is its
// `snap restore` selector), what of it the archive cannot give back (secret values, data that
// only AWS keeps) with where to get that instead, and what `snap restore` and
// `snap restore-test` cannot bring back (its known limits, which the README lists too).
// Helpers every service's runbook reads a version with live here as well.
//
// Everything is read from the version's own files, tolerantly: a file that is missing or
// unreadable only leaves its detail out, it never stops a runbook (and so never a commit).
import { MODE_TREE } from '../git/objects.js';
import { joinPath } from '../archive/paths.js';
import type { RunbookSource } from './source.js';

export interface RunbookResource {
  /** the resource's folder or file in the version: what `snap restore` takes as a selector */
  selector: string;
  /** for people: "orders (us-east-1)" */
  name: string;
  /** "bucket", "role", "hosted zone", … */
  kind: string;
  /** one short line: region, size, aliases */
  detail?: string;
}

/** Something of a resource that is not in the archive, and where to get it. */
export interface Unrestorable {
  /** the resource's selector (or its layer's folder) */
  resource: string;
  what: string;
  where: string;
  /** secret values the restore can take from a --secrets file: scope and variable names */
  secrets?: { scope: string; names: string[] };
  /** commands that fetch or rebuild it outside snap (AWS CLI, git, clasp) */
  commands?: string[];
}

/** How commands name the version, and where the runbook has the user write what they copy out. */
export interface CommandWords {
  /** the version as a shell word: v1.1, or "$VERSION" */
  version: string;
  /** a folder for copies, outside the archive's working tree: ~/recovery */
  work: string;
  /** where `snap checkout` puts the version: ~/recovery/v1.1 */
  checkout: string;
}

/** Steps outside `snap restore` (copying out with snap cat or snap checkout, then a tool). */
export interface ManualStep {
  title: string;
  commands(words: CommandWords): string[];
}

export interface LayerContent {
  resources: RunbookResource[];
  unrestorable: Unrestorable[];
  manual: ManualStep[];
}

/**
 * What `snap restore` and `snap restore-test` cannot bring back of a service: short phrases,
 * each named in the runbook's section of the layer and in the README's known limits.
 */
export interface RestoreLimits {
  /** what a restore leaves as it is or cannot make (for a service snap does not restore: why not) */
  restore: string[];
  /** what still differs after a faithful re-creation, or why the service is not restore-tested */
  restoreTest?: string[];
}

export interface RunbookSpec {
  /** what people call the layer: "DNS", "storage" */
  layer: string;
  /** the AWS service or tool: "Route53 hosted zones" */
  service: string;
  /** layers (collector ids) that must be back before this one */
  dependsOn: string[];
  /** why it comes where it does in the order */
  why: string;
  limits: RestoreLimits;
  read(folder: LayerFolder): Promise<LayerContent>;
}

export const EMPTY_LAYER: LayerContent = { resources: [], unrestorable: [], manual: [] };

/** Tolerant reading inside one layer's folder; selectors come out rooted at the version. */
export class LayerFolder {
  constructor(private readonly source: RunbookSource, readonly root: string) {}

  selector(...parts: string[]): string {
    return joinPath(this.root, ...parts);
  }

  private async entries(path: string) {
    try {
      return (await this.source.list(this.selector(path))).slice().sort((a, b) => byteOrder(a.name, b.name));
    } catch {
      return [];
    }
  }

  async folders(path = ''): Promise<string[]> {
    return (await this.entries(path)).filter((e) => e.mode === MODE_TREE).map((e) => e.name);
  }

  async files(path = '', suffix = ''): Promise<string[]> {
    return (await this.entries(path)).filter((e) => e.mode !== MODE_TREE && e.name.endsWith(suffix)).map((e) => e.name);
  }

  async json<T = Record<string, unknown>>(path: string): Promise<T | null> {
    try {
      return await this.source.json<T>(this.selector(path));
    } catch {
      return null;
    }
  }
}

export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** A non-empty string, or undefined. */
export function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** The value at a path of object keys, or undefined. */
export function get(value: unknown, ...path: string[]): unknown {
  let v = value;
  for (const p of path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
  return v;
}

/** The keys of an object, in byte order ([] for anything else). */
export function names(value: unknown): string[] {
  return value && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value).sort(byteOrder) : [];
}

/** "a, b, c and 4 more" */
export function list(items: string[], max = 12): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

export function withoutSuffix(name: string, suffix: string): string {
  return name.endsWith(suffix) ? name.slice(0, -suffix.length) : name;
}

// ---- shell words -------------------------------------------------------------------------

const PLAIN_WORD = /^[A-Za-z0-9._\/@%+=:,-][A-Za-z0-9._\/@%+=:,~-]*$/;

/** A path as a shell word, keeping a leading ~/ unquoted so the shell still expands it. */
export function pathWord(path: string): string {
  if (path === '~') return '~';
  return path.startsWith('~/') ? `~/${shellWord(path.slice(2))}` : shellWord(path);
}

/** A word the shell reads back unchanged: as is when plain, else in single quotes. */
export function shellWord(word: string): string {
  return PLAIN_WORD.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
