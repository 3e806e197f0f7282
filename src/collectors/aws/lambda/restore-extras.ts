// The parts of a Lambda function around its code and configuration, restored as far as the
// API allows: aliases (to the live versions that stand for the ones they pointed at, see
// restore-versions.ts), reserved concurrency, function URL configs, resource-policy statements
// and tags, asynchronous invocation settings (retries, event age, destinations). What cannot
// be put back is left undone, and said so: provisioned concurrency (billed while allocated),
// event source mappings, permissions AddPermission cannot express. What the version does not name (an extra alias, statement or URL, a reservation)
// is removed only with ctx.prune; tags follow the version's tags.json as one set.
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
  ListFunctionEventInvokeConfigsCommand,
  ListProvisionedConcurrencyConfigsCommand,
  PutFunctionEventInvokeConfigCommand,
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
  type FunctionEventInvokeConfig,
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
import type { VersionResolver } from './restore-versions.js';

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
export async function planExtras(ctx: Ctx, t: FunctionTarget, live: GetFunctionResponse | null, versions: VersionResolver): Promise<void> {
  await planAliases(ctx, t, live !== null, versions);
  await planConcurrency(ctx, t, live);
  await planUrlConfigs(ctx, t, live !== null);
  await planPolicy(ctx, t, live !== null);
  await planTags(ctx, t, live);
  await planEventInvokeConfigs(ctx, t, live !== null, versions);
  await noteUnrestorable(ctx, t, live !== null);
}

// ---- aliases ------------------------------------------------------------------------------

interface AliasShape {
  FunctionVersion: string;
  Description: string;
  Weights: Record<string, number>;
}

const aliasShape = (a: AliasConfiguration): AliasShape => ({ FunctionVersion: a.FunctionVersion ?? '$LATEST', Description: a.Description ?? '', Weights: a.RoutingConfig?.AdditionalVersionWeights ?? {} });

async function planAliases(ctx: Ctx, t: FunctionTarget, exists: boolean, versions: VersionResolver): Promise<void> {
  const archived = (await ctx.version.json<{ Aliases?: AliasConfiguration[] }>(`${t.folder}/aliases.json`))?.Aliases ?? [];
  const opts = { abortSignal: ctx.signal };
  const liveAliases = exists
    ? await allPages(`${t.label} aliases`, async (Marker) => {
        const r = await t.client.send(new ListAliasesCommand({ FunctionName: t.name, Marker }), opts);
        return { items: r.Aliases, next: r.NextMarker };
      })
    : [];
  if (!archived.length && !(ctx.prune && liveAliases.length)) return;
  const byName = new Map(liveAliases.map((a) => [a.Name ?? '', a]));

  for (const alias of archived) {
    const aliasName = alias.Name ?? '';
    const archivedShape = aliasShape(alias);
    const states = [archivedShape.FunctionVersion, ...Object.keys(archivedShape.Weights)].map((v) => versions.state(v));
    const missing = states.find((s) => s.kind === 'missing');
    if (missing?.kind === 'missing') {
      ctx.cannot(`${t.label} alias ${aliasName}`, `not restored: ${missing.why}`);
      continue;
    }
    // The alias as the target should have it: the live numbers of the versions it pointed at.
    const known = (v: string) => {
      const s = versions.state(v);
      return s.kind === 'live' ? s.version : `pending:${v}`;
    };
    const want: AliasShape = { ...archivedShape, FunctionVersion: known(archivedShape.FunctionVersion), Weights: Object.fromEntries(Object.entries(archivedShape.Weights).map(([v, w]) => [known(v), w])) };
    const current = byName.get(aliasName);
    // Weights are sent when the version has some, or to clear live ones.
    const weighted = Object.keys(want.Weights).length > 0 || Object.keys(current ? aliasShape(current).Weights : {}).length > 0;
    const input = () => ({
      FunctionName: t.name,
      Name: aliasName,
      FunctionVersion: versions.final(archivedShape.FunctionVersion),
      Description: want.Description,
      ...(weighted ? { RoutingConfig: { AdditionalVersionWeights: Object.fromEntries(Object.entries(archivedShape.Weights).map(([v, w]) => [versions.final(v), w])) } } : {}),
    });
    const to = want.FunctionVersion.startsWith('pending:') ? `the re-published version ${archivedShape.FunctionVersion}` : `version ${want.FunctionVersion}`;
    if (!current) {
      ctx.plan({
        resource: `${t.label} alias ${aliasName}`,
        action: 'create',
        detail: `→ ${to}`,
        apply: async () => {
          try {
            await t.client.send(new CreateAliasCommand(input()), { abortSignal: ctx.signal });
          } catch (err) {
            if (awsErrorName(err) !== 'ResourceConflictException') throw err;
            await t.client.send(new UpdateAliasCommand(input()), { abortSignal: ctx.signal });
          }
        },
      });
      continue;
    }
    const have = aliasShape(current);
    if (stableKey(have) === stableKey(want)) continue;
    const parts = [
      have.FunctionVersion !== want.FunctionVersion ? `version ${have.FunctionVersion} → ${to.replace(/^version /, '')}` : '',
      have.Description !== want.Description ? 'Description changed' : '',
      stableKey(have.Weights) !== stableKey(want.Weights) ? 'routing weights changed' : '',
    ];
    ctx.plan({ resource: `${t.label} alias ${aliasName}`, action: 'update', detail: parts.filter(Boolean).join(', '), apply: async () => void (await t.client.send(new UpdateAliasCommand(input()), { abortSignal: ctx.signal })) });
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
    // Left alone, but only a difference when the live function does not have the same allocations.
    const requested = (c: { FunctionArn?: string; RequestedProvisionedConcurrentExecutions?: number }) => `${c.FunctionArn?.split(':')[7] ?? ''}=${c.RequestedProvisionedConcurrentExecutions ?? 0}`;
    const want = (archived.ProvisionedConcurrencyConfigs as { FunctionArn?: string; RequestedProvisionedConcurrentExecutions?: number }[]).map(requested).sort();
    const have = live
      ? await allPages(`${t.label} provisioned concurrency`, async (Marker) => {
          const r = await t.client.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: t.name, Marker }), { abortSignal: ctx.signal });
          return { items: r.ProvisionedConcurrencyConfigs, next: r.NextMarker };
        }).then((l) => l.map(requested).sort(), () => null)
      : [];
    if (!have || stableKey(have) !== stableKey(want)) ctx.cannot(`${t.label} concurrency`, 'provisioned concurrency is not restored (it is billed while allocated): set it again from concurrency.json if it is wanted');
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
      ctx.cannot(resource, `not restored: ${input}; policy.json holds the statement`);
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

// ---- asynchronous invocation ----------------------------------------------------------------

const invokeShape = (c: FunctionEventInvokeConfig) => ({ MaximumRetryAttempts: c.MaximumRetryAttempts ?? null, MaximumEventAgeInSeconds: c.MaximumEventAgeInSeconds ?? null, DestinationConfig: c.DestinationConfig ?? null });
/** The qualifier of a config ("$LATEST", an alias or a version number), from its qualified FunctionArn. */
const qualifierOf = (c: FunctionEventInvokeConfig) => c.FunctionArn?.split(':')[7] ?? '$LATEST';

async function planEventInvokeConfigs(ctx: Ctx, t: FunctionTarget, exists: boolean, versions: VersionResolver): Promise<void> {
  const archived = (await ctx.version.json<{ FunctionEventInvokeConfigs?: FunctionEventInvokeConfig[] }>(`${t.folder}/event_invoke_configs.json`))?.FunctionEventInvokeConfigs ?? [];
  if (!archived.length) return;
  const live = exists
    ? await allPages(`${t.label} asynchronous invocation`, async (Marker) => {
        const r = await t.client.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: t.name, Marker }), { abortSignal: ctx.signal });
        return { items: r.FunctionEventInvokeConfigs, next: r.NextMarker };
      })
    : [];
  const byQualifier = new Map(live.map((c) => [qualifierOf(c), c]));
  for (const c of archived) {
    const archivedQualifier = qualifierOf(c);
    // A config on a published version follows the version to its live number.
    const numbered = /^\d+$/.test(archivedQualifier);
    const state = numbered ? versions.state(archivedQualifier) : null;
    const resource = `${t.label} asynchronous invocation${archivedQualifier === '$LATEST' ? '' : ` (${archivedQualifier})`}`;
    if (state?.kind === 'missing') {
      ctx.cannot(resource, `not restored: ${state.why}`);
      continue;
    }
    const current = state?.kind === 'live' ? byQualifier.get(state.version) : state ? undefined : byQualifier.get(archivedQualifier);
    if (current && stableKey(invokeShape(current)) === stableKey(invokeShape(c))) continue;
    ctx.plan({
      resource,
      action: current ? 'update' : 'create',
      detail: `retries ${c.MaximumRetryAttempts ?? 'default'}, maximum event age ${c.MaximumEventAgeInSeconds ?? 'default'}${c.DestinationConfig?.OnFailure?.Destination || c.DestinationConfig?.OnSuccess?.Destination ? ', destinations' : ''}`,
      apply: async () => {
        const qualifier = numbered ? versions.final(archivedQualifier) : archivedQualifier;
        await t.client.send(
          new PutFunctionEventInvokeConfigCommand({
            FunctionName: t.name,
            ...(qualifier !== '$LATEST' ? { Qualifier: qualifier } : {}),
            ...(c.MaximumRetryAttempts !== undefined ? { MaximumRetryAttempts: c.MaximumRetryAttempts } : {}),
            ...(c.MaximumEventAgeInSeconds !== undefined ? { MaximumEventAgeInSeconds: c.MaximumEventAgeInSeconds } : {}),
            ...(c.DestinationConfig ? { DestinationConfig: c.DestinationConfig } : {}),
          }),
          { abortSignal: ctx.signal },
        );
      },
    });
  }
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
      ctx.cannot(`${t.label} event source mappings`, `${missing.length} of the version's event source mappings are missing live and are not re-created by snap (a stream or queue ARN may have changed since); event_source_mappings.json holds their settings`);
    }
  }
}
