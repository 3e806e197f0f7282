// The Route53 collector (route53/): every hosted zone, public and private, with its record
// sets and a BIND-style zone file, and the account's health checks. Route53 is global, so
// everything is read through the home region's client.
//
//   route53/zones.json                       index: id, name, public/private, folder
//   route53/zones/<name>~<id>/zone.json      GetHostedZone (+ VPCs), tags, DNSSEC, query logging
//   route53/zones/<name>~<id>/records.json   every record set, sorted by name, type, set id
//   route53/zones/<name>~<id>/bind.zone      the same records as a zone file
//   route53/health_checks/<id>.json          configuration, tags, the records that use it
//
// A zone's folder carries its id because two zones can share a name (a public and a private
// example.com). Account-wide listings (zones, health checks, tags, query logging) are read
// once; a refusal of one becomes a finding, any other failure fails the collector so that
// the runner carries the previous folder over instead of the archive showing a deletion. A
// zone that fails unexpectedly is carried over alone; a zone deleted while the snapshot runs
// is a finding.
import { GetDNSSECCommand, GetHostedZoneCommand, Route53Client, type GetHostedZoneResponse, type HostedZone, type ResourceRecordSet, type Tag } from '@aws-sdk/client-route-53';
import { safeSegment } from '../../../archive/paths.js';
import { normalize } from '../../../normalize/rules.js';
import { createLimiter, mapLimit } from '../../../util/limiter.js';
import type { Collector, CollectContext } from '../../types.js';
import { classifyAwsError, optionalConfig, recordRefusal } from '../shared/errors.js';
import { route53ConfigSchema, type Route53Config } from './config.js';
import { bareId, listHealthChecks, listHostedZones, listQueryLoggingConfigs, listRecordSets, listTags, type Send } from './listings.js';
import { healthCheckRules, recordRules, route53Resources, route53RestoreTestKey, zoneIndexRules, zoneRules } from './rules.js';
import { requestSignal } from '../shared/request-signal.js';
import { restoreRoute53 } from './restore.js';
import { renderZoneFile } from './zone-file.js';
import { route53Runbook } from './runbook.js';

type Ctx = CollectContext<Route53Config>;

interface ZoneIndexEntry {
  Id: string;
  Name: string;
  PrivateZone: boolean;
  Folder: string;
}

interface RecordRef {
  HostedZoneId: string;
  Name: string;
  Type: string;
  SetIdentifier?: string;
}

/** zones/<name>~<id>: the name for people, the id (never containing '~') to keep it unique. */
export function zoneFolder(name: string, id: string): string {
  const plain = name.endsWith('.') ? name.slice(0, -1) : name;
  return `zones/${safeSegment(plain)}~${safeSegment(id)}`;
}

/** Reads an account-wide listing; a refusal is a finding (null), anything else is thrown. */
async function refusable<T>(ctx: Ctx, resource: string, read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (err) {
    if (recordRefusal(ctx, resource, err)) return null;
    throw err;
  }
}

interface Shared {
  send: Send;
  zoneTags: Map<string, Tag[]> | null;
  queryLogs: Map<string, unknown[]> | null;
  /** health check id → the record sets that use it */
  healthCheckRefs: Map<string, RecordRef[]>;
}

async function collectZone(ctx: Ctx, shared: Shared, summary: HostedZone): Promise<ZoneIndexEntry | null> {
  const id = bareId(summary.Id ?? '');
  const name = summary.Name ?? '';
  const folder = zoneFolder(name, id);
  const resource = `route53/${folder}`;
  const gone = () => {
    ctx.out.remove(folder);
    ctx.finding({ resource, reason: 'Deleted', detail: 'the hosted zone was deleted while the snapshot ran' });
    return null;
  };
  try {
    let detail: GetHostedZoneResponse;
    try {
      detail = await shared.send((c, abortSignal) => c.send(new GetHostedZoneCommand({ Id: id }), { abortSignal }));
    } catch (err) {
      if (classifyAwsError(err) === 'not-found') return gone();
      if (!recordRefusal(ctx, `${resource}/zone`, err)) throw err;
      detail = { HostedZone: summary, DelegationSet: undefined };
    }
    const zone = detail.HostedZone ?? summary;
    const privateZone = zone.Config?.PrivateZone ?? false;
    // DNSSEC signing exists for public zones only; AWS answers InvalidArgument where it cannot apply.
    const dnssec = privateZone
      ? null
      : await optionalConfig(ctx, `${resource}/dnssec`, () => shared.send((c, abortSignal) => c.send(new GetDNSSECCommand({ HostedZoneId: id }), { abortSignal })), ['InvalidArgument']);
    ctx.out.json(
      `${folder}/zone.json`,
      {
        HostedZone: zone,
        DelegationSet: detail.DelegationSet,
        VPCs: detail.VPCs,
        Tags: shared.zoneTags ? (shared.zoneTags.get(id) ?? []) : undefined,
        DNSSEC: dnssec ? { Status: dnssec.Status, KeySigningKeys: dnssec.KeySigningKeys ?? [] } : undefined,
        QueryLoggingConfigs: shared.queryLogs ? (shared.queryLogs.get(id) ?? []) : undefined,
      },
      zoneRules,
    );

    let records: ResourceRecordSet[];
    try {
      records = await listRecordSets(shared.send, id);
    } catch (err) {
      if (classifyAwsError(err) === 'not-found') return gone();
      if (!recordRefusal(ctx, `${resource}/records`, err)) throw err;
      return { Id: id, Name: name, PrivateZone: privateZone, Folder: folder };
    }
    const normalized = normalize({ HostedZoneId: id, Name: name, ResourceRecordSets: records }, recordRules) as unknown as { ResourceRecordSets: ResourceRecordSet[] };
    ctx.out.json(`${folder}/records.json`, normalized);
    ctx.out.text(`${folder}/bind.zone`, renderZoneFile({ name, id, privateZone, records: normalized.ResourceRecordSets }));
    for (const r of records) {
      if (r.HealthCheckId === undefined) continue;
      const ref: RecordRef = { HostedZoneId: id, Name: r.Name ?? '', Type: r.Type ?? '', ...(r.SetIdentifier !== undefined ? { SetIdentifier: r.SetIdentifier } : {}) };
      shared.healthCheckRefs.set(r.HealthCheckId, [...(shared.healthCheckRefs.get(r.HealthCheckId) ?? []), ref]);
    }
    ctx.count('hosted zones');
    ctx.count('record sets', records.length);
    return { Id: id, Name: name, PrivateZone: privateZone, Folder: folder };
  } catch (err) {
    ctx.partial(resource, err);
    await ctx.carryOver(folder);
    return { Id: id, Name: name, PrivateZone: summary.Config?.PrivateZone ?? false, Folder: folder };
  } finally {
    ctx.progress.add(1);
  }
}

export async function collectRoute53(ctx: Ctx): Promise<void> {
  const client = ctx.aws.get(Route53Client);
  const limit = createLimiter(ctx.config.concurrency);
  const signal = requestSignal(ctx.signal, ctx.config.concurrency);
  const send: Send = (call) => limit(() => call(client, signal));

  ctx.progress.phase('hosted zones');
  const zones = await refusable(ctx, 'route53/zones', () => listHostedZones(send));
  const checks = await refusable(ctx, 'route53/health_checks', () => listHealthChecks(send));
  const shared: Shared = { send, zoneTags: null, queryLogs: null, healthCheckRefs: new Map() };

  if (zones) {
    const ids = zones.map((z) => bareId(z.Id ?? ''));
    shared.zoneTags = await refusable(ctx, 'route53/zones/tags', () => listTags(send, 'hostedzone', ids));
    shared.queryLogs = zones.length ? await refusable(ctx, 'route53/zones/query_logging', () => listQueryLoggingConfigs(send)) : new Map();
    ctx.progress.expect(zones.length);
    const entries = await mapLimit(zones, ctx.config.concurrency, (z) => collectZone(ctx, shared, z));
    ctx.out.json('zones.json', { HostedZones: entries.filter((e): e is ZoneIndexEntry => e !== null) }, zoneIndexRules);
  }

  if (checks) {
    ctx.progress.phase('health checks');
    const tags = await refusable(ctx, 'route53/health_checks/tags', () => listTags(send, 'healthcheck', checks.map((h) => h.Id ?? '')));
    for (const check of checks) {
      const id = check.Id ?? '';
      ctx.out.json(
        `health_checks/${safeSegment(id)}.json`,
        { HealthCheck: check, Tags: tags ? (tags.get(id) ?? []) : undefined, ReferencedBy: shared.healthCheckRefs.get(id) ?? [] },
        healthCheckRules,
      );
      ctx.count('health checks');
    }
  }
}

export const route53Collector: Collector<Route53Config> = {
  id: 'route53',
  title: 'Route53 hosted zones and records',
  root: 'route53',
  platform: 'aws',
  configSchema: route53ConfigSchema,
  enabledByDefault: true,
  runbook: route53Runbook,
  resources: route53Resources,
  collect: collectRoute53,
  restore: restoreRoute53,
  restoreTestKey: route53RestoreTestKey,
};
