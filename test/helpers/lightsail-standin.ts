// A loopback stand-in for Amazon Lightsail, which the moto emulator does not offer. It is the
// smallest faithful shape of the Lightsail API reference for the calls snap makes:
//
//   protocol  AWS JSON 1.1: POST /, Content-Type application/x-amz-json-1.1,
//             X-Amz-Target: Lightsail_20161128.<Operation>, region from the SigV4 scope
//   calls     GetInstances, GetInstanceSnapshots (pageToken → nextPageToken),
//             GetInstanceSnapshot, GetInstancePortStates, CreateInstanceSnapshot
//   answers   the documented response shapes, timestamps as epoch seconds
//   errors    the documented HTTP status with x-amzn-ErrorType and
//             {"__type": "...", "message": "...", "code": "..."}: AccessDeniedException 403,
//             NotFoundException 404, InvalidInputException 400, OperationFailureException 400
//
// To give the no-noise checks teeth it answers like a real service does between two reads of
// an unchanged estate: lists and sets in a different order each time, a snapshot's progress
// moving, the internal high byte of an instance's state code changing, disk usage changing.
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll } from 'vitest';

export type Json = Record<string, any>;

export interface LightsailCall {
  region: string;
  operation: string;
  body: Json;
}

export interface LightsailFault {
  /** the error's __type, e.g. AccessDeniedException */
  type: string;
  status: number;
  message?: string;
}

const TARGET_PREFIX = 'Lightsail_20161128.';
const ACCOUNT = '123456789012';
/** 2024-05-09T00:00:00Z: fixtures have fixed creation times so golden files stay put */
export const FIXTURE_CREATED_AT = 1715212800;

interface RegionState {
  instances: Json[];
  snapshots: Json[];
  portStates: Map<string, Json[]>;
}

function shortId(...parts: string[]): string {
  return createHash('sha256').update(parts.join('/')).digest('hex').slice(0, 12);
}

/** An instance as GetInstances documents it. */
export function lightsailInstance(region: string, name: string, overrides: Json = {}): Json {
  const id = shortId(region, name);
  return {
    name,
    arn: `arn:aws:lightsail:${region}:${ACCOUNT}:Instance/${id}`,
    supportCode: `${ACCOUNT}/i-0${id}`,
    createdAt: FIXTURE_CREATED_AT,
    location: { availabilityZone: `${region}a`, regionName: region },
    resourceType: 'Instance',
    tags: [
      { key: 'env', value: 'prod' },
      { key: 'app', value: name },
    ],
    blueprintId: 'ubuntu_22_04',
    blueprintName: 'Ubuntu',
    bundleId: 'small_3_0',
    addOns: [{ name: 'AutoSnapshot', status: 'Enabled', snapshotTimeOfDay: '06:00', nextSnapshotTimeOfDay: '06:00' }],
    isStaticIp: true,
    privateIpAddress: '172.26.0.10',
    publicIpAddress: '3.3.3.3',
    ipv6Addresses: ['2600:1f18::1', '2600:1f18::2'],
    ipAddressType: 'dualstack',
    hardware: {
      cpuCount: 2,
      ramSizeInGb: 2,
      disks: [
        {
          name: `${name}-system-disk`,
          arn: `arn:aws:lightsail:${region}:${ACCOUNT}:Disk/${id}`,
          createdAt: FIXTURE_CREATED_AT,
          location: { availabilityZone: `${region}a`, regionName: region },
          resourceType: 'Disk',
          tags: [],
          sizeInGb: 60,
          isSystemDisk: true,
          iops: 180,
          path: '/dev/xvda',
          state: 'in-use',
          attachedTo: name,
          isAttached: true,
          attachmentState: 'attached',
          gbInUse: 0,
        },
      ],
    },
    networking: {
      monthlyTransfer: { gbPerMonthAllocated: 3072 },
      ports: [
        { fromPort: 22, toPort: 22, protocol: 'tcp', accessFrom: 'Custom', accessType: 'public', commonName: '', accessDirection: 'inbound', cidrs: ['203.0.113.7/32', '198.51.100.0/24'], ipv6Cidrs: [], cidrListAliases: [] },
        { fromPort: 80, toPort: 80, protocol: 'tcp', accessFrom: 'Anywhere (0.0.0.0/0 and ::/0)', accessType: 'public', commonName: '', accessDirection: 'inbound', cidrs: ['0.0.0.0/0'], ipv6Cidrs: ['::/0'], cidrListAliases: [] },
        { fromPort: 443, toPort: 443, protocol: 'tcp', accessFrom: 'Anywhere (0.0.0.0/0 and ::/0)', accessType: 'public', commonName: '', accessDirection: 'inbound', cidrs: ['0.0.0.0/0'], ipv6Cidrs: ['::/0'], cidrListAliases: [] },
      ],
    },
    state: { code: 16, name: 'running' },
    username: 'ubuntu',
    sshKeyName: 'LightsailDefaultKeyPair',
    metadataOptions: { state: 'applied', httpTokens: 'required', httpEndpoint: 'enabled', httpPutResponseHopLimit: 1, httpProtocolIpv6: 'disabled' },
    ...overrides,
  };
}

/** An instance snapshot as GetInstanceSnapshots documents it. */
export function lightsailSnapshot(region: string, name: string, instance: Json, overrides: Json = {}): Json {
  return {
    name,
    arn: `arn:aws:lightsail:${region}:${ACCOUNT}:InstanceSnapshot/${shortId(region, 'snapshot', name)}`,
    supportCode: `${ACCOUNT}/ami-0${shortId(region, name)}`,
    createdAt: FIXTURE_CREATED_AT + 86400,
    location: { availabilityZone: 'all', regionName: region },
    resourceType: 'InstanceSnapshot',
    tags: [],
    state: 'available',
    progress: '',
    fromAttachedDisks: [],
    fromInstanceName: instance.name,
    fromInstanceArn: instance.arn,
    fromBlueprintId: instance.blueprintId,
    fromBundleId: instance.bundleId,
    isFromAutoSnapshot: false,
    sizeInGb: 60,
    ...overrides,
  };
}

function portStatesOf(instance: Json): Json[] {
  return (instance.networking?.ports ?? []).map((p: Json) => ({ fromPort: p.fromPort, toPort: p.toPort, protocol: p.protocol, state: 'open', cidrs: p.cidrs, ipv6Cidrs: p.ipv6Cidrs, cidrListAliases: p.cidrListAliases }));
}

const NAME = /^\w[\w-]*\w$/;

class Fault extends Error {
  constructor(readonly type: string, readonly status: number, message: string) {
    super(message);
  }
}

export class LightsailStandin {
  readonly calls: LightsailCall[] = [];
  /** items per page of GetInstances / GetInstanceSnapshots */
  pageSize = 25;
  /** answers a call with an error instead, when a rule returns one */
  faults: ((call: LightsailCall) => LightsailFault | null)[] = [];
  /** reads of a requested snapshot before it turns available; null: pending until completeSnapshots() */
  pendingReads: number | null = null;
  /** vary order and volatile fields between reads, as a real service does */
  jitter = true;
  private readonly regions = new Map<string, RegionState>();
  private readonly reads = new Map<string, number>();
  private answered = 0;

  constructor(readonly endpoint: string) {}

  private region(name: string): RegionState {
    let r = this.regions.get(name);
    if (!r) {
      r = { instances: [], snapshots: [], portStates: new Map() };
      this.regions.set(name, r);
    }
    return r;
  }

  reset(): void {
    this.regions.clear();
    this.reads.clear();
    this.calls.length = 0;
    this.faults.length = 0;
    this.pageSize = 25;
    this.pendingReads = null;
  }

  addInstance(region: string, name: string, overrides: Json = {}): Json {
    const instance = lightsailInstance(region, name, overrides);
    this.removeInstance(region, name);
    this.region(region).instances.push(instance);
    return instance;
  }

  removeInstance(region: string, name: string): void {
    const r = this.region(region);
    r.instances = r.instances.filter((i) => i.name !== name);
    r.portStates.delete(name);
  }

  setPortStates(region: string, instanceName: string, states: Json[]): void {
    this.region(region).portStates.set(instanceName, states);
  }

  addSnapshot(region: string, name: string, instanceName: string, overrides: Json = {}): Json {
    const r = this.region(region);
    const instance = r.instances.find((i) => i.name === instanceName) ?? lightsailInstance(region, instanceName);
    const snapshot = lightsailSnapshot(region, name, instance, overrides);
    r.snapshots = r.snapshots.filter((s) => s.name !== name);
    r.snapshots.push(snapshot);
    return snapshot;
  }

  snapshots(region: string): Json[] {
    return this.region(region).snapshots;
  }

  /** Every pending snapshot finishes. */
  completeSnapshots(): void {
    for (const r of this.regions.values()) for (const s of r.snapshots) if (s.state === 'pending') Object.assign(s, { state: 'available', progress: '100%' });
  }

  callsOf(operation: string): LightsailCall[] {
    return this.calls.filter((c) => c.operation === operation);
  }

  handle(call: LightsailCall): Json {
    this.calls.push(call);
    for (const rule of this.faults) {
      const f = rule(call);
      if (f) throw new Fault(f.type, f.status, f.message ?? `${f.type} (stand-in)`);
    }
    this.answered++;
    const r = this.region(call.region);
    const b = call.body;
    switch (call.operation) {
      case 'GetInstances': {
        const { items, next } = this.page(r.instances, b.pageToken);
        return { instances: items.map((i) => this.vary(i)), ...(next ? { nextPageToken: next } : {}) };
      }
      case 'GetInstanceSnapshots': {
        const { items, next } = this.page(r.snapshots, b.pageToken);
        return { instanceSnapshots: items.map((s) => this.readSnapshot(s)), ...(next ? { nextPageToken: next } : {}) };
      }
      case 'GetInstanceSnapshot': {
        const s = r.snapshots.find((x) => x.name === b.instanceSnapshotName);
        if (!s) throw new Fault('NotFoundException', 404, `The InstanceSnapshot does not exist: ${String(b.instanceSnapshotName)}`);
        return { instanceSnapshot: this.readSnapshot(s) };
      }
      case 'GetInstancePortStates': {
        const i = r.instances.find((x) => x.name === b.instanceName);
        if (!i) throw new Fault('NotFoundException', 404, `The Instance does not exist: ${String(b.instanceName)}`);
        return { portStates: this.vary(r.portStates.get(i.name) ?? portStatesOf(i)) };
      }
      case 'CreateInstanceSnapshot': {
        const name = String(b.instanceSnapshotName ?? '');
        if (!NAME.test(name)) throw new Fault('InvalidInputException', 400, 'instanceSnapshotName does not match the pattern \\w[\\w\\-]*\\w');
        const i = r.instances.find((x) => x.name === b.instanceName);
        if (!i) throw new Fault('NotFoundException', 404, `The Instance does not exist: ${String(b.instanceName)}`);
        if (r.snapshots.some((s) => s.name === name)) throw new Fault('InvalidInputException', 400, `The InstanceSnapshot name is already in use: ${name}`);
        const now = Math.floor(Date.now() / 1000);
        r.snapshots.push(lightsailSnapshot(call.region, name, i, { createdAt: now, state: 'pending', progress: '0%', tags: Array.isArray(b.tags) ? b.tags : [], sizeInGb: undefined }));
        return {
          operations: [
            { id: randomUUID(), resourceName: name, resourceType: 'InstanceSnapshot', createdAt: now, location: { availabilityZone: 'all', regionName: call.region }, isTerminal: false, operationDetails: i.name, operationType: 'CreateInstanceSnapshot', status: 'Started', statusChangedAt: now },
          ],
        };
      }
      default:
        throw new Fault('UnknownOperationException', 400, `unknown operation ${call.operation}`);
    }
  }

  /**
   * One page of a listing. The order (which varies between listings when jitter is on) is
   * chosen on the first page and carried in the token, so the pages of one listing agree.
   */
  private page(all: Json[], token: unknown): { items: Json[]; next: string | null } {
    let start = 0;
    let reversed = this.jitter && this.answered % 2 === 0;
    if (token !== undefined && token !== null) {
      const m = /^page:(\d+):([01])$/.exec(Buffer.from(String(token), 'base64').toString('utf8'));
      if (!m) throw new Fault('InvalidInputException', 400, 'The pageToken is not valid');
      start = Number(m[1]);
      reversed = m[2] === '1';
    }
    const ordered = reversed ? [...all].reverse() : all;
    const end = start + this.pageSize;
    return { items: ordered.slice(start, end), next: end < all.length ? Buffer.from(`page:${end}:${reversed ? 1 : 0}`).toString('base64') : null };
  }

  private readSnapshot(s: Json): Json {
    if (s.state === 'pending') {
      const n = (this.reads.get(s.name) ?? 0) + 1;
      this.reads.set(s.name, n);
      s.progress = `${Math.min(99, n * 7)}%`;
      if (this.pendingReads !== null && n >= this.pendingReads) Object.assign(s, { state: 'available', progress: '100%', sizeInGb: 60 });
    }
    return this.vary(s);
  }

  /** A deep copy, with orders and volatile fields varied when jitter is on. */
  private vary<T>(value: T): T {
    const copy = JSON.parse(JSON.stringify(value)) as T;
    if (!this.jitter) return copy;
    const flip = this.answered % 2 === 0;
    const walk = (v: any): void => {
      if (Array.isArray(v)) {
        if (flip) v.reverse();
        v.forEach(walk);
      } else if (v && typeof v === 'object') {
        if (typeof v.gbInUse === 'number') v.gbInUse = this.answered % 17;
        if (v.state && typeof v.state === 'object' && typeof v.state.code === 'number') v.state.code = (v.state.code & 0xff) | ((this.answered % 3) << 8);
        if (typeof v.nextSnapshotTimeOfDay === 'string') v.nextSnapshotTimeOfDay = flip ? '06:00' : '07:00';
        Object.values(v).forEach(walk);
      }
    };
    walk(copy);
    return copy;
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Starts the stand-in on 127.0.0.1; closed after the test file. */
export async function startLightsailStandin(): Promise<LightsailStandin> {
  let standin: LightsailStandin | null = null;
  const server: Server = createServer(async (req, res) => {
    const requestId = randomUUID();
    const send = (status: number, body: Json, errorType?: string) => {
      const headers: Record<string, string> = { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId };
      if (errorType) headers['x-amzn-errortype'] = errorType;
      res.writeHead(status, headers);
      res.end(JSON.stringify(body));
    };
    const fail = (f: Fault) => send(f.status, { __type: f.type, code: f.type.replace(/Exception$/, ''), message: f.message }, f.type);
    try {
      const raw = await readBody(req);
      const target = String(req.headers['x-amz-target'] ?? '');
      const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/lightsail\/aws4_request/.exec(String(req.headers.authorization ?? ''));
      if (req.method !== 'POST' || req.url !== '/' || !target.startsWith(TARGET_PREFIX)) return fail(new Fault('UnknownOperationException', 400, 'not a Lightsail request'));
      if (!scope) return fail(new Fault('IncompleteSignatureException', 403, 'missing SigV4 credential scope for lightsail'));
      if (!String(req.headers['content-type'] ?? '').startsWith('application/x-amz-json-1.1')) return fail(new Fault('InvalidInputException', 400, 'expected application/x-amz-json-1.1'));
      const body = raw ? (JSON.parse(raw) as Json) : {};
      send(200, standin!.handle({ region: scope[1]!, operation: target.slice(TARGET_PREFIX.length), body }));
    } catch (err) {
      if (err instanceof Fault) fail(err);
      else send(500, { __type: 'ServiceException', message: String(err) }, 'ServiceException');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = (server.address() as { port: number }).port;
  standin = new LightsailStandin(`http://127.0.0.1:${port}`);
  return standin;
}
