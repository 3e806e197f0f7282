// Putting back values the archive holds only as keyed fingerprints (Lambda environment
// variables; API Gateway stage variables and CloudFront origin headers use the same rule).
// For each name the version holds:
//
//   the live value's fingerprint equals the version's  → keep the live value (it is the version's)
//   the user gave a value (--secrets FILE, scope/name)   → use it (noted when its fingerprint differs)
//   the live value differs and no value was given        → keep the live value, note what to give
//   there is no live value and no value was given        → leave it out, note what to give
//
// Names the live side has and the version does not are left out (the version did not have
// them). Only names ever reach notes and plan details, never values; and every value seen
// here (live, or given in --secrets) is registered with the command's secret filter, so a
// server that echoes a request back cannot put one in an error message.
import { isFingerprint, type Fingerprinter } from '../../../normalize/fingerprint.js';
import type { SecretValues } from '../../../restore/types.js';
import type { Redactor } from '../../../util/redact.js';

export type SecretSource = 'live' | 'given' | 'kept-live' | 'missing';

export interface ResolvedSecrets {
  /** the values to set, by name (without the names that could not be resolved at all) */
  values: Record<string, string>;
  /** how each name of the version was resolved */
  sources: Record<string, SecretSource>;
  /** names whose resulting value differs from the live one (added, changed or removed) */
  changed: string[];
  /** names the live side has and the version does not (they will be removed) */
  removed: string[];
}

export interface SecretRequest {
  /** the version's values by name: fingerprints (a plain value is taken as it is) */
  archived: Record<string, unknown>;
  /** the live values by name */
  live: Record<string, string>;
  /** the scope the user gives values under, e.g. "lambda:orders-api" */
  scope: string;
  /** for notes: what the names are, e.g. "environment variable" */
  kind: string;
  /** for notes: the resource, as in the plan */
  resource: string;
}

export interface SecretDeps {
  fingerprint: Fingerprinter;
  secrets: SecretValues;
  /** a value that cannot be restored as the version has it (left undone) */
  cannot(resource: string, message: string): void;
  /** the command's secret filter */
  redactor: Redactor;
}

const sorted = (names: Iterable<string>) => [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

export function resolveSecrets(deps: SecretDeps, req: SecretRequest): ResolvedSecrets {
  const values: Record<string, string> = {};
  const sources: Record<string, SecretSource> = {};
  const changed: string[] = [];
  for (const value of Object.values(req.live)) deps.redactor.add(value);
  const howToGive = (name: string) => `give it in --secrets FILE as {"${req.scope}": {"${name}": "…"}} (the value is kept where the secret is managed, not in the archive)`;
  for (const name of sorted(Object.keys(req.archived))) {
    const want = req.archived[name];
    const live = Object.hasOwn(req.live, name) ? req.live[name] : undefined;
    if (!isFingerprint(want)) {
      // Not a fingerprint: a plain value written by an older collector, or a null.
      if (typeof want !== 'string') continue;
      values[name] = want;
      sources[name] = 'given';
      if (live !== want) changed.push(name);
      continue;
    }
    if (live !== undefined && deps.fingerprint(live) === want) {
      values[name] = live;
      sources[name] = 'live';
      continue;
    }
    const given = deps.secrets.get(req.scope, name);
    if (given !== undefined) {
      deps.redactor.add(given);
      values[name] = given;
      sources[name] = 'given';
      if (given !== live) changed.push(name);
      if (deps.fingerprint(given) !== want) deps.cannot(req.resource, `${req.kind} ${name}: the value given in the secrets file is not the version's value (its fingerprint differs); it is set as given`);
      continue;
    }
    if (live !== undefined) {
      values[name] = live;
      sources[name] = 'kept-live';
      deps.cannot(req.resource, `${req.kind} ${name} cannot be restored: the live value differs from the version's and the archive holds only its fingerprint; the live value is kept. To restore it, ${howToGive(name)}`);
      continue;
    }
    sources[name] = 'missing';
    deps.cannot(req.resource, `${req.kind} ${name} cannot be restored: it is missing live and the archive holds only its fingerprint; it is left out. To restore it, ${howToGive(name)}`);
  }
  const removed = sorted(Object.keys(req.live).filter((name) => !Object.hasOwn(req.archived, name)));
  return { values, sources, changed: sorted([...changed, ...removed]), removed };
}

/** "+A ~B -C" style summary of names for a plan detail (names only, never values). */
export function describeSecretChanges(kind: string, resolved: ResolvedSecrets, live: Record<string, string>): string {
  const parts: string[] = [];
  for (const name of resolved.changed) {
    if (resolved.removed.includes(name)) parts.push(`-${name}`);
    else if (!Object.hasOwn(live, name)) parts.push(`+${name}`);
    else parts.push(`~${name}`);
  }
  return parts.length ? `${kind} ${parts.join(' ')}` : '';
}
