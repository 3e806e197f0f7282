// Sorting AWS errors into what they mean for a snapshot:
//   auth, unreachable  → the run stops (credentials refused or missing, endpoint unreachable:
//                        every other request would meet the same); never a finding
//   access-denied      → a coverage finding for that resource (AccessDenied and its siblings;
//                        a 403 without a recognisable code is not one, see sdk-errors.ts)
//   unavailable        → a coverage finding: a service or operation not offered (by the
//                        region, the account, or the endpoint)
//   not-found          → usually "not configured" or "deleted meanwhile"
//   throttled, other   → a real failure of the resource (ctx.partial) or the collector (thrown)
// Decided on the error code and HTTP status, never on message text. The clients' errors are
// already translated (sdk-errors.ts); raw SDK errors are classified the same way.
import { isSnapError } from '../../../errors.js';
import type { CollectContext, CoverageFinding } from '../../types.js';
import { AUTH_CODES, ServiceNotOfferedError } from './sdk-errors.js';

export type AwsErrorKind = 'auth' | 'unreachable' | 'access-denied' | 'not-found' | 'unavailable' | 'throttled' | 'other';

const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'UnauthorizedAccess', 'UnauthorizedException', 'AuthorizationError', 'Forbidden', 'AllAccessDisabled']);
const UNAVAILABLE = new Set([
  'OptInRequired',
  'SubscriptionRequiredException',
  'InvalidAction',
  'UnknownOperationException',
  'UnsupportedOperation',
  'NotSupported',
  'ServiceUnavailableInRegion',
  'NotAvailableInRegion',
  'ServiceNotOffered',
  'OperationNotImplemented',
]);
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
  if (isSnapError(err)) return typeof err.data.awsCode === 'string' ? err.data.awsCode : err.code;
  const e = err as { name?: unknown; Code?: unknown; code?: unknown };
  for (const v of [e?.name, e?.Code, e?.code]) if (typeof v === 'string' && v && v !== 'Error') return v;
  return 'Error';
}

export function httpStatus(err: unknown): number | undefined {
  const e = err as { $metadata?: { httpStatusCode?: number }; data?: { status?: unknown } };
  return e?.$metadata?.httpStatusCode ?? (isSnapError(err) && typeof e.data?.status === 'number' ? e.data.status : undefined);
}

export function classifyAwsError(err: unknown): AwsErrorKind {
  if (isSnapError(err)) return err.code === 'AUTH_FAILED' ? 'auth' : err.code === 'ENDPOINT_UNREACHABLE' ? 'unreachable' : 'other';
  const name = awsErrorName(err);
  if (AUTH_CODES.has(name)) return 'auth';
  if (UNAVAILABLE.has(name)) return 'unavailable';
  if (ACCESS_DENIED.has(name)) return 'access-denied';
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
    if (recordRefusal(ctx, resource, err)) return null;
    throw err;
  }
}

/**
 * The coverage finding for an expected refusal (access denied, not offered), or null for any
 * other error. A service the endpoint does not offer says so, and how to stop asking.
 */
export function refusalFinding(_ctx: Pick<CollectContext<any>, 'id'>, resource: string, err: unknown, detail?: string): CoverageFinding | null {
  const kind = classifyAwsError(err);
  if (kind !== 'access-denied' && kind !== 'unavailable') return null;
  if (err instanceof ServiceNotOfferedError) return { resource, reason: 'NotOffered', service: err.service, detail: `${err.message}${detail ? `; ${detail}` : ''}` };
  return { resource, reason: awsErrorName(err), ...(detail ? { detail } : {}) };
}

/** Records an expected refusal as a finding and returns true; false for any other error. */
export function recordRefusal(ctx: CollectContext<any>, resource: string, err: unknown, detail?: string): boolean {
  const finding = refusalFinding(ctx, resource, err, detail);
  if (!finding) return false;
  ctx.finding(finding);
  return true;
}
