// The parts of a Lambda function around its code and configuration, restored as far as the
// API allows: aliases (to published versions that still exist with the version's code),
// reserved concurrency, function URL configs, resource-policy statements and tags. What cannot
// be put back is noted: published versions (Lambda numbers them itself), provisioned
// concurrency, event source mappings and asynchronous invocation settings. What the version
// does not name (an extra alias, statement or URL, a reservation) is removed only with
// ctx.prune; tags follow the version's tags.json as one set.
import {
  AddPermissionCommand,
  CreateAliasCommand,
  CreateFunctionUrlConfigCommand,
  DeleteAliasCommand,
  DeleteFunctionConcurrencyCommand,
  DeleteFunctionUrlConfigCommand,
  GetFunctionUrlConfigCommand,
  GetPolicyCommand,
  ListAliasesCommand,
  ListEventSourceMappingsCommand,
  ListVersionsByFunctionCommand,
  PutFunctionConcurrencyCommand,
  RemovePermissionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAliasCommand,
  UpdateFunctionUrlConfigCommand,
  type AddPermissionCommandInput,
  type AliasConfiguration,
  type Cors,
  type EventSourceMappingConfiguration,
  type FunctionConfiguration,
  type FunctionUrlAuthType,
  type GetFunctionResponse,
  type InvokeMode,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { stableKey } from '../../../normalize/stable-json.js';
import type { RestoreContext } from '../../../restore/types.js';
import { awsErrorName } from '../shared/errors.js';
import type { LambdaConfig } from './config.js';
import { unqualified } from './function.js';
import { allPages } from './paginate.js';
import { waitUntilReady } from './restore-ready.js';
import { unlessNotFound } from '../shared/restore-reads.js';

type Ctx = RestoreContext<LambdaConfig>;

export interface FunctionTarget {
  folder: string;
  /** the live function's name (the original, or its rename) */
  name: string;
  region: string;
  client: LambdaClient;
  /** how the plan names the function: "lambda orders-api" */
  label: string;
}

/** Plans every part below; `live` is null for a function the plan creates. */
export async function planExtras(ctx: Ctx, t: FunctionTarget, live: GetFunctionResponse | null): Promise<void> {
  await planAliases(ctx, t, live !== null);
  await planConcurrency(ctx, t, live);
  await planUrlConfigs(ctx, t, live !== null);
  await planPolicy(ctx, t, live !== null);
  await planTags(ctx, t, live);
  await noteUnrestorable(ctx, t, live !== null);
}

// ---- aliases ------------------------------------------------------------------------------

interface AliasShape {
  FunctionVersion: string;
  Description: string;
  Weights: Record<string, number>;
}

const aliasShape = (a: AliasConfiguration): AliasShape => ({ FunctionVersion: a.FunctionVersion ?? '$LATEST', Description: a.Description ?? '', Weights: a.RoutingConfig?.AdditionalVersionWeights ?? {} });

async function planAliases(ctx: Ctx, t: FunctionTarget, exists: boolean): Promise<void> {
  const archived = (await ctx.version.json<{ Aliases?: AliasConfiguration[] }>(`${t.folder}/aliases.json`))?.Aliases ?? [];
  const opts = { abortSignal: ctx.signal };
  const liveAliases = exists
    ? await allPages(`${t.label} aliases`, async (Marker) => {
        const r = await t.client.send(new ListAliasesCommand({ FunctionName: t.name, Marker }), opts);
        return { items: r.Aliases, next: r.NextMarker };
      })
    : [];
  if (!archived.length && !(ctx.prune && liveAliases.length)) return;
  const liveVersions = new Map<string, string | undefined>();
  if (exists) {
    const versions = await allPages(`${t.label} versions`, async (Marker) => {
      const r = await t.client.send(new ListVersionsByFunctionCommand({ FunctionName: t.name, Marker }), opts);
      return { items: r.Versions, next: r.NextMarker };
    });
    for (const v of versions) if (v.Version) liveVersions.set(v.Version, v.CodeSha256);
  }
  const archivedVersions = new Map(((await ctx.version.json<{ Versions?: FunctionConfiguration[] }>(`${t.folder}/versions.json`))?.Versions ?? []).map((v) => [v.Version ?? '', v.CodeSha256]));
  const byName = new Map(liveAliases.map((a) => [a.Name ?? '', a]));

  // A published version is usable only when it exists live and holds the version's code:
  // Lambda numbers versions itself, so a re-created function's "1" is another publication.
  const unusable = (v: string): string | null => {
    if (v === '$LATEST') return null;
    if (!liveVersions.has(v)) return `version ${v} does not exist live`;
    const want = archivedVersions.get(v);
    if (want && liveVersions.get(v) !== want) return `version ${v} live holds other code than the version's`;
    return null;
  };

  for (const alias of archived) {
    const aliasName = alias.Name ?? '';
    const want = aliasShape(alias);
    const problem = [want.FunctionVersion, ...Object.keys(want.Weights)].map(unusable).find((p) => p !== null);
    if (problem) {
      ctx.note(`${t.label} alias ${aliasName}`, `not restored: ${problem} (Lambda numbers published versions itself, so they cannot be re-created under their numbers; versions/${want.FunctionVersion}/code.zip holds the code it served, when archived)`);
      continue;
    }
    const current = byName.get(aliasName);
    // Weights are sent when the version has some, or to clear live ones.
    const weighted = Object.keys(want.Weights).length > 0 || Object.keys(current ? aliasShape(current).Weights : {}).length > 0;
    const input = { FunctionName: t.name, Name: aliasName, FunctionVersion: want.FunctionVersion, Description: want.Description, ...(weighted ? { RoutingConfig: { AdditionalVersionWeights: want.Weights } } : {}) };
    if (!current) {
      ctx.plan({
        resource: `${t.label} alias ${aliasName}`,
        action: 'create',
        detail: `→ version ${want.FunctionVersion}`,
        apply: async () => {
          try {
            await t.client.send(new CreateAliasCommand(input), { abortSignal: ctx.signal });
          } catch (err) {
            if (awsErrorName(err) !== 'ResourceConflictException') throw err;
            await t.client.send(new UpdateAliasCommand(input), { abortSignal: ctx.signal });
          }
        },
      });
      continue;
    }
    const have = aliasShape(current);
    if (stableKey(have) === stableKey(want)) continue;
    const parts = [
      have.FunctionVersion !== want.FunctionVersion ? `version ${have.FunctionVersion} → ${want.FunctionVersion}` : '',
      have.Description !== want.Description ? 'Description changed' : '',
      stableKey(have.Weights) !== stableKey(want.Weights) ? 'routing weights changed' : '',
    ];
    ctx.plan({ resource: `${t.label} alias ${aliasName}`, action: 'update', detail: parts.filter(Boolean).join(', '), apply: async () => void (await t.client.send(new UpdateAliasCommand(input), { abortSignal: ctx.signal })) });
  }
  if (ctx.prune) {
    const named = new Set(archived.map((a) => a.Name));
    for (const a of liveAliases) {
      if (named.has(a.Name)) continue;
      ctx.plan({
        resource: `${t.label} alias ${a.Name}`,
        action: 'delete',
        detail: `not in ${ctx.versionName}`,
        apply: async () => void (await unlessNotFound(() => t.client.send(new DeleteAliasCommand({ FunctionName: t.name, Name: a.Name }), { abortSignal: ctx.signal }))),
      });
    }
  }
}

// ---- concurrency ----------------------------------------------------------------------------

async function planConcurrency(ctx: Ctx, t: FunctionTarget, live: GetFunctionResponse | null): Promise<void> {
  const archived = await ctx.version.json<{ ReservedConcurrentExecutions?: number; ProvisionedConcurrencyConfigs?: unknown[] }>(`${t.folder}/concurrency.json`);
  const want = archived?.ReservedConcurrentExecutions;
  const have = live?.Concurrency?.ReservedConcurrentExecutions;
  if (archived?.ProvisionedConcurrencyConfigs?.length) {
    ctx.note(`${t.label} concurrency`, 'provisioned concurrency is not restored (it is billed while allocated): set it again from concurrency.json if it is wanted');
  }
  if (want !== undefined && want !== have) {
    ctx.plan({
      resource: `${t.label} concurrency`,
      action: have === undefined ? 'create' : 'update',
      detail: `reserved concurrency ${have ?? 'none'} → ${want}`,
      apply: async () => void (await t.client.send(new PutFunctionConcurrencyCommand({ FunctionName: t.name, ReservedConcurrentExecutions: want }), { abortSignal: ctx.signal })),
    });
  } else if (want === undefined && have !== undefined && ctx.prune) {
    ctx.plan({
      resource: `${t.label} concurrency`,
      action: 'delete',
      detail: `reserved concurrency ${have} → none`,
      apply: async () => void (await t.client.send(new DeleteFunctionConcurrencyCommand({ FunctionName: t.name }), { abortSignal: ctx.signal })),
    });
  }
}

// ---- function URLs --------------------------------------------------------------------------

interface UrlShape {
  AuthType: string;
  InvokeMode: string;
  Cors: Record<string, unknown>;
}

interface UrlRecord {
  Qualifier?: string;
  AuthType?: string;
  InvokeMode?: string;
  Cors?: Cors;
  FunctionUrl?: string;
}

function urlShape(u: UrlRecord): UrlShape {
  const cors: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(u.Cors ?? {})) {
    if (v === undefined || v === null) continue;
    cors[k] = Array.isArray(v) ? [...(v as string[])].sort() : v;
  }
  return { AuthType: u.AuthType ?? 'NONE', InvokeMode: u.InvokeMode ?? 'BUFFERED', Cors: cors };
}

async function planUrlConfigs(ctx: Ctx, t: FunctionTarget, exists: boolean): Promise<void> {
  const archived = (await ctx.version.json<{ UrlConfigs?: UrlRecord[] }>(`${t.folder}/url_configs.json`))?.UrlConfigs ?? [];
  const read = (qualifier: string | undefined) => (exists ? unlessNotFound(() => t.client.send(new GetFunctionUrlConfigCommand({ FunctionName: t.name, Qualifier: qualifier }), { abortSignal: ctx.signal })) : Promise.resolve(null));
  for (const u of archived) {
    const qualifier = u.Qualifier;
    const resource = `${t.label} URL${qualifier ? ` (${qualifier})` : ''}`;
    const want = urlShape(u);
    const input = { FunctionName: t.name, Qualifier: qualifier, AuthType: want.AuthType as FunctionUrlAuthType, InvokeMode: want.InvokeMode as InvokeMode, Cors: want.Cors as Cors };
    const current = await read(qualifier);
    if (!current) {
      ctx.plan({
        resource,
        action: 'create',
        detail: `AuthType ${want.AuthType}; a new URL (its address differs from the version's)`,
        apply: async () => {
          try {
            await t.client.send(new CreateFunctionUrlConfigCommand(input), { abortSignal: ctx.signal });
          } catch (err) {
            if (awsErrorName(err) !== 'ResourceConflictException') throw err;
            await t.client.send(new UpdateFunctionUrlConfigCommand(input), { abortSignal: ctx.signal });
          }
        },
      });
      continue;
    }
    const have = urlShape(current as UrlRecord);
    if (stableKey(have) === stableKey(want)) continue;
    const parts = (['AuthType', 'InvokeMode'] as const).filter((k) => have[k] !== want[k]).map((k) => `${k} ${have[k]} → ${want[k]}`);
    if (stableKey(have.Cors) !== stableKey(want.Cors)) parts.push('Cors changed');
    ctx.plan({ resource, action: 'update', detail: parts.join(', '), apply: async () => void (await t.client.send(new UpdateFunctionUrlConfigCommand(input), { abortSignal: ctx.signal })) });
  }
  if (ctx.prune && exists && !archived.some((u) => !u.Qualifier)) {
    const current = await read(undefined);
    if (current) {
      ctx.plan({
        resource: `${t.label} URL`,
        action: 'delete',
        detail: `not in ${ctx.versionName}`,
        apply: async () => void (await unlessNotFound(() => t.client.send(new DeleteFunctionUrlConfigCommand({ FunctionName: t.name }), { abortSignal: ctx.signal }))),
      });
    }
  }
}

// ---- resource policy ------------------------------------------------------------------------

interface Statement {
  Sid?: string;
  Effect?: string;
  Principal?: string | { Service?: string; AWS?: string };
  Action?: string | string[];
  Resource?: string;
  Condition?: Record<string, Record<string, string>>;
}

/** The AddPermission call that makes `s`, or why there is none. */
export function permissionInput(s: Statement, functionName: string): AddPermissionCommandInput | string {
  if (s.Effect !== 'Allow') return 'AddPermission makes only Allow statements';
  const action = Array.isArray(s.Action) ? (s.Action.length === 1 ? s.Action[0] : undefined) : s.Action;
  if (!action) return 'a statement with several actions has no AddPermission form';
  const p = s.Principal;
  const principal = p === '*' ? '*' : typeof p === 'object' ? (p.Service ?? p.AWS) : undefined;
  if (!principal || (typeof p === 'object' && Object.keys(p).length !== 1)) return 'its principal has no AddPermission form';
  const input: AddPermissionCommandInput = { FunctionName: functionName, StatementId: s.Sid, Action: action, Principal: principal };
  const qualifier = s.Resource?.split(':')[7];
  if (qualifier) input.Qualifier = qualifier;
  const conditions: Record<string, (v: string) => void> = {
    'AWS:SourceArn': (v) => (input.SourceArn = v),
    'AWS:SourceAccount': (v) => (input.SourceAccount = v),
    'lambda:EventSourceToken': (v) => (input.EventSourceToken = v),
    'aws:PrincipalOrgID': (v) => (input.PrincipalOrgID = v),
    'lambda:FunctionUrlAuthType': (v) => (input.FunctionUrlAuthType = v as FunctionUrlAuthType),
  };
  for (const [operator, pairs] of Object.entries(s.Condition ?? {})) {
    for (const [key, value] of Object.entries(pairs)) {
      const set = conditions[key];
      if (!set || !['ArnLike', 'ArnEquals', 'StringEquals'].includes(operator) || typeof value !== 'string') return `its condition ${operator} ${key} has no AddPermission form`;
      set(value);
    }
  }
  return input;
}

/** A statement without the function's own ARN (a renamed function has another), for comparing. */
function statementShape(s: Statement): unknown {
  const { Resource, ...rest } = s;
  return { ...rest, Qualifier: Resource?.split(':')[7] ?? null };
}

async function livePolicy(ctx: Ctx, t: FunctionTarget): Promise<Statement[]> {
  const r = await unlessNotFound(() => t.client.send(new GetPolicyCommand({ FunctionName: t.name }), { abortSignal: ctx.signal }));
  if (!r?.Policy) return [];
  try {
    return (JSON.parse(r.Policy) as { Statement?: Statement[] }).Statement ?? [];
  } catch {
    return [];
  }
}

async function planPolicy(ctx: Ctx, t: FunctionTarget, exists: boolean): Promise<void> {
  const archived = (await ctx.version.json<{ Statement?: Statement[] }>(`${t.folder}/policy.json`))?.Statement ?? [];
  const live = exists ? await livePolicy(ctx, t) : [];
  const bySid = new Map(live.map((s) => [s.Sid ?? '', s]));
  const remove = (sid: string) => unlessNotFound(() => t.client.send(new RemovePermissionCommand({ FunctionName: t.name, StatementId: sid }), { abortSignal: ctx.signal }));
  for (const s of archived) {
    const sid = s.Sid ?? '';
    const resource = `${t.label} permission ${sid}`;
    const current = bySid.get(sid);
    if (current && stableKey(statementShape(current)) === stableKey(statementShape(s))) continue;
    const input = permissionInput(s, t.name);
    if (typeof input === 'string') {
      ctx.note(resource, `not restored: ${input}; policy.json holds the statement`);
      continue;
    }
    ctx.plan({
      resource,
      action: current ? 'update' : 'create',
      detail: `${input.Principal} may ${input.Action}${input.SourceArn ? ` from ${input.SourceArn}` : ''}`,
      apply: async () => {
        // A statement cannot be changed in place: it is removed and added again.
        await remove(sid);
        await waitUntilReady(t.client, t.name, ctx.signal);
        await t.client.send(new AddPermissionCommand(input), { abortSignal: ctx.signal });
      },
    });
  }
  if (ctx.prune) {
    const named = new Set(archived.map((s) => s.Sid));
    for (const s of live) {
      if (named.has(s.Sid)) continue;
      ctx.plan({ resource: `${t.label} permission ${s.Sid}`, action: 'delete', detail: `not in ${ctx.versionName}`, apply: async () => void (await remove(s.Sid ?? '')) });
    }
  }
}

// ---- tags -----------------------------------------------------------------------------------

async function planTags(ctx: Ctx, t: FunctionTarget, live: GetFunctionResponse | null): Promise<void> {
  const file = await ctx.version.json<{ Tags?: Record<string, string> }>(`${t.folder}/tags.json`);
  if (!live) return; // tags are given to CreateFunction
  const want = file?.Tags ?? {};
  // aws: tags belong to AWS (CloudFormation and the like) and cannot be set or removed.
  const have = Object.fromEntries(Object.entries(live.Tags ?? {}).filter(([k]) => !k.startsWith('aws:')));
  const set = Object.fromEntries(Object.entries(want).filter(([k, v]) => have[k] !== v && !k.startsWith('aws:')));
  const removeKeys = file || ctx.prune ? Object.keys(have).filter((k) => !(k in want)) : [];
  if (!Object.keys(set).length && !removeKeys.length) return;
  const arn = unqualified(live.Configuration!.FunctionArn!);
  const detail = [...Object.keys(set).map((k) => `${k in have ? '~' : '+'}${k}`), ...removeKeys.map((k) => `-${k}`)].join(' ');
  ctx.plan({
    resource: `${t.label} tags`,
    action: 'update',
    detail: `tags ${detail}`,
    apply: async () => {
      if (Object.keys(set).length) await t.client.send(new TagResourceCommand({ Resource: arn, Tags: set }), { abortSignal: ctx.signal });
      if (removeKeys.length) await t.client.send(new UntagResourceCommand({ Resource: arn, TagKeys: removeKeys }), { abortSignal: ctx.signal });
    },
  });
}

// ---- what is not restored -------------------------------------------------------------------

async function noteUnrestorable(ctx: Ctx, t: FunctionTarget, exists: boolean): Promise<void> {
  const mappings = (await ctx.version.json<{ EventSourceMappings?: EventSourceMappingConfiguration[] }>(`${t.folder}/event_source_mappings.json`))?.EventSourceMappings ?? [];
  if (mappings.length) {
    const live = exists
      ? await allPages(`${t.label} event source mappings`, async (Marker) => {
          const r = await t.client.send(new ListEventSourceMappingsCommand({ FunctionName: t.name, Marker }), { abortSignal: ctx.signal });
          return { items: r.EventSourceMappings, next: r.NextMarker };
        })
      : [];
    const sources = new Set(live.map((m) => m.EventSourceArn));
    const missing = mappings.filter((m) => !sources.has(m.EventSourceArn));
    if (missing.length) {
      ctx.note(`${t.label} event source mappings`, `${missing.length} of the version's event source mappings are missing live and are not re-created by snap (a stream or queue ARN may have changed since); event_source_mappings.json holds their settings`);
    }
  }
  if (await ctx.version.entry(`${t.folder}/event_invoke_configs.json`)) {
    ctx.note(`${t.label} asynchronous invocation`, 'retry and destination settings are not restored by snap; event_invoke_configs.json holds them');
  }
}
