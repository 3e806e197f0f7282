// Where a restore writes, identified rather than spelled. Before anything is planned, the
// clients a restore will write with are asked who they are (STS GetCallerIdentity: the account)
// and where their requests really go (the endpoint the request was sent to, whichever way it
// was named: --endpoint, snap.config.json, AWS_ENDPOINT_URL, a profile's endpoint_url), and
// the plan shows that target.
//
// `snap restore-test` must never write to the estate a version was taken from, however the
// target is named. The estates it refuses are
//   - the one the version recorded (manifest.source: account and endpoint), or for a version
//     without it, the one its snap.config.json names (endpoint and profile, identified now);
//   - the one the archive is configured for now (a version may be older than a move).
// A target is an estate when it reaches the same server (compared by the addresses its host
// resolves to, whatever the path: localhost, 127.0.0.1 and a trailing slash are one) and the
// same account, or an account that cannot be told apart (one side unidentified). Two accounts
// on one server (a scratch account in the same emulator) are different targets. On top of
// that check, every
// request of a restore-test is checked as it is sent (GuardedClients): a service-specific
// endpoint (AWS_ENDPOINT_URL_S3, a profile's services section) that reaches the estate is
// refused before it leaves this machine.
import { STSClient } from '@aws-sdk/client-sts';
import type { Archive } from '../archive/archive.js';
import { MANIFEST_PATH, type Manifest } from '../archive/manifest.js';
import { awsClientsFor } from '../archive/snapshot.js';
import { VersionReader } from '../archive/version-reader.js';
import type { VersionInfo } from '../archive/versions.js';
import { AwsClients } from '../collectors/aws/shared/clients.js';
import { describeTarget, endpointAddresses, identifyTarget, normalizeEndpoint, type AwsTarget } from '../collectors/aws/shared/target.js';
import type { SnapConfig } from '../config/schema.js';
import { describeError, SnapError, UsageError } from '../errors.js';
import type { Redactor } from '../util/redact.js';

export interface TargetOverride {
  endpoint?: string | undefined;
  profile?: string | undefined;
}

/** An --endpoint given by the user, in normal form; a usage error when it is no http(s) URL. */
export function endpointOption(value: string): string {
  let normal: string;
  try {
    normal = normalizeEndpoint(value);
  } catch {
    throw new UsageError(`--endpoint needs a URL such as http://127.0.0.1:5000, got ${JSON.stringify(value)}`);
  }
  if (!/^https?:/.test(normal)) throw new UsageError(`--endpoint needs an http:// or https:// URL, got ${JSON.stringify(value)}`);
  return normal;
}

/** The configuration with another endpoint (in normal form) or profile put in (a restore into another account). */
export function withTarget(config: SnapConfig, override: TargetOverride): SnapConfig {
  return { ...config, aws: { ...config.aws, ...(override.endpoint ? { endpoint: endpointOption(override.endpoint) } : {}), ...(override.profile ? { profile: override.profile } : {}) } };
}

/** Hosts of AWS's own endpoints: a request to one of them goes to "AWS", whatever its region. */
const AWS_HOST = /(^|\.)(amazonaws\.com|amazonaws\.com\.cn|api\.aws)$/i;

interface SentTo {
  protocol?: string;
  hostname?: string;
  port?: number;
  path?: string;
}

/** "http://127.0.0.1:5000" for a request about to be sent, or null for AWS's own endpoints. */
function endpointOf(request: SentTo): string | null {
  if (!request.hostname || AWS_HOST.test(request.hostname)) return null;
  const protocol = request.protocol?.endsWith(':') ? request.protocol : `${request.protocol ?? 'https'}:`;
  const host = request.hostname.includes(':') && !request.hostname.startsWith('[') ? `[${request.hostname}]` : request.hostname;
  return normalizeEndpoint(`${protocol}//${host}${request.port ? `:${request.port}` : ''}`);
}

const observed = new WeakMap<object, { last: string | null }>();

/**
 * Who the clients' credentials belong to, and where their requests go: the endpoint is the one
 * STS's request was really sent to, so an endpoint named by a profile or an environment
 * variable the clients were not given is seen too.
 */
export async function identify(clients: AwsClients, signal?: AbortSignal): Promise<AwsTarget> {
  const sts = clients.get(STSClient);
  let seen = observed.get(sts);
  if (!seen) {
    const record = { last: null as string | null };
    seen = record;
    observed.set(sts, record);
    sts.middlewareStack.add((next) => async (args) => {
      record.last = endpointOf(args.request as SentTo);
      return next(args);
    }, { step: 'finalizeRequest', name: 'snapObserveEndpoint', priority: 'low' });
  }
  const target = await identifyTarget(clients, signal);
  return { ...target, endpoint: seen.last };
}

/** An estate a restore-test must not write to, and how the user would know it. */
export interface Estate {
  target: AwsTarget;
  /** "recorded in v1.0", "named by v1.0's snap.config.json", "the archive's configuration" */
  source: string;
  /** why its account is unknown, when it is */
  unidentified?: string;
}

async function identifyOrEndpoint(config: SnapConfig, signal?: AbortSignal): Promise<{ target: AwsTarget; error?: string }> {
  const clients = awsClientsFor(config);
  try {
    return { target: await identify(clients, signal) };
  } catch (err) {
    const endpoint = clients.endpoint;
    return { target: { accountId: null, arn: null, endpoint: endpoint ? normalizeEndpoint(endpoint) : null }, error: describeError(err) };
  } finally {
    clients.destroy();
  }
}

/** The estates a restore-test of `version` must never write to. */
export async function estatesOf(archive: Archive, version: VersionInfo, config: SnapConfig, signal?: AbortSignal): Promise<Estate[]> {
  const root = new VersionReader(archive.repo, version.treeOid);
  const manifest = await root.json<Manifest>(MANIFEST_PATH).catch(() => null);
  const estates: Estate[] = [];
  if (manifest?.source) {
    estates.push({ target: manifest.source, source: `recorded in ${version.name}` });
  } else {
    // Taken before snapshots recorded their source: the endpoint and profile the version's own
    // configuration names, and the account those credentials belong to now.
    const own = await root.json<{ aws?: { endpoint?: unknown; profile?: unknown } }>('snap.config.json').catch(() => null);
    const endpoint = typeof own?.aws?.endpoint === 'string' ? own.aws.endpoint : undefined;
    const profile = typeof own?.aws?.profile === 'string' ? own.aws.profile : undefined;
    const found = await identifyOrEndpoint({ ...config, aws: { ...config.aws, endpoint, profile } }, signal);
    estates.push({ target: found.target, source: `named by ${version.name}'s snap.config.json`, ...(found.error ? { unidentified: found.error } : {}) });
  }
  // The estate the archive is configured for now. When its credentials cannot be asked, it is
  // known by its endpoint alone; where the version recorded an identified estate at that same
  // endpoint (or both are AWS's own), that record decides instead of an unknown account.
  const configured = await identifyOrEndpoint(config, signal);
  const known = async () => {
    for (const e of estates) if (e.target.accountId && (await sameServer(e.target.endpoint, configured.target.endpoint))) return true;
    return false;
  };
  if (!configured.error || (configured.target.endpoint && !(await known()))) {
    estates.push({ target: configured.target, source: "the archive's configuration", ...(configured.error ? { unidentified: configured.error } : {}) });
  }
  return estates;
}

/**
 * What a server is reached at, whatever the path of the endpoint that names it: an estate
 * behind "http://host:5000/prefix" is on the same server as "http://host:5000", and a
 * request (which carries the whole path) is compared by its server too.
 */
function serverAddresses(endpoint: string): Promise<Set<string>> {
  return endpointAddresses(new URL(normalizeEndpoint(endpoint)).origin);
}

/** True when two endpoints (either may be null: AWS's own endpoints) reach the same server. */
async function sameServer(a: string | null, b: string | null): Promise<boolean> {
  if (!a || !b) return !a && !b;
  const left = await serverAddresses(a);
  for (const x of await serverAddresses(b)) if (left.has(x)) return true;
  return false;
}

/** Whether two targets could be the same estate: same server, and accounts not told apart. */
async function sameAccountAt(a: AwsTarget, b: AwsTarget): Promise<boolean> {
  if (a.accountId && b.accountId && a.accountId !== b.accountId) return false;
  return sameServer(a.endpoint, b.endpoint);
}

/**
 * Refuses `target` when it is one of `estates`, before anything is planned or written (error
 * code TARGET_REFUSED, exit code 2). Returns the endpoints of estates that the target's
 * account cannot be told apart from, for refuseRequestsTo.
 */
export async function refuseEstates(target: AwsTarget, estates: readonly Estate[]): Promise<string[]> {
  const guarded: string[] = [];
  for (const estate of estates) {
    if (await sameAccountAt(target, estate.target)) {
      const unknown = !target.accountId || !estate.target.accountId;
      throw new SnapError(
        'TARGET_REFUSED',
        `restore-test refuses ${describeTarget(target)}: it is ${unknown ? 'not told apart from ' : ''}the estate ${estate.source} (${describeTarget(estate.target)})${estate.unidentified ? `, whose account could not be asked (${estate.unidentified})` : ''}. Nothing was written. Restore-test into a scratch target: another endpoint (--endpoint URL) or another account (--profile NAME)`,
        { target, estate: estate.target, source: estate.source },
      );
    }
    const accountsDiffer = target.accountId && estate.target.accountId && target.accountId !== estate.target.accountId;
    if (!accountsDiffer && estate.target.endpoint) guarded.push(estate.target.endpoint);
  }
  return guarded;
}

/**
 * Clients whose every request is checked as it is sent: one that would reach any of
 * `endpoints` is refused (TARGET_REFUSED) before it leaves this machine.
 */
export class GuardedClients extends AwsClients {
  private readonly forbidden: Promise<Set<string>>;
  private readonly guarded = new WeakSet<object>();

  constructor(settings: AwsClients['settings'], endpoints: readonly string[], redactor?: Redactor) {
    super(settings, { redactor });
    this.forbidden = Promise.all(endpoints.map(serverAddresses)).then((sets) => new Set(sets.flatMap((s) => [...s])));
    this.forbidden.catch(() => undefined); // told to the first request, not as an unhandled rejection
  }

  override get<T>(ctor: new (config: Record<string, unknown>) => T, region?: string, options: Record<string, string | number | boolean> = {}): T {
    const client = super.get(ctor, region, options);
    const stack = (client as { middlewareStack?: { add: (mw: unknown, opts: unknown) => void } }).middlewareStack;
    if (stack && !this.guarded.has(client as object)) {
      this.guarded.add(client as object);
      stack.add(
        (next: (args: { request: unknown }) => Promise<unknown>) => async (args: { request: unknown }) => {
          const endpoint = endpointOf(args.request as SentTo);
          if (endpoint) {
            const forbidden = await this.forbidden;
            for (const address of await serverAddresses(endpoint)) {
              if (forbidden.has(address)) throw new SnapError('TARGET_REFUSED', `a request to ${endpoint} was refused: it reaches the estate the version was taken from`, { endpoint });
            }
          }
          return next(args);
        },
        { step: 'finalizeRequest', name: 'snapRefuseEstate', priority: 'high' },
      );
    }
    return client;
  }
}

/** Clients for `config` that refuse every request to `endpoints`. */
export function guardedClientsFor(config: SnapConfig, endpoints: readonly string[], redactor?: Redactor): AwsClients {
  const plain = awsClientsFor(config);
  const settings = plain.settings;
  plain.destroy();
  return new GuardedClients(settings, endpoints, redactor);
}
