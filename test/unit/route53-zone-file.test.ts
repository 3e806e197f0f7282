// The Route53 collector's pure parts: DNS names (Route53's octal escapes versus a zone file's
// decimal ones), canonical order, and the BIND zone file.
import type { ResourceRecordSet } from '@aws-sdk/client-route-53';
import { describe, expect, it } from 'vitest';
import { zoneFolder } from '../../src/collectors/aws/route53/collect.js';
import { route53ConfigSchema } from '../../src/collectors/aws/route53/config.js';
import { bindAbsoluteName, bindOwnerName, compareDnsNames, route53Labels } from '../../src/collectors/aws/route53/names.js';
import { renderZoneFile } from '../../src/collectors/aws/route53/zone-file.js';

describe('Route53 names', () => {
  it('decodes Route53 octal escapes and writes BIND decimal escapes', () => {
    expect(route53Labels('\\052.example.com.')).toEqual(['*', 'example', 'com']);
    expect(bindAbsoluteName('\\052.example.com.')).toBe('*.example.com.');
    // '@' is octal 100 in Route53, decimal 064 in a zone file; a literal dot inside a label stays escaped
    expect(bindAbsoluteName('a\\100b.example.com.')).toBe('a\\064b.example.com.');
    expect(bindAbsoluteName('a\\056b.example.com.')).toBe('a\\046b.example.com.');
    expect(bindAbsoluteName('.')).toBe('.');
  });

  it('writes owner names relative to the origin', () => {
    expect(bindOwnerName('example.com.', 'example.com.')).toBe('@');
    expect(bindOwnerName('www.Example.com.', 'example.com.')).toBe('www');
    expect(bindOwnerName('_sip._tcp.example.com.', 'example.com.')).toBe('_sip._tcp');
    expect(bindOwnerName('other.org.', 'example.com.')).toBe('other.org.');
    expect(bindOwnerName('notexample.com.', 'example.com.')).toBe('notexample.com.');
  });

  it('orders names canonically: by labels from the right, case-insensitively', () => {
    const names = ['z.example.com.', 'example.com.', 'a.b.example.com.', 'B.example.com.', 'b.example.com.', 'a.example.com.'];
    expect([...names].sort(compareDnsNames)).toEqual(['example.com.', 'a.example.com.', 'B.example.com.', 'b.example.com.', 'a.b.example.com.', 'z.example.com.']);
  });
});

describe('zone folders', () => {
  it('names a zone folder by its name and id, so twins with one name stay apart', () => {
    expect(zoneFolder('example.com.', 'Z1')).toBe('zones/example.com~Z1');
    expect(zoneFolder('example.com.', 'Z2')).not.toBe(zoneFolder('example.com.', 'Z1'));
    expect(zoneFolder('.', 'Z3')).toBe('zones/%EMPTY~Z3');
    expect(zoneFolder('a~b.example.', 'Z4')).toBe('zones/a%7Eb.example~Z4');
  });
});

describe('BIND zone file', () => {
  const records: ResourceRecordSet[] = [
    { Name: 'www.example.com.', Type: 'CNAME', TTL: 300, ResourceRecords: [{ Value: 'example.com' }] },
    { Name: 'example.com.', Type: 'NS', TTL: 172800, ResourceRecords: [{ Value: 'ns-2.awsdns-02.net.' }, { Value: 'ns-1.awsdns-01.org' }] },
    { Name: 'example.com.', Type: 'SOA', TTL: 900, ResourceRecords: [{ Value: 'ns-1.awsdns-01.org. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400' }] },
    { Name: 'example.com.', Type: 'A', AliasTarget: { HostedZoneId: 'Z2FDTNDATAQYW2', DNSName: 'd1.cloudfront.net.', EvaluateTargetHealth: false } },
    { Name: 'example.com.', Type: 'TXT', TTL: 300, ResourceRecords: [{ Value: '"hello world" "second string"' }] },
    { Name: '\\052.example.com.', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '192.0.2.1' }] },
    { Name: 'api.example.com.', Type: 'A', SetIdentifier: 'b', Weight: 1, TTL: 60, ResourceRecords: [{ Value: '192.0.2.3' }] },
    { Name: 'api.example.com.', Type: 'A', SetIdentifier: 'a', Weight: 2, TTL: 60, ResourceRecords: [{ Value: '192.0.2.2' }], HealthCheckId: 'hc-1' },
    { Name: 'geo.example.com.', Type: 'A', SetIdentifier: 'line\nbreak', GeoLocation: { ContinentCode: 'EU', CountryCode: 'DE', SubdivisionCode: 'BE' }, TTL: 60, ResourceRecords: [{ Value: '192.0.2.4' }] },
    { Name: 'tp.example.com.', Type: 'A', SetIdentifier: 'tp', TrafficPolicyInstanceId: 'tpi-1' },
  ];
  const text = renderZoneFile({ name: 'example.com.', id: 'Z1', privateZone: false, records });
  const lines = text.split('\n');

  it('starts with $ORIGIN and $TTL (the SOA TTL), then the apex SOA and NS', () => {
    expect(lines).toContain('$ORIGIN example.com.');
    expect(lines).toContain('$TTL 900');
    const body = lines.filter((l) => /^\S+ +\d+ +IN /.test(l));
    expect(body[0]).toMatch(/^@ +900 +IN SOA +ns-1\.awsdns-01\.org\. awsdns-hostmaster\.amazon\.com\. 1 7200 900 1209600 86400$/);
    expect(body[1]).toMatch(/^@ +172800 IN NS +ns-1\.awsdns-01\.org\.$/);
    expect(body[2]).toMatch(/^@ +172800 IN NS +ns-2\.awsdns-02\.net\.$/);
  });

  it('makes names in record data absolute, and leaves other data as Route53 gives it', () => {
    expect(text).toMatch(/^www +300 +IN CNAME example\.com\.$/m);
    expect(text).toMatch(/^@ +300 +IN TXT +"hello world" "second string"$/m);
    expect(text).toMatch(/^\* +60 +IN A +192\.0\.2\.1$/m);
  });

  it('writes alias records as comments with their target, and routing as trailing comments', () => {
    expect(text).toMatch(/^; @ +ALIAS A +d1\.cloudfront\.net\. ; hosted-zone=Z2FDTNDATAQYW2 evaluate-target-health=no$/m);
    expect(text).toMatch(/^api +60 +IN A +192\.0\.2\.2 ; set="a" weight=2 health-check=hc-1$/m);
    expect(text).toMatch(/^geo +60 +IN A +192\.0\.2\.4 ; set="line\\nbreak" geolocation=continent:EU,country:DE,subdivision:BE$/m);
    expect(text).toMatch(/^; tp +A +\(traffic policy instance tpi-1\) ; set="tp"$/m);
    expect(text.indexOf('192.0.2.2')).toBeLessThan(text.indexOf('192.0.2.3')); // set ids in order
  });

  it('never lets a foreign string end a comment early, and is the same for records in any order', () => {
    expect(lines.every((l) => l === '' || l.startsWith(';') || l.startsWith('$') || /^\S+ +\d+ +IN /.test(l))).toBe(true);
    expect(renderZoneFile({ name: 'example.com.', id: 'Z1', privateZone: false, records: [...records].reverse() })).toBe(text);
    expect(text.endsWith('\n')).toBe(true);
  });
});

describe('route53 config', () => {
  it('is global: it takes no regions, and keeps few requests in flight by default', () => {
    expect(route53ConfigSchema.parse({})).toEqual({ enabled: true, concurrency: 2 });
    expect(route53ConfigSchema.safeParse({ regions: ['us-east-1'] }).success).toBe(false);
  });
});
