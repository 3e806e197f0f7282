// The Lambda collector's declared rules, checked on AWS-shaped answers: what must appear and
// what must not (Oxidized-style), and that every file the collector writes is declared.
import { describe, expect, it } from 'vitest';
import { makeFingerprinter } from '../../src/normalize/fingerprint.js';
import { normalize } from '../../src/normalize/rules.js';
import { globMatch } from '../../src/util/glob.js';
import { functionFolder } from '../../src/collectors/aws/lambda/collect.js';
import { functionLabel, lambdaResources, lambdaRules } from '../../src/collectors/aws/lambda/rules.js';

const fp = makeFingerprinter(Buffer.alloc(32, 3));
const SECRET = 'postgres://app:hunter2@db.internal/app';

// Shaped like GetFunction's Configuration in the Lambda API reference.
const configuration = {
  FunctionName: 'orders-api',
  FunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:orders-api',
  Runtime: 'nodejs20.x',
  Role: 'arn:aws:iam::123456789012:role/orders',
  Handler: 'index.handler',
  CodeSize: 5120,
  Description: '',
  Timeout: 30,
  MemorySize: 512,
  LastModified: '2024-05-01T10:00:00.000+0000',
  CodeSha256: 'pWss2fENLoFzjhUwmBcza2Hq/BkhXMGAM90voLkyHNs=',
  Version: '$LATEST',
  VpcConfig: { SubnetIds: ['subnet-b', 'subnet-a'], SecurityGroupIds: ['sg-2', 'sg-1'], VpcId: 'vpc-1' },
  Environment: { Variables: { DATABASE_URL: SECRET, MODE: 'prod' } },
  TracingConfig: { Mode: 'Active' },
  RevisionId: '5c3e1f0a-1111-2222-3333-444455556666',
  Layers: [{ Arn: 'arn:aws:lambda:us-east-1:123456789012:layer:z-last:3' }, { Arn: 'arn:aws:lambda:us-east-1:123456789012:layer:a-first:1' }],
  State: 'Active',
  StateReason: 'ok',
  LastUpdateStatus: 'Successful',
  PackageType: 'Zip',
  Architectures: ['arm64'],
  EphemeralStorage: { Size: 512 },
  SnapStart: { ApplyOn: 'None', OptimizationStatus: 'Off' },
  FileSystemConfigs: [{ Arn: 'arn:b', LocalMountPath: '/mnt/b' }, { Arn: 'arn:a', LocalMountPath: '/mnt/a' }],
};

describe('lambda rules', () => {
  it('config.json: drops status and per-write fields, keeps configuration, never holds env values', () => {
    const out = normalize(configuration, lambdaRules.config, fp) as any;
    for (const gone of ['LastModified', 'RevisionId', 'State', 'StateReason', 'LastUpdateStatus']) expect(out).not.toHaveProperty(gone);
    expect(out.SnapStart).toEqual({ ApplyOn: 'None' });
    expect(out).toMatchObject({ Runtime: 'nodejs20.x', Handler: 'index.handler', Timeout: 30, MemorySize: 512, Role: configuration.Role, CodeSha256: configuration.CodeSha256 });
    expect(out.VpcConfig).toEqual({ SecurityGroupIds: ['sg-1', 'sg-2'], SubnetIds: ['subnet-a', 'subnet-b'], VpcId: 'vpc-1' });
    expect(out.FileSystemConfigs.map((f: any) => f.Arn)).toEqual(['arn:a', 'arn:b']);
    // Layer order is extraction order: kept.
    expect(out.Layers.map((l: any) => l.Arn.split(':')[6])).toEqual(['z-last', 'a-first']);
    expect(JSON.stringify(out)).not.toContain('hunter2');
    expect(JSON.stringify(out)).not.toContain('DATABASE_URL');
  });

  it('environment_variables.json: names kept, each value a keyed fingerprint that changes with the value', () => {
    const a = normalize({ Variables: configuration.Environment.Variables }, lambdaRules.environment, fp) as any;
    expect(Object.keys(a.Variables)).toEqual(['DATABASE_URL', 'MODE']);
    expect(a.Variables.DATABASE_URL).toMatch(/^hmac-sha256:[0-9a-f]{32}$/);
    expect(JSON.stringify(a)).not.toContain('hunter2');
    const b = normalize({ Variables: { ...configuration.Environment.Variables, DATABASE_URL: `${SECRET}x` } }, lambdaRules.environment, fp) as any;
    expect(b.Variables.DATABASE_URL).not.toBe(a.Variables.DATABASE_URL);
    expect(b.Variables.MODE).toBe(a.Variables.MODE);
    expect(() => normalize({ Variables: { K: 'v' } }, lambdaRules.environment)).toThrow(/fingerprinter/);
  });

  it('versions.json: published versions keep LastModified (immutable) but never env values', () => {
    const out = normalize({ Versions: [{ ...configuration, Version: '1' }] }, lambdaRules.versions, fp) as any;
    expect(out.Versions[0].LastModified).toBe(configuration.LastModified);
    expect(out.Versions[0]).not.toHaveProperty('RevisionId');
    expect(out.Versions[0].Environment.Variables.DATABASE_URL).toMatch(/^hmac-sha256:/);
    expect(JSON.stringify(out)).not.toContain('hunter2');
  });

  it('aliases, mappings, URLs, concurrency: volatile fields dropped, sets sorted', () => {
    const aliases = normalize({ Aliases: [{ Name: 'prod', FunctionVersion: '3', RevisionId: 'r1' }, { Name: 'beta', FunctionVersion: '4', RevisionId: 'r2' }] }, lambdaRules.aliases) as any;
    expect(aliases).toEqual({ Aliases: [{ Name: 'beta', FunctionVersion: '4' }, { Name: 'prod', FunctionVersion: '3' }] });
    const esm = normalize({ EventSourceMappings: [{ UUID: 'u2', LastModified: 1714557600, LastProcessingResult: 'OK', StateTransitionReason: 'USER_INITIATED', State: 'Enabled', FunctionResponseTypes: ['b', 'a'] }, { UUID: 'u1' }] }, lambdaRules.eventSourceMappings) as any;
    expect(esm).toEqual({ EventSourceMappings: [{ UUID: 'u1' }, { UUID: 'u2', State: 'Enabled', FunctionResponseTypes: ['a', 'b'] }] });
    const urls = normalize({ UrlConfigs: [{ FunctionUrl: 'https://x.lambda-url.us-east-1.on.aws/', CreationTime: 't', LastModifiedTime: 't', Cors: { AllowOrigins: ['b', 'a'] } }] }, lambdaRules.urlConfigs) as any;
    expect(urls).toEqual({ UrlConfigs: [{ FunctionUrl: 'https://x.lambda-url.us-east-1.on.aws/', Cors: { AllowOrigins: ['a', 'b'] } }] });
    const conc = normalize({ ReservedConcurrentExecutions: 5, ProvisionedConcurrencyConfigs: [{ FunctionArn: 'arn:…:prod', RequestedProvisionedConcurrentExecutions: 2, AvailableProvisionedConcurrentExecutions: 1, AllocatedProvisionedConcurrentExecutions: 1, Status: 'IN_PROGRESS', LastModified: 't' }] }, lambdaRules.concurrency) as any;
    expect(conc).toEqual({ ReservedConcurrentExecutions: 5, ProvisionedConcurrencyConfigs: [{ FunctionArn: 'arn:…:prod', RequestedProvisionedConcurrentExecutions: 2 }] });
  });

  it('declares every file the collector writes, with the rules it writes them with', () => {
    const kindOf = (path: string) => lambdaResources.find((r) => globMatch(r.pattern, path));
    const written: [string, unknown][] = [
      ['orders-api/config.json', lambdaRules.config],
      ['orders-api/environment_variables.json', lambdaRules.environment],
      ['orders-api/versions.json', lambdaRules.versions],
      ['orders-api/aliases.json', lambdaRules.aliases],
      ['orders-api/policy.json', lambdaRules.policy],
      ['orders-api/event_source_mappings.json', lambdaRules.eventSourceMappings],
      ['orders-api/url_configs.json', lambdaRules.urlConfigs],
      ['orders-api/concurrency.json', lambdaRules.concurrency],
      ['orders-api/event_invoke_configs.json', lambdaRules.eventInvokeConfigs],
      ['orders-api/tags.json', lambdaRules.tags],
      ['orders-api/code.json', lambdaRules.code],
      ['orders-api/code.zip', undefined],
      ['orders-api/versions/12/code.zip', undefined],
      ['orders-api/code/lib/deep/util.js', undefined],
    ];
    for (const [path, rules] of written) {
      const spec = kindOf(path);
      expect(spec, path).toBeDefined();
      expect(spec!.rules, path).toBe(rules);
    }
    expect(kindOf('orders-api/versions/12/code.zip')!.label!(null, 'orders-api/versions/12/code.zip')).toBe('orders-api version 12');
    expect(kindOf('orders-api/code/lib/util.js')!.label!(null, 'orders-api/code/lib/util.js')).toBe('orders-api: lib/util.js');
  });

  it('names folders by function, qualifying functions outside the primary region', () => {
    expect(functionFolder('orders-api', 'us-east-1', 'us-east-1')).toBe('orders-api');
    expect(functionFolder('orders-api', 'eu-west-1', 'us-east-1')).toBe('orders-api@eu-west-1');
    expect(functionLabel('orders-api@eu-west-1/config.json')).toBe('orders-api (eu-west-1)');
    expect(functionLabel('orders-api/config.json')).toBe('orders-api');
  });
});
