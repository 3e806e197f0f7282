// How restore-test pairs a re-created resource's files with the version's: a zone folder by
// the zone's name, a distribution by the caller reference snap restore gave it, a custom
// policy by its name; derived views (zone index, zone files, origin mappings) left out.
import { describe, expect, it } from 'vitest';
import { cloudfrontRestoreTestKey } from '../../src/collectors/aws/cloudfront/rules.js';
import { route53RestoreTestKey } from '../../src/collectors/aws/route53/rules.js';

const reading = (value: unknown) => async () => value;

describe('restore-test keys', () => {
  it('matches a zone folder by name, and leaves out the index and the zone files', async () => {
    expect(await route53RestoreTestKey('zones/sailjada.com~Z0OLD/records.json')).toBe('zones/sailjada.com/records.json');
    expect(await route53RestoreTestKey('zones/sailjada.com~ZNEW/zone.json')).toBe('zones/sailjada.com/zone.json');
    expect(await route53RestoreTestKey('zones/sailjada.com~ZNEW/bind.zone')).toBeNull();
    expect(await route53RestoreTestKey('zones.json')).toBeNull();
    expect(await route53RestoreTestKey('health_checks/abc.json')).toBe('health_checks/abc.json');
  });

  it('matches a re-created distribution to the one it restores, and a custom policy by name', async () => {
    expect(await cloudfrontRestoreTestKey('distribution_configs/ENEW.json', reading({ DistributionConfig: { CallerReference: 'snap-restore:EOLD' } }))).toBe('distribution_configs/EOLD.json');
    expect(await cloudfrontRestoreTestKey('distribution_configs/EOLD.json', reading({ DistributionConfig: { CallerReference: 'site' } }))).toBe('distribution_configs/EOLD.json');
    expect(await cloudfrontRestoreTestKey('cache_policies/1234.json', reading({ Id: '1234', CachePolicyConfig: { Name: 'site-cache' } }))).toBe('cache_policies/name:site-cache');
    expect(await cloudfrontRestoreTestKey('origin_mappings.json', reading({}))).toBeNull();
    expect(await cloudfrontRestoreTestKey('functions/redirect-www/config.json', reading({}))).toBe('functions/redirect-www/config.json');
  });
});
