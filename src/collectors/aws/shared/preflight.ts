// The check a snapshot makes before any AWS collector runs: do the credentials work, and can
// the endpoint be reached? One STS GetCallerIdentity call (it needs no permission) answers
// both, and names the account, which the version records (manifest.source). Without it a run
// with wrong, expired or missing credentials, or an endpoint that is down, would meet the
// same refusal in every collector and region, and could be mistaken for an estate that lost
// its resources.
//
//   credentials refused or missing, endpoint unreachable → that error (AUTH_FAILED or
//                                                           ENDPOINT_UNREACHABLE): the run stops
//   a custom endpoint that does not offer STS (an         → the account stays unidentified (null:
//   S3-compatible server, say: a page that is not an AWS    the version records no source); the run
//   answer, or UnknownOperation); or STS refusing the call  goes on (its own requests still stop it
//   (AccessDenied: the credentials were accepted, the       if the credentials are refused)
//   caller may not ask)
//   any other failure of the check                        → ENDPOINT_UNREACHABLE: the run stops
import { describeError, SnapError } from '../../../errors.js';
import type { Logger } from '../../../util/log.js';
import type { AwsClients } from './clients.js';
import { classifyAwsError } from './errors.js';
import { identifyTarget, normalizeEndpoint, type AwsTarget } from './target.js';

export async function checkAwsAccess(clients: AwsClients, log: Logger, signal?: AbortSignal): Promise<AwsTarget | null> {
  try {
    return await identifyTarget(clients, signal);
  } catch (err) {
    if (signal?.aborted) throw err;
    const kind = classifyAwsError(err);
    if (kind === 'auth' || kind === 'unreachable') throw err;
    const endpoint = clients.endpoint ? normalizeEndpoint(clients.endpoint) : null;
    if (kind === 'unavailable' && endpoint) {
      log.info(`the endpoint ${endpoint} does not offer STS, so the account is not identified`);
      return null;
    }
    if (kind === 'access-denied') {
      log.info('STS refused GetCallerIdentity (the credentials were accepted), so the account is not identified');
      return null;
    }
    const where = endpoint ?? `AWS in ${clients.settings.region}`;
    throw new SnapError(
      'ENDPOINT_UNREACHABLE',
      `cannot check the AWS credentials at ${where}: STS GetCallerIdentity failed (${describeError(err, clients.redactor)}); check aws.endpoint (or AWS_ENDPOINT_URL), aws.region and the network, and run again`,
      { endpoint },
      { cause: err },
    );
  }
}
