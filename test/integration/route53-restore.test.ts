// snap restore for Route53 against moto: snapshot a seeded estate, damage it through the SDK
// (a record deleted, a TTL changed, a routed value changed, a record added, a private zone
// deleted), plan (exactly the expected changes; planning only reads), restore, and show that
// a new live snapshot of the restored zone equals the version. Also: prune off keeps extra
// record sets and prune on deletes them, a rename into another zone, a re-run plans
// nothing, and the CLI path once (`snap restore … --dry-run`, then `--yes`).
//
// Known emulator gaps:
// - moto gives alias records a TTL of 0 (AWS gives none); the restore never sends a TTL with
//   an alias, and compares alias records without one.
// - moto does not check that an alias target exists, so an alias into its own zone is kept
//   simple (it points at a record set of the zone that exists anyway).
import { ChangeResourceRecordSetsCommand, CreateHostedZoneCommand, DeleteHostedZoneCommand, ListHostedZonesCommand, ListResourceRecordSetsCommand, ListTagsForResourceCommand, GetHostedZoneCommand, ChangeTagsForResourceCommand, Route53Client, type Change, type ResourceRecordSet } from '@aws-sdk/client-route-53';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Archive } from '../../src/archive/archive.js';
import { route53Collector } from '../../src/collectors/aws/route53/collect.js';
import { batchChanges, MAX_RECORDS_PER_BATCH } from '../../src/collectors/aws/route53/restore-batch.js';
import { describeRecordChange, isZoneOwnRecord, moveName, placeRecord, sameRecord } from '../../src/collectors/aws/route53/restore-records.js';
import { makeArchive, readVersion, snapshot } from '../helpers/archive.js';
import { snapCli } from '../helpers/cli.js';
import { clientOptions, useMoto } from '../helpers/moto.js';
import { refusingProxy, type RequestInfo } from '../helpers/refusing-proxy.js';
import { describeDrift, drift, plan, restore } from '../helpers/restore.js';

const moto = useMoto();
const r53 = new Route53Client(clientOptions(moto.endpoint));
afterAll(() => r53.destroy());
const collectors = [route53Collector];
const bare = (id: string | undefined) => (id ?? '').replace(/^\/hostedzone\//, '');

async function createZone(name: string, vpc?: string, comment?: string): Promise<string> {
  const out = await r53.send(
    new CreateHostedZoneCommand({
      Name: name,
      CallerReference: `${name}-${Math.random()}`,
      ...(vpc ? { VPC: { VPCRegion: 'us-east-1', VPCId: vpc } } : {}),
      HostedZoneConfig: { PrivateZone: Boolean(vpc), ...(comment ? { Comment: comment } : {}) },
    }),
  );
  return bare(out.HostedZone!.Id);
}

async function change(zoneId: string, changes: Change[]): Promise<void> {
  await r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: changes } }));
}
const upsert = (rr: ResourceRecordSet): Change => ({ Action: 'UPSERT', ResourceRecordSet: rr });
const del = (rr: ResourceRecordSet): Change => ({ Action: 'DELETE', ResourceRecordSet: rr });

async function records(zoneId: string): Promise<ResourceRecordSet[]> {
  return (await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }))).ResourceRecordSets ?? [];
}
const find = (rs: ResourceRecordSet[], name: string, type: string, set?: string) => rs.find((r) => r.Name === name && r.Type === type && r.SetIdentifier === set);

const WWW: ResourceRecordSet = { Name: 'www.example.com.', Type: 'CNAME', TTL: 300, ResourceRecords: [{ Value: 'example.com' }] };
const STAR: ResourceRecordSet = { Name: '*.example.com.', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '192.0.2.10' }] };
const GREEN: ResourceRecordSet = { Name: 'api.example.com.', Type: 'A', SetIdentifier: 'green', Weight: 10, TTL: 60, ResourceRecords: [{ Value: '192.0.2.2' }] };
const EXTRA: ResourceRecordSet = { Name: 'extra.example.com.', Type: 'TXT', TTL: 60, ResourceRecords: [{ Value: '"not in the version"' }] };
const DB: ResourceRecordSet = { Name: 'db.internal.example.', Type: 'CNAME', TTL: 60, ResourceRecords: [{ Value: 'db-1.cluster.local' }] };

interface Seeded {
  publicId: string;
  privateId: string;
  stagingId: string;
}

async function seed(): Promise<Seeded> {
  const publicId = await createZone('example.com', undefined, 'main site');
  const privateId = await createZone('internal.example', 'vpc-0a1b2c3d', 'inside');
  const stagingId = await createZone('staging.example.com');
  await change(publicId, [
    upsert(WWW),
    upsert(STAR),
    upsert({ Name: 'example.com.', Type: 'MX', TTL: 300, ResourceRecords: [{ Value: '10 mail.example.com.' }, { Value: '20 mail2.example.com' }] }),
    upsert({ Name: 'api.example.com.', Type: 'A', SetIdentifier: 'blue', Weight: 90, TTL: 60, ResourceRecords: [{ Value: '192.0.2.1' }] }),
    upsert(GREEN),
    upsert({ Name: 'alias.example.com.', Type: 'A', AliasTarget: { HostedZoneId: publicId, DNSName: 'api.example.com.', EvaluateTargetHealth: false } }),
  ]);
  await change(privateId, [upsert(DB)]);
  await r53.send(new ChangeTagsForResourceCommand({ ResourceType: 'hostedzone', ResourceId: privateId, AddTags: [{ Key: 'team', Value: 'data' }] }));
  return { publicId, privateId, stagingId };
}

/** Deletes a zone with its record sets (Route53 refuses to delete a zone that has any besides SOA and NS). */
async function deleteZone(id: string, name: string): Promise<void> {
  const own = (r: ResourceRecordSet) => r.Type === 'SOA' || (r.Type === 'NS' && r.Name === name);
  const rs = (await records(id)).filter((r) => !own(r));
  if (rs.length) await change(id, rs.map(del));
  await r53.send(new DeleteHostedZoneCommand({ Id: id }));
}

async function liveZoneId(name: string, privateZone: boolean): Promise<string | undefined> {
  const zones = (await r53.send(new ListHostedZonesCommand({}))).HostedZones ?? [];
  return bare(zones.find((z) => z.Name === name && (z.Config?.PrivateZone ?? false) === privateZone)?.Id);
}

/** A plan as comparable lines: "action resource: detail". */
function lines(p: Awaited<ReturnType<typeof plan>>): string[] {
  return p.services.flatMap((s) => s.changes.map((c) => `${c.action} ${c.resource}: ${c.detail}`)).sort();
}

describe('route53 restore', () => {
  let s: Seeded;
  let archive: Archive;
  const requests: RequestInfo[] = [];
  let recording = false;

  beforeAll(async () => {
    s = await seed();
    // Every request goes through a recording proxy, to show that planning only reads.
    const recorder = await refusingProxy(moto.endpoint, (req) => {
      if (recording) requests.push(req);
      return false;
    });
    archive = await makeArchive({ collectors: { route53: {} }, endpoint: recorder.endpoint });
    await snapshot(archive, 'v1.0', { collectors });
  });

  it('plans exactly what the damage undid, reading only', async () => {
    await change(s.publicId, [
      del(WWW),
      upsert({ ...STAR, TTL: 300 }),
      upsert({ ...GREEN, ResourceRecords: [{ Value: '192.0.2.99' }] }),
      upsert(EXTRA),
    ]);
    await deleteZone(s.privateId, 'internal.example.');

    recording = true;
    const p = await plan(archive, { version: 'v1.0', collectors });
    recording = false;
    p.close();
    expect(p.services.map((x) => x.error)).toEqual([undefined]);
    expect(lines(p)).toEqual(
      [
        'create route53 www.example.com. CNAME: missing: TTL 300, example.com',
        'update route53 *.example.com. A: TTL 300 → 60',
        'update route53 api.example.com. A [green]: values 192.0.2.99 → 192.0.2.2',
        'create route53 zone internal.example. (private): missing: private, 1 VPC, comment "inside", 1 tag',
        'create route53 db.internal.example. CNAME (private): missing: TTL 60, db-1.cluster.local',
      ].sort(),
    );
    const notes = p.services[0]!.notes.map((n) => `${n.resource}: ${n.message}`);
    expect(notes).toEqual(['route53 zone example.com.: 1 live record set the version does not name is kept (--prune deletes them)']);
    // Planning only reads: Route53's REST API reads with GET.
    expect(requests.length).toBeGreaterThan(0);
    // Besides STS GetCallerIdentity (POST /: the restore identifying its target), only reads.
    expect(requests.filter((r) => r.method !== 'GET' && !(r.method === 'POST' && r.path === '/')).map((r) => `${r.method} ${r.path}`)).toEqual([]);
    expect(find(await records(s.publicId), 'www.example.com.', 'CNAME')).toBeUndefined();
  });

  it('restores: a new live snapshot of the zone shows no drift, the re-created zone holds the version\'s records, extra records are kept', async () => {
    await restore(archive, { version: 'v1.0', collectors });
    const before = await readVersion(archive, 'v1.0', 'route53');
    // The re-created private zone has a new id, so its folder differs: compare its contents.
    const newPrivate = (await liveZoneId('internal.example.', true))!;
    expect(newPrivate).toBeTruthy();
    expect(newPrivate).not.toBe(s.privateId);
    const zone = (await r53.send(new GetHostedZoneCommand({ Id: newPrivate })));
    expect(zone.HostedZone!.Config).toEqual({ Comment: 'inside', PrivateZone: true });
    expect(zone.VPCs).toEqual([{ VPCRegion: 'us-east-1', VPCId: 'vpc-0a1b2c3d' }]);
    expect((await r53.send(new ListTagsForResourceCommand({ ResourceType: 'hostedzone', ResourceId: newPrivate }))).ResourceTagSet!.Tags).toEqual([{ Key: 'team', Value: 'data' }]);
    const archived = (await before.json<any>(`zones/internal.example~${s.privateId}/records.json`))!.ResourceRecordSets as ResourceRecordSet[];
    expect(find(await records(newPrivate), 'db.internal.example.', 'CNAME')).toEqual(find(archived, 'db.internal.example.', 'CNAME'));

    // The extra record set outlives a restore without --prune: it shows as the only drift.
    const changes = await drift(archive, [`route53/zones/example.com~${s.publicId}`], { version: 'v1.0', collectors });
    expect(describeDrift(changes).map((d) => d.replace(/ \[.*$/, ''))).toEqual([`changed route53/zones/example.com~${s.publicId}/bind.zone`, `added route53/zones/example.com~${s.publicId}/records.json`]);
    // records.json is a collection: the differ names the one record set that was added.
    expect(changes.filter((c) => c.path.endsWith('records.json')).map((c) => `${c.status} ${c.kind} ${c.label}`)).toEqual(['added record set extra.example.com. TXT']);
    expect(find(await records(s.publicId), 'extra.example.com.', 'TXT')).toBeDefined();
  });

  it('plans nothing more on a re-run, and deletes what the version does not name only with --prune', async () => {
    const again = await plan(archive, { version: 'v1.0', collectors });
    again.close();
    expect(lines(again)).toEqual([]);

    const pruned = await restore(archive, { version: 'v1.0', collectors, prune: true, selectors: [`route53/zones/example.com~${s.publicId}`] });
    expect(lines(pruned)).toEqual(['delete route53 extra.example.com. TXT: not in the version: TTL 60, "not in the version"']);
    expect(find(await records(s.publicId), 'extra.example.com.', 'TXT')).toBeUndefined();
    expect(describeDrift(await drift(archive, [`route53/zones/example.com~${s.publicId}`], { version: 'v1.0', collectors }))).toEqual([]);
    // SOA and apex NS were never touched, by prune either.
    const rs = await records(s.publicId);
    expect(rs.filter((r) => r.Type === 'SOA' || r.Type === 'NS').length).toBe(2);
  });

  it('restores a zone\'s records into another existing zone by rename, names and own-zone aliases moved', async () => {
    const renamed = await restore(archive, { version: 'v1.0', collectors, rename: new Map([['example.com', 'staging.example.com']]), selectors: [`route53/zones/example.com~${s.publicId}`] });
    expect(lines(renamed)).toHaveLength(6);
    const staged = await records(s.stagingId);
    expect(find(staged, 'www.staging.example.com.', 'CNAME')).toMatchObject({ TTL: 300, ResourceRecords: [{ Value: 'example.com' }] });
    expect(find(staged, 'api.staging.example.com.', 'A', 'green')).toMatchObject({ Weight: 10, ResourceRecords: [{ Value: '192.0.2.2' }] });
    expect(find(staged, 'alias.staging.example.com.', 'A')!.AliasTarget).toMatchObject({ HostedZoneId: s.stagingId, DNSName: 'api.staging.example.com.' });
    expect(find(staged, 'staging.example.com.', 'MX')).toBeDefined();
    // the original zone is untouched by it
    expect(find(await records(s.publicId), 'www.staging.example.com.', 'CNAME')).toBeUndefined();
    const again = await plan(archive, { version: 'v1.0', collectors, rename: new Map([['example.com', 'staging.example.com']]) });
    again.close();
    expect(lines(again)).toEqual([]);
  });

  it('restores nothing into a rename target that does not exist, and says so', async () => {
    const p = await plan(archive, { version: 'v1.0', collectors, rename: new Map([['example.com', 'nowhere.example.com']]), selectors: [`route53/zones/example.com~${s.publicId}`] });
    p.close();
    expect(lines(p)).toEqual([]);
    expect(p.services[0]!.undone).toEqual([{ resource: 'route53 zone nowhere.example.com.', message: expect.stringContaining('create it first') }]);
  });

  it('works through the CLI: --dry-run prints the plan and changes nothing, --yes applies it', async () => {
    await change(s.publicId, [upsert({ ...WWW, TTL: 30 })]);
    // Straight to moto: the recording proxy lives in this process, which spawnSync blocks.
    const dry = snapCli(archive.dir, ['restore', 'v1.0', 'route53', '--dry-run', '--endpoint', moto.endpoint]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('Restore plan for v1.0: 1 change');
    expect(dry.stdout).toMatch(/~ update\s+route53 www\.example\.com\. CNAME {2}TTL 30 → 300/);
    expect(dry.stderr).toContain('dry run: nothing was changed');
    expect(find(await records(s.publicId), 'www.example.com.', 'CNAME')!.TTL).toBe(30);
    const yes = snapCli(archive.dir, ['restore', 'v1.0', 'route53', '--yes', '--endpoint', moto.endpoint]);
    expect(yes.code, yes.stderr).toBe(0);
    expect(yes.stdout).toContain('Restored: 1 change applied, nothing left undone.');
    expect(find(await records(s.publicId), 'www.example.com.', 'CNAME')!.TTL).toBe(300);
  });
});

describe('route53 restore: batching', () => {
  it('keeps each request within 1,000 records and 32,000 value characters, an UPSERT counting twice', () => {
    const upserts = Array.from({ length: 1200 }, (_, i) => ({ change: upsert({ Name: `h${i}.example.com.`, Type: 'A', TTL: 60, ResourceRecords: [{ Value: '192.0.2.1' }] }) }));
    const sizes = batchChanges(upserts).map((b) => b.length);
    expect(sizes).toEqual([500, 500, 200]);
    const long = 'x'.repeat(255);
    const txt = Array.from({ length: 100 }, (_, i) => ({ change: del({ Name: `t${i}.example.com.`, Type: 'TXT', TTL: 60, ResourceRecords: [{ Value: long }, { Value: long }] }) }));
    const batches = batchChanges(txt);
    for (const b of batches) expect(b.length * 2 * 255).toBeLessThanOrEqual(32_000);
    expect(batches.map((b) => b.length)).toEqual([62, 38]);
    expect(MAX_RECORDS_PER_BATCH).toBe(1000);
  });
});

describe('route53 restore: record sets moved and described', () => {
  it('moves names into a renamed zone, and an alias into its own zone with them', () => {
    expect(moveName('www.example.com.', 'example.com.', 'staging.example.com.')).toBe('www.staging.example.com.');
    expect(moveName('Example.COM.', 'example.com', 'staging.example.com')).toBe('staging.example.com.');
    expect(moveName('www.notexample.com.', 'example.com.', 'staging.example.com.')).toBeNull();
    const alias = placeRecord(
      { Name: 'a.example.com.', Type: 'A', AliasTarget: { HostedZoneId: 'ZOLD', DNSName: 'b.example.com.', EvaluateTargetHealth: false } },
      { fromZone: 'example.com.', fromZoneId: 'ZOLD', toZone: 'staging.example.com.', toZoneId: 'ZNEW' },
    );
    expect(alias).toEqual({ Name: 'a.staging.example.com.', Type: 'A', AliasTarget: { HostedZoneId: 'ZNEW', DNSName: 'b.staging.example.com.', EvaluateTargetHealth: false } });
    // an alias elsewhere (CloudFront) is left as it is
    const cf = placeRecord({ Name: 'example.com.', Type: 'A', AliasTarget: { HostedZoneId: 'Z2FDTNDATAQYW2', DNSName: 'd1.cloudfront.net', EvaluateTargetHealth: false } }, { fromZone: 'example.com.', fromZoneId: 'ZOLD', toZone: 'example.com.', toZoneId: 'ZNEW' });
    expect(cf!.AliasTarget!.HostedZoneId).toBe('Z2FDTNDATAQYW2');
  });

  it('says what differs in one line, and ignores value order and an alias TTL', () => {
    const a: ResourceRecordSet = { Name: 'x.example.com.', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '192.0.2.1' }, { Value: '192.0.2.2' }] };
    expect(sameRecord(a, { ...a, ResourceRecords: [{ Value: '192.0.2.2' }, { Value: '192.0.2.1' }] })).toBe(true);
    expect(describeRecordChange({ ...a, TTL: 300 }, a)).toBe('TTL 300 → 60');
    expect(describeRecordChange({ ...a, ResourceRecords: [{ Value: '192.0.2.9' }] }, a)).toBe('values 192.0.2.9 → 192.0.2.1, 192.0.2.2');
    expect(describeRecordChange({ ...a, SetIdentifier: 's', Weight: 1 }, { ...a, SetIdentifier: 's', Weight: 5 })).toBe('weight 1 → 5');
    const alias: ResourceRecordSet = { Name: 'x.example.com.', Type: 'A', AliasTarget: { HostedZoneId: 'Z', DNSName: 'd.example.net', EvaluateTargetHealth: false } };
    expect(sameRecord({ ...alias, TTL: 0 }, alias)).toBe(true);
    expect(isZoneOwnRecord({ Name: 'example.com.', Type: 'NS' }, 'example.com')).toBe(true);
    expect(isZoneOwnRecord({ Name: 'sub.example.com.', Type: 'NS' }, 'example.com')).toBe(false);
  });
});
