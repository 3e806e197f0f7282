// Where a restore writes (src/restore/target.ts): identified from the request the SDK really
// sends, an estate refused as an account at an endpoint, and every request of a restore-test
// checked again as it is sent. Against this worker's moto server.
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { AwsClients } from '../../src/collectors/aws/shared/clients.js';
import { layerPermissionInput } from '../../src/collectors/aws/lambda/restore-layers.js';
import { renameIn } from '../../src/diff/compare.js';
import { GuardedClients, identify, refuseEstates } from '../../src/restore/target.js';
import { useMoto } from '../helpers/moto.js';

const settings = (endpoint?: string) => ({ region: 'us-east-1', regions: ['us-east-1'], endpoint, maxAttempts: 1, maxSockets: 4 });

describe('restore target', () => {
  const moto = useMoto();
  const port = () => new URL(moto.endpoint).port;

  it('reads the endpoint from the request the SDK sent, in normal form', async () => {
    const clients = new AwsClients(settings(`HTTP://LOCALHOST:${port()}/`));
    try {
      const target = await identify(clients);
      expect(target).toEqual({ accountId: '123456789012', arn: expect.stringContaining('123456789012'), endpoint: `http://localhost:${port()}` });
    } finally {
      clients.destroy();
    }
  });

  it('refuses an estate as an account at an endpoint, however the endpoint is spelled', async () => {
    const estate = { accountId: '123456789012', arn: null, endpoint: `http://127.0.0.1:${port()}` };
    const at = (endpoint: string | null, accountId: string | null) => ({ accountId, arn: null, endpoint });
    const refused = (t: ReturnType<typeof at>) => refuseEstates(t, [{ target: estate, source: 'recorded in v1.0' }]).then(() => false, (e: { code?: string }) => e.code === 'TARGET_REFUSED');
    expect(await refused(at(`http://localhost:${port()}`, '123456789012'))).toBe(true);
    expect(await refused(at(`http://[::1]:${port()}`, '123456789012'))).toBe(true);
    expect(await refused(at(`http://localhost:${port()}`, null))).toBe(true); // cannot be told apart
    expect(await refused(at(`http://localhost:${port()}/prefix/`, '123456789012'))).toBe(true); // a path does not make another server
    expect(await refused(at(`http://localhost:${port()}`, '111111111111'))).toBe(false); // another account on the same server
    expect(await refused(at(`http://127.0.0.1:${Number(port()) + 1}`, '123456789012'))).toBe(false);
    // AWS's own endpoints: the account decides.
    expect(await refuseEstates(at(null, '123456789012'), [{ target: at(null, '123456789012'), source: 'x' }]).then(() => 'allowed', () => 'refused')).toBe('refused');
    expect(await refuseEstates(at(null, '999999999999'), [{ target: at(null, '123456789012'), source: 'x' }]).then(() => 'allowed', () => 'refused')).toBe('allowed');
    // Another endpoint of an account that cannot be told apart is allowed, but guarded request by request.
    expect(await refuseEstates(at(`http://127.0.0.1:${Number(port()) + 1}`, '123456789012'), [{ target: estate, source: 'x' }])).toEqual([estate.endpoint]);
  });

  it('refuses, before it is sent, any request that would reach a guarded estate', async () => {
    // No endpoint given to the clients; the SDK finds one for S3 alone in AWS_ENDPOINT_URL_S3 (as
    // it would in a profile's services section): it reaches the guarded estate, and is refused.
    process.env.AWS_ENDPOINT_URL_S3 = `http://localhost:${port()}`;
    const clients = new GuardedClients(settings(undefined), [moto.endpoint]);
    try {
      await expect(clients.get(S3Client).send(new ListBucketsCommand({}))).rejects.toMatchObject({ code: 'TARGET_REFUSED' });
    } finally {
      delete process.env.AWS_ENDPOINT_URL_S3;
      clients.destroy();
    }
    const open = new GuardedClients(settings(moto.endpoint), [`http://127.0.0.1:${Number(port()) + 1}`]);
    try {
      await expect(open.get(S3Client).send(new ListBucketsCommand({}))).resolves.toBeDefined();
    } finally {
      open.destroy();
    }
  });
});

describe('diff --between', () => {
  it('reads a resource\'s own name as the other\'s, and nothing that merely contains it', () => {
    const doc = { bucket: 'site', name: 'site', policy: { Resource: ['arn:aws:s3:::site/*', 'arn:aws:s3:::site', 'arn:aws:s3:::site-logs/*'] }, origin: 'site.s3.amazonaws.com', key: 'site.css', prefix: 'site/' };
    expect(renameIn(doc, 'site', 'site-copy')).toEqual({
      bucket: 'site-copy',
      name: 'site-copy',
      policy: { Resource: ['arn:aws:s3:::site-copy/*', 'arn:aws:s3:::site-copy', 'arn:aws:s3:::site-logs/*'] },
      origin: 'site-copy.s3.amazonaws.com',
      key: 'site.css',
      prefix: 'site/',
    });
  });
});

describe('layer permissions', () => {
  it('turns an archived statement back into AddLayerVersionPermission, or says why not', () => {
    expect(layerPermissionInput({ Sid: 'org', Effect: 'Allow', Principal: '*', Action: 'lambda:GetLayerVersion', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc' } } })).toEqual({ StatementId: 'org', Action: 'lambda:GetLayerVersion', Principal: '*', OrganizationId: 'o-abc' });
    expect(layerPermissionInput({ Sid: 'acct', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::210987654321:root' }, Action: ['lambda:GetLayerVersion'] })).toEqual({ StatementId: 'acct', Action: 'lambda:GetLayerVersion', Principal: '210987654321' });
    expect(layerPermissionInput({ Sid: 'x', Effect: 'Deny', Principal: '*', Action: 'lambda:GetLayerVersion' })).toMatch(/only Allow/);
  });
});
