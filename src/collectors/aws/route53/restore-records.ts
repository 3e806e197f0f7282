// Record sets as a restore sees them: which ones a restore may touch, how a version's record
// set is matched with a live one, how it is moved into another zone (a rename), and how a
// difference is told to an operator in one line. Pure functions over ResourceRecordSet; the
// planning and the API calls are in restore.ts.
//
// The zone's own SOA and apex NS record sets are never touched: Route53 makes them with the
// zone, and a re-created zone has other name servers than the version names.
import type { ResourceRecordSet } from '@aws-sdk/client-route-53';
import { normalize } from '../../../normalize/rules.js';
import { stableKey } from '../../../normalize/stable-json.js';
import { recordRules } from './rules.js';

/** A name with its final dot, lower case (Route53 answers in lower case; DNS names are case-insensitive). */
export function absoluteName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

/** The zone's own record sets: its SOA, and the NS set at its apex. */
export function isZoneOwnRecord(record: ResourceRecordSet, zoneName: string): boolean {
  if (record.Type === 'SOA') return true;
  return record.Type === 'NS' && absoluteName(record.Name ?? '') === absoluteName(zoneName);
}

/** Identity of a record set within a zone: name, type and set identifier. */
export function recordKey(record: ResourceRecordSet): string {
  return JSON.stringify([absoluteName(record.Name ?? ''), record.Type ?? '', record.SetIdentifier ?? null]);
}

/**
 * A record set as it is compared and sent: normalized as the collector archives it (values
 * sorted), and without a TTL on alias records (AWS gives them none and refuses one; moto
 * answers 0).
 */
export function comparableRecord(record: ResourceRecordSet): ResourceRecordSet {
  const [normalized] = (normalize({ ResourceRecordSets: [record] }, recordRules) as unknown as { ResourceRecordSets: ResourceRecordSet[] }).ResourceRecordSets;
  const out = { ...normalized } as ResourceRecordSet;
  if (out.AliasTarget) delete out.TTL;
  return out;
}

export function sameRecord(a: ResourceRecordSet, b: ResourceRecordSet): boolean {
  return stableKey(comparableRecord(a)) === stableKey(comparableRecord(b));
}

/**
 * `name` moved from zone `from` into zone `to` (both absolute): "www.example.com." from
 * example.com. into staging.example.com. is "www.staging.example.com.". Null when the name
 * is not inside `from`.
 */
export function moveName(name: string, from: string, to: string): string | null {
  const n = absoluteName(name);
  const f = absoluteName(from);
  const t = absoluteName(to);
  if (n === f) return t;
  if (!n.endsWith(`.${f}`)) return null;
  return `${n.slice(0, n.length - f.length)}${t}`;
}

export interface RecordPlacement {
  /** the version zone's name and id */
  fromZone: string;
  fromZoneId: string;
  /** the live zone's name and id the record set goes into (the id is unknown until a missing zone is created) */
  toZone: string;
  toZoneId: string;
}

/**
 * The version's record set as it must be in the target zone: its name moved when the zone is
 * renamed, and an alias that points into its own zone pointed at the target zone (its id, and
 * its name when renamed). Null when the name is not inside the version's zone.
 */
export function placeRecord(record: ResourceRecordSet, at: RecordPlacement): ResourceRecordSet | null {
  const name = moveName(record.Name ?? '', at.fromZone, at.toZone);
  if (name === null) return null;
  const out: ResourceRecordSet = { ...record, Name: absoluteName(at.fromZone) === absoluteName(at.toZone) ? (record.Name ?? name) : name };
  const alias = record.AliasTarget;
  if (alias && alias.HostedZoneId === at.fromZoneId) {
    const dnsName = moveName(alias.DNSName ?? '', at.fromZone, at.toZone);
    out.AliasTarget = { ...alias, HostedZoneId: at.toZoneId, ...(dnsName !== null && absoluteName(at.fromZone) !== absoluteName(at.toZone) ? { DNSName: dnsName } : {}) };
  }
  return out;
}

/** How people name a record set: "www.example.com. CNAME", "api.example.com. A [blue]". */
export function recordLabel(record: ResourceRecordSet): string {
  return `${record.Name ?? '?'} ${record.Type ?? '?'}${record.SetIdentifier !== undefined ? ` [${record.SetIdentifier}]` : ''}`;
}

const MAX_VALUES_TEXT = 60;

function valuesText(record: ResourceRecordSet): string {
  if (record.AliasTarget) return `alias ${record.AliasTarget.DNSName ?? '?'}`;
  const values = (record.ResourceRecords ?? []).map((v) => v.Value ?? '');
  if (values.length === 0) return 'no values';
  const text = values.join(', ');
  return text.length <= MAX_VALUES_TEXT ? text : `${values.length} value${values.length === 1 ? '' : 's'}`;
}

/** What a missing record set holds: "TTL 60, 192.0.2.1", "alias d111.cloudfront.net". */
export function describeRecord(record: ResourceRecordSet): string {
  const r = comparableRecord(record);
  return [r.TTL !== undefined ? `TTL ${r.TTL}` : null, valuesText(r), r.Weight !== undefined ? `weight ${r.Weight}` : null].filter(Boolean).join(', ');
}

const SCALAR_FIELDS: [keyof ResourceRecordSet, string][] = [
  ['TTL', 'TTL'],
  ['Weight', 'weight'],
  ['Region', 'latency region'],
  ['Failover', 'failover'],
  ['MultiValueAnswer', 'multivalue'],
  ['HealthCheckId', 'health check'],
  ['TrafficPolicyInstanceId', 'traffic policy instance'],
];
const OBJECT_FIELDS: [keyof ResourceRecordSet, string][] = [
  ['GeoLocation', 'geolocation'],
  ['GeoProximityLocation', 'geoproximity'],
  ['CidrRoutingConfig', 'CIDR routing'],
];

/** What differs, live → version, in one line: "TTL 300 → 60", "values 192.0.2.9 → 192.0.2.1". */
export function describeRecordChange(live: ResourceRecordSet, version: ResourceRecordSet): string {
  const a = comparableRecord(live);
  const b = comparableRecord(version);
  const parts: string[] = [];
  for (const [field, label] of SCALAR_FIELDS) {
    if (a[field] !== b[field]) parts.push(`${label} ${String(a[field] ?? 'none')} → ${String(b[field] ?? 'none')}`);
  }
  if (stableKey(a.ResourceRecords ?? null) !== stableKey(b.ResourceRecords ?? null) || stableKey(a.AliasTarget ?? null) !== stableKey(b.AliasTarget ?? null)) {
    const from = valuesText(a);
    const to = valuesText(b);
    parts.push(from !== to ? `${a.AliasTarget || b.AliasTarget ? '' : 'values '}${from} → ${to}` : a.AliasTarget ? 'alias target differs' : 'values differ');
  }
  for (const [field, label] of OBJECT_FIELDS) if (stableKey(a[field] ?? null) !== stableKey(b[field] ?? null)) parts.push(`${label} differs`);
  return parts.length ? parts.join('; ') : 'differs';
}
