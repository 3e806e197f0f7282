// Reading IAM principals: a role, a service-account user or a group, with their attached
// managed policies and inline policy documents, every list paginated. Only configuration is
// read. Nothing here, or anywhere in this collector, calls the credential APIs (access keys,
// login profiles, SSH keys, service-specific credentials, signing certificates, MFA devices):
// a principal's file can only ever hold what GetRole/GetUser and the policy lists return.
//
// A refused part (say ListRolePolicies is denied) becomes a coverage finding and the part is
// left out of the file (absent, not empty), so the file never claims "no inline policies"
// when it could not look.
import {
  GetGroupPolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  IAMClient,
  paginateListAttachedGroupPolicies,
  paginateListAttachedRolePolicies,
  paginateListAttachedUserPolicies,
  paginateListGroupPolicies,
  paginateListGroupsForUser,
  paginateListRolePolicies,
  paginateListUserPolicies,
  type Group,
  type Role,
  type User,
} from '@aws-sdk/client-iam';
import { optionalConfig } from '../shared/errors.js';
import type { CollectContext } from '../../types.js';
import type { IamConfig } from './config.js';
import { parsePolicyDocument } from './policy-document.js';

export type PrincipalKind = 'role' | 'user' | 'group';

export interface AttachedPolicy {
  PolicyName?: string | undefined;
  PolicyArn?: string | undefined;
}

export interface PolicySets {
  /** absent when listing them was refused */
  AttachedPolicies?: AttachedPolicy[];
  /** inline policy name → parsed document; absent when listing them was refused */
  InlinePolicies?: Record<string, unknown>;
}

interface Reader {
  client: IAMClient;
  pageSize: number;
  signal: AbortSignal;
}

async function collectPages<P, T>(pages: AsyncIterable<P>, items: (page: P) => T[] | undefined): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...(items(page) ?? []));
  return out;
}

function listAttached(r: Reader, kind: PrincipalKind, name: string): Promise<AttachedPolicy[]> {
  const config = { client: r.client, pageSize: r.pageSize };
  const opts = { abortSignal: r.signal };
  const pick = (page: { AttachedPolicies?: AttachedPolicy[] | undefined }) => page.AttachedPolicies?.map((p) => ({ PolicyName: p.PolicyName, PolicyArn: p.PolicyArn }));
  if (kind === 'role') return collectPages(paginateListAttachedRolePolicies(config, { RoleName: name }, opts), pick);
  if (kind === 'user') return collectPages(paginateListAttachedUserPolicies(config, { UserName: name }, opts), pick);
  return collectPages(paginateListAttachedGroupPolicies(config, { GroupName: name }, opts), pick);
}

function listInlineNames(r: Reader, kind: PrincipalKind, name: string): Promise<string[]> {
  const config = { client: r.client, pageSize: r.pageSize };
  const opts = { abortSignal: r.signal };
  const pick = (page: { PolicyNames?: string[] | undefined }) => page.PolicyNames;
  if (kind === 'role') return collectPages(paginateListRolePolicies(config, { RoleName: name }, opts), pick);
  if (kind === 'user') return collectPages(paginateListUserPolicies(config, { UserName: name }, opts), pick);
  return collectPages(paginateListGroupPolicies(config, { GroupName: name }, opts), pick);
}

async function getInline(r: Reader, kind: PrincipalKind, name: string, policy: string): Promise<string | undefined> {
  const opts = { abortSignal: r.signal };
  if (kind === 'role') return (await r.client.send(new GetRolePolicyCommand({ RoleName: name, PolicyName: policy }), opts)).PolicyDocument;
  if (kind === 'user') return (await r.client.send(new GetUserPolicyCommand({ UserName: name, PolicyName: policy }), opts)).PolicyDocument;
  return (await r.client.send(new GetGroupPolicyCommand({ GroupName: name, PolicyName: policy }), opts)).PolicyDocument;
}

/** Attached and inline policies of one principal; `resource` names it in findings (iam/roles/x). */
export async function readPolicySets(ctx: CollectContext<IamConfig>, r: Reader, kind: PrincipalKind, name: string, resource: string): Promise<PolicySets> {
  const out: PolicySets = {};
  const attached = await optionalConfig(ctx, `${resource}/attached_policies`, () => listAttached(r, kind, name));
  if (attached) out.AttachedPolicies = attached;
  const names = await optionalConfig(ctx, `${resource}/inline_policies`, () => listInlineNames(r, kind, name));
  if (names) {
    const inline: Record<string, unknown> = {};
    for (const policy of names) {
      const doc = await optionalConfig(ctx, `${resource}/inline_policies/${policy}`, () => getInline(r, kind, name, policy));
      if (doc !== null) inline[policy] = parsePolicyDocument(doc) ?? null;
    }
    out.InlinePolicies = inline;
  }
  return out;
}

export async function getRole(r: Reader, name: string): Promise<Role> {
  const role = (await r.client.send(new GetRoleCommand({ RoleName: name }), { abortSignal: r.signal })).Role;
  if (!role) throw new Error(`GetRole returned no role for ${name}`);
  return role;
}

export async function getUser(r: Reader, name: string): Promise<User> {
  const user = (await r.client.send(new GetUserCommand({ UserName: name }), { abortSignal: r.signal })).User;
  if (!user) throw new Error(`GetUser returned no user for ${name}`);
  return user;
}

/** The groups a user belongs to (their policies grant the user permissions too). */
export function listGroupsForUser(r: Reader, name: string): Promise<Group[]> {
  return collectPages(paginateListGroupsForUser({ client: r.client, pageSize: r.pageSize }, { UserName: name }, { abortSignal: r.signal }), (p) => p.Groups);
}

export type { Reader as IamReader };
