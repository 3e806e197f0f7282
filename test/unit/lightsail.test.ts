// Pure parts of the Lightsail collector: its declared rules (must-appear / must-not-appear),
// the name of a requested snapshot, which errors are refusals, and the pager.
import { describe, expect, it } from 'vitest';
import { LIGHTSAIL_NAME, lightsailConfigSchema } from '../../src/collectors/aws/lightsail/config.js';
import { readAllPages } from '../../src/collectors/aws/lightsail/read.js';
import { lightsailRefusal, refusesWholeRegion } from '../../src/collectors/aws/lightsail/refusals.js';
import { INSTANCE_RULES, SNAPSHOT_RULES } from '../../src/collectors/aws/lightsail/rules.js';
import { requestedSnapshotName } from '../../src/collectors/aws/lightsail/snapshot-request.js';
import { ServiceNotOfferedError, translate } from '../../src/collectors/aws/shared/sdk-errors.js';
import { Redactor } from '../../src/util/redact.js';
import { normalize } from '../../src/normalize/rules.js';
import { stableJson } from '../../src/normalize/stable-json.js';

const instance = (order: 'a' | 'b') => {
  const flip = <T>(xs: T[]) => (order === 'a' ? xs : [...xs].reverse());
  return {
    name: 'jada-agent',
    blueprintId: 'ubuntu_22_04',
    bundleId: 'small_3_0',
    publicIpAddress: '3.3.3.3',
    createdAt: new Date('2024-05-09T00:00:00Z'),
    state: { code: order === 'a' ? 16 : 272, name: 'running' },
    instanceStatus: { status: order === 'a' ? 'ok' : 'initializing' },
    addOns: [{ name: 'AutoSnapshot', snapshotTimeOfDay: '06:00', nextSnapshotTimeOfDay: order === 'a' ? '06:00' : '07:00' }],
    tags: flip([{ key: 'env', value: 'prod' }, { key: 'app', value: 'agent' }]),
    ipv6Addresses: flip(['2600::1', '2600::2']),
    hardware: { disks: flip([{ name: 'd2', gbInUse: order === 'a' ? 3 : 9 }, { name: 'd1', gbInUse: 1 }]) },
    networking: { ports: flip([{ fromPort: 443, toPort: 443, protocol: 'tcp', cidrs: flip(['0.0.0.0/0', '10.0.0.0/8']) }, { fromPort: 22, toPort: 22, protocol: 'tcp', cidrs: ['1.2.3.4/32'] }]) },
    portStates: flip([{ fromPort: 443, toPort: 443, protocol: 'tcp', state: 'open' }, { fromPort: 22, toPort: 22, protocol: 'tcp', state: 'closed' }]),
  };
};

describe('Lightsail normalization rules', () => {
  it('drop what moves between reads and keep what describes the instance', () => {
    const text = stableJson(normalize(instance('a'), INSTANCE_RULES));
    for (const gone of ['"code"', 'gbInUse', 'nextSnapshotTimeOfDay', 'instanceStatus']) expect(text).not.toContain(gone);
    for (const kept of ['"running"', '"snapshotTimeOfDay": "06:00"', '"bundleId": "small_3_0"', '"publicIpAddress": "3.3.3.3"', '"createdAt": "2024-05-09T00:00:00.000Z"', '"state": "closed"']) expect(text).toContain(kept);
  });

  it('make two reads of an unchanged instance identical, whatever order Lightsail answered in', () => {
    expect(stableJson(normalize(instance('b'), INSTANCE_RULES))).toBe(stableJson(normalize(instance('a'), INSTANCE_RULES)));
  });

  it('keep a snapshot state and drop its progress', () => {
    const text = stableJson(normalize({ name: 's', state: 'pending', progress: '42%', sizeInGb: 60, fromAttachedDisks: [{ name: 'b', gbInUse: 2 }, { name: 'a' }] }, SNAPSHOT_RULES));
    expect(text).toContain('"state": "pending"');
    expect(text).not.toContain('progress');
    expect(text).not.toContain('gbInUse');
    expect(text.indexOf('"a"')).toBeLessThan(text.indexOf('"b"'));
  });
});

describe('requested snapshot names', () => {
  const may9 = new Date('2026-05-09T23:59:00Z');

  it('are <instance>-<version>-<yyyymmdd> in Lightsail\'s name pattern', () => {
    expect(requestedSnapshotName('jada-agent', 'v1.0', may9)).toBe('jada-agent-v1-0-20260509');
    expect(requestedSnapshotName('web_1', 'release-2026.05_rc1', may9)).toBe('web_1-release-2026-05_rc1-20260509');
    expect(requestedSnapshotName('box', 'été@{x}', may9)).toBe('box-t-x-20260509');
    expect(requestedSnapshotName('box', '...', may9)).toBe('box-version-20260509');
  });

  it('stay within 255 characters and the pattern for any instance and version', () => {
    const name = requestedSnapshotName('a'.repeat(300), `v${'9'.repeat(99)}`, may9);
    expect(name.length).toBeLessThanOrEqual(255);
    expect(name).toMatch(LIGHTSAIL_NAME);
    expect(name.endsWith('-20260509')).toBe(true);
  });
});

describe('Lightsail refusals', () => {
  const named = (name: string, status?: number) => Object.assign(new Error('x'), { name, $metadata: { httpStatusCode: status } });
  const ctx = { id: 'lightsail' };
  const reason = (err: unknown) => lightsailRefusal(ctx, 'lightsail/r', err)?.reason ?? null;
  // What the clients' error translation makes of a host name that does not resolve (shared/sdk-errors.ts).
  const dnsFailure = (endpoint: string | undefined) =>
    translate(Object.assign(new Error('getaddrinfo ENOTFOUND lightsail.xx-south-9.amazonaws.com'), { code: 'ENOTFOUND' }), 'GetInstancesCommand', undefined, { serviceId: 'Lightsail', region: 'xx-south-9', endpoint, profile: undefined, redactor: new Redactor() });

  it('are access denied, setup in progress, a region without Lightsail, and an endpoint without it', () => {
    expect(reason(named('AccessDeniedException', 403))).toBe('AccessDeniedException');
    expect(reason(named('RegionSetupInProgressException', 428))).toBe('RegionSetupInProgressException');
    expect(reason(dnsFailure(undefined))).toBe('NotAvailableInRegion');
    const notOffered = lightsailRefusal(ctx, 'lightsail/r', new ServiceNotOfferedError('Lightsail', 'GetInstances', 500))!;
    expect(notOffered.reason).toBe('NotOffered');
    expect(notOffered.detail).toBe('the endpoint does not offer Lightsail GetInstances (HTTP 500 with a page that is not an AWS answer)');
    expect(refusesWholeRegion('NotAvailableInRegion')).toBe(true);
    expect(refusesWholeRegion('NotOffered')).toBe(true);
    expect(refusesWholeRegion('AccessDeniedException')).toBe(false);
  });

  it('are not a mistyped custom endpoint, refused credentials, or any other error', () => {
    const unreachable = dnsFailure('http://lightsail.invalid:5000');
    expect(unreachable).toMatchObject({ code: 'ENDPOINT_UNREACHABLE' });
    expect(reason(unreachable)).toBeNull();
    expect(reason(named('UnrecognizedClientException', 403))).toBeNull();
    expect(reason(named('OperationFailureException', 400))).toBeNull();
    expect(reason(named('ServiceException', 500))).toBeNull();
    expect(reason(named('Unknown', 403))).toBeNull();
  });
});

describe('the Lightsail pager and config', () => {
  const signal = new AbortController().signal;

  it('concatenates pages until there is no next token', async () => {
    const pages: Record<string, { items: number[]; next: string | undefined }> = { '': { items: [1, 2], next: 't1' }, t1: { items: [3], next: 't2' }, t2: { items: [], next: undefined } };
    expect(await readAllPages('X', async (t) => pages[t ?? '']!, signal)).toEqual([1, 2, 3]);
  });

  it('refuses a service that repeats a page token rather than loop or archive half a list', async () => {
    await expect(readAllPages('GetInstances', async () => ({ items: [1], next: 'same' }), signal)).rejects.toMatchObject({ code: 'COLLECTOR_FAILED' });
  });

  it('has the snapshot request off by default and checks instance names', () => {
    expect(lightsailConfigSchema.parse({})).toMatchObject({ enabled: true, createSnapshot: false, snapshotWaitSeconds: 10, concurrency: 4 });
    expect(lightsailConfigSchema.safeParse({ snapshotInstances: ['../etc'] }).success).toBe(false);
    expect(lightsailConfigSchema.safeParse({ createSnapshot: true, snapshotInstances: ['jada-agent'] }).success).toBe(true);
  });
});
