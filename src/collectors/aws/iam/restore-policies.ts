// Policy documents and customer managed policies for an IAM restore.
//
// Documents are compared as the collector archives them: parsed, statements matched by Sid
// (else by content) and the values IAM treats as sets sorted (policy-document.ts), so a live
// document that says the same in another order is not a difference.
//
// A customer managed policy is restored as versions, never by writing a new default blindly:
//   - missing live: created with the version's default document (same name and path, so its
//     ARN is the one the principals attach), then the version's other versions added;
//   - the version's default document is a live version already: that version is made the
//     default again (SetDefaultPolicyVersion), nothing is created;
//   - otherwise it is created as a new version and made the default;
//   - the version's other versions missing live are created as non-default versions;
//   - live versions whose document the version does not have are deleted only with --prune,
//     each one listed in the plan; without it they are kept and named in a note.
// IAM keeps at most five versions. What does not fit is never made room for by deleting a
// version the plan does not list: it is left undone, and the note says --prune would delete
// the versions the version does not have. AWS managed policies cannot be changed: they are
// only attached.
import {
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  DeletePolicyVersionCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  ListPolicyVersionsCommand,
  SetDefaultPolicyVersionCommand,
  TagPolicyCommand,
  UntagPolicyCommand,
  type IAMClient,
  type Tag,
} from '@aws-sdk/client-iam';
import type { RestoreContext } from '../../../restore/types.js';
import { unlessNotFound } from '../shared/restore-reads.js';
import type { IamConfig } from './config.js';
import type { ManagedPolicyRecord, PolicyVersionRecord } from './managed-policies.js';
import { documentKey } from './policy-document.js';

type Ctx = RestoreContext<IamConfig>;


/** A document as IAM takes it: JSON text (a document archived as text is sent as it is). */
export function documentText(doc: unknown): string {
  return typeof doc === 'string' ? doc : JSON.stringify(doc);
}

/** Tags to add (new or changed) and keys to remove, and how to say it: "tags differ: +team ~env -old". */
export function tagChanges(live: readonly Tag[], version: readonly Tag[]): { add: Tag[]; remove: string[]; detail: string } | null {
  const have = new Map(live.map((t) => [t.Key ?? '', t.Value ?? '']));
  const want = new Map(version.map((t) => [t.Key ?? '', t.Value ?? '']));
  const add = [...want].filter(([k, v]) => have.get(k) !== v).map(([Key, Value]) => ({ Key, Value }));
  const remove = [...have.keys()].filter((k) => !want.has(k));
  if (add.length === 0 && remove.length === 0) return null;
  return { add, remove, detail: `tags differ: ${[...add.map((t) => `${have.has(t.Key) ? '~' : '+'}${t.Key}`), ...remove.map((k) => `-${k}`)].join(' ')}` };
}

/** What the restore knows of each managed policy ARN: it exists live, it will be created, or it is missing. */
export type PolicyState = Map<string, 'exists' | 'created' | 'missing'>;

const MAX_POLICY_VERSIONS = 5;

/** The version's versions of a policy, the default first (one of them, from older archives that kept only the default document). */
function archivedVersions(record: ManagedPolicyRecord): PolicyVersionRecord[] {
  const versions = record.Versions?.length ? record.Versions : [{ VersionId: record.DefaultVersionId ?? 'v1', IsDefaultVersion: true, Document: record.Document }];
  return [...versions].sort((a, b) => Number(b.IsDefaultVersion) - Number(a.IsDefaultVersion) || versionNumber(a.VersionId) - versionNumber(b.VersionId));
}

const versionNumber = (id: string | undefined) => Number(/^v(\d+)$/.exec(id ?? '')?.[1] ?? Number.MAX_SAFE_INTEGER);

interface LiveVersion {
  id: string;
  isDefault: boolean;
  key: string;
}

async function liveVersions(iam: IAMClient, arn: string, signal: AbortSignal): Promise<LiveVersion[]> {
  const opts = { abortSignal: signal };
  const listed = (await iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn }), opts)).Versions ?? [];
  const out: LiveVersion[] = [];
  for (const v of listed) {
    if (!v.VersionId) continue;
    const doc = (await iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: v.VersionId }), opts)).PolicyVersion?.Document;
    out.push({ id: v.VersionId, isDefault: v.IsDefaultVersion === true, key: documentKey(doc) });
  }
  return out.sort((a, b) => versionNumber(a.id) - versionNumber(b.id));
}

/** Plans the customer managed policies the version holds; returns the state of each one's ARN. */
export async function planManagedPolicies(ctx: Ctx, iam: IAMClient, policies: readonly { folder: string; record: ManagedPolicyRecord }[]): Promise<PolicyState> {
  const state: PolicyState = new Map();
  const opts = { abortSignal: ctx.signal };
  for (const { folder, record } of policies) {
    const arn = record.Arn;
    const name = record.PolicyName ?? folder.split('/').pop()!;
    const resource = `iam policy ${name}`;
    if (!arn) continue;
    if (record.Owner === 'aws') {
      state.set(arn, (await unlessNotFound(() => iam.send(new GetPolicyCommand({ PolicyArn: arn }), opts))) ? 'exists' : 'missing');
      continue;
    }
    if (record.Document === undefined) {
      ctx.cannot(resource, 'the version holds no document for this policy: it is not restored');
      state.set(arn, (await unlessNotFound(() => iam.send(new GetPolicyCommand({ PolicyArn: arn }), opts))) ? 'exists' : 'missing');
      continue;
    }
    const versions = archivedVersions(record);
    const live = (await unlessNotFound(() => iam.send(new GetPolicyCommand({ PolicyArn: arn }), opts)))?.Policy;
    if (!live) {
      state.set(arn, 'created');
      ctx.plan({
        resource,
        action: 'create',
        detail: `missing: path ${record.Path ?? '/'}, default document of ${versions[0]!.VersionId}${record.Tags?.length ? `, ${record.Tags.length} tag${record.Tags.length === 1 ? '' : 's'}` : ''}`,
        apply: async () => {
          const exists = await unlessNotFound(() => iam.send(new GetPolicyCommand({ PolicyArn: arn }), opts));
          if (exists) return;
          await iam.send(
            new CreatePolicyCommand({
              PolicyName: name,
              Path: record.Path ?? '/',
              PolicyDocument: documentText(versions[0]!.Document),
              ...(record.Description ? { Description: record.Description } : {}),
              ...(record.Tags?.length ? { Tags: record.Tags } : {}),
            }),
            opts,
          );
        },
      });
      for (const v of versions.slice(1)) {
        ctx.plan({ resource: `${resource} version`, action: 'create', detail: `${v.VersionId} of ${ctx.versionName} (not the default)`, apply: () => addVersion(iam, arn, v.Document, false, ctx.signal) });
      }
      continue;
    }
    state.set(arn, 'exists');
    planVersions(ctx, iam, arn, resource, versions, await liveVersions(iam, arn, ctx.signal));
    const tags = record.Tags ? tagChanges(live.Tags ?? [], record.Tags) : null;
    if (tags) {
      ctx.plan({
        resource,
        action: 'update',
        detail: tags.detail,
        apply: async () => {
          if (tags.remove.length) await iam.send(new UntagPolicyCommand({ PolicyArn: arn, TagKeys: tags.remove }), opts);
          if (tags.add.length) await iam.send(new TagPolicyCommand({ PolicyArn: arn, Tags: tags.add }), opts);
        },
      });
    }
  }
  return state;
}

/** The version's versions of an existing policy against its live ones (see the header). */
function planVersions(ctx: Ctx, iam: IAMClient, arn: string, resource: string, versions: PolicyVersionRecord[], live: LiveVersion[]): void {
  const [wanted, ...others] = versions;
  const wantKey = documentKey(wanted!.Document);
  const archivedKeys = new Set(versions.map((v) => documentKey(v.Document)));
  const liveDefault = live.find((v) => v.isDefault);
  const extra = live.filter((v) => !archivedKeys.has(v.key));
  const extraOthers = extra.filter((v) => !v.isDefault);
  const liveKeys = new Set(live.map((v) => v.key));
  const missingOthers = others.filter((v, i) => !liveKeys.has(documentKey(v.Document)) && others.findIndex((o) => documentKey(o.Document) === documentKey(v.Document)) === i);
  const deletion = (v: LiveVersion): void =>
    ctx.plan({
      resource: `${resource} version ${v.id}`,
      action: 'delete',
      detail: `not in ${ctx.versionName}${v.isDefault ? ' (the live default until the version\'s is set)' : ''}`,
      apply: async () => void (await unlessNotFound(() => iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: v.id }), { abortSignal: ctx.signal }))),
    });
  const room = () => `IAM keeps at most ${MAX_POLICY_VERSIONS} versions and ${MAX_POLICY_VERSIONS} would be live`;

  // Room first: only with --prune, and only versions the version does not have.
  let count = live.length;
  if (ctx.prune) {
    for (const v of extraOthers) deletion(v);
    count -= extraOthers.length;
  } else if (extra.length) {
    ctx.note(resource, `${extra.length === 1 ? 'version' : 'versions'} ${extra.map((v) => v.id).join(', ')} ${extra.length === 1 ? 'is' : 'are'} not in ${ctx.versionName}: kept (--prune deletes ${extra.length === 1 ? 'it' : 'them'})`);
  }

  // The default.
  if (liveDefault?.key !== wantKey) {
    const existing = live.find((v) => v.key === wantKey);
    if (existing) {
      ctx.plan({
        resource,
        action: 'update',
        detail: `make ${existing.id} the default version again: it holds the default document of ${ctx.versionName} (live default ${liveDefault?.id ?? 'none'})`,
        apply: () => makeDefault(iam, arn, wantKey, wanted!.Document, ctx.signal),
      });
    } else if (count >= MAX_POLICY_VERSIONS) {
      ctx.cannot(resource, `the default document of ${ctx.versionName} is not a live version, and a new one cannot be made: ${room()}${ctx.prune ? '' : `; --prune would first delete the versions ${ctx.versionName} does not have (${extra.map((v) => v.id).join(', ')})`}`);
    } else {
      count++;
      ctx.plan({
        resource,
        action: 'update',
        detail: `default document (live ${liveDefault?.id ?? 'none'}) is not a live version: a new version with the default document of ${ctx.versionName} is made the default`,
        apply: () => makeDefault(iam, arn, wantKey, wanted!.Document, ctx.signal),
      });
    }
  }
  if (ctx.prune && liveDefault && !archivedKeys.has(liveDefault.key)) {
    deletion(liveDefault);
    count--;
  }

  // The version's other versions.
  for (const v of missingOthers) {
    if (count >= MAX_POLICY_VERSIONS) {
      ctx.cannot(`${resource} version`, `${v.VersionId} of ${ctx.versionName} is not a live version and cannot be made: ${room()}${ctx.prune ? '' : ' (--prune deletes the versions the version does not have)'}`);
      continue;
    }
    count++;
    ctx.plan({ resource: `${resource} version`, action: 'create', detail: `${v.VersionId} of ${ctx.versionName} (not the default)`, apply: () => addVersion(iam, arn, v.Document, false, ctx.signal) });
  }
}

/** Adds a version with `doc` unless one holds it already (safe to re-run). */
async function addVersion(iam: IAMClient, arn: string, doc: unknown, asDefault: boolean, signal: AbortSignal): Promise<void> {
  const key = documentKey(doc);
  if ((await liveVersions(iam, arn, signal)).some((v) => v.key === key)) return;
  await iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: documentText(doc), SetAsDefault: asDefault }), { abortSignal: signal });
}

/** Makes the live version holding `doc` the default, creating it when none does (safe to re-run). Never deletes a version. */
async function makeDefault(iam: IAMClient, arn: string, key: string, doc: unknown, signal: AbortSignal): Promise<void> {
  const opts = { abortSignal: signal };
  const live = await liveVersions(iam, arn, signal);
  const holding = live.find((v) => v.key === key);
  if (holding?.isDefault) return;
  if (holding) {
    await iam.send(new SetDefaultPolicyVersionCommand({ PolicyArn: arn, VersionId: holding.id }), opts);
    return;
  }
  await iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: documentText(doc), SetAsDefault: true }), opts);
}
