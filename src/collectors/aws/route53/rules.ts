// What the Route53 collector's files hold and how they are normalized, as data: the fields
// dropped as volatile or meaningless for a restore, the arrays AWS returns in no fixed order
// (sorted by their identity, which is also how `snap diff` matches their elements), and how
// each file's resource is named for people. Tested by test/unit/route53-rules.test.ts.
import { dnsName } from '../shared/dns-name.js';
import type { ResourceFileSpec } from '../../types.js';
import type { NormalizationRules } from '../../../normalize/rules.js';

/**
 * zones/<zone>/zone.json: GetHostedZone's answer plus tags, DNSSEC and query logging.
 * Dropped:
 * - ResourceRecordSetCount: a counter that follows the records, which records.json holds.
 * - CallerReference (zone and delegation set): the one-time idempotency token of the create
 *   call. It never changes, but it is not configuration and a re-created zone needs a new one.
 * Kept on purpose: DNSSEC key CreatedDate/LastModifiedDate (they change only with the key).
 */
export const zoneRules: NormalizationRules = {
  drop: ['HostedZone.ResourceRecordSetCount', 'HostedZone.CallerReference', 'DelegationSet.CallerReference'],
  sortBy: {
    'DelegationSet.NameServers': null,
    VPCs: ['VPCRegion', 'VPCId'],
    Tags: 'Key',
    'DNSSEC.KeySigningKeys': 'Name',
    QueryLoggingConfigs: 'Id',
  },
};

/**
 * zones/<zone>/records.json: every record set. A record set is identified by name, type and
 * set identifier (routed records share a name and type); the values of one record set are a
 * set in DNS, so they are sorted too.
 */
export const RECORD_IDENTITY = ['Name', 'Type', 'SetIdentifier'];
export const recordRules: NormalizationRules = {
  sortBy: {
    ResourceRecordSets: RECORD_IDENTITY,
    'ResourceRecordSets[].ResourceRecords': 'Value',
  },
};

/** zones.json: the index of hosted zones and their folders. */
export const zoneIndexRules: NormalizationRules = {
  sortBy: { HostedZones: 'Id' },
};

/**
 * health_checks/<id>.json. Dropped:
 * - HealthCheckVersion: an update counter used for optimistic locking; it changes only
 *   together with the configuration, which the diff already shows.
 * - CallerReference: the create call's idempotency token (see zoneRules).
 * The live status (GetHealthCheckStatus) is never read: it is state, not configuration.
 */
export const healthCheckRules: NormalizationRules = {
  drop: ['HealthCheck.HealthCheckVersion', 'HealthCheck.CallerReference'],
  sortBy: {
    'HealthCheck.HealthCheckConfig.ChildHealthChecks': null,
    'HealthCheck.HealthCheckConfig.Regions': null,
    'HealthCheck.CloudWatchAlarmConfiguration.Dimensions': 'Name',
    Tags: 'Key',
    ReferencedBy: null,
  },
};

type Obj = Record<string, any>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' ? (v as Obj) : {});

/** How a record set is named for people: "www.example.com. A [w1]". */
export function recordLabel(record: unknown): string {
  const r = obj(record);
  return `${r.Name ?? '?'} ${r.Type ?? '?'}${r.SetIdentifier !== undefined ? ` [${r.SetIdentifier}]` : ''}`;
}

function zoneLabel(value: unknown, path: string): string {
  const z = obj(obj(value).HostedZone);
  if (z.Name === undefined) return path.split('/')[1] ?? path;
  return `${z.Name} (${String(z.Id ?? '').replace(/^\/hostedzone\//, '')}${obj(z.Config).PrivateZone ? ', private' : ''})`;
}

/**
 * restore-test: a zone's folder is matched by the zone's name (a re-created zone has a new id
 * in its folder name); the zone index and the zone files are views of the zones' own files.
 */
export async function route53RestoreTestKey(rel: string): Promise<string | null> {
  if (rel === 'zones.json' || /^zones\/[^/]+\/bind\.zone$/.test(rel)) return null;
  return rel.replace(/^zones\/([^/]+)~[^/~]+\//, 'zones/$1/');
}

export const route53Resources: readonly ResourceFileSpec[] = [
  { pattern: 'zones.json', kind: 'hosted zone index', rules: zoneIndexRules, label: () => 'hosted zones' },
  {
    pattern: 'zones/*/zone.json',
    kind: 'hosted zone',
    rules: zoneRules,
    label: zoneLabel,
    // A re-created zone gets a new id and its own name servers.
    assigned: ['HostedZone.Id', 'DelegationSet', 'QueryLoggingConfigs[].Id', 'QueryLoggingConfigs[].HostedZoneId'],
  },
  {
    pattern: 'zones/*/records.json',
    kind: 'record sets',
    rules: recordRules,
    label: (value, path) => `records of ${obj(value).Name ?? path.split('/')[1] ?? path}`,
    assigned: ['HostedZoneId'],
    records: {
      array: 'ResourceRecordSets',
      key: ['Name', 'Type', 'SetIdentifier'],
      kind: 'record set',
      label: (record) => recordLabel(record),
      // What the record points at (an alias target, a CNAME): a changed distribution answering to that name is shown with it.
      related: (record) => {
        const r = obj(record);
        const targets = [obj(r.AliasTarget).DNSName, ...(r.Type === 'CNAME' ? (Array.isArray(r.ResourceRecords) ? r.ResourceRecords : []).map((x: unknown) => obj(x).Value) : [])];
        return targets.filter((t): t is string => typeof t === 'string' && t.length > 0).map((t) => `dns:${dnsName(t)}`);
      },
    },
  },
  { pattern: 'zones/*/bind.zone', kind: 'BIND zone file', label: (_value, path) => `zone file ${path.split('/')[1] ?? path}` },
  {
    pattern: 'health_checks/*.json',
    kind: 'health check',
    rules: healthCheckRules,
    label: (value) => {
      const h = obj(obj(value).HealthCheck);
      const c = obj(h.HealthCheckConfig);
      const target = c.FullyQualifiedDomainName ?? c.IPAddress;
      return `${h.Id ?? '?'}${c.Type ? ` ${c.Type}` : ''}${target ? ` ${target}` : ''}`;
    },
  },
];
