// Policy statements are a set wherever snap archives a policy document: matched by Sid (else by
// content) when two versions are compared, sorted when written, so a reorder is never a change.
// Checked on every file kind that holds one (the declared rules of its collector), including
// versions archived before statements were sorted (the differ matches them by identity).
import { describe, expect, it } from 'vitest';
import { loadCollectors } from '../../src/collectors/lazy.js';
import { collectors } from '../../src/collectors/registry.js';
import type { ResourceFileSpec } from '../../src/collectors/types.js';
import { diffJson } from '../../src/diff/json-diff.js';
import { normalize } from '../../src/normalize/rules.js';
import type { Json } from '../../src/normalize/stable-json.js';
import { globMatch } from '../../src/util/glob.js';

const statements = [
  { Sid: 'ReadSite', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::site/*' },
  { Sid: 'DenyDelete', Effect: 'Deny', Principal: '*', Action: ['s3:DeleteObject', 's3:DeleteBucket'], Resource: '*' },
  { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 's3:ListBucket', Resource: 'arn:aws:s3:::site' },
  { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
];
const policy = (order: number[], edit: (s: Record<string, unknown>[]) => void = () => undefined) => {
  const list = order.map((i) => structuredClone(statements[i]!) as Record<string, unknown>);
  edit(list);
  return { Version: '2012-10-17', Statement: list };
};

/** Where each collector's files hold a policy document, as (file pattern, wrap the document into the file). */
const HOLDERS: [string, string, (doc: unknown) => unknown][] = [
  ['s3', '*/config/policy.json', (doc) => ({ bucket: 'site', kind: 'policy', state: 'configured', value: doc })],
  ['iam', 'roles/*/role.json', (doc) => ({ RoleName: 'r', AssumeRolePolicyDocument: doc, InlinePolicies: { inline: doc } })],
  ['iam', 'policies/*/*/policy.json', (doc) => ({ PolicyName: 'p', Document: doc, Versions: [{ VersionId: 'v1', IsDefaultVersion: true, Document: doc }] })],
  ['lambda', '*/policy.json', (doc) => doc],
  ['lambda', '@layers/*/*/policy.json', (doc) => doc],
  ['apigateway', '*/*/api.json', (doc) => ({ id: 'a1', name: 'api', policy: doc })],
  ['dynamodb', '*/*/table.json', (doc) => ({ Table: { TableName: 't' }, ResourcePolicy: { Policy: doc } })],
  ['ses', '*/identities/*/identity.json', (doc) => ({ IdentityName: 'example.com', Policies: { send: doc } })],
];

const samples: Record<string, string> = {
  '*/config/policy.json': 'site/config/policy.json',
  'roles/*/role.json': 'roles/r/role.json',
  'policies/*/*/policy.json': 'policies/customer/p/policy.json',
  '*/policy.json': 'fn/policy.json',
  '@layers/*/*/policy.json': '@layers/deps/1/policy.json',
  '*/*/api.json': 'us-east-1/api.a1/api.json',
  '*/*/table.json': 'us-east-1/t/table.json',
  '*/identities/*/identity.json': 'us-east-1/identities/example.com/identity.json',
};

describe('policy statements', async () => {
  const loaded = await loadCollectors(collectors);
  const specFor = (id: string, path: string): ResourceFileSpec => {
    const spec = loaded.find((c) => c.id === id)!.resources!.find((r) => globMatch(r.pattern, path));
    expect(spec, `${id} ${path}`).toBeDefined();
    return spec!;
  };

  it.each(HOLDERS)('%s %s: a reorder is no change, written or compared', (id, pattern, wrap) => {
    const spec = specFor(id, samples[pattern]!);
    const a = wrap(policy([0, 1, 2, 3])) as Json;
    const b = wrap(policy([3, 2, 1, 0], (s) => ((s[2]!.Action as string[]).reverse(), undefined))) as Json;
    // Written: the same bytes for both orders.
    expect(normalize(b, spec.rules ?? {})).toEqual(normalize(a, spec.rules ?? {}));
    // Compared as archived before statements were sorted: matched by identity, no change.
    expect(diffJson(a, b, spec.rules)).toEqual([]);
  });

  it.each(HOLDERS)('%s %s: a changed statement is named by its Sid; one without a Sid is removed and added', (id, pattern, wrap) => {
    const spec = specFor(id, samples[pattern]!);
    const a = wrap(policy([0, 1, 2, 3])) as Json;
    const b = wrap(policy([1, 0, 3, 2], (s) => {
      s[0]!.Effect = 'Allow'; // DenyDelete, now first
      s[3]!.Action = 's3:ListBucketVersions'; // the statement without a Sid
    })) as Json;
    const paths = diffJson(a, b, spec.rules).map((f) => `${f.status} ${f.path}`);
    expect(paths.some((p) => /^changed .*Statement\[Sid=DenyDelete\]\.Effect$/.test(p)), paths.join('\n')).toBe(true);
    expect(paths.filter((p) => /^removed .*Statement\[/.test(p)).length).toBeGreaterThan(0);
    expect(paths.filter((p) => /^added .*Statement\[/.test(p)).length).toBeGreaterThan(0);
    expect(paths.some((p) => /ReadSite/.test(p))).toBe(false);
  });
});
