// The IAM collector (iam/): the roles Lambda functions run as and the roles and service-account
// users named in config, with their trust policies, attached managed policies (each policy's
// default version document, written once under policies/), inline policies, tags and
// permissions boundaries; for customer managed policies, every version IAM keeps. Never
// access keys, login profiles or any other credential.
//
//   iam/roles/<RoleName>/role.json
//   iam/users/<UserName>/user.json
//   iam/groups/<GroupName>/group.json           groups of the captured users
//   iam/policies/{aws,customer}/<PolicyName>/policy.json
//
// Flow: list Lambda functions in the configured regions → the set of roles (plus config) →
// read each principal → the set of managed policies they use → read each policy. A principal
// or policy that fails unexpectedly is carried over from the previous version; when a
// region's function list fails, roles seen before are carried over rather than dropped.
import { IAMClient, type Group } from '@aws-sdk/client-iam';
import { LambdaClient, paginateListFunctions } from '@aws-sdk/client-lambda';
import { safeSegment } from '../../../archive/paths.js';
import { mapLimit } from '../../../util/limiter.js';
import type { Collector, CollectContext } from '../../types.js';
import { collectorRegions } from '../shared/config.js';
import { awsErrorName, classifyAwsError, recordRefusal } from '../shared/errors.js';
import { iamConfigSchema, principalName, type IamConfig } from './config.js';
import { managedPolicyFolder, readManagedPolicy } from './managed-policies.js';
import { parsePolicyDocument, policyVersionsIncidental } from './policy-document.js';
import { getRole, getUser, listGroupsForUser, readPolicySets, type IamReader } from './principals.js';
import { restoreIam } from './restore.js';
import { groupRules, managedPolicyRules, roleRules, userRules } from './rules.js';
import { iamRunbook } from './runbook.js';

export interface IamCollectorOptions {
  /** MaxItems for IAM list calls (1–1000); tests lower it to exercise pagination */
  pageSize?: number;
}

interface RoleTarget {
  name: string;
  /** ARNs this role was referred to by (Lambda configs, config entries given as ARNs) */
  arns: Set<string>;
  functions: Set<string>;
  named: boolean;
}

/** What a principal's record says about the managed policies it uses. */
interface UsesPolicies {
  AttachedPolicies?: { PolicyArn?: string | undefined }[];
  PermissionsBoundary?: { PermissionsBoundaryArn?: string | undefined };
}

const LAMBDA_PAGE_SIZE = 50; // ListFunctions' maximum

function label(key: string) {
  return (value: unknown) => String((value as Record<string, unknown> | null)?.[key] ?? '?');
}

export function createIamCollector(options: IamCollectorOptions = {}): Collector<IamConfig> {
  const pageSize = options.pageSize ?? 1000;
  return {
    id: 'iam',
    title: 'IAM roles, users and policies',
    root: 'iam',
    platform: 'aws',
    configSchema: iamConfigSchema,
    enabledByDefault: true,
    runbook: iamRunbook,
    resources: [
      { pattern: 'roles/*/role.json', kind: 'IAM role', rules: roleRules, label: label('RoleName'), assigned: ['CreateDate', 'RoleId'] },
      { pattern: 'users/*/user.json', kind: 'IAM user', rules: userRules, label: label('UserName'), assigned: ['CreateDate', 'UserId'] },
      { pattern: 'groups/*/group.json', kind: 'IAM group', rules: groupRules, label: label('GroupName'), assigned: ['CreateDate', 'GroupId'] },
      {
        pattern: 'policies/*/*/policy.json',
        kind: 'managed policy',
        rules: managedPolicyRules,
        // A re-created policy starts again at v1 with its restored documents.
        assigned: ['CreateDate', 'UpdateDate', 'PolicyId', 'DefaultVersionId', 'Versions[].VersionId', 'Versions[].CreateDate'],
        incidental: policyVersionsIncidental,
        label: (v) => `${label('PolicyName')(v)} (${label('Owner')(v)})`,
      },
    ],
    collect: (ctx) => collectIam(ctx, pageSize),
    restore: restoreIam,
  };
}

export const iamCollector = createIamCollector();

async function collectIam(ctx: CollectContext<IamConfig>, pageSize: number): Promise<void> {
  const reader: IamReader = { client: ctx.aws.get(IAMClient), pageSize, signal: ctx.signal };
  const roles = new Map<string, RoleTarget>();
  const roleTarget = (name: string) => {
    let t = roles.get(name);
    if (!t) roles.set(name, (t = { name, arns: new Set(), functions: new Set(), named: false }));
    return t;
  };

  // 1. Which roles: Lambda execution roles, then those named in config.
  let functionListIncomplete = false;
  if (ctx.config.lambdaRoles) {
    ctx.progress.phase('listing Lambda functions');
    for (const region of collectorRegions(ctx.config, ctx.aws.settings)) {
      try {
        const lambda = ctx.aws.get(LambdaClient, region);
        for await (const page of paginateListFunctions({ client: lambda, pageSize: LAMBDA_PAGE_SIZE }, {}, { abortSignal: ctx.signal })) {
          for (const fn of page.Functions ?? []) {
            if (!fn.Role) continue;
            const t = roleTarget(principalName(fn.Role));
            t.arns.add(fn.Role);
            t.functions.add(fn.FunctionArn ?? `${region}:${fn.FunctionName}`);
          }
        }
      } catch (err) {
        if (recordRefusal(ctx, `lambda:${region}`, err)) continue;
        ctx.partial(`iam/lambda:${region}`, err);
        functionListIncomplete = true;
      }
    }
  }
  for (const entry of ctx.config.roles) {
    const t = roleTarget(principalName(entry));
    t.named = true;
    if (entry.startsWith('arn:')) t.arns.add(entry);
  }

  // Managed policy ARN → the principals using it ("role/x").
  const policies = new Map<string, Set<string>>();
  const usePolicy = (arn: string | undefined, by: string) => {
    if (!arn) return;
    let s = policies.get(arn);
    if (!s) policies.set(arn, (s = new Set()));
    s.add(by);
  };
  const usePoliciesOf = (record: UsesPolicies | null, by: string) => {
    for (const p of record?.AttachedPolicies ?? []) usePolicy(p.PolicyArn, by);
    usePolicy(record?.PermissionsBoundary?.PermissionsBoundaryArn, by);
  };

  // 2. Roles.
  ctx.progress.phase('roles');
  // Folders (by tree name) whose outcome this run settled: written, carried over, or found
  // missing or refused. Only unsettled ones may be carried over after a failed function list.
  const settledRoles = new Set<string>();
  await mapLimit([...roles.values()].sort((a, b) => (a.name < b.name ? -1 : 1)), ctx.config.concurrency, async (t) => {
    const folder = `roles/${safeSegment(t.name)}`;
    const resource = `iam/${folder}`;
    settledRoles.add(safeSegment(t.name));
    try {
      const role = await getRole(reader, t.name);
      const foreign = [...t.arns].find((arn) => role.Arn && arn !== role.Arn);
      if (foreign) {
        // A role of another account (or a same-named role at another path): not this role.
        ctx.finding({ resource, reason: 'OtherPrincipal', detail: 'the ARN referred to is not the role of this name in this account' });
        return;
      }
      const sets = await readPolicySets(ctx, reader, 'role', t.name, resource);
      const record = {
        ...role,
        AssumeRolePolicyDocument: parsePolicyDocument(role.AssumeRolePolicyDocument),
        ...sets,
        UsedByLambdaFunctions: [...t.functions],
        NamedInConfig: t.named,
      };
      ctx.out.json(`${folder}/role.json`, record, roleRules);
      usePoliciesOf(record, `role/${t.name}`);
      ctx.count('roles');
      ctx.progress.add(1);
    } catch (err) {
      if (missingOrRefused(ctx, resource, err, t.functions.size ? `used by ${t.functions.size} Lambda function(s)` : 'named in config')) return;
      ctx.partial(resource, err);
      if (await ctx.carryOver(folder)) usePoliciesOf(await ctx.previous!.json<UsesPolicies>(`${folder}/role.json`).catch(() => null), `role/${t.name}`);
    }
  });
  if (functionListIncomplete && ctx.previous) {
    // Roles found through a function list that failed this time are not known to be gone.
    for (const entry of await ctx.previous.list('roles')) {
      if (settledRoles.has(entry.name)) continue;
      const folder = `roles/${entry.name}`;
      if (await ctx.carryOver(folder)) usePoliciesOf(await ctx.previous.json<UsesPolicies>(`${folder}/role.json`).catch(() => null), `role/${entry.name}`);
    }
  }

  // 3. Service-account users, and the groups they belong to.
  ctx.progress.phase('users');
  const groups = new Map<string, { group: Group; members: Set<string> }>();
  const userNames = [...new Set(ctx.config.users.map(principalName))].sort();
  await mapLimit(userNames, ctx.config.concurrency, async (name) => {
    const folder = `users/${safeSegment(name)}`;
    const resource = `iam/${folder}`;
    try {
      const user = await getUser(reader, name);
      const sets = await readPolicySets(ctx, reader, 'user', name, resource);
      const memberOf = await listGroupsForUser(reader, name).catch((err: unknown) => {
        if (recordRefusal(ctx, `${resource}/groups`, err)) return null;
        throw err;
      });
      for (const g of memberOf ?? []) {
        if (!g.GroupName) continue;
        const entry = groups.get(g.GroupName) ?? { group: g, members: new Set<string>() };
        entry.members.add(name);
        groups.set(g.GroupName, entry);
      }
      const record = { ...user, ...sets, ...(memberOf ? { Groups: memberOf.map((g) => g.GroupName ?? '') } : {}) };
      ctx.out.json(`${folder}/user.json`, record, userRules);
      usePoliciesOf(record, `user/${name}`);
      ctx.count('users');
      ctx.progress.add(1);
    } catch (err) {
      if (missingOrRefused(ctx, resource, err, 'named in config')) return;
      ctx.partial(resource, err);
      if (await ctx.carryOver(folder)) usePoliciesOf(await ctx.previous!.json<UsesPolicies>(`${folder}/user.json`).catch(() => null), `user/${name}`);
    }
  });

  ctx.progress.phase('groups');
  await mapLimit([...groups.keys()].sort(), ctx.config.concurrency, async (name) => {
    const folder = `groups/${safeSegment(name)}`;
    const resource = `iam/${folder}`;
    try {
      const sets = await readPolicySets(ctx, reader, 'group', name, resource);
      const record = { ...groups.get(name)!.group, ...sets };
      ctx.out.json(`${folder}/group.json`, record, groupRules);
      usePoliciesOf(record, `group/${name}`);
      ctx.count('groups');
    } catch (err) {
      if (missingOrRefused(ctx, resource, err)) return;
      ctx.partial(resource, err);
      if (await ctx.carryOver(folder)) usePoliciesOf(await ctx.previous!.json<UsesPolicies>(`${folder}/group.json`).catch(() => null), `group/${name}`);
    }
  });

  // 4. Managed policies, each once.
  ctx.progress.phase('managed policies');
  await mapLimit([...policies.keys()].sort(), ctx.config.concurrency, async (arn) => {
    const { folder } = managedPolicyFolder(arn);
    const resource = `iam/${folder}`;
    try {
      const record = await readManagedPolicy(reader, arn, [...policies.get(arn)!], (err) => recordRefusal(ctx, `${resource}/versions`, err));
      ctx.out.json(`${folder}/policy.json`, record, managedPolicyRules);
      ctx.count('managedPolicies');
    } catch (err) {
      if (missingOrRefused(ctx, resource, err)) return;
      ctx.partial(resource, err);
      await ctx.carryOver(folder);
    }
  });
}

/** A principal that does not exist, or that may not be read: a finding, not a failure. */
function missingOrRefused(ctx: CollectContext<IamConfig>, resource: string, err: unknown, detail?: string): boolean {
  const kind = classifyAwsError(err);
  if (kind === 'not-found' || kind === 'access-denied' || kind === 'unavailable') {
    ctx.finding({ resource, reason: awsErrorName(err), ...(detail ? { detail } : {}) });
    return true;
  }
  return false;
}
