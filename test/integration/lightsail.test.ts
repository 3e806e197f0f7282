// The Lightsail collector. Lightsail is not in the moto emulator, so these tests run against
// a loopback stand-in shaped from the Lightsail API reference (test/helpers/lightsail-standin.ts:
// AWS JSON 1.1, X-Amz-Target Lightsail_20161128.<Operation>, documented request, response and
// error shapes), reached through the archive's aws.endpoint setting like any AWS endpoint.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Archive } from '../../src/archive/archive.js';
import { lightsailCollector } from '../../src/collectors/aws/lightsail/collect.js';
import { requestedSnapshotName } from '../../src/collectors/aws/lightsail/snapshot-request.js';
import { walkFiles } from '../../src/git/tree-walk.js';
import { makeArchive, readVersion, snapshot, writeConfig } from '../helpers/archive.js';
import { collectorContract } from '../helpers/collector-contract.js';
import { startLightsailStandin, type LightsailStandin } from '../helpers/lightsail-standin.js';


const REGIONS = ['eu-west-1', 'us-east-1', 'us-west-2'];
const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), '..', 'golden', 'lightsail');
const only = { collectors: [lightsailCollector] };

function seed(standin: LightsailStandin): void {
  standin.reset();
  standin.addInstance('us-east-1', 'jada-agent', { bundleId: 'medium_3_0', tags: [{ key: 'role', value: 'automation' }, { key: 'env', value: 'prod' }] });
  standin.addInstance('us-east-1', 'web-1', { isStaticIp: false, publicIpAddress: '44.1.2.3' });
  standin.addInstance('us-west-2', 'staging', { state: { code: 80, name: 'stopped' } });
  standin.addSnapshot('us-east-1', 'jada-agent-v0-9-20260101', 'jada-agent');
  standin.addSnapshot('us-east-1', 'web-1-nightly', 'web-1', { isFromAutoSnapshot: true });
  standin.addSnapshot('us-west-2', 'staging-base', 'staging', { tags: [{ key: 'keep', value: 'yes' }] });
}

async function treeFiles(archive: Archive, version: string, root: string): Promise<Map<string, string>> {
  const v = await readVersion(archive, version);
  const entry = await archive.repo.entryAt(v.treeOid, root);
  const files = new Map<string, string>();
  if (!entry) return files;
  for await (const f of walkFiles(archive.repo, entry.oid)) files.set(f.path, Buffer.from(await archive.repo.readBlob(f.oid)).toString('utf8'));
  return files;
}

function goldenFiles(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? goldenFiles(dir, join(prefix, e.name)) : [join(prefix, e.name)]));
}

/** Compares a collector's folder with test/golden/<collector>; UPDATE_GOLDEN=1 rewrites it. */
function expectGolden(actual: Map<string, string>, dir: string): void {
  if (process.env.UPDATE_GOLDEN === '1') {
    rmSync(dir, { recursive: true, force: true });
    for (const [path, text] of actual) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    return;
  }
  let expected: string[];
  try {
    expected = goldenFiles(dir).sort();
  } catch {
    throw new Error(`no golden files in ${dir}: run the tests once with UPDATE_GOLDEN=1 and review them`);
  }
  expect([...actual.keys()].sort()).toEqual(expected);
  for (const path of expected) expect(actual.get(path), path).toBe(readFileSync(join(dir, path), 'utf8'));
}

async function instanceFile(archive: Archive, version: string, region: string, name: string): Promise<any> {
  return (await readVersion(archive, version, `lightsail/${region}`)).json(`instances/${name}.json`);
}

describe('lightsail collector (against a stand-in: Lightsail is not in moto)', () => {
  let standin: LightsailStandin;
  let archive: Archive;

  beforeAll(async () => {
    standin = await startLightsailStandin();
    seed(standin);
    archive = await makeArchive({ collectors: { lightsail: {} }, endpoint: standin.endpoint, regions: REGIONS });
  });

  collectorContract({ archive: () => archive, root: 'lightsail' });

  it('archives each instance with blueprint, bundle, addresses, ports and port states, and each snapshot, per region', async () => {
    const files = await treeFiles(archive, 'latest', 'lightsail');
    expect([...files.keys()].sort()).toEqual([
      'us-east-1/instances/jada-agent.json',
      'us-east-1/instances/web-1.json',
      'us-east-1/snapshots/jada-agent-v0-9-20260101.json',
      'us-east-1/snapshots/web-1-nightly.json',
      'us-west-2/instances/staging.json',
      'us-west-2/snapshots/staging-base.json',
    ]);
    const agent = await instanceFile(archive, 'latest', 'us-east-1', 'jada-agent');
    expect(agent).toMatchObject({ name: 'jada-agent', blueprintId: 'ubuntu_22_04', bundleId: 'medium_3_0', publicIpAddress: '3.3.3.3', privateIpAddress: '172.26.0.10', state: { name: 'running' } });
    expect(agent.state.code).toBeUndefined();
    expect(agent.tags).toEqual([{ key: 'env', value: 'prod' }, { key: 'role', value: 'automation' }]);
    // Sorted by their identity's canonical text ("[22,22,"tcp"]" < "[443,…" < "[80,…"): stable, if not numeric.
    expect(agent.portStates.map((p: any) => [p.fromPort, p.state])).toEqual([[22, 'open'], [443, 'open'], [80, 'open']]);
    expect(agent.networking.ports[0].cidrs).toEqual(['198.51.100.0/24', '203.0.113.7/32']);
    expect(agent.hardware.disks[0].gbInUse).toBeUndefined();
    expect(agent.createdAt).toBe('2024-05-09T00:00:00.000Z');
    const snap = await (await readVersion(archive, 'latest', 'lightsail')).json<any>('us-east-1/snapshots/jada-agent-v0-9-20260101.json');
    expect(snap).toMatchObject({ name: 'jada-agent-v0-9-20260101', state: 'available', fromInstanceName: 'jada-agent', sizeInGb: 60 });
    expect(snap.progress).toBeUndefined();
    const result = await snapshot(archive, undefined, only);
    expect(result.manifest.collectors.find((c) => c.id === 'lightsail')).toMatchObject({ status: 'ok', counts: { instances: 3, snapshots: 3 } });
  });

  it('writes the golden normalized output (refresh with UPDATE_GOLDEN=1)', async () => {
    expectGolden(await treeFiles(archive, 'latest', 'lightsail'), GOLDEN);
  });

  it('reads every page of GetInstances and GetInstanceSnapshots', async () => {
    const before = await readVersion(archive, 'latest');
    for (let i = 0; i < 5; i++) standin.addInstance('us-east-1', `worker-${i}`);
    standin.pageSize = 2;
    standin.calls.length = 0;
    const result = await snapshot(archive, undefined, only);
    const pages = standin.callsOf('GetInstances').filter((c) => c.region === 'us-east-1');
    expect(pages.length).toBe(4); // 7 instances, 2 per page
    expect(pages.slice(1).every((c) => typeof c.body.pageToken === 'string')).toBe(true);
    expect(standin.callsOf('GetInstanceSnapshots').filter((c) => c.region === 'us-east-1').length).toBe(1); // 2 snapshots: one full page, no token
    const files = await treeFiles(archive, result.version, 'lightsail');
    for (let i = 0; i < 5; i++) expect(files.has(`us-east-1/instances/worker-${i}.json`)).toBe(true);
    // Nothing else moved: the other region's folder is the same tree as before.
    expect((await archive.repo.entryAt(result.treeOid, 'lightsail/us-west-2'))!.oid).toBe((await archive.repo.entryAt(before.treeOid, 'lightsail/us-west-2'))!.oid);
    for (let i = 0; i < 5; i++) standin.removeInstance('us-east-1', `worker-${i}`);
    standin.pageSize = 25;
  });

  it('leaves out what is absent: a deleted instance, a region with nothing', async () => {
    standin.removeInstance('us-east-1', 'web-1');
    const result = await snapshot(archive, undefined, only);
    const files = await treeFiles(archive, result.version, 'lightsail');
    expect(files.has('us-east-1/instances/web-1.json')).toBe(false);
    expect(files.has('us-east-1/snapshots/web-1-nightly.json')).toBe(true); // a snapshot outlives its instance
    expect([...files.keys()].some((p) => p.startsWith('eu-west-1/'))).toBe(false);
    expect(result.manifest.coverage).toEqual([]);
    standin.addInstance('us-east-1', 'web-1', { isStaticIp: false, publicIpAddress: '44.1.2.3' });
  });

  it('records refusals as coverage findings and keeps everything else', async () => {
    standin.faults.push((c) => (c.operation === 'GetInstanceSnapshots' && c.region === 'us-west-2' ? { type: 'AccessDeniedException', status: 403 } : null));
    standin.faults.push((c) => (c.region === 'eu-west-1' ? { type: 'RegionSetupInProgressException', status: 428 } : null));
    standin.faults.push((c) => (c.operation === 'GetInstancePortStates' && c.body.instanceName === 'web-1' ? { type: 'AccessDeniedException', status: 403 } : null));
    const result = await snapshot(archive, undefined, only);
    standin.faults.length = 0;
    expect(result.partial).toBe(false);
    const coverage = result.manifest.coverage.map((f) => [f.resource, f.reason]);
    expect(coverage).toEqual([
      ['lightsail/eu-west-1', 'RegionSetupInProgressException'],
      ['lightsail/us-east-1/instances/web-1', 'AccessDeniedException'],
      ['lightsail/us-west-2/snapshots', 'AccessDeniedException'],
    ]);
    const files = await treeFiles(archive, result.version, 'lightsail');
    expect(files.has('us-west-2/instances/staging.json')).toBe(true);
    expect(files.has('us-west-2/snapshots/staging-base.json')).toBe(false);
    expect((await instanceFile(archive, result.version, 'us-east-1', 'web-1')).portStates).toBeUndefined();
  });

  it('an unexpected error on one instance is partial, and that instance is carried over, not lost', async () => {
    const good = await snapshot(archive, undefined, only);
    standin.faults.push((c) => (c.operation === 'GetInstancePortStates' && c.body.instanceName === 'jada-agent' ? { type: 'OperationFailureException', status: 400 } : null));
    standin.addInstance('us-east-1', 'jada-agent', { bundleId: 'large_3_0' }); // a change that must not be half-recorded
    const result = await snapshot(archive, undefined, only);
    standin.faults.length = 0;
    expect(result.partial).toBe(true);
    const report = result.manifest.collectors.find((c) => c.id === 'lightsail')!;
    expect(report.status).toBe('partial');
    expect(report.errors.map((e) => e.resource)).toEqual(['lightsail/us-east-1/instances/jada-agent.json']);
    const path = 'lightsail/us-east-1/instances/jada-agent.json';
    expect((await archive.repo.entryAt(result.treeOid, path))!.oid).toBe((await archive.repo.entryAt(good.treeOid, path))!.oid);
    expect((await instanceFile(archive, result.version, 'us-east-1', 'web-1')).name).toBe('web-1');
    seed(standin);
  });
});

describe('lightsail snapshot requests (createSnapshot, the --lightsail-snapshot option)', () => {
  let standin: LightsailStandin;

  beforeAll(async () => {
    standin = await startLightsailStandin();
  });

  it('requests a snapshot named after the version, records it as pending, and leaves later versions quiet when the option is off', async () => {
    seed(standin);
    const archive = await makeArchive({ collectors: { lightsail: { createSnapshot: true, snapshotInstances: ['jada-agent'], snapshotWaitSeconds: 0.3 } }, endpoint: standin.endpoint, regions: REGIONS });
    const before = new Date();
    const v1 = await snapshot(archive, 'v1.0', only);
    const names = [requestedSnapshotName('jada-agent', 'v1.0', before), requestedSnapshotName('jada-agent', 'v1.0', new Date())];
    expect(names[0]).toMatch(/^jada-agent-v1-0-\d{8}$/);
    const creates = standin.callsOf('CreateInstanceSnapshot');
    expect(creates).toHaveLength(1);
    expect(names).toContain(creates[0]!.body.instanceSnapshotName);
    expect(creates[0]!.body).toMatchObject({ instanceName: 'jada-agent', tags: [{ key: 'snap:version', value: 'v1.0' }] });
    const name = creates[0]!.body.instanceSnapshotName as string;

    const v = await readVersion(archive, 'v1.0', 'lightsail');
    const requested = (await v.json<any>('requested-snapshots.json'))!;
    expect(requested).toMatchObject({ version: 'v1.0', snapshots: [{ region: 'us-east-1', instanceName: 'jada-agent', snapshotName: name, state: 'pending', requested: true, operationStatus: 'Started' }] });
    expect(standin.callsOf('GetInstanceSnapshot').length).toBeGreaterThanOrEqual(2); // checked it did not exist, then watched it (bounded)
    expect(await v.json<any>(`us-east-1/snapshots/${name}.json`)).toMatchObject({ name, state: 'pending', fromInstanceName: 'jada-agent', tags: [{ key: 'snap:version', value: 'v1.0' }] });
    expect(v1.manifest.collectors.find((c) => c.id === 'lightsail')!.counts.snapshotsRequested).toBe(1);

    // Option off: nothing is requested, the record is not carried along, the snapshot shows as it is now.
    await writeConfig(archive, { collectors: { lightsail: {} }, endpoint: standin.endpoint, regions: REGIONS });
    standin.completeSnapshots();
    standin.calls.length = 0;
    await snapshot(archive, 'v1.1', only);
    expect(standin.callsOf('CreateInstanceSnapshot')).toHaveLength(0);
    const v11 = await readVersion(archive, 'v1.1', 'lightsail');
    expect(await v11.entry('requested-snapshots.json')).toBeNull();
    expect(await v11.json<any>(`us-east-1/snapshots/${name}.json`)).toMatchObject({ state: 'available' });
    const v12 = await snapshot(archive, 'v1.2', only);
    expect((await archive.repo.entryAt(v12.treeOid, 'lightsail'))!.oid).toBe((await archive.repo.entryAt((await readVersion(archive, 'v1.1')).treeOid, 'lightsail'))!.oid);
  });

  it('records the state it saw when the snapshot finishes within the bounded wait, and every instance without a list', async () => {
    seed(standin);
    standin.pendingReads = 2;
    const archive = await makeArchive({ collectors: { lightsail: { createSnapshot: true, snapshotWaitSeconds: 2 } }, endpoint: standin.endpoint, regions: REGIONS });
    await snapshot(archive, 'v2.0', only);
    const requested = (await (await readVersion(archive, 'v2.0', 'lightsail')).json<any>('requested-snapshots.json'))!;
    expect(requested.snapshots.map((s: any) => [s.region, s.instanceName, s.state])).toEqual([
      ['us-east-1', 'jada-agent', 'available'],
      ['us-east-1', 'web-1', 'available'],
      ['us-west-2', 'staging', 'available'],
    ]);
  });

  it('writes no request record when there was no instance to snapshot', async () => {
    standin.reset(); // Lightsail answers, with no instances in any region
    const archive = await makeArchive({ collectors: { lightsail: { createSnapshot: true, snapshotWaitSeconds: 0 } }, endpoint: standin.endpoint, regions: REGIONS });
    await snapshot(archive, 'v5.0', only);
    expect(standin.callsOf('CreateInstanceSnapshot')).toHaveLength(0);
    expect(await (await readVersion(archive, 'v5.0', 'lightsail')).entry('requested-snapshots.json')).toBeNull();
  });

  it('asks anyway when it may create snapshots but not read one, and records the request as pending', async () => {
    seed(standin);
    standin.faults.push((c) => (c.operation === 'GetInstanceSnapshot' ? { type: 'AccessDeniedException', status: 403 } : null));
    const archive = await makeArchive({ collectors: { lightsail: { createSnapshot: true, snapshotInstances: ['staging'], snapshotWaitSeconds: 0.2 } }, endpoint: standin.endpoint, regions: REGIONS });
    const result = await snapshot(archive, 'v4.0', only);
    standin.faults.length = 0;
    expect(result.partial).toBe(false);
    expect(standin.callsOf('CreateInstanceSnapshot')).toHaveLength(1);
    const requested = (await (await readVersion(archive, 'v4.0', 'lightsail')).json<any>('requested-snapshots.json'))!;
    expect(requested.snapshots).toMatchObject([{ region: 'us-west-2', instanceName: 'staging', state: 'pending', requested: true }]);
  });

  it('keeps a snapshot of the same name that already exists, and records refusals and unknown instances as findings', async () => {
    seed(standin);
    const existing = requestedSnapshotName('web-1', 'v3.0', new Date());
    standin.addSnapshot('us-east-1', existing, 'web-1');
    standin.faults.push((c) => (c.operation === 'CreateInstanceSnapshot' && c.body.instanceName === 'staging' ? { type: 'AccessDeniedException', status: 403 } : null));
    const archive = await makeArchive({ collectors: { lightsail: { createSnapshot: true, snapshotInstances: ['web-1', 'staging', 'gone-box'], snapshotWaitSeconds: 0 } }, endpoint: standin.endpoint, regions: REGIONS });
    const result = await snapshot(archive, 'v3.0', only);
    expect(result.partial).toBe(false);
    expect(standin.callsOf('CreateInstanceSnapshot').map((c) => c.body.instanceName)).toEqual(['staging']);
    const requested = (await (await readVersion(archive, 'v3.0', 'lightsail')).json<any>('requested-snapshots.json'))!;
    expect(requested.snapshots).toEqual([
      { region: 'us-east-1', instanceName: 'web-1', snapshotName: existing, state: 'available', requested: false },
      { region: 'us-west-2', instanceName: 'staging', snapshotName: requestedSnapshotName('staging', 'v3.0', new Date()), state: 'not-requested', requested: false, error: 'AccessDeniedException' },
    ]);
    expect(result.manifest.coverage.map((f) => [f.resource, f.reason])).toEqual([
      ['lightsail/instances/gone-box', 'NotFound'],
      ['lightsail/us-west-2/instances/staging', 'AccessDeniedException'],
    ]);
  });
});
