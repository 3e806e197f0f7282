// Which Lightsail errors are expected refusals (coverage findings) rather than failures:
// the shared AWS ones (access denied, not offered), Lightsail's own "account or region still
// being set up" answers, and a region with no Lightsail endpoint at all (its host name does
// not resolve; only meaningful against AWS itself, not a configured endpoint). Decided on
// error names and codes, never on message text.
import { awsErrorName, classifyAwsError } from '../shared/errors.js';

const SETTING_UP = new Set(['AccountSetupInProgressException', 'RegionSetupInProgressException']);

/** The finding's reason when `err` is an expected refusal; null for a real failure. */
export function lightsailRefusal(err: unknown, options: { customEndpoint: boolean }): string | null {
  if (!options.customEndpoint && regionNotOffered(err)) return 'NotAvailableInRegion';
  const name = awsErrorName(err);
  if (SETTING_UP.has(name)) return name;
  const kind = classifyAwsError(err);
  if (kind === 'access-denied' || kind === 'unavailable') return name;
  return null;
}

/** True when the refusal covers the whole region, so asking it anything else is pointless. */
export function refusesWholeRegion(reason: string): boolean {
  return reason === 'NotAvailableInRegion' || SETTING_UP.has(reason);
}

function regionNotOffered(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { code?: unknown }).code === 'ENOTFOUND') return true;
  }
  return false;
}
