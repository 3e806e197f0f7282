// Typed errors for every failure snap reports. Each kind carries a literal `code` and
// structured `data`; callers branch on `code`, never on message text. Only the CLI turns
// them into exit codes (see exitCodeFor), so library code stays usable from other programs.
//
// Messages must never contain secret values: build them from names, paths and codes only.

export type ErrorCode =
  | 'USAGE'
  | 'CONFIG_INVALID'
  | 'NOT_AN_ARCHIVE'
  | 'ALREADY_AN_ARCHIVE'
  | 'UNKNOWN_VERSION'
  | 'VERSION_EXISTS'
  | 'INVALID_VERSION_NAME'
  | 'PATH_NOT_FOUND'
  | 'UNSAFE_PATH'
  | 'ARCHIVE_LOCKED'
  | 'INTEGRITY'
  | 'STORE_MISSING_OBJECT'
  | 'POINTER_INVALID'
  | 'SIGNING'
  | 'GIT_OBJECT'
  | 'COLLECTOR_FAILED'
  | 'EMULATOR_MISSING'
  | 'EXTERNAL_COMMAND'
  | 'TARGET_REFUSED'
  | 'TARGET_UNIDENTIFIED'
  | 'VAULT_UNUSABLE';

/** How the CLI ends for an error: 1 failed, 2 bad usage or input (nothing written). */
const USAGE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'USAGE',
  'CONFIG_INVALID',
  'NOT_AN_ARCHIVE',
  'ALREADY_AN_ARCHIVE',
  'UNKNOWN_VERSION',
  'VERSION_EXISTS',
  'INVALID_VERSION_NAME',
  'PATH_NOT_FOUND',
  'TARGET_REFUSED',
  'VAULT_UNUSABLE',
]);

export class SnapError extends Error {
  readonly code: ErrorCode;
  readonly data: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, data: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SnapError';
    this.code = code;
    this.data = data;
  }
}

export class UsageError extends SnapError {
  constructor(message: string, data: Record<string, unknown> = {}) {
    super('USAGE', message, data);
    this.name = 'UsageError';
  }
}

export class ConfigError extends SnapError {
  constructor(message: string, readonly issues: { path: string; message: string }[], file: string) {
    super('CONFIG_INVALID', message, { file, issues });
    this.name = 'ConfigError';
  }
}

export class IntegrityError extends SnapError {
  constructor(message: string, data: Record<string, unknown>) {
    super('INTEGRITY', message, data);
    this.name = 'IntegrityError';
  }
}

export function isSnapError(err: unknown): err is SnapError {
  return err instanceof SnapError;
}

export function exitCodeFor(err: unknown): 1 | 2 {
  return isSnapError(err) && USAGE_CODES.has(err.code) ? 2 : 1;
}

/** A one-line description of any thrown value, safe to print. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const name = (err as { name?: unknown }).name;
    const prefix = !isSnapError(err) && typeof name === 'string' && name !== 'Error' ? `${name}: ` : '';
    const suffix = !isSnapError(err) && typeof code === 'string' && !err.message.includes(code) ? ` (${code})` : '';
    return `${prefix}${err.message}${suffix}`.split('\n')[0]!;
  }
  return String(err);
}
