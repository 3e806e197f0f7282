// Loads and validates snap.config.json. Every problem is reported at once, each with the
// file, the field path and what was expected; a misspelt field name comes with the nearest
// valid one ("did you mean"), so a user fixes the whole config in one go without reading
// snap's source.
import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { configSchema, type SnapConfig } from './schema.js';

export const CONFIG_FILE = 'snap.config.json';

type Path = readonly PropertyKey[];

function fieldPath(path: Path): string {
  return path.length === 0 ? '(top level)' : path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[');
}

/** The schema of the value at `path` (through defaults, optionals, arrays, unions): what names are valid there. */
function schemaAt(schema: z.core.$ZodType, path: Path): z.core.$ZodType[] {
  let current: z.core.$ZodType[] = [schema];
  const unwrap = (s: z.core.$ZodType): z.core.$ZodType[] => {
    const def = s._zod.def as unknown as Record<string, unknown> & { type: string };
    switch (def.type) {
      case 'default':
      case 'prefault':
      case 'optional':
      case 'nullable':
      case 'readonly':
      case 'catch':
      case 'nonoptional':
        return unwrap(def.innerType as z.core.$ZodType);
      case 'pipe':
        return unwrap(def.in as z.core.$ZodType);
      case 'lazy':
        return unwrap((def.getter as () => z.core.$ZodType)());
      case 'union':
        return (def.options as z.core.$ZodType[]).flatMap(unwrap);
      default:
        return [s];
    }
  };
  current = current.flatMap(unwrap);
  for (const key of path) {
    const next: z.core.$ZodType[] = [];
    for (const s of current) {
      const def = s._zod.def as unknown as Record<string, unknown> & { type: string };
      if (def.type === 'object' && typeof key === 'string') {
        const field = (def.shape as Record<string, z.core.$ZodType>)[key];
        if (field) next.push(...unwrap(field));
      } else if (def.type === 'array' && typeof key === 'number') next.push(...unwrap(def.element as z.core.$ZodType));
      else if (def.type === 'record') next.push(...unwrap(def.valueType as z.core.$ZodType));
    }
    current = next;
  }
  return current;
}

function fieldsAt(path: Path): string[] {
  const names = new Set<string>();
  for (const s of schemaAt(configSchema, path)) {
    const def = s._zod.def as unknown as { type: string; shape?: Record<string, unknown> };
    if (def.type === 'object' && def.shape) for (const k of Object.keys(def.shape)) names.add(k);
  }
  return [...names].filter((n) => n !== '$schema').sort();
}

/** Edit distance (insertions, deletions, substitutions, transpositions of neighbours), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const d: number[][] = Array.from({ length: s.length + 1 }, (_, i) => Array.from({ length: t.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[s.length]![t.length]!;
}

/** "did you mean "collectors"?" for a near name; otherwise the names that are valid there. */
function suggestion(key: string, valid: string[]): string {
  if (valid.length === 0) return '';
  const ranked = valid.map((name) => ({ name, distance: editDistance(key, name) })).sort((a, b) => a.distance - b.distance || (a.name < b.name ? -1 : 1));
  const best = ranked[0]!;
  const close = best.distance <= Math.max(2, Math.floor(key.length / 3)) || best.name.toLowerCase().startsWith(key.toLowerCase()) || key.toLowerCase().startsWith(best.name.toLowerCase());
  return close ? ` (did you mean "${best.name}"?)` : ` (valid here: ${valid.join(', ')})`;
}

function describeIssues(issue: z.core.$ZodIssue, prefix: Path = []): { path: string; message: string }[] {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'unrecognized_keys') {
    const valid = fieldsAt(path);
    return issue.keys.map((key) => ({ path: fieldPath([...path, key]), message: `unknown field${suggestion(key, valid)}` }));
  }
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    // The alternative the value came nearest to (fewest problems) says what to fix.
    const nearest = [...issue.errors].sort((a, b) => a.length - b.length)[0]!;
    return nearest.flatMap((inner) => describeIssues(inner, path));
  }
  return [{ path: fieldPath(path), message: issue.message.replace(/^Invalid input: /, '') }];
}

export function parseConfig(raw: unknown, file = CONFIG_FILE): SnapConfig {
  const result = configSchema.safeParse(raw);
  if (result.success) return result.data;
  const issues = result.error.issues.flatMap((issue) => describeIssues(issue));
  const first = issues[0]!;
  const summary = issues.length === 1 ? `${file}: ${first.path}: ${first.message}` : `${file}: ${issues.length} problems (each is listed below)`;
  throw new ConfigError(summary, issues, file);
}

export async function loadConfig(path: string): Promise<SnapConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`${path}: cannot read the config file (${(err as NodeJS.ErrnoException).code ?? 'error'})`, [], path);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${path}: not valid JSON: ${(err as Error).message}`, [], path);
  }
  return parseConfig(raw, path);
}
