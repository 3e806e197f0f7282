// A hosted zone as a BIND-style zone file (RFC 1035 master file), for people and for other
// DNS tools. records.json beside it is the exact source; this is a derived, readable view,
// and a pure function of the record sets, so it is as deterministic as they are.
//
// What BIND syntax cannot say is written as comments rather than dropped or faked:
// - alias records (Route53's own kind) become comment lines naming their target;
// - routing policies (weighted, latency, failover, geolocation, geoproximity, CIDR,
//   multivalue) and health checks become a trailing comment on each of their lines, in the
//   spirit of cli53's export, so a tool importing the file merges the routed variants of a
//   name into one record set, and a person can see that it did.
// Route53 treats the names inside record data (CNAME targets, MX exchanges, …) as absolute
// with or without the final dot; a zone file reads them relative to $ORIGIN without it, so
// the dot is added where the record type holds a name.
import type { ResourceRecordSet } from '@aws-sdk/client-route-53';
import { bindAbsoluteName, bindOwnerName, compareCodePoints, compareDnsNames } from './names.js';

export interface ZoneFileInput {
  /** the zone's name as Route53 gives it, e.g. "example.com." */
  name: string;
  /** the zone's id without the /hostedzone/ prefix */
  id: string;
  privateZone: boolean;
  records: readonly ResourceRecordSet[];
}

const DEFAULT_TTL = 300;
const MAX_OWNER_WIDTH = 40;

/** Positions (0-based, whitespace-separated) of the domain names in each type's record data. */
const NAME_FIELDS: Readonly<Record<string, readonly number[]>> = {
  CNAME: [0],
  NS: [0],
  PTR: [0],
  MX: [1],
  SRV: [3],
  SOA: [0, 1],
  NAPTR: [5],
  HTTPS: [1],
  SVCB: [1],
};

const HOST_NAME = /^[A-Za-z0-9_*\\-]+(\.[A-Za-z0-9_*\\-]+)*\.?$/;

/** Type order within one name: SOA and NS first, as zone files conventionally start. */
function typeRank(type: string): number {
  return type === 'SOA' ? 0 : type === 'NS' ? 1 : 2;
}

export function compareForZoneFile(a: ResourceRecordSet, b: ResourceRecordSet): number {
  return (
    compareDnsNames(a.Name ?? '', b.Name ?? '') ||
    typeRank(a.Type ?? '') - typeRank(b.Type ?? '') ||
    compareCodePoints(a.Type ?? '', b.Type ?? '') ||
    (a.SetIdentifier === undefined ? (b.SetIdentifier === undefined ? 0 : -1) : b.SetIdentifier === undefined ? 1 : compareCodePoints(a.SetIdentifier, b.SetIdentifier))
  );
}

function absoluteRdata(type: string, value: string): string {
  const fields = NAME_FIELDS[type];
  if (!fields) return value;
  const parts = value.trim().split(/\s+/);
  for (const i of fields) {
    const part = parts[i];
    // Only what looks like a host name gets the dot: a value of some other shape is passed on as it is.
    if (part !== undefined && HOST_NAME.test(part) && !part.endsWith('.')) parts[i] = `${part}.`;
  }
  return parts.join(' ');
}

/** A comment-safe rendering of a foreign string (no line breaks can end the comment early). */
function quoted(value: string): string {
  return JSON.stringify(value);
}

/** The routing policy and health check of a record set, as `key=value` notes. */
export function routingNotes(r: ResourceRecordSet): string[] {
  const notes: string[] = [];
  if (r.SetIdentifier !== undefined) notes.push(`set=${quoted(r.SetIdentifier)}`);
  if (r.Weight !== undefined) notes.push(`weight=${r.Weight}`);
  if (r.Region !== undefined) notes.push(`latency-region=${r.Region}`);
  if (r.Failover !== undefined) notes.push(`failover=${r.Failover}`);
  if (r.GeoLocation) {
    const g = r.GeoLocation;
    const parts = [g.ContinentCode && `continent:${g.ContinentCode}`, g.CountryCode && `country:${g.CountryCode}`, g.SubdivisionCode && `subdivision:${g.SubdivisionCode}`].filter(Boolean);
    notes.push(`geolocation=${parts.join(',')}`);
  }
  if (r.GeoProximityLocation) {
    const g = r.GeoProximityLocation;
    const where = g.AWSRegion ?? g.LocalZoneGroup ?? (g.Coordinates ? `${g.Coordinates.Latitude},${g.Coordinates.Longitude}` : '');
    notes.push(`geoproximity=${quoted(where)}${g.Bias !== undefined ? ` bias=${g.Bias}` : ''}`);
  }
  if (r.CidrRoutingConfig) notes.push(`cidr=${quoted(`${r.CidrRoutingConfig.CollectionId ?? ''}/${r.CidrRoutingConfig.LocationName ?? ''}`)}`);
  if (r.MultiValueAnswer) notes.push('multivalue');
  if (r.HealthCheckId !== undefined) notes.push(`health-check=${r.HealthCheckId}`);
  return notes;
}

export function renderZoneFile(zone: ZoneFileInput): string {
  const origin = bindAbsoluteName(zone.name);
  const records = [...zone.records].sort(compareForZoneFile);
  const soa = records.find((r) => r.Type === 'SOA' && r.TTL !== undefined);
  const defaultTtl = soa?.TTL ?? DEFAULT_TTL;
  const owners = records.map((r) => bindOwnerName(r.Name ?? '', zone.name));
  const width = Math.min(MAX_OWNER_WIDTH, Math.max(1, ...owners.map((o) => o.length)));
  const ttlWidth = Math.max(1, ...records.map((r) => String(r.TTL ?? '').length));
  const typeWidth = Math.max(5, ...records.map((r) => (r.Type ?? '').length));

  const lines = [
    `; ${origin} - Route53 hosted zone ${zone.id} (${zone.privateZone ? 'private' : 'public'})`,
    '; Written by snap from the record sets in records.json, which is the exact source.',
    '; Alias records cannot be expressed in BIND syntax: they are the ALIAS comment lines.',
    '; Routing policies and health checks follow each record as a comment; importing this',
    '; file merges the routed variants of a name into one record set.',
    `$ORIGIN ${origin}`,
    `$TTL ${defaultTtl}`,
  ];
  records.forEach((r, i) => {
    const owner = owners[i]!.padEnd(width);
    const type = (r.Type ?? '').padEnd(typeWidth);
    const notes = routingNotes(r);
    if (r.AliasTarget) {
      const a = r.AliasTarget;
      const target = bindAbsoluteName(a.DNSName ?? '');
      const aliasNotes = [`hosted-zone=${a.HostedZoneId ?? ''}`, `evaluate-target-health=${a.EvaluateTargetHealth ? 'yes' : 'no'}`, ...notes];
      lines.push(`; ${owner} ALIAS ${type} ${target} ; ${aliasNotes.join(' ')}`);
      return;
    }
    // A record set's values are a set in DNS; sorted so the file does not depend on AWS's order.
    const values = [...(r.ResourceRecords ?? [])].sort((x, y) => compareCodePoints(x.Value ?? '', y.Value ?? ''));
    if (values.length === 0) {
      const what = r.TrafficPolicyInstanceId !== undefined ? `traffic policy instance ${r.TrafficPolicyInstanceId}` : 'no values';
      lines.push(`; ${owner} ${type} (${what}) ${notes.length ? `; ${notes.join(' ')}` : ''}`.trimEnd());
      return;
    }
    const suffix = notes.length ? ` ; ${notes.join(' ')}` : '';
    const ttl = String(r.TTL ?? defaultTtl).padEnd(ttlWidth);
    for (const v of values) lines.push(`${owner} ${ttl} IN ${type} ${absoluteRdata(r.Type ?? '', v.Value ?? '')}${suffix}`);
  });
  return `${lines.join('\n')}\n`;
}
