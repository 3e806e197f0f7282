// One plan line from a field-level difference (src/diff/json-diff.ts): what a person needs to
// see in a restore plan, "DefaultCacheBehavior.DefaultTTL 0 → 86400, Origins.Items[Id=api].DomainName
// "a.example" → "b.example"", shortened after a few fields. Fingerprinted secrets show only
// that they changed; the fingerprints are never printed.
import type { FieldChange } from '../../../diff/json-diff.js';
import type { Json } from '../../../normalize/stable-json.js';

function short(value: Json | undefined): string {
  if (value === undefined || value === null) return 'none';
  if (typeof value === 'string') return JSON.stringify(value.length > 48 ? `${value.slice(0, 30)}…${value.slice(-12)}` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `${value.length} item${value.length === 1 ? '' : 's'}`;
  return 'set';
}

/**
 * Field changes as one line, from diffJson(live, version): the restore moves live → version.
 * `strip` removes a leading path (the wrapper a rule set expects).
 */
export function describeFields(changes: readonly FieldChange[], options: { strip?: string; max?: number } = {}): string {
  const max = options.max ?? 4;
  const strip = options.strip ?? '';
  const parts = changes.slice(0, max).map((c) => {
    const path = strip && c.path.startsWith(strip) ? c.path.slice(strip.length) : c.path;
    if (c.secret) return `${path} value changed`;
    if (c.status === 'added') return `${path} ${short(c.new)} added`;
    if (c.status === 'removed') return `${path} removed`;
    return `${path} ${short(c.old)} → ${short(c.new)}`;
  });
  if (changes.length > max) parts.push(`and ${changes.length - max} more`);
  return parts.join(', ');
}
