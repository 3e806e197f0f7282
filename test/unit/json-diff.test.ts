import { describe, expect, it } from 'vitest';
import { diffJson } from '../../src/diff/json-diff.js';
import { makeFingerprinter } from '../../src/normalize/fingerprint.js';
import { renderStat, renderText } from '../../src/diff/render.js';
import { diffDocumentSchema } from '../../src/diff/schema.js';
import { toDocument } from '../../src/diff/render.js';
import type { ResourceChange } from '../../src/diff/compare.js';

const rules = { sortBy: { 'Origins.Items': 'Id', Aliases: null, Tags: 'Key' } };

describe('field-level JSON differences', () => {
  const before = {
    DefaultCacheBehavior: { DefaultTTL: 86400, ViewerProtocolPolicy: 'redirect-to-https' },
    Origins: { Items: [{ Id: 's3-prod', DomainName: 'prod.s3.amazonaws.com' }, { Id: 'api', DomainName: 'api.example.com' }] },
    Aliases: ['www.example.com', 'example.com'],
    Steps: ['build', 'test'],
  };

  it('names each changed field with its path, old and new value', () => {
    const after = { ...before, DefaultCacheBehavior: { ...before.DefaultCacheBehavior, DefaultTTL: 300 } };
    expect(diffJson(before, after, rules)).toEqual([{ path: 'DefaultCacheBehavior.DefaultTTL', status: 'changed', old: 86400, new: 300 }]);
  });

  it('matches keyed arrays by identity: a reorder is no change, a field change names the element', () => {
    const reordered = { ...before, Origins: { Items: [...before.Origins.Items].reverse() }, Aliases: [...before.Aliases].reverse() };
    expect(diffJson(before, reordered, rules)).toEqual([]);
    const changed = { ...before, Origins: { Items: [{ Id: 'api', DomainName: 'api.example.com' }, { Id: 's3-prod', DomainName: 'staging.s3.amazonaws.com' }] } };
    expect(diffJson(before, changed, rules)).toEqual([{ path: 'Origins.Items[Id=s3-prod].DomainName', status: 'changed', old: 'prod.s3.amazonaws.com', new: 'staging.s3.amazonaws.com' }]);
  });

  it('reports set members added and removed by value', () => {
    const after = { ...before, Aliases: ['example.com', 'shop.example.com'] };
    expect(diffJson(before, after, rules)).toEqual([
      { path: 'Aliases["shop.example.com"]', status: 'added', new: 'shop.example.com' },
      { path: 'Aliases["www.example.com"]', status: 'removed', old: 'www.example.com' },
    ]);
  });

  it('treats undeclared arrays as ordered lists', () => {
    expect(diffJson(before, { ...before, Steps: ['test', 'build'] }, rules)).toEqual([
      { path: 'Steps[0]', status: 'changed', old: 'build', new: 'test' },
      { path: 'Steps[1]', status: 'changed', old: 'test', new: 'build' },
    ]);
  });

  it('says only "changed" for a fingerprinted secret', () => {
    const fp = makeFingerprinter(Buffer.alloc(32, 1));
    const out = diffJson({ Env: { KEY: fp('a') } }, { Env: { KEY: fp('b') } });
    expect(out).toEqual([{ path: 'Env.KEY', status: 'changed', old: fp('a'), new: fp('b'), secret: true }]);
    const text = renderText([{ service: 'lambda_functions', path: 'lambda_functions/f/environment_variables.json', kind: 'environment', label: 'f', status: 'changed', fields: out }]);
    expect(text).toContain('Env.KEY: value changed (secret: only its fingerprint is archived)');
    expect(text).not.toContain('hmac-sha256');
  });
});

describe('renderings', () => {
  const changes: ResourceChange[] = [
    { service: 'cloudfront', path: 'cloudfront/distribution_configs/E1.json', kind: 'distribution', label: 'E1 (www.example.com)', status: 'changed', fields: [{ path: 'DefaultCacheBehavior.DefaultTTL', status: 'changed', old: 86400, new: 300 }] },
    { service: 's3_buckets', path: 's3_buckets/site-staging/files/events/dylan.html', kind: 'object', label: 'site-staging/events/dylan.html', status: 'changed', text: '@@ -1,1 +1,1 @@\n-<p>$225</p>\n+<p>$195</p>\n' },
    { service: 's3_buckets', path: 's3_buckets/site-staging/objects/00.json', kind: 'object', label: 'site-staging/img/hero.jpg', status: 'added', content: { old: null, new: { sha256: 'a'.repeat(64), size: 4096, stored: true } } },
  ];

  it('groups by service and resource, with field paths, line diffs and content', () => {
    expect(renderText(changes)).toBe(
      [
        'cloudfront',
        '  ~ E1 (www.example.com)  (distribution)',
        '      DefaultCacheBehavior.DefaultTTL: 86400 → 300',
        's3_buckets',
        '  ~ site-staging/events/dylan.html  (object)',
        '      @@ -1,1 +1,1 @@',
        '      -<p>$225</p>',
        '      +<p>$195</p>',
        '  + site-staging/img/hero.jpg  (object)',
        '      content: none → 4.0 KiB sha256:aaaaaaaaaaaa',
        '',
      ].join('\n'),
    );
  });

  it('counts per service and per resource with --stat', () => {
    expect(renderStat(changes)).toBe(
      ['cloudfront               1 changed', '  ~ E1 (www.example.com)  1 field', 's3_buckets               1 changed, 1 added', '  ~ site-staging/events/dylan.html  2 lines', '  + site-staging/img/hero.jpg  1 content', '3 resources differ in 2 services', ''].join('\n'),
    );
  });

  it('writes --json documents that follow the published schema', () => {
    const doc = JSON.parse(JSON.stringify(toDocument('v1.0', 'v1.1', changes)));
    expect(diffDocumentSchema.parse(doc)).toEqual(doc);
    expect(() => diffDocumentSchema.parse({ ...doc, changes: [{ ...doc.changes[0], status: 'moved' }] })).toThrow();
  });

  it('renders nothing when nothing changed', () => {
    expect(renderText([])).toBe('');
    expect(renderStat([])).toBe('');
  });
});
