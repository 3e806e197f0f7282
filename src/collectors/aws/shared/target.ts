// Who and where an AWS request goes to, identified rather than spelled. A snapshot records the
// estate it read (account id from STS GetCallerIdentity, and the endpoint in one normal form)
// in its manifest; `snap restore` shows the target it is about to write to, and
// `snap restore-test` refuses a target that is the estate a version was taken from, however it
// is named: another spelling of the same endpoint (`http://LOCALHOST:5000/`,
// `http://127.0.0.1:5000`), the endpoint coming from AWS_ENDPOINT_URL instead of the config,
// or another profile of the same account.
import { lookup } from 'node:dns/promises';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsClients } from './clients.js';

/** The estate a snapshot read, or a restore writes to, as recorded in a version's manifest. */
export interface AwsTarget {
  /** the 12-digit account id STS answered with; null when it could not be asked */
  accountId: string | null;
  /** the caller's ARN (role or user), for people */
  arn: string | null;
  /** the custom endpoint in normal form (normalizeEndpoint), or null for AWS's own endpoints */
  endpoint: string | null;
}

const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' };

/**
 * One spelling per endpoint: lower-case scheme and host, the port always written out, no
 * trailing slash, no query or fragment. Host names are not resolved here (see
 * endpointAddresses): the normal form is what is recorded and shown.
 */
export function normalizeEndpoint(url: string): string {
  const u = new URL(url);
  const port = u.port || DEFAULT_PORTS[u.protocol] || '';
  const host = u.hostname.toLowerCase();
  const path = u.pathname.replace(/\/+$/, '');
  return `${u.protocol}//${host}${port ? `:${port}` : ''}${path}`;
}

/**
 * What an endpoint connects to: "scheme//address:port/path" for every address its host
 * resolves to (localhost → 127.0.0.1 and ::1). Two endpoints reach the same server when these
 * sets meet. A host that does not resolve stands for itself.
 */
export async function endpointAddresses(url: string): Promise<Set<string>> {
  const u = new URL(normalizeEndpoint(url));
  const bare = u.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  try {
    addresses = (await lookup(bare, { all: true, verbatim: true })).map((a) => a.address);
  } catch {
    addresses = [bare];
  }
  const path = u.pathname.replace(/\/+$/, '');
  return new Set(addresses.map((a) => `${u.protocol}//${normalizeAddress(a)}:${u.port}${path}`));
}

function normalizeAddress(address: string): string {
  // ::ffff:127.0.0.1 is 127.0.0.1; every 127.x address is this machine's loopback.
  const v4 = /^(?:::ffff:)?(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (v4) return v4[1]!.startsWith('127.') ? '127.0.0.1' : v4[1]!;
  return address.toLowerCase() === '::1' || address === '0:0:0:0:0:0:0:1' ? '127.0.0.1' : `[${address.toLowerCase()}]`;
}

/** True when two endpoints (either may be null: AWS's own endpoints) reach the same server. */
export async function sameEndpoint(a: string | null | undefined, b: string | null | undefined): Promise<boolean> {
  if (!a || !b) return !a && !b;
  const left = await endpointAddresses(a);
  for (const x of await endpointAddresses(b)) if (left.has(x)) return true;
  return false;
}

/**
 * Asks STS who the clients' credentials belong to (GetCallerIdentity needs no permission).
 * Throws what the SDK throws: an authentication error, an unreachable endpoint; the caller
 * decides what that means (a snapshot stops before any collector runs).
 */
export async function identifyTarget(clients: AwsClients, signal?: AbortSignal): Promise<AwsTarget> {
  const sts = clients.get(STSClient);
  const answer = await sts.send(new GetCallerIdentityCommand({}), { abortSignal: signal });
  const endpoint = clients.endpoint;
  return { accountId: answer.Account ?? null, arn: answer.Arn ?? null, endpoint: endpoint ? normalizeEndpoint(endpoint) : null };
}

/** For plans and notes: "account 123456789012 at http://127.0.0.1:5000". */
export function describeTarget(target: AwsTarget): string {
  const account = target.accountId ? `account ${target.accountId}` : 'an unidentified account';
  return `${account} at ${target.endpoint ?? 'AWS (standard endpoints)'}`;
}
