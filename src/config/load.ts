// Loads and validates snap.config.json. Errors name the file, the field path and what was
// expected, so a user can fix the config without reading snap's source.
import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { configSchema, type SnapConfig } from './schema.js';

export const CONFIG_FILE = 'snap.config.json';

function fieldPath(path: PropertyKey[]): string {
  return path.length === 0 ? '(top level)' : path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[');
}

function describeIssue(issue: z.core.$ZodIssue): { path: string; message: string } {
  if (issue.code === 'unrecognized_keys') {
    return { path: fieldPath(issue.path), message: `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}` };
  }
  return { path: fieldPath(issue.path), message: issue.message.replace(/^Invalid input: /, '') };
}

export function parseConfig(raw: unknown, file = CONFIG_FILE): SnapConfig {
  const result = configSchema.safeParse(raw);
  if (result.success) return result.data;
  const issues = result.error.issues.map(describeIssue);
  const first = issues[0]!;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  throw new ConfigError(`${file}: ${first.path}: ${first.message}${more}`, issues, file);
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
