// Errors of the Apps Script collector. Callers branch on `code` and on the structured fields
// (HTTP status, Google's status name, OAuth error code), never on message text. Messages are
// built from names, paths, statuses and text already passed through a Redactor, so no token,
// refresh token, client secret or private key can ride along in one.
import { SnapError } from '../../errors.js';

// Credentials that do not work at all (missing, unreadable, refused) are AUTH_FAILED: like AWS
// credentials refused, they stop the whole run (isRunFatal), since every project would meet them.

/** A credentials file that is missing, unreadable or not in a shape snap knows. */
export class GasCredentialsError extends SnapError {
  constructor(message: string, file: string) {
    super('AUTH_FAILED', message, { file });
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
    super('AUTH_FAILED', `${message}; sign in again (clasp login) or check collectors.gas.credentials`, { service: 'oauth2', status, oauthError });
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
    // 401 after a renewed token: the credentials themselves are not accepted.
    super(status === 401 ? 'AUTH_FAILED' : 'COLLECTOR_FAILED', status === 401 ? `${message}; sign in again (clasp login) or check collectors.gas.credentials` : message, { service: 'script.googleapis.com', status, reason });
    this.name = 'GoogleApiError';
  }
}
