// The IAM collector's declared rules and policy-document handling, as must-appear /
// must-not-appear checks: volatile fields dropped, set-valued policy fields sorted, statement
// order kept, URL-encoded documents parsed.
import { describe, expect, it } from 'vitest';
import { principalName } from '../../src/collectors/aws/iam/config.js';
import { managedPolicyFolder } from '../../src/collectors/aws/iam/managed-policies.js';
import { parsePolicyDocument } from '../../src/collectors/aws/iam/policy-document.js';
import { managedPolicyRules, roleRules, userRules } from '../../src/collectors/aws/iam/rules.js';
import { normalize } from '../../src/normalize/rules.js';

const doc = {
  Version: '2012-10-17',
  Statement: [
    { Sid: 'second-in-iam-order', Effect: 'Allow', Action: ['s3:PutObject', 's3:GetObject'], Resource: ['arn:aws:s3:::b/*', 'arn:aws:s3:::a/*'], Condition: { StringEquals: { 'aws:SourceVpce': ['vpce-2', 'vpce-1'] } } },
    { Sid: 'first', Effect: 'Deny', NotAction: ['iam:*', 'sts:*'], Principal: { AWS: ['arn:aws:iam::1:role/z', 'arn:aws:iam::1:role/y'] }, Resource: '*' },
  ],
};

describe('IAM rules', () => {
  it('drops RoleLastUsed, PasswordLastUsed and policy attachment counters, and nothing else', () => {
    const role = normalize({ RoleName: 'r', CreateDate: 'd', RoleLastUsed: { LastUsedDate: 'x', Region: 'us-east-1' } }, roleRules) as any;
    expect(role).toEqual({ RoleName: 'r', CreateDate: 'd' });
    expect(normalize({ UserName: 'u', PasswordLastUsed: 'x' }, userRules)).toEqual({ UserName: 'u' });
    const policy = normalize({ PolicyName: 'p', AttachmentCount: 3, PermissionsBoundaryUsageCount: 1, UpdateDate: 'u', DefaultVersionId: 'v2' }, managedPolicyRules);
    expect(policy).toEqual({ PolicyName: 'p', UpdateDate: 'u', DefaultVersionId: 'v2' });
  });

  it('reads statements as the set IAM evaluates (by Sid, else by content) and sorts the sets inside them', () => {
    const out = normalize({ AssumeRolePolicyDocument: doc, InlinePolicies: { x: doc }, Document: doc }, roleRules) as any;
    for (const d of [out.AssumeRolePolicyDocument, out.InlinePolicies.x, out.Document]) {
      expect(d.Statement.map((s: any) => s.Sid)).toEqual(['first', 'second-in-iam-order']);
      expect(d.Statement[1].Action).toEqual(['s3:GetObject', 's3:PutObject']);
      expect(d.Statement[1].Resource).toEqual(['arn:aws:s3:::a/*', 'arn:aws:s3:::b/*']);
      expect(d.Statement[1].Condition.StringEquals['aws:SourceVpce']).toEqual(['vpce-1', 'vpce-2']);
      expect(d.Statement[0].NotAction).toEqual(['iam:*', 'sts:*']);
      expect(d.Statement[0].Principal.AWS).toEqual(['arn:aws:iam::1:role/y', 'arn:aws:iam::1:role/z']);
      expect(d.Statement[0].Resource).toBe('*');
    }
    // Statements without a Sid are identified by what they say: a reorder is the same document.
    const plain = (order: number[]) => normalize({ Document: { Statement: order.map((i) => ({ Effect: 'Allow', Action: `s3:Get${i}`, Resource: '*' })) } }, managedPolicyRules);
    expect(plain([1, 2, 3])).toEqual(plain([3, 1, 2]));
  });

  it('sorts a single-statement shorthand document too', () => {
    const out = normalize({ Document: { Statement: { Effect: 'Allow', Action: ['b:B', 'a:A'], Resource: '*' } } }, managedPolicyRules) as any;
    expect(out.Document.Statement.Action).toEqual(['a:A', 'b:B']);
  });

  it('parses URL-encoded and plain policy documents, and keeps text it cannot parse', () => {
    const json = JSON.stringify(doc);
    expect(parsePolicyDocument(encodeURIComponent(json))).toEqual(doc);
    expect(parsePolicyDocument(json)).toEqual(doc);
    expect(parsePolicyDocument('%E0%A4%A')).toBe('%E0%A4%A');
    expect(parsePolicyDocument(undefined)).toBeUndefined();
  });

  it('names principals and policies from ARNs', () => {
    expect(principalName('arn:aws:iam::123456789012:role/service-role/orders-fn')).toBe('orders-fn');
    expect(principalName('orders-fn')).toBe('orders-fn');
    expect(managedPolicyFolder('arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole')).toEqual({ owner: 'aws', name: 'AWSLambdaBasicExecutionRole', folder: 'policies/aws/AWSLambdaBasicExecutionRole' });
    expect(managedPolicyFolder('arn:aws-cn:iam::123456789012:policy/team/x').folder).toBe('policies/customer/x');
  });
});
