// Every Route53 list call the collector makes, each followed to its last page. One `send`
// function (the collector's limiter around client.send with its abort signal) carries every
// request, so the per-service concurrency bound holds across all of them.
//
// ListResourceRecordSets pages by (StartRecordName, StartRecordType, StartRecordIdentifier):
// a page can end inside a group of routed records that share a name and type, which is what
// the identifier is for. Record sets are also de-duplicated by (name, type, set identifier),
// so a server that ignores the identifier (moto does) repeats a few record sets at a page
// boundary instead of making the archive wrong; a page that brings nothing new while
// claiming more is an error rather than an endless loop.
import {
  ListHealthChecksCommand,
  ListHostedZonesCommand,
  ListQueryLoggingConfigsCommand,
  ListResourceRecordSetsCommand,
  ListTagsForResourceCommand,
  ListTagsForResourcesCommand,
  type HealthCheck,
  type HostedZone,
  type QueryLoggingConfig,
  type ResourceRecordSet,
  type Route53Client,
  type Tag,
  type TagResourceType,
} from '@aws-sdk/client-route-53';
import { SnapError } from '../../../errors.js';
import { awsErrorName, classifyAwsError } from '../shared/errors.js';

export type Send = <T>(call: (client: Route53Client, signal: AbortSignal) => Promise<T>) => Promise<T>;

export async function listHostedZones(send: Send): Promise<HostedZone[]> {
  const zones: HostedZone[] = [];
  let marker: string | undefined;
  for (;;) {
    const page = await send((c, abortSignal) => c.send(new ListHostedZonesCommand({ Marker: marker }), { abortSignal }));
    zones.push(...(page.HostedZones ?? []));
    if (!page.IsTruncated || !page.NextMarker) return zones;
    if (page.NextMarker === marker) throw stalled('ListHostedZones');
    marker = page.NextMarker;
  }
}

function recordKey(r: ResourceRecordSet): string {
  return JSON.stringify([r.Name ?? '', r.Type ?? '', r.SetIdentifier ?? null]);
}

export async function listRecordSets(send: Send, hostedZoneId: string): Promise<ResourceRecordSet[]> {
  const seen = new Map<string, ResourceRecordSet>();
  let start: { StartRecordName?: string; StartRecordType?: ResourceRecordSet['Type']; StartRecordIdentifier?: string } = {};
  for (;;) {
    const page = await send((c, abortSignal) => c.send(new ListResourceRecordSetsCommand({ HostedZoneId: hostedZoneId, ...start }), { abortSignal }));
    let added = 0;
    for (const r of page.ResourceRecordSets ?? []) {
      const key = recordKey(r);
      if (!seen.has(key)) {
        seen.set(key, r);
        added++;
      }
    }
    if (!page.IsTruncated || !page.NextRecordName) return [...seen.values()];
    if (added === 0) throw stalled(`ListResourceRecordSets for ${hostedZoneId}`);
    start = { StartRecordName: page.NextRecordName, StartRecordType: page.NextRecordType };
    if (page.NextRecordIdentifier !== undefined) start.StartRecordIdentifier = page.NextRecordIdentifier;
  }
}

export async function listHealthChecks(send: Send): Promise<HealthCheck[]> {
  const checks: HealthCheck[] = [];
  let marker: string | undefined;
  for (;;) {
    const page = await send((c, abortSignal) => c.send(new ListHealthChecksCommand({ Marker: marker }), { abortSignal }));
    checks.push(...(page.HealthChecks ?? []));
    if (!page.IsTruncated || !page.NextMarker) return checks;
    if (page.NextMarker === marker) throw stalled('ListHealthChecks');
    marker = page.NextMarker;
  }
}

/**
 * All query logging configurations of the account in one listing, grouped by hosted zone id.
 * One account-wide listing instead of one call per zone keeps within Route53's request rate.
 */
export async function listQueryLoggingConfigs(send: Send): Promise<Map<string, QueryLoggingConfig[]>> {
  const byZone = new Map<string, QueryLoggingConfig[]>();
  let token: string | undefined;
  for (;;) {
    const page = await send((c, abortSignal) => c.send(new ListQueryLoggingConfigsCommand({ NextToken: token }), { abortSignal }));
    for (const q of page.QueryLoggingConfigs ?? []) {
      const zone = bareId(q.HostedZoneId ?? '');
      byZone.set(zone, [...(byZone.get(zone) ?? []), q]);
    }
    if (!page.NextToken) return byZone;
    if (page.NextToken === token) throw stalled('ListQueryLoggingConfigs');
    token = page.NextToken;
  }
}

/**
 * Tags of many resources of one type, ten per request (the API's limit). When a batch is
 * refused because one of its resources has gone since it was listed, the batch is asked one
 * by one and the ones that are gone are left out (their absence is reported where the
 * resource itself is read).
 */
export async function listTags(send: Send, type: TagResourceType, ids: readonly string[]): Promise<Map<string, Tag[]>> {
  const tags = new Map<string, Tag[]>();
  for (let i = 0; i < ids.length; i += 10) {
    const batch = ids.slice(i, i + 10);
    try {
      const page = await send((c, abortSignal) => c.send(new ListTagsForResourcesCommand({ ResourceType: type, ResourceIds: batch }), { abortSignal }));
      for (const set of page.ResourceTagSets ?? []) if (set.ResourceId) tags.set(bareId(set.ResourceId), set.Tags ?? []);
    } catch (err) {
      if (!isGone(err)) throw err;
      for (const id of batch) {
        try {
          const one = await send((c, abortSignal) => c.send(new ListTagsForResourceCommand({ ResourceType: type, ResourceId: id }), { abortSignal }));
          tags.set(id, one.ResourceTagSet?.Tags ?? []);
        } catch (e) {
          if (classifyAwsError(e) !== 'not-found') throw e;
        }
      }
    }
  }
  return tags;
}

/** A batch naming a resource that does not exist (any more): not found, or refused as invalid input. */
function isGone(err: unknown): boolean {
  return classifyAwsError(err) === 'not-found' || awsErrorName(err) === 'InvalidInput';
}

/** "/hostedzone/Z123" → "Z123" (the API gives ids both ways). */
export function bareId(id: string): string {
  return id.replace(/^\/?(hostedzone|healthcheck)\//, '');
}

function stalled(call: string): SnapError {
  return new SnapError('COLLECTOR_FAILED', `${call} returned a page with nothing new while claiming more; stopped instead of looping`, { call });
}
