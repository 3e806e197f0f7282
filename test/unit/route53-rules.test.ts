// The Route53 collector's declared normalization rules, with must-disappear and must-stay
// checks, and its resource declarations.
import { describe, expect, it } from 'vitest';
import { healthCheckRules, recordLabel, recordRules, route53Resources, zoneRules } from '../../src/collectors/aws/route53/rules.js';
import { normalize } from '../../src/normalize/rules.js';
import { stableJson } from '../../src/normalize/stable-json.js';
import { globMatch } from '../../src/util/glob.js';

describe('route53 zone rules', () => {
  const zone = (count: number, order: 'a' | 'b') => ({
    HostedZone: { Id: '/hostedzone/Z1', Name: 'example.com.', CallerReference: 'ref-123', ResourceRecordSetCount: count, Config: { PrivateZone: true, Comment: 'c' } },
    DelegationSet: { CallerReference: 'ds-ref', NameServers: order === 'a' ? ['ns-1', 'ns-2'] : ['ns-2', 'ns-1'] },
    VPCs: order === 'a' ? [{ VPCRegion: 'eu-west-1', VPCId: 'vpc-2' }, { VPCRegion: 'us-east-1', VPCId: 'vpc-1' }] : [{ VPCRegion: 'us-east-1', VPCId: 'vpc-1' }, { VPCRegion: 'eu-west-1', VPCId: 'vpc-2' }],
    Tags: order === 'a' ? [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }] : [{ Key: 'b', Value: '2' }, { Key: 'a', Value: '1' }],
    DNSSEC: { Status: { ServeSignature: 'SIGNING' }, KeySigningKeys: [{ Name: 'k1', CreatedDate: '2024-01-01', LastModifiedDate: '2024-02-01', Status: 'ACTIVE' }] },
  });

  it('drops the record count and the create calls’ idempotency tokens, and ignores AWS order', () => {
    const a = stableJson(normalize(zone(10, 'a'), zoneRules));
    expect(stableJson(normalize(zone(12, 'b'), zoneRules))).toBe(a);
    for (const gone of ['ResourceRecordSetCount', 'CallerReference', 'ref-123', 'ds-ref']) expect(a, gone).not.toContain(gone);
  });

  it('keeps the configuration, VPC associations and DNSSEC keys with their dates', () => {
    const doc = normalize(zone(10, 'b'), zoneRules) as any;
    expect(doc.HostedZone).toEqual({ Id: '/hostedzone/Z1', Name: 'example.com.', Config: { PrivateZone: true, Comment: 'c' } });
    expect(doc.VPCs.map((v: any) => v.VPCId)).toEqual(['vpc-2', 'vpc-1']);
    expect(doc.DNSSEC.KeySigningKeys[0]).toMatchObject({ CreatedDate: '2024-01-01', LastModifiedDate: '2024-02-01' });
  });
});

describe('route53 record rules', () => {
  it('sorts record sets by name, type and set identifier, and the values of each set', () => {
    const doc = normalize(
      {
        ResourceRecordSets: [
          { Name: 'b.example.com.', Type: 'A', ResourceRecords: [{ Value: '2' }, { Value: '1' }] },
          { Name: 'a.example.com.', Type: 'TXT' },
          { Name: 'a.example.com.', Type: 'A', SetIdentifier: 'z' },
          { Name: 'a.example.com.', Type: 'A', SetIdentifier: 'y' },
        ],
      },
      recordRules,
    ) as any;
    expect(doc.ResourceRecordSets.map(recordLabel)).toEqual(['a.example.com. A [y]', 'a.example.com. A [z]', 'a.example.com. TXT', 'b.example.com. A']);
    expect(doc.ResourceRecordSets[3].ResourceRecords).toEqual([{ Value: '1' }, { Value: '2' }]);
  });
});

describe('route53 health check rules', () => {
  it('drops the version counter and the idempotency token, keeps the configuration', () => {
    const doc = normalize(
      { HealthCheck: { Id: 'h', CallerReference: 'r', HealthCheckVersion: 7, HealthCheckConfig: { Type: 'HTTPS', Regions: ['us-west-1', 'eu-west-1'], ChildHealthChecks: ['b', 'a'] } }, ReferencedBy: [{ Name: 'b' }, { Name: 'a' }] },
      healthCheckRules,
    ) as any;
    expect(doc.HealthCheck).toEqual({ Id: 'h', HealthCheckConfig: { Type: 'HTTPS', Regions: ['eu-west-1', 'us-west-1'], ChildHealthChecks: ['a', 'b'] } });
    expect(doc.ReferencedBy).toEqual([{ Name: 'a' }, { Name: 'b' }]);
  });
});

describe('route53 resource declarations', () => {
  const spec = (path: string) => route53Resources.find((r) => globMatch(r.pattern, path));

  it('names each file kind and its resource', () => {
    expect(spec('zones.json')?.kind).toBe('hosted zone index');
    expect(spec('zones/example.com~Z1/zone.json')?.label?.({ HostedZone: { Id: '/hostedzone/Z1', Name: 'example.com.', Config: { PrivateZone: true } } }, 'zones/example.com~Z1/zone.json')).toBe('example.com. (Z1, private)');
    expect(spec('zones/example.com~Z1/records.json')?.rules).toBe(recordRules);
    expect(spec('zones/example.com~Z1/bind.zone')?.kind).toBe('BIND zone file');
    expect(spec('health_checks/abc.json')?.label?.({ HealthCheck: { Id: 'abc', HealthCheckConfig: { Type: 'HTTPS', FullyQualifiedDomainName: 'o.example.com' } } }, 'health_checks/abc.json')).toBe('abc HTTPS o.example.com');
    expect(spec('zones/example.com~Z1/other.json')).toBeUndefined();
  });
});
