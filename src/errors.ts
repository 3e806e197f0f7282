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
  | 'VAULT_UNUSABLE'
  | 'AUTH_FAILED'
  | 'ENDPOINT_UNREACHABLE'
  | 'DISK_FULL'
  | 'NOTHING_COLLECTED'
  | 'UNTRUSTED_VERSION';

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
  'UNTRUSTED_VERSION',
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

/**
 * Errors that no part of a snapshot can go on after, because every other part would meet
 * them too: credentials refused or missing, the endpoint unreachable, the disk full. They are
 * never a coverage finding nor one resource's failure: the run stops and nothing is written.
 */
const RUN_FATAL_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['AUTH_FAILED', 'ENDPOINT_UNREACHABLE', 'DISK_FULL']);

/** The disk (or quota) is full: a write anywhere fails the same way. */
export function isOutOfSpace(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'DISK_FULL') return true;
  }
  return false;
}

export function isRunFatal(err: unknown): boolean {
  return (isSnapError(err) && RUN_FATAL_CODES.has(err.code)) || isOutOfSpace(err);
}

export function exitCodeFor(err: unknown): 1 | 2 {
  return isSnapError(err) && USAGE_CODES.has(err.code) ? 2 : 1;
}

/** The secret filter describeError passes text through (src/util/redact.ts). */
export interface TextFilter {
  brief(text: string, max?: number): string;
}

/**
 * A one-line description of any thrown value. A message may carry text a server sent (an AWS
 * error message, a child process's output): give the command's Redactor, and it is filtered.
 */
export function describeError(err: unknown, filter?: TextFilter): string {
  let text: string;
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const name = (err as { name?: unknown }).name;
    const prefix = !isSnapError(err) && typeof name === 'string' && name !== 'Error' ? `${name}: ` : '';
    const suffix = !isSnapError(err) && typeof code === 'string' && !err.message.includes(code) ? ` (${code})` : '';
    text = `${prefix}${err.message}${suffix}`.split('\n')[0]!;
  } else text = String(err);
  return filter ? filter.brief(text, 1000) : text;
}
