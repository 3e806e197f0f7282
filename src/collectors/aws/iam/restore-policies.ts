// Policy documents and customer managed policies for an IAM restore.
//
// Documents are compared as the collector archives them: parsed, with the values IAM treats
// as sets sorted (policy-document.ts), so a live document that says the same in another
// order is not a difference. A customer managed policy the version holds is created when it
// is missing (same name and path, so its ARN is the one the principals attach), or gets a new
// default version when its live default document differs; IAM keeps at most five versions,
// so the oldest version that is not the default is deleted first when five exist. AWS
// managed policies cannot be changed: they are only attached.
import {
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  DeletePolicyVersionCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  ListPolicyVersionsCommand,
  TagPolicyCommand,
  UntagPolicyCommand,
  type IAMClient,
  type Tag,
} from '@aws-sdk/client-iam';
import { normalize } from '../../../normalize/rules.js';
import { stableKey } from '../../../normalize/stable-json.js';
import type { RestoreContext } from '../../../restore/types.js';
import { unlessNotFound } from '../shared/restore-reads.js';
import type { IamConfig } from './config.js';
import type { ManagedPolicyRecord } from './managed-policies.js';
import { parsePolicyDocument, policyDocumentSortRules } from './policy-document.js';

type Ctx = RestoreContext<IamConfig>;

const documentRules = { sortBy: policyDocumentSortRules };

/** A document's identity for comparison: parsed, sets sorted, canonical JSON. */
export function documentKey(doc: unknown): string {
  const parsed = typeof doc === 'string' ? parsePolicyDocument(doc) : doc;
  return stableKey(normalize(parsed ?? null, documentRules));
}

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
      ctx.note(resource, 'the version holds no document for this policy: it is not restored');
      state.set(arn, (await unlessNotFound(() => iam.send(new GetPolicyCommand({ PolicyArn: arn }), opts))) ? 'exists' : 'missing');
      continue;
    }
    const live = (await unlessNotFound(() => iam.send(new GetPolicyCommand({ PolicyArn: arn }), opts)))?.Policy;
    if (!live) {
      state.set(arn, 'created');
      ctx.plan({
        resource,
        action: 'create',
        detail: `missing: path ${record.Path ?? '/'}${record.Tags?.length ? `, ${record.Tags.length} tag${record.Tags.length === 1 ? '' : 's'}` : ''}`,
        apply: async () => {
          const exists = await unlessNotFound(() => iam.send(new GetPolicyCommand({ PolicyArn: arn }), opts));
          if (exists) return;
          await iam.send(
            new CreatePolicyCommand({
              PolicyName: name,
              Path: record.Path ?? '/',
              PolicyDocument: documentText(record.Document),
              ...(record.Description ? { Description: record.Description } : {}),
              ...(record.Tags?.length ? { Tags: record.Tags } : {}),
            }),
            opts,
          );
        },
      });
      continue;
    }
    state.set(arn, 'exists');
    const liveDoc = live.DefaultVersionId ? (await iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: live.DefaultVersionId }), opts)).PolicyVersion?.Document : undefined;
    if (documentKey(liveDoc) !== documentKey(record.Document)) {
      ctx.plan({
        resource,
        action: 'update',
        detail: `default document (${live.DefaultVersionId ?? 'none'}) differs: a new default version is made`,
        apply: () => setDefaultDocument(iam, arn, record.Document, ctx.signal),
      });
    }
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

/** Makes `doc` the policy's default version, unless it already is (safe to re-run). */
async function setDefaultDocument(iam: IAMClient, arn: string, doc: unknown, signal: AbortSignal): Promise<void> {
  const opts = { abortSignal: signal };
  const versions = (await iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn }), opts)).Versions ?? [];
  const current = versions.find((v) => v.IsDefaultVersion);
  if (current?.VersionId) {
    const text = (await iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: current.VersionId }), opts)).PolicyVersion?.Document;
    if (documentKey(text) === documentKey(doc)) return;
  }
  if (versions.length >= MAX_POLICY_VERSIONS) {
    const oldest = versions.filter((v) => !v.IsDefaultVersion).sort((a, b) => (a.CreateDate?.getTime() ?? 0) - (b.CreateDate?.getTime() ?? 0))[0];
    if (oldest?.VersionId) await iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: oldest.VersionId }), opts);
  }
  await iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: documentText(doc), SetAsDefault: true }), opts);
}
