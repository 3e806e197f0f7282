// Errors of the Apps Script collector. Callers branch on `code` and on the structured fields
// (HTTP status, Google's status name, OAuth error code), never on message text. Messages are
// built from names, paths, statuses and text already passed through a Redactor, so no token,
// refresh token, client secret or private key can ride along in one.
import { SnapError } from '../../errors.js';

/** A credentials file that is missing, unreadable or not in a shape snap knows. */
export class GasCredentialsError extends SnapError {
  constructor(message: string, file: string) {
    super('CONFIG_INVALID', message, { file });
    this.name = 'GasCredentialsError';
  }
}

/** The OAuth token endpoint refused (revoked refresh token, wrong client, bad signature). */
export class GoogleAuthError extends SnapError {
  constructor(
    message: string,
    readonly status: number,
    /** OAuth error code: invalid_grant, invalid_client, … */
    readonly oauthError: string,
  ) {
    super('COLLECTOR_FAILED', message, { service: 'oauth2', status, oauthError });
    this.name = 'GoogleAuthError';
  }
}

/** The Apps Script API answered with an error. */
export class GoogleApiError extends SnapError {
  constructor(
    message: string,
    readonly status: number,
    /** Google's status name: PERMISSION_DENIED, NOT_FOUND, UNAUTHENTICATED, … ('' when absent) */
    readonly reason: string,
  ) {
    super('COLLECTOR_FAILED', message, { service: 'script.googleapis.com', status, reason });
    this.name = 'GoogleApiError';
  }
}
