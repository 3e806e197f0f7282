// snap restore for Route53: puts a version's record sets back.
//
// For each zone the version holds (zones/<name>~<id>/, or those the selection names):
//   1. find the live zone: by name and public/private (ids change when a zone is re-created;
//      the version's id breaks a tie between two live zones of one name and kind). With
//      --rename OLD=NEW the records go into the live zone NEW, which must exist.
//   2. a zone missing live is planned as a create (from zone.json: comment, public or private
//      with every VPC association, tags), and all its record sets after it;
//   3. record sets are compared by name, type and set identifier: missing or different ones
//      are UPSERTed; with --prune, live record sets the version does not name are deleted.
//      The zone's own SOA and apex NS are never touched.
//   4. an existing zone's comment, tags and missing VPC associations are put back (not when
//      the records go into another zone by rename).
// Not restored (noted in the plan where the version has them): health checks themselves (a
// record set that needs a health check that is gone is left out), DNSSEC signing, query
// logging, and the name servers of a re-created public zone (AWS picks new ones).
//
// Planning only reads. The record changes of one zone are sent together (restore-batch.ts).
import {
  AssociateVPCWithHostedZoneCommand,
  ChangeTagsForResourceCommand,
  CreateHostedZoneCommand,
  GetHealthCheckCommand,
  GetHostedZoneCommand,
  ListTagsForResourceCommand,
  Route53Client,
  UpdateHostedZoneCommentCommand,
  type HostedZone,
  type ResourceRecordSet,
  type Tag,
  type VPC,
  type VPCRegion,
} from '@aws-sdk/client-route-53';
import { randomUUID } from 'node:crypto';
import { stableKey } from '../../../normalize/stable-json.js';
import type { RestoreContext } from '../../../restore/types.js';
import { classifyAwsError } from '../shared/errors.js';
import type { Route53Config } from './config.js';
import { bareId, listHostedZones, listRecordSets, type Send } from './listings.js';
import { ZoneChangeBatcher } from './restore-batch.js';
import { absoluteName, describeRecord, describeRecordChange, isZoneOwnRecord, placeRecord, recordKey, recordLabel, sameRecord, comparableRecord } from './restore-records.js';

type Ctx = RestoreContext<Route53Config>;

/** zones/<zone>/zone.json as the collector writes it (the parts a restore reads). */
interface ZoneDoc {
  HostedZone: { Id: string; Name: string; Config?: { Comment?: string; PrivateZone?: boolean } };
  DelegationSet?: { Id?: string };
  VPCs?: VPC[];
  Tags?: Tag[];
  DNSSEC?: { Status?: { ServeSignature?: string } };
  QueryLoggingConfigs?: unknown[];
}

interface VersionZone {
  folder: string;
  doc: ZoneDoc;
  id: string;
  name: string;
  privateZone: boolean;
  /** null when the version could not read them (a refusal at snapshot time) */
  records: ResourceRecordSet[] | null;
}

/** Whether `path` (in the collector's folder) is part of what the selection names. */
function selected(selection: readonly string[], path: string): boolean {
  return selection.length === 0 || selection.some((s) => s === path || path.startsWith(`${s}/`) || s.startsWith(`${path}/`));
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

function zoneKind(privateZone: boolean): string {
  return privateZone ? 'private' : 'public';
}

async function readVersionZones(ctx: Ctx): Promise<VersionZone[]> {
  const zones: VersionZone[] = [];
  for (const entry of await ctx.version.list('zones')) {
    const folder = `zones/${entry.name}`;
    if (!selected(ctx.selection, folder)) continue;
    const doc = await ctx.version.json<ZoneDoc>(`${folder}/zone.json`);
    if (!doc?.HostedZone?.Name) {
      ctx.cannot(`route53/${folder}`, 'the version holds no zone.json for this zone: nothing to restore from');
      continue;
    }
    const records = await ctx.version.json<{ ResourceRecordSets?: ResourceRecordSet[] }>(`${folder}/records.json`);
    zones.push({
      folder,
      doc,
      id: bareId(doc.HostedZone.Id),
      name: absoluteName(doc.HostedZone.Name),
      privateZone: doc.HostedZone.Config?.PrivateZone ?? false,
      records: records?.ResourceRecordSets ?? null,
    });
  }
  if (ctx.selection.some((s) => s === 'health_checks' || s.startsWith('health_checks/'))) {
    ctx.cannot('route53/health_checks', 'health checks are not restored by snap; record sets that use one are restored when it exists');
  }
  return zones;
}

function renameTarget(ctx: Ctx, zoneName: string): string | undefined {
  const plain = zoneName.replace(/\.$/, '');
  const to = ctx.rename.get(plain) ?? ctx.rename.get(zoneName);
  return to === undefined ? undefined : absoluteName(to);
}

function liveMatches(live: readonly HostedZone[], name: string, privateZone: boolean): HostedZone[] {
  return live.filter((z) => absoluteName(z.Name ?? '') === name && (z.Config?.PrivateZone ?? false) === privateZone);
}

function tagText(tags: readonly Tag[]): Map<string, string> {
  return new Map(tags.map((t) => [t.Key ?? '', t.Value ?? '']));
}

export async function restoreRoute53(ctx: Ctx): Promise<void> {
  const client = ctx.aws.get(Route53Client);
  const send: Send = (call) => call(client, ctx.signal);
  const zones = await readVersionZones(ctx);
  if (zones.length === 0) return;
  const live = await listHostedZones(send);
  const healthChecks = new Map<string, Promise<boolean>>();
  const healthCheckExists = (id: string) => {
    let p = healthChecks.get(id);
    if (!p) {
      p = send((c, abortSignal) => c.send(new GetHealthCheckCommand({ HealthCheckId: id }), { abortSignal })).then(
        () => true,
        (err: unknown) => {
          if (classifyAwsError(err) === 'not-found') return false;
          throw err;
        },
      );
      healthChecks.set(id, p);
    }
    return p;
  };
  // Two version zones restored into one live zone (a rename onto another zone of the
  // version) would undo each other, and with --prune delete each other's records.
  const targeted = new Set<string>();
  for (const zone of zones) await planZone(ctx, send, zone, live, healthCheckExists, targeted);
}

async function planZone(ctx: Ctx, send: Send, zone: VersionZone, live: readonly HostedZone[], healthCheckExists: (id: string) => Promise<boolean>, targeted: Set<string>): Promise<void> {
  const renamed = renameTarget(ctx, zone.name);
  const targetName = renamed ?? zone.name;
  const kind = zoneKind(zone.privateZone);
  const zoneResource = `route53 zone ${targetName}${zone.privateZone ? ' (private)' : ''}`;
  const candidates = liveMatches(live, targetName, zone.privateZone);
  let target: HostedZone | undefined;
  if (candidates.length > 1) target = candidates.find((z) => bareId(z.Id ?? '') === zone.id);
  else target = candidates[0];
  if (candidates.length > 1 && !target) {
    ctx.cannot(zoneResource, `${candidates.length} live ${kind} zones have this name and none is the version's ${zone.id}: which one to restore into is not clear; nothing restored`);
    return;
  }
  if (renamed && !target) {
    ctx.cannot(zoneResource, `the target of --rename ${zone.name.replace(/\.$/, '')}=${renamed.replace(/\.$/, '')} has no live ${kind} zone: create it first; nothing restored into it`);
    return;
  }

  const targetKey = target ? bareId(target.Id ?? '') : `to create: ${targetName} ${kind}`;
  if (targeted.has(targetKey)) {
    ctx.cannot(zoneResource, 'another zone of the version is restored into this zone too: restore them one at a time; nothing restored');
    return;
  }
  targeted.add(targetKey);

  // The live zone's id: known now, or once the missing zone is created.
  let zoneId: () => Promise<string>;
  if (target) {
    const id = bareId(target.Id ?? '');
    zoneId = async () => id;
    if (!renamed) await planZoneSettings(ctx, send, zone, id, zoneResource);
  } else {
    const create = planZoneCreate(ctx, send, zone, zoneResource);
    if (!create) return;
    zoneId = create;
  }

  if (zone.records === null) {
    ctx.cannot(zoneResource, 'the version holds no record sets for this zone (they could not be read when it was taken)');
    return;
  }
  const liveRecords = target ? await listRecordSets(send, bareId(target.Id ?? '')) : [];
  const liveByKey = new Map(liveRecords.filter((r) => !isZoneOwnRecord(r, targetName)).map((r) => [recordKey(r), r]));
  const knownId = target ? bareId(target.Id ?? '') : '';
  const batcher = new ZoneChangeBatcher(send, zoneId, ctx.signal);
  const named = new Set<string>();
  const suffix = zone.privateZone ? ' (private)' : '';

  for (const archived of zone.records) {
    if (isZoneOwnRecord(archived, zone.name)) continue;
    const placement = { fromZone: zone.name, fromZoneId: zone.id, toZone: targetName, toZoneId: knownId };
    const wanted = placeRecord(archived, placement);
    if (!wanted) {
      ctx.cannot(`route53 ${recordLabel(archived)}`, `the name is not inside the zone ${zone.name}; left out`);
      continue;
    }
    const key = recordKey(wanted);
    named.add(key);
    const current = liveByKey.get(key);
    // An alias into its own zone already carries the live zone's id here, so it compares equal.
    if (current && sameRecord(current, wanted)) continue;
    if (wanted.HealthCheckId !== undefined && !(await healthCheckExists(wanted.HealthCheckId))) {
      ctx.cannot(`route53 ${recordLabel(wanted)}${suffix}`, `its health check ${wanted.HealthCheckId} no longer exists: re-create the health check, then restore again; left out`);
      continue;
    }
    batcher.add(key, { action: 'UPSERT', record: (id) => comparableRecord(placeRecord(archived, { ...placement, toZoneId: id })!) });
    ctx.plan({
      resource: `route53 ${recordLabel(wanted)}${suffix}`,
      action: current ? 'update' : 'create',
      detail: current ? describeRecordChange(current, wanted) : `missing: ${describeRecord(wanted)}`,
      apply: () => batcher.apply(key),
    });
  }

  const extra = [...liveByKey.entries()].filter(([key]) => !named.has(key));
  if (extra.length && !ctx.prune) {
    ctx.note(zoneResource, `${extra.length} live record set${extra.length === 1 ? '' : 's'} the version does not name ${extra.length === 1 ? 'is' : 'are'} kept (--prune deletes them)`);
  }
  if (ctx.prune) {
    for (const [key, record] of extra) {
      batcher.add(key, { action: 'DELETE', key });
      ctx.plan({ resource: `route53 ${recordLabel(record)}${suffix}`, action: 'delete', detail: `not in the version: ${describeRecord(record)}`, apply: () => batcher.apply(key) });
    }
  }
}

/**
 * Plans creating a zone the version holds and the live account lacks; returns how the
 * record changes get its id (null when it cannot be created). Creating is idempotent: the
 * zone is looked for again first.
 */
function planZoneCreate(ctx: Ctx, send: Send, zone: VersionZone, resource: string): (() => Promise<string>) | null {
  const vpcs = [...(zone.doc.VPCs ?? [])];
  if (zone.privateZone && vpcs.length === 0) {
    ctx.cannot(resource, 'a private zone needs a VPC and the version names none: the zone and its records cannot be re-created');
    return null;
  }
  let created: Promise<string> | null = null;
  const ensure = async (): Promise<string> => {
    const existing = liveMatches(await listHostedZones(send), zone.name, zone.privateZone);
    if (existing.length) return bareId(existing[0]!.Id ?? '');
    const [first, ...rest] = vpcs;
    const out = await send((c, abortSignal) =>
      c.send(
        new CreateHostedZoneCommand({
          Name: zone.name,
          // The create call's idempotency token: unique per call (the version's was dropped on purpose).
          CallerReference: `snap-restore-${randomUUID()}`,
          HostedZoneConfig: { PrivateZone: zone.privateZone, ...(zone.doc.HostedZone.Config?.Comment !== undefined ? { Comment: zone.doc.HostedZone.Config.Comment } : {}) },
          ...(zone.privateZone && first ? { VPC: first } : {}),
          ...(!zone.privateZone && zone.doc.DelegationSet?.Id ? { DelegationSetId: zone.doc.DelegationSet.Id } : {}),
        }),
        { abortSignal },
      ),
    );
    const id = bareId(out.HostedZone?.Id ?? '');
    for (const vpc of zone.privateZone ? rest : []) {
      await send((c, abortSignal) => c.send(new AssociateVPCWithHostedZoneCommand({ HostedZoneId: id, VPC: vpc }), { abortSignal }));
    }
    if (zone.doc.Tags?.length) {
      await send((c, abortSignal) => c.send(new ChangeTagsForResourceCommand({ ResourceType: 'hostedzone', ResourceId: id, AddTags: zone.doc.Tags }), { abortSignal }));
    }
    return id;
  };
  const zoneId = () => {
    created ??= ensure().catch((err: unknown) => {
      created = null; // a later apply tries again
      throw err;
    });
    return created;
  };
  const parts = [zoneKind(zone.privateZone), zone.privateZone ? plural(vpcs.length, 'VPC') : null, zone.doc.HostedZone.Config?.Comment ? `comment ${JSON.stringify(zone.doc.HostedZone.Config.Comment)}` : null, zone.doc.Tags?.length ? plural(zone.doc.Tags.length, 'tag') : null];
  ctx.plan({ resource, action: 'create', detail: `missing: ${parts.filter(Boolean).join(', ')}`, apply: async () => void (await zoneId()) });
  if (!zone.privateZone) ctx.note(resource, 'a re-created public zone gets new name servers from AWS: point the domain\'s registration (NS records at the parent) at them');
  if (zone.doc.DNSSEC?.Status?.ServeSignature === 'SIGNING') ctx.cannot(resource, 'DNSSEC signing is not restored by snap: enable it again with the key signing keys');
  if (zone.doc.QueryLoggingConfigs?.length) ctx.cannot(resource, 'query logging is not restored by snap: create the query logging configuration again');
  return zoneId;
}

/** An existing zone's comment, tags and VPC associations, put back as the version has them. */
async function planZoneSettings(ctx: Ctx, send: Send, zone: VersionZone, id: string, resource: string): Promise<void> {
  const live = await send((c, abortSignal) => c.send(new GetHostedZoneCommand({ Id: id }), { abortSignal }));
  const wantComment = zone.doc.HostedZone.Config?.Comment ?? '';
  const liveComment = live.HostedZone?.Config?.Comment ?? '';
  if (wantComment !== liveComment) {
    ctx.plan({
      resource,
      action: 'update',
      detail: `comment ${JSON.stringify(liveComment)} → ${JSON.stringify(wantComment)}`,
      apply: async () => void (await send((c, abortSignal) => c.send(new UpdateHostedZoneCommentCommand({ Id: id, Comment: wantComment }), { abortSignal }))),
    });
  }
  if (zone.privateZone) {
    const liveVpcs = new Set((live.VPCs ?? []).map((v) => stableKey([v.VPCRegion, v.VPCId])));
    for (const vpc of zone.doc.VPCs ?? []) {
      if (liveVpcs.has(stableKey([vpc.VPCRegion, vpc.VPCId]))) continue;
      ctx.plan({
        resource,
        action: 'update',
        detail: `VPC ${vpc.VPCId} (${vpc.VPCRegion}) not associated`,
        apply: async () => {
          // Safe to re-run: associating twice is refused, so the zone is asked first.
          const now = await send((c, abortSignal) => c.send(new GetHostedZoneCommand({ Id: id }), { abortSignal }));
          if ((now.VPCs ?? []).some((v) => v.VPCId === vpc.VPCId && v.VPCRegion === vpc.VPCRegion)) return;
          await send((c, abortSignal) => c.send(new AssociateVPCWithHostedZoneCommand({ HostedZoneId: id, VPC: { VPCId: vpc.VPCId, VPCRegion: vpc.VPCRegion as VPCRegion } }), { abortSignal }));
        },
      });
    }
  }
  if (zone.doc.Tags === undefined) return; // not read when the version was taken
  const liveTags = tagText((await send((c, abortSignal) => c.send(new ListTagsForResourceCommand({ ResourceType: 'hostedzone', ResourceId: id }), { abortSignal }))).ResourceTagSet?.Tags ?? []);
  const want = tagText(zone.doc.Tags);
  const add = [...want].filter(([k, v]) => liveTags.get(k) !== v).map(([Key, Value]) => ({ Key, Value }));
  const remove = [...liveTags.keys()].filter((k) => !want.has(k));
  if (add.length === 0 && remove.length === 0) return;
  ctx.plan({
    resource,
    action: 'update',
    detail: `tags differ: ${[...add.map((t) => `${liveTags.has(t.Key) ? '~' : '+'}${t.Key}`), ...remove.map((k) => `-${k}`)].join(' ')}`,
    apply: async () =>
      void (await send((c, abortSignal) =>
        c.send(new ChangeTagsForResourceCommand({ ResourceType: 'hostedzone', ResourceId: id, ...(add.length ? { AddTags: add } : {}), ...(remove.length ? { RemoveTagKeys: remove } : {}) }), { abortSignal }),
      )),
  });
}
