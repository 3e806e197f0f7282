// The SES collector's declared rules, as must-appear / must-not-appear checks.
import { describe, expect, it } from 'vitest';
import { configurationSetRules, identityRules } from '../../src/collectors/aws/ses/rules.js';
import { normalize } from '../../src/normalize/rules.js';

describe('SES rules', () => {
  it('drops only the DNS check times of an identity, and sorts DKIM tokens and tags', () => {
    const identity = {
      IdentityName: 'example.com',
      VerificationStatus: 'SUCCESS',
      VerificationInfo: { LastCheckedTimestamp: 't1', LastSuccessTimestamp: 't2', ErrorType: 'TYPE_NOT_FOUND', SOARecord: { PrimaryNameServer: 'ns1' } },
      DkimAttributes: { Status: 'SUCCESS', Tokens: ['c', 'a', 'b'], LastKeyGenerationTimestamp: 'k' },
      Tags: [{ Key: 'z', Value: '1' }, { Key: 'a', Value: '2' }],
    };
    const out = normalize(identity, identityRules) as any;
    expect(out.VerificationInfo).toEqual({ ErrorType: 'TYPE_NOT_FOUND', SOARecord: { PrimaryNameServer: 'ns1' } });
    expect(out.DkimAttributes).toEqual({ Status: 'SUCCESS', Tokens: ['a', 'b', 'c'], LastKeyGenerationTimestamp: 'k' });
    expect(out.Tags.map((t: any) => t.Key)).toEqual(['a', 'z']);
  });

  it('sorts event destinations by name and their event types', () => {
    const out = normalize({ EventDestinations: [{ Name: 'b', MatchingEventTypes: ['SEND', 'BOUNCE'] }, { Name: 'a', MatchingEventTypes: [] }], SuppressionOptions: { SuppressedReasons: ['COMPLAINT', 'BOUNCE'] } }, configurationSetRules) as any;
    expect(out.EventDestinations.map((d: any) => d.Name)).toEqual(['a', 'b']);
    expect(out.EventDestinations[1].MatchingEventTypes).toEqual(['BOUNCE', 'SEND']);
    expect(out.SuppressionOptions.SuppressedReasons).toEqual(['BOUNCE', 'COMPLAINT']);
  });
});
