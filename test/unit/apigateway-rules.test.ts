// The API Gateway collector's declared rules, as must-appear / must-not-appear checks: stage
// variables and canary overrides fingerprinted (names kept), volatile stage fields and the
// export's date stamp dropped, unordered lists sorted; resource policies parsed.
import { describe, expect, it } from 'vitest';
import { parseResourcePolicy } from '../../src/collectors/aws/apigateway/rest-api.js';
import { allPages } from '../../src/collectors/aws/apigateway/paging.js';
import { exportRules, resourcesRules, restApiRules, stageRules } from '../../src/collectors/aws/apigateway/rules.js';
import { makeFingerprinter } from '../../src/normalize/fingerprint.js';
import { normalize } from '../../src/normalize/rules.js';

const fp = makeFingerprinter(Buffer.alloc(32, 3));

describe('API Gateway rules', () => {
  it('fingerprints stage variables and canary overrides, never keeping a value', () => {
    const stage = { stageName: 'prod', deploymentId: 'd1', lastUpdatedDate: 'now', cacheClusterStatus: 'FLUSH_IN_PROGRESS', cacheClusterEnabled: true, variables: { DB_PASSWORD: 'hunter2-secret', mode: 'live' }, canarySettings: { percentTraffic: 5, stageVariableOverrides: { DB_PASSWORD: 'canary-secret' } } };
    const out = normalize(stage, stageRules, fp) as any;
    const text = JSON.stringify(out);
    expect(text).not.toContain('hunter2-secret');
    expect(text).not.toContain('canary-secret');
    expect(text).not.toContain('"live"');
    expect(Object.keys(out.variables)).toEqual(['DB_PASSWORD', 'mode']);
    expect(out.variables.DB_PASSWORD).toMatch(/^hmac-sha256:/);
    expect(out.canarySettings).toEqual({ percentTraffic: 5, stageVariableOverrides: { DB_PASSWORD: fp('canary-secret') } });
    expect(out).not.toHaveProperty('lastUpdatedDate');
    expect(out).not.toHaveProperty('cacheClusterStatus');
    expect(out).toMatchObject({ stageName: 'prod', deploymentId: 'd1', cacheClusterEnabled: true });
  });

  it('drops only the export date stamp', () => {
    expect(normalize({ openapi: '3.0.1', info: { title: 't', version: '2024-01-01T00:00:00Z' }, paths: {} }, exportRules)).toEqual({ openapi: '3.0.1', info: { title: 't' }, paths: {} });
  });

  it('sorts resources by path and unordered lists, keeping the API fields', () => {
    const api = normalize({ name: 'a', createdDate: 'c', binaryMediaTypes: ['image/png', 'application/pdf'], endpointConfiguration: { types: ['REGIONAL'], vpcEndpointIds: ['vpce-b', 'vpce-a'] } }, restApiRules) as any;
    expect(api).toEqual({ name: 'a', createdDate: 'c', binaryMediaTypes: ['application/pdf', 'image/png'], endpointConfiguration: { types: ['REGIONAL'], vpcEndpointIds: ['vpce-a', 'vpce-b'] } });
    const res = normalize({ resources: [{ path: '/b' }, { path: '/' }, { path: '/a', resourceMethods: { GET: { methodIntegration: { cacheKeyParameters: ['y', 'x'] } } } }] }, resourcesRules) as any;
    expect(res.resources.map((r: any) => r.path)).toEqual(['/', '/a', '/b']);
    expect(res.resources[1].resourceMethods.GET.methodIntegration.cacheKeyParameters).toEqual(['x', 'y']);
  });

  it('parses resource policies whether their quotes arrive escaped or not', () => {
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 'execute-api:Invoke', Resource: 'arn:aws:execute-api:us-east-1:1:a/*' }] };
    expect(parseResourcePolicy(JSON.stringify(policy))).toEqual(policy);
    expect(parseResourcePolicy(JSON.stringify(policy).replace(/"/g, '\\"').replace(/\//g, '\\/'))).toEqual(policy);
    expect(parseResourcePolicy(undefined)).toBeUndefined();
  });

  it('follows position tokens to the last page and refuses a repeated one', async () => {
    const pages: Record<string, { items: number[]; position?: string }> = { start: { items: [1], position: 'p2' }, p2: { items: [2], position: 'p3' }, p3: { items: [3] } };
    expect(await allPages(async (p) => pages[p ?? 'start']!)).toEqual([1, 2, 3]);
    await expect(allPages(async () => ({ items: [1], position: 'same' }))).rejects.toThrow(/repeated/);
  });
});
