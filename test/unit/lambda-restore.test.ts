// The pure parts of the Lambda restore: how secret values are chosen (shared with API Gateway
// stage variables and CloudFront origin headers), which settings differ and what the update
// call gets, and which resource-policy statements AddPermission can make again.
import { Redactor } from '../../src/util/redact.js';
import { describe, expect, it } from 'vitest';
import { permissionInput } from '../../src/collectors/aws/lambda/restore-extras.js';
import { configChanges, describeConfigChanges, settingsInput } from '../../src/collectors/aws/lambda/restore-config.js';
import { describeSecretChanges, resolveSecrets } from '../../src/collectors/aws/shared/restore-secrets.js';
import { makeFingerprinter } from '../../src/normalize/fingerprint.js';

const fp = makeFingerprinter(new Uint8Array(32).fill(3));

describe('resolveSecrets', () => {
  it('keeps matching live values, takes given ones, keeps (and notes) unknown ones, notes missing ones, drops extra names', () => {
    const notes: string[] = [];
    const given: Record<string, string> = { GIVEN: 'from-file', WRONG: 'not-the-version-value' };
    const resolved = resolveSecrets(
      { fingerprint: fp, secrets: { get: (scope, name) => (scope === 'lambda:f' ? given[name] : undefined) }, redactor: new Redactor(), cannot: (r, m) => notes.push(`${r}: ${m}`) },
      {
        archived: { SAME: fp('same'), GIVEN: fp('from-file'), WRONG: fp('right'), ROTATED: fp('old'), GONE: fp('gone') },
        live: { SAME: 'same', GIVEN: 'stale', WRONG: 'right-ish', ROTATED: 'new', EXTRA: 'x' },
        scope: 'lambda:f',
        kind: 'environment variable',
        resource: 'lambda f',
      },
    );
    expect(resolved.values).toEqual({ SAME: 'same', GIVEN: 'from-file', WRONG: 'not-the-version-value', ROTATED: 'new' });
    expect(resolved.sources).toEqual({ SAME: 'live', GIVEN: 'given', WRONG: 'given', ROTATED: 'kept-live', GONE: 'missing' });
    expect(resolved.changed).toEqual(['EXTRA', 'GIVEN', 'WRONG']);
    expect(resolved.removed).toEqual(['EXTRA']);
    expect(describeSecretChanges('environment', resolved, { SAME: 'same', GIVEN: 'stale', WRONG: 'right-ish', ROTATED: 'new', EXTRA: 'x' })).toBe('environment -EXTRA ~GIVEN ~WRONG');
    expect(notes).toEqual([
      expect.stringMatching(/^lambda f: environment variable GONE cannot be restored: it is missing live .* \{"lambda:f": \{"GONE": "…"\}\}/),
      expect.stringMatching(/^lambda f: environment variable ROTATED cannot be restored: the live value differs .* the live value is kept/),
      'lambda f: environment variable WRONG: the value given in the secrets file is not the version\'s value (its fingerprint differs); it is set as given',
    ]);
    // Names only: no value ever reaches a note.
    for (const value of ['same', 'from-file', 'not-the-version-value', 'right-ish', 'new', 'old', 'gone']) expect(notes.join('\n')).not.toContain(`"${value}"`);
  });
});

describe('configChanges', () => {
  it('finds the settings that differ, as the update call takes them, and clears what the version does not set', () => {
    const archived = { Runtime: 'nodejs20.x', Handler: 'index.handler', Timeout: 15, MemorySize: 512, Role: 'arn:role/a', Layers: [{ Arn: 'arn:layer:1' }], VpcConfig: { SubnetIds: ['b', 'a'], SecurityGroupIds: ['sg'], VpcId: 'vpc-1' } } as const;
    const live = { Runtime: 'nodejs20.x', Handler: 'index.handler', Timeout: 3, MemorySize: 512, Role: 'arn:role/a', Description: 'defaced', Layers: [{ Arn: 'arn:layer:1' }], VpcConfig: { SubnetIds: ['a', 'b'], SecurityGroupIds: ['sg'], VpcId: 'vpc-2' }, KMSKeyArn: 'arn:kms:key' };
    const changes = configChanges(archived as never, live as never);
    expect(settingsInput(changes)).toEqual({ Timeout: 15, Description: '', KMSKeyArn: '' });
    expect(describeConfigChanges(changes)).toBe('Timeout 3 → 15, Description "defaced" → "", KMSKeyArn "arn:kms:key" → ""');
  });
});

describe('permissionInput', () => {
  it('turns a statement back into AddPermission, or says why it cannot', () => {
    const s3 = { Sid: 's3', Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'lambda:InvokeFunction', Resource: 'arn:aws:lambda:us-east-1:1:function:f:live', Condition: { ArnLike: { 'AWS:SourceArn': 'arn:aws:s3:::b' }, StringEquals: { 'AWS:SourceAccount': '1' } } };
    expect(permissionInput(s3, 'f-copy')).toEqual({ FunctionName: 'f-copy', StatementId: 's3', Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com', Qualifier: 'live', SourceArn: 'arn:aws:s3:::b', SourceAccount: '1' });
    expect(permissionInput({ ...s3, Effect: 'Deny' }, 'f')).toBe('AddPermission makes only Allow statements');
    expect(permissionInput({ ...s3, Condition: { IpAddress: { 'aws:SourceIp': '1.2.3.4' } } }, 'f')).toBe('its condition IpAddress aws:SourceIp has no AddPermission form');
  });
});
