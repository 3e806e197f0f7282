// snap restore for IAM: puts the version's roles, service-account users and customer managed
// policies back.
//
// Order: customer managed policies first (a principal can only attach a policy that exists),
// then roles, then users. For each role or user the version holds (or the selection names,
// together with the customer managed policies it uses):
//   - missing: created (path, trust policy for a role, description, maximum session, permissions
//     boundary, tags); a user is created without any credential;
//   - trust policy, description, maximum session, permissions boundary and tags put back when
//     they differ (a path cannot be changed: a different path is noted);
//   - inline policies: those that are missing or differ are put, those the version lacks are
//     deleted (they belong to the principal: part of restoring it, not --prune);
//   - managed policies attached and detached to match; a user's group memberships likewise,
//     for groups that exist.
// What the version could not read (a refused listing) is absent from its file and left alone.
// Never created: access keys, passwords (login profiles), or any other credential. Not
// restored: groups' own policies, --rename (IAM names are not renamed).
//
// Planning only reads (Get and List calls).
import {
  AddUserToGroupCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteRolePermissionsBoundaryCommand,
  DeleteRolePolicyCommand,
  DeleteUserPermissionsBoundaryCommand,
  DeleteUserPolicyCommand,
  DetachRolePolicyCommand,
  DetachUserPolicyCommand,
  GetGroupCommand,
  GetPolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  IAMClient,
  PutRolePermissionsBoundaryCommand,
  PutRolePolicyCommand,
  PutUserPermissionsBoundaryCommand,
  PutUserPolicyCommand,
  RemoveUserFromGroupCommand,
  TagRoleCommand,
  TagUserCommand,
  UntagRoleCommand,
  UntagUserCommand,
  UpdateAssumeRolePolicyCommand,
  UpdateRoleCommand,
  paginateListAttachedRolePolicies,
  paginateListAttachedUserPolicies,
  paginateListGroupsForUser,
  paginateListRolePolicies,
  paginateListUserPolicies,
  type Tag,
} from '@aws-sdk/client-iam';
import type { PlannedChange, RestoreContext } from '../../../restore/types.js';
import { awsErrorName } from '../shared/errors.js';
import type { IamConfig } from './config.js';
import type { ManagedPolicyRecord } from './managed-policies.js';
import { parsePolicyDocument } from './policy-document.js';
import { unlessNotFound } from '../shared/restore-reads.js';
import { documentKey } from './policy-document.js';
import { documentText, planManagedPolicies, tagChanges } from './restore-policies.js';

type Ctx = RestoreContext<IamConfig>;

/** roles/<name>/role.json and users/<name>/user.json as the collector writes them (the parts a restore reads). */
interface PrincipalDoc {
  RoleName?: string;
  UserName?: string;
  Path?: string;
  Description?: string;
  MaxSessionDuration?: number;
  AssumeRolePolicyDocument?: unknown;
  PermissionsBoundary?: { PermissionsBoundaryArn?: string };
  Tags?: Tag[];
  AttachedPolicies?: { PolicyArn?: string; PolicyName?: string }[];
  InlinePolicies?: Record<string, unknown>;
  Groups?: string[];
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** Whether `path` (in the collector's folder) is part of what the selection names. */
function selected(selection: readonly string[], path: string): boolean {
  return selection.length === 0 || selection.some((s) => s === path || path.startsWith(`${s}/`) || s.startsWith(`${path}/`));
}

async function collect<P, T>(pages: AsyncIterable<P>, items: (page: P) => T[] | undefined): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...(items(page) ?? []));
  return out;
}

/** The calls that differ between roles and users, behind one shape. */
interface PrincipalApi {
  kind: 'role' | 'user';
  name: string;
  listInline(): Promise<string[]>;
  getInline(policy: string): Promise<string | undefined>;
  putInline(policy: string, doc: string): Promise<unknown>;
  deleteInline(policy: string): Promise<unknown>;
  listAttached(): Promise<string[]>;
  attach(arn: string): Promise<unknown>;
  detach(arn: string): Promise<unknown>;
  putBoundary(arn: string): Promise<unknown>;
  deleteBoundary(): Promise<unknown>;
  tag(tags: Tag[]): Promise<unknown>;
  untag(keys: string[]): Promise<unknown>;
}

function principalApi(iam: IAMClient, kind: 'role' | 'user', name: string, signal: AbortSignal): PrincipalApi {
  const opts = { abortSignal: signal };
  const pages = { client: iam };
  if (kind === 'role') {
    const RoleName = name;
    return {
      kind,
      name,
      listInline: () => collect(paginateListRolePolicies(pages, { RoleName }, opts), (p) => p.PolicyNames),
      getInline: async (PolicyName) => (await iam.send(new GetRolePolicyCommand({ RoleName, PolicyName }), opts)).PolicyDocument,
      putInline: (PolicyName, PolicyDocument) => iam.send(new PutRolePolicyCommand({ RoleName, PolicyName, PolicyDocument }), opts),
      deleteInline: (PolicyName) => unlessNotFound(() => iam.send(new DeleteRolePolicyCommand({ RoleName, PolicyName }), opts)),
      listAttached: () => collect(paginateListAttachedRolePolicies(pages, { RoleName }, opts), (p) => p.AttachedPolicies?.map((a) => a.PolicyArn ?? '')),
      attach: (PolicyArn) => iam.send(new AttachRolePolicyCommand({ RoleName, PolicyArn }), opts),
      detach: (PolicyArn) => unlessNotFound(() => iam.send(new DetachRolePolicyCommand({ RoleName, PolicyArn }), opts)),
      putBoundary: (PermissionsBoundary) => iam.send(new PutRolePermissionsBoundaryCommand({ RoleName, PermissionsBoundary }), opts),
      deleteBoundary: () => unlessNotFound(() => iam.send(new DeleteRolePermissionsBoundaryCommand({ RoleName }), opts)),
      tag: (Tags) => iam.send(new TagRoleCommand({ RoleName, Tags }), opts),
      untag: (TagKeys) => iam.send(new UntagRoleCommand({ RoleName, TagKeys }), opts),
    };
  }
  const UserName = name;
  return {
    kind,
    name,
    listInline: () => collect(paginateListUserPolicies(pages, { UserName }, opts), (p) => p.PolicyNames),
    getInline: async (PolicyName) => (await iam.send(new GetUserPolicyCommand({ UserName, PolicyName }), opts)).PolicyDocument,
    putInline: (PolicyName, PolicyDocument) => iam.send(new PutUserPolicyCommand({ UserName, PolicyName, PolicyDocument }), opts),
    deleteInline: (PolicyName) => unlessNotFound(() => iam.send(new DeleteUserPolicyCommand({ UserName, PolicyName }), opts)),
    listAttached: () => collect(paginateListAttachedUserPolicies(pages, { UserName }, opts), (p) => p.AttachedPolicies?.map((a) => a.PolicyArn ?? '')),
    attach: (PolicyArn) => iam.send(new AttachUserPolicyCommand({ UserName, PolicyArn }), opts),
    detach: (PolicyArn) => unlessNotFound(() => iam.send(new DetachUserPolicyCommand({ UserName, PolicyArn }), opts)),
    putBoundary: (PermissionsBoundary) => iam.send(new PutUserPermissionsBoundaryCommand({ UserName, PermissionsBoundary }), opts),
    deleteBoundary: () => unlessNotFound(() => iam.send(new DeleteUserPermissionsBoundaryCommand({ UserName }), opts)),
    tag: (Tags) => iam.send(new TagUserCommand({ UserName, Tags }), opts),
    untag: (TagKeys) => iam.send(new UntagUserCommand({ UserName, TagKeys }), opts),
  };
}

/** The managed policies (ARNs) a principal's record uses: attached, and its permissions boundary. */
function policiesUsedBy(doc: PrincipalDoc): string[] {
  return [...(doc.AttachedPolicies ?? []).map((p) => p.PolicyArn ?? ''), doc.PermissionsBoundary?.PermissionsBoundaryArn ?? ''].filter(Boolean);
}

interface VersionPrincipal {
  kind: 'role' | 'user';
  folder: string;
  name: string;
  doc: PrincipalDoc;
}

export async function restoreIam(ctx: Ctx): Promise<void> {
  const iam = ctx.aws.get(IAMClient);
  const principals: VersionPrincipal[] = [];
  for (const [kind, dir, file] of [['role', 'roles', 'role.json'], ['user', 'users', 'user.json']] as const) {
    for (const entry of await ctx.version.list(dir)) {
      const folder = `${dir}/${entry.name}`;
      if (!selected(ctx.selection, folder)) continue;
      const doc = await ctx.version.json<PrincipalDoc>(`${folder}/${file}`);
      const name = kind === 'role' ? doc?.RoleName : doc?.UserName;
      if (!doc || !name) continue;
      principals.push({ kind, folder, name, doc });
      if (ctx.rename.has(name)) ctx.note(`iam ${kind} ${name}`, '--rename does not apply to IAM: restored under its own name');
    }
  }
  if (ctx.selection.some((s) => s === 'groups' || s.startsWith('groups/'))) {
    ctx.cannot('iam groups', 'groups are not restored by snap; a restored user rejoins the groups that exist');
  }

  // Customer managed policies: those selected, and those the selected principals use.
  const used = new Set(principals.flatMap((p) => policiesUsedBy(p.doc)));
  const policies: { folder: string; record: ManagedPolicyRecord }[] = [];
  for (const owner of ['customer', 'aws']) {
    for (const entry of await ctx.version.list(`policies/${owner}`)) {
      const folder = `policies/${owner}/${entry.name}`;
      const record = await ctx.version.json<ManagedPolicyRecord>(`${folder}/policy.json`);
      if (!record?.Arn) continue;
      if (selected(ctx.selection, folder) || used.has(record.Arn)) policies.push({ folder, record });
    }
  }
  const policyState = await planManagedPolicies(ctx, iam, policies);
  const policyExists = async (arn: string): Promise<boolean> => {
    let s = policyState.get(arn);
    if (s === undefined) {
      // A policy the version uses but did not archive (it could not read it): ask.
      const found = await unlessNotFound(() => iam.send(new GetPolicyCommand({ PolicyArn: arn }), { abortSignal: ctx.signal }));
      s = found ? 'exists' : 'missing';
      policyState.set(arn, s);
    }
    return s !== 'missing';
  };

  for (const p of principals) await planPrincipal(ctx, iam, p, policyExists);
}

function roleCreateDetail(doc: PrincipalDoc): string {
  const principals = trustedPrincipals(doc.AssumeRolePolicyDocument);
  return [`path ${doc.Path ?? '/'}`, principals ? `trusts ${principals}` : null, doc.PermissionsBoundary?.PermissionsBoundaryArn ? 'permissions boundary' : null, doc.Tags?.length ? plural(doc.Tags.length, 'tag') : null]
    .filter(Boolean)
    .join(', ');
}

/** Who a trust policy lets assume the role, for people: "Service lambda.amazonaws.com". */
function trustedPrincipals(doc: unknown): string {
  const statements = (doc as { Statement?: unknown } | null)?.Statement;
  const list = Array.isArray(statements) ? statements : statements ? [statements] : [];
  const names: string[] = [];
  for (const s of list as { Principal?: unknown }[]) {
    const p = s.Principal;
    if (typeof p === 'string') names.push(p);
    else if (p && typeof p === 'object') for (const [k, v] of Object.entries(p)) for (const x of Array.isArray(v) ? v : [v]) names.push(`${k} ${String(x)}`);
  }
  return names.join(', ');
}

async function planPrincipal(ctx: Ctx, iam: IAMClient, p: VersionPrincipal, policyExists: (arn: string) => Promise<boolean>): Promise<void> {
  const opts = { abortSignal: ctx.signal };
  const api = principalApi(iam, p.kind, p.name, ctx.signal);
  const resource = `iam ${p.kind} ${p.name}`;
  const doc = p.doc;
  const plan = (change: Omit<PlannedChange, 'resource'> & { resource?: string }) => ctx.plan({ resource, ...change });

  const live =
    p.kind === 'role'
      ? (await unlessNotFound(() => iam.send(new GetRoleCommand({ RoleName: p.name }), opts)))?.Role
      : (await unlessNotFound(() => iam.send(new GetUserCommand({ UserName: p.name }), opts)))?.User;

  if (!live) {
    plan({
      action: 'create',
      detail: `missing: ${p.kind === 'role' ? roleCreateDetail(doc) : `path ${doc.Path ?? '/'}${doc.Tags?.length ? `, ${plural(doc.Tags.length, 'tag')}` : ''}`}`,
      apply: () => createPrincipal(iam, p, ctx.signal),
    });
    if (p.kind === 'user') ctx.note(resource, 'a re-created user has no access keys or password: snap never restores credentials; issue new ones');
  } else {
    if ((live.Path ?? '/') !== (doc.Path ?? '/')) ctx.cannot(resource, `its path is ${live.Path} where the version has ${doc.Path}: a path cannot be changed (delete and restore the ${p.kind} to change it)`);
    if (p.kind === 'role' && doc.AssumeRolePolicyDocument !== undefined) {
      const liveTrust = (live as { AssumeRolePolicyDocument?: string }).AssumeRolePolicyDocument;
      if (documentKey(liveTrust) !== documentKey(doc.AssumeRolePolicyDocument)) {
        const from = trustedPrincipals(parsePolicyDocument(liveTrust));
        const to = trustedPrincipals(doc.AssumeRolePolicyDocument);
        plan({
          action: 'update',
          detail: `trust policy differs${from !== to ? ` (${from || 'nobody'} → ${to || 'nobody'})` : ''}`,
          apply: () => iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: p.name, PolicyDocument: documentText(doc.AssumeRolePolicyDocument) }), opts).then(() => undefined),
        });
      }
    }
    if (p.kind === 'role') {
      const role = live as { Description?: string; MaxSessionDuration?: number };
      const parts: string[] = [];
      if ((role.Description ?? '') !== (doc.Description ?? '')) parts.push(`description ${JSON.stringify(role.Description ?? '')} → ${JSON.stringify(doc.Description ?? '')}`);
      if (doc.MaxSessionDuration !== undefined && role.MaxSessionDuration !== doc.MaxSessionDuration) parts.push(`maximum session ${role.MaxSessionDuration ?? '?'}s → ${doc.MaxSessionDuration}s`);
      if (parts.length) {
        plan({
          action: 'update',
          detail: parts.join('; '),
          apply: () =>
            iam
              .send(new UpdateRoleCommand({ RoleName: p.name, Description: doc.Description ?? '', ...(doc.MaxSessionDuration !== undefined ? { MaxSessionDuration: doc.MaxSessionDuration } : {}) }), opts)
              .then(() => undefined),
        });
      }
    }
    const liveBoundary = live.PermissionsBoundary?.PermissionsBoundaryArn;
    const wantBoundary = doc.PermissionsBoundary?.PermissionsBoundaryArn;
    if (liveBoundary !== wantBoundary) {
      plan({
        action: 'update',
        detail: `permissions boundary ${liveBoundary ?? 'none'} → ${wantBoundary ?? 'none'}`,
        apply: async () => void (wantBoundary ? await api.putBoundary(wantBoundary) : await api.deleteBoundary()),
      });
    }
    const tags = doc.Tags !== undefined ? tagChanges(live.Tags ?? [], doc.Tags) : null;
    if (tags) {
      plan({
        action: 'update',
        detail: tags.detail,
        apply: async () => {
          if (tags.remove.length) await api.untag(tags.remove);
          if (tags.add.length) await api.tag(tags.add);
        },
      });
    }
  }

  // Inline policies: the version's set exactly (when the version could read it).
  if (doc.InlinePolicies !== undefined) {
    const liveNames = live ? await api.listInline() : [];
    for (const [name, wanted] of Object.entries(doc.InlinePolicies)) {
      const at = `${resource} inline policy ${name}`;
      if (wanted === null || wanted === undefined) {
        ctx.cannot(at, 'the version holds no document for it: left as it is');
        continue;
      }
      const current = liveNames.includes(name) ? await api.getInline(name) : undefined;
      if (current !== undefined && documentKey(current) === documentKey(wanted)) continue;
      plan({
        resource: at,
        action: current === undefined ? 'create' : 'update',
        detail: current === undefined ? 'missing' : 'document differs',
        apply: async () => void (await api.putInline(name, documentText(wanted))),
      });
    }
    for (const name of liveNames.filter((n) => !(n in doc.InlinePolicies!))) {
      plan({ resource: `${resource} inline policy ${name}`, action: 'delete', detail: 'not in the version', apply: async () => void (await api.deleteInline(name)) });
    }
  }

  // Managed policies: attached to match the version (when the version could read them).
  if (doc.AttachedPolicies !== undefined) {
    const liveArns = new Set(live ? await api.listAttached() : []);
    const wantArns = new Set(doc.AttachedPolicies.map((a) => a.PolicyArn ?? '').filter(Boolean));
    for (const a of doc.AttachedPolicies) {
      const arn = a.PolicyArn;
      if (!arn || liveArns.has(arn)) continue;
      const at = `${resource} managed policy ${a.PolicyName ?? arn}`;
      if (!(await policyExists(arn))) {
        ctx.cannot(at, `the policy ${arn} does not exist and the version cannot make it: not attached`);
        continue;
      }
      plan({ resource: at, action: 'create', detail: 'not attached', apply: async () => void (await api.attach(arn)) });
    }
    for (const arn of [...liveArns].filter((x) => !wantArns.has(x))) {
      plan({ resource: `${resource} managed policy ${arn.split('/').pop()}`, action: 'delete', detail: 'attached, not in the version: detached', apply: async () => void (await api.detach(arn)) });
    }
  }

  // A user's groups: rejoin those that exist, leave those the version does not name.
  if (p.kind === 'user' && doc.Groups !== undefined) {
    const liveGroups = new Set(live ? (await collect(paginateListGroupsForUser({ client: iam }, { UserName: p.name }, opts), (x) => x.Groups)).map((g) => g.GroupName ?? '') : []);
    for (const group of doc.Groups.filter((g) => !liveGroups.has(g))) {
      const at = `${resource} group ${group}`;
      if (!(await unlessNotFound(() => iam.send(new GetGroupCommand({ GroupName: group, MaxItems: 1 }), opts)))) {
        ctx.cannot(at, 'the group does not exist (snap does not restore groups): not joined');
        continue;
      }
      plan({ resource: at, action: 'create', detail: 'not a member', apply: async () => void (await iam.send(new AddUserToGroupCommand({ GroupName: group, UserName: p.name }), opts)) });
    }
    for (const group of [...liveGroups].filter((g) => !doc.Groups!.includes(g))) {
      plan({
        resource: `${resource} group ${group}`,
        action: 'delete',
        detail: 'a member, not in the version: removed',
        apply: async () => void (await unlessNotFound(() => iam.send(new RemoveUserFromGroupCommand({ GroupName: group, UserName: p.name }), opts))),
      });
    }
  }
}

/** Creates a role or user as the version has it, unless it exists already (safe to re-run). Never a credential. */
async function createPrincipal(iam: IAMClient, p: VersionPrincipal, signal: AbortSignal): Promise<void> {
  const doc = p.doc;
  const opts = { abortSignal: signal };
  const common = {
    Path: doc.Path ?? '/',
    ...(doc.PermissionsBoundary?.PermissionsBoundaryArn ? { PermissionsBoundary: doc.PermissionsBoundary.PermissionsBoundaryArn } : {}),
    ...(doc.Tags?.length ? { Tags: doc.Tags } : {}),
  };
  try {
    if (p.kind === 'role') {
      await iam.send(
        new CreateRoleCommand({
          RoleName: p.name,
          AssumeRolePolicyDocument: documentText(doc.AssumeRolePolicyDocument ?? { Version: '2012-10-17', Statement: [] }),
          ...(doc.Description ? { Description: doc.Description } : {}),
          ...(doc.MaxSessionDuration !== undefined ? { MaxSessionDuration: doc.MaxSessionDuration } : {}),
          ...common,
        }),
        opts,
      );
    } else {
      await iam.send(new CreateUserCommand({ UserName: p.name, ...common }), opts);
    }
  } catch (err) {
    if (awsErrorName(err) !== 'EntityAlreadyExists' && awsErrorName(err) !== 'EntityAlreadyExistsException') throw err;
  }
}
