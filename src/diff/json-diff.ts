// Field-level differences between two JSON documents of the same resource, as a person
// wants to read them: `DefaultCacheBehavior.DefaultTTL: 86400 → 300`. Arrays the resource
// type declares as keyed (origins by Id, behaviours by PathPattern, records, tags) are
// matched by identity and arrays declared as sets by value, so a reorder is never a change.
// Fingerprinted secrets are reported as "value changed" without showing either fingerprint.
import { isFingerprint } from '../normalize/fingerprint.js';
import { arrayIdentity, hasKeys, identityKey, type Identity, type NormalizationRules } from '../normalize/rules.js';
import { stableKey, type Json } from '../normalize/stable-json.js';

export interface FieldChange {
  /** e.g. "Origins.Items[Id=s3-prod].DomainName", "Aliases[\"x.com\"]", "Steps[2]" */
  path: string;
  status: 'added' | 'removed' | 'changed';
  old?: Json;
  new?: Json;
  /** the field holds a fingerprinted secret: only "changed" is meaningful */
  secret?: true;
}

const isObject = (v: Json | undefined): v is { [k: string]: Json } => v !== null && typeof v === 'object' && !Array.isArray(v);

function join(display: string, key: string): string {
  return display ? `${display}.${key}` : key;
}

function describeIdentity(item: Json, identity: Identity): string {
  const keys = identity.keys;
  if (keys === null || !isObject(item) || (identity.orContent && !hasKeys(item, identity))) return stableKey(item);
  // Identity fields a record does not have (SetIdentifier of a simple record) are left out.
  return keys
    .filter((k) => item[k] !== undefined && item[k] !== null)
    .map((k) => `${k}=${typeof item[k] === 'string' ? item[k] : stableKey(item[k])}`)
    .join(',');
}

export function diffJson(a: Json, b: Json, rules?: NormalizationRules): FieldChange[] {
  const out: FieldChange[] = [];
  const walk = (x: Json | undefined, y: Json | undefined, display: string, pattern: string[]): void => {
    if (x === undefined && y === undefined) return;
    if (x === undefined) return void out.push({ path: display, status: 'added', new: y });
    if (y === undefined) return void out.push({ path: display, status: 'removed', old: x });
    if (isObject(x) && isObject(y)) {
      const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])].sort();
      for (const k of keys) walk(x[k], y[k], join(display, k), [...pattern, k]);
      return;
    }
    if (Array.isArray(x) && Array.isArray(y)) return diffArray(x, y, display, pattern);
    if (stableKey(x) === stableKey(y)) return;
    const secret = isFingerprint(x) || isFingerprint(y);
    out.push({ path: display, status: 'changed', old: x, new: y, ...(secret ? { secret: true } : {}) });
  };

  const diffArray = (x: Json[], y: Json[], display: string, pattern: string[]): void => {
    const identity = arrayIdentity(rules, pattern);
    const itemPattern = [...pattern, '[]'];
    if (identity === undefined) {
      // An ordered list: position is meaning.
      for (let i = 0; i < Math.max(x.length, y.length); i++) walk(x[i], y[i], `${display}[${i}]`, itemPattern);
      return;
    }
    const keyOf = (item: Json) => identityKey(item, identity);
    const left = new Map<string, Json>();
    const right = new Map<string, Json>();
    for (const item of x) left.set(keyOf(item), item);
    for (const item of y) right.set(keyOf(item), item);
    if (left.size !== x.length || right.size !== y.length) {
      // Identity is not unique here (data the rules did not foresee): compare positions.
      for (let i = 0; i < Math.max(x.length, y.length); i++) walk(x[i], y[i], `${display}[${i}]`, itemPattern);
      return;
    }
    const keys = [...new Set([...left.keys(), ...right.keys()])].sort();
    for (const k of keys) {
      const item = (left.get(k) ?? right.get(k))!;
      const label = `${display}[${describeIdentity(item, identity)}]`;
      walk(left.get(k), right.get(k), label, itemPattern);
    }
  };

  walk(a, b, '', []);
  return out;
}
