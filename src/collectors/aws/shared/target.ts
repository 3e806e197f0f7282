// Who and where an AWS request goes to, identified rather than spelled. A snapshot records the
// estate it read (account id from STS GetCallerIdentity, and the endpoint in one normal form)
// in its manifest; `snap restore` shows the target it is about to write to, and
// `snap restore-test` refuses a target that is the estate a version was taken from, however it
// is named: another spelling of the same endpoint (`http://LOCALHOST:5000/`,
// `http://127.0.0.1:5000`, `http://0.0.0.0:5000`, `http://[::ffff:7f00:1]:5000`), the endpoint coming from AWS_ENDPOINT_URL instead of the config,
// or another profile of the same account.
import { lookup } from 'node:dns/promises';
import { isIPv4, isIPv6 } from 'node:net';
import { networkInterfaces } from 'node:os';
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

/**
 * One form per address, where every address that reaches this machine is "127.0.0.1": the
 * whole 127/8, 0.0.0.0 and :: (a connection to them lands on the local host), ::1, those
 * written as IPv4-mapped IPv6 in any notation (::ffff:127.0.0.1, ::ffff:7f00:1), and the
 * addresses of this machine's own interfaces. Taking two local servers for one is the safe
 * mistake (restore-test refuses); taking the estate for another server is the one to avoid.
 */
function normalizeAddress(address: string): string {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '').toLowerCase();
  if (isIPv4(bare)) return isLocalV4(bare) || localAddresses().has(bare) ? '127.0.0.1' : bare;
  if (!isIPv6(bare)) return bare;
  const groups = expandV6(bare);
  const v4 = mappedV4(groups);
  if (v4) return normalizeAddress(v4);
  const canonical = canonicalV6(groups);
  const local = groups.slice(0, 7).every((g) => g === 0) && (groups[7] === 0 || groups[7] === 1);
  return local || localAddresses().has(canonical) ? '127.0.0.1' : `[${canonical}]`;
}

function isLocalV4(a: string): boolean {
  return a.startsWith('127.') || a === '0.0.0.0';
}

/** The eight 16-bit groups of an IPv6 address (a trailing dotted IPv4 part included). */
function expandV6(a: string): number[] {
  let text = a;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [b0, b1, b2, b3] = dotted[1]!.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((b0 << 8) | b1).toString(16)}:${((b2 << 8) | b3).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail === undefined ? [] : tail ? tail.split(':') : [];
  const zeros = tail === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...Array<string>(zeros).fill('0'), ...right].map((g) => parseInt(g, 16));
}

/** Eight 16-bit groups written one way: lower-case hex without leading zeros, none elided. */
function canonicalV6(groups: number[]): string {
  return groups.map((g) => g.toString(16)).join(':');
}

/** The IPv4 address an IPv4-mapped (::ffff:a.b.c.d) or IPv4-compatible (::a.b.c.d) IPv6 address stands for. */
function mappedV4(g: number[]): string | null {
  if (!g.slice(0, 5).every((x) => x === 0) || (g[5] !== 0xffff && g[5] !== 0)) return null;
  if (g[5] === 0 && g[6] === 0) return null; // ::, ::1 and the like are IPv6's own
  return [g[6]! >> 8, g[6]! & 255, g[7]! >> 8, g[7]! & 255].join('.');
}

let ownAddresses: Set<string> | null = null;
/** This machine's interface addresses, in the forms normalizeAddress compares. */
function localAddresses(): Set<string> {
  if (ownAddresses) return ownAddresses;
  ownAddresses = new Set();
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) ownAddresses.add(i.family === 'IPv6' ? canonicalV6(expandV6(i.address.replace(/%.*$/, '').toLowerCase())) : i.address);
  }
  return ownAddresses;
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
