// Sorting AWS errors into what they mean for a snapshot. Expected refusals become coverage
// findings (the rest goes on): access denied, an optional sub-configuration that is not set,
// a service not offered or not enabled in a region. Anything else is a real failure of the
// resource (ctx.partial) or the collector (thrown). Decided on the SDK's error name and HTTP
// status, never on message text.
import type { CollectContext } from '../../types.js';

export type AwsErrorKind = 'access-denied' | 'not-found' | 'unavailable' | 'throttled' | 'other';

const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'UnauthorizedAccess', 'AuthorizationError', 'Forbidden', 'AllAccessDisabled']);
const UNAVAILABLE = new Set(['OptInRequired', 'SubscriptionRequiredException', 'InvalidAction', 'UnknownOperationException', 'UnsupportedOperation', 'NotSupported', 'ServiceUnavailableInRegion']);
const THROTTLED = new Set(['Throttling', 'ThrottlingException', 'TooManyRequestsException', 'SlowDown', 'RequestLimitExceeded', 'ProvisionedThroughputExceededException']);

/**
 * An answer that is not an AWS error document at all, with HTTP 404: the endpoint does not
 * implement the operation (an emulator or an S3-compatible server covering part of the API).
 */
function isUnimplementedOperation(err: unknown): boolean {
  return (err as { name?: unknown })?.name === 'SyntaxError' && httpStatus(err) === 404;
}

export function awsErrorName(err: unknown): string {
  if (isUnimplementedOperation(err)) return 'OperationNotImplemented';
  const e = err as { name?: unknown; Code?: unknown; code?: unknown };
  for (const v of [e?.name, e?.Code, e?.code]) if (typeof v === 'string' && v && v !== 'Error') return v;
  return 'Error';
}

export function httpStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

export function classifyAwsError(err: unknown): AwsErrorKind {
  const name = awsErrorName(err);
  if (name === 'OperationNotImplemented') return 'unavailable';
  if (ACCESS_DENIED.has(name) || httpStatus(err) === 403) return 'access-denied';
  if (UNAVAILABLE.has(name)) return 'unavailable';
  if (THROTTLED.has(name) || httpStatus(err) === 429) return 'throttled';
  if (/NotFound|NoSuch/.test(name) || httpStatus(err) === 404) return 'not-found';
  return 'other';
}

/**
 * Reads an optional sub-configuration. Returns null when it is not set (one of
 * `notConfigured` error names, or any NotFound), records a finding and returns null when
 * access is refused, and rethrows anything else.
 */
export async function optionalConfig<T>(ctx: CollectContext<any>, resource: string, read: () => Promise<T>, notConfigured: readonly string[] = []): Promise<T | null> {
  try {
    return await read();
  } catch (err) {
    const name = awsErrorName(err);
    if (notConfigured.includes(name)) return null;
    const kind = classifyAwsError(err);
    if (kind === 'not-found') return null;
    if (kind === 'access-denied' || kind === 'unavailable') {
      ctx.finding({ resource, reason: name });
      return null;
    }
    throw err;
  }
}

/** Records an expected refusal as a finding and returns true; false for any other error. */
export function recordRefusal(ctx: CollectContext<any>, resource: string, err: unknown): boolean {
  const kind = classifyAwsError(err);
  if (kind !== 'access-denied' && kind !== 'unavailable') return false;
  ctx.finding({ resource, reason: awsErrorName(err) });
  return true;
}
