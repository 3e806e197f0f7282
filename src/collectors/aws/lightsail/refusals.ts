// Which Lightsail errors are expected refusals (coverage findings) rather than failures: the
// shared AWS ones (access denied; not offered in a region, whose host name does not resolve,
// or by a custom endpoint at all: see shared/sdk-errors.ts), and Lightsail's own "account or
// region still being set up" answers. Credentials refused are never among them: they stop
// the run. Decided on error codes, never on message text.
import type { CollectContext, CoverageFinding } from '../../types.js';
import { awsErrorName, refusalFinding } from '../shared/errors.js';

const SETTING_UP = new Set(['AccountSetupInProgressException', 'RegionSetupInProgressException']);

/** The finding for `err` when it is an expected refusal; null for a real failure. */
export function lightsailRefusal(ctx: Pick<CollectContext<any>, 'id'>, resource: string, err: unknown, detail?: string): CoverageFinding | null {
  const name = awsErrorName(err);
  if (SETTING_UP.has(name)) return { resource, reason: name, ...(detail ? { detail } : {}) };
  return refusalFinding(ctx, resource, err, detail);
}

/** True when the refusal covers the whole region, so asking it anything else is pointless. */
export function refusesWholeRegion(reason: string): boolean {
  return reason === 'NotAvailableInRegion' || reason === 'NotOffered' || SETTING_UP.has(reason);
}
