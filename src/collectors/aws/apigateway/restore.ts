// Restoring API Gateway REST APIs (apigateway/<region>/<name>.<id>/) to what a version holds.
// Per API, in this order:
//
//   settings     description, binary media types, resource policy, API key source, minimum
//                compression size, execute-api endpoint switch (UpdateRestApi), and tags
//   definition   authorizers, resources, methods and integrations (restore-definition.ts)
//   stages       deployment, variables and settings of each stage (restore-stages.ts)
//
// A missing API is created (CreateRestApi, then its definition and a deployment per stage) in
// one step. It gets a new id, so its folder name and resource ids differ from the version's; a
// later plan finds it by name (when exactly one API of the region has it) and brings it to the
// version instead of creating another.
//
// Not restored, because the archive does not hold them: models, request validators, gateway
// responses, documentation parts, usage plans, API keys, custom domain names and base path
// mappings, VPC links, client certificates. HTTP and WebSocket APIs (API Gateway v2) are not
// archived at all. The selection picks APIs ("us-east-1", "us-east-1/orders-api.abc123");
// a path inside an API folder restores that whole API.
import {
  APIGatewayClient,
  CreateRestApiCommand,
  GetRestApiCommand,
  GetRestApisCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateRestApiCommand,
  type Authorizer,
  type PatchOperation,
  type Resource,
  type RestApi,
} from '@aws-sdk/client-api-gateway';
import { normalize } from '../../../normalize/rules.js';
import { stableKey } from '../../../normalize/stable-json.js';
import type { RestoreContext } from '../../../restore/types.js';
import type { ApigatewayConfig } from './config.js';
import { allPages } from './paging.js';
import { describeStep, diffDefinition, extraPaths, readLiveDefinition, runStep, type ArchivedDefinition } from './restore-definition.js';
import { archivedStages, deployStage, planStages, stageVariables, type ApiTarget } from './restore-stages.js';
import { parseResourcePolicy } from './rest-api.js';
import { restApiRules } from './rules.js';
import { unlessNotFound } from '../shared/restore-reads.js';

type Ctx = RestoreContext<ApigatewayConfig>;
type ArchivedApi = Omit<RestApi, 'policy'> & { policy?: unknown };

/** API folders ("<region>/<name>.<id>") the selection names. */
async function selectedApis(ctx: Ctx): Promise<string[]> {
  const all: string[] = [];
  for (const region of await ctx.version.list()) {
    if (region.mode !== '40000') continue;
    for (const api of await ctx.version.list(region.name)) if (api.mode === '40000') all.push(`${region.name}/${api.name}`);
  }
  if (!ctx.selection.length) return all;
  return all.filter((folder) => ctx.selection.some((s) => folder === s || folder.startsWith(`${s}/`) || s.startsWith(`${folder}/`)));
}

async function archivedDefinition(ctx: Ctx, folder: string): Promise<ArchivedDefinition | null> {
  const resources = (await ctx.version.json<{ resources?: Resource[] }>(`${folder}/resources.json`))?.resources;
  if (!resources) return null;
  const authorizers = (await ctx.version.json<{ authorizers?: Authorizer[] }>(`${folder}/authorizers.json`))?.authorizers ?? [];
  return { resources, authorizers };
}

/** JSON Pointer escaping for patch paths: "image/png" → "image~1png". */
const pointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

interface SettingsDiff {
  ops: PatchOperation[];
  parts: string[];
}

/** UpdateRestApi operations that bring the live settings to the version's. */
export function settingsDiff(archived: ArchivedApi, live: ArchivedApi): SettingsDiff {
  const want = normalize(archived, restApiRules) as ArchivedApi;
  const have = normalize({ ...live, policy: typeof live.policy === 'string' ? parseResourcePolicy(live.policy) : live.policy }, restApiRules) as ArchivedApi;
  const ops: PatchOperation[] = [];
  const parts: string[] = [];
  if ((want.description ?? '') !== (have.description ?? '')) {
    ops.push({ op: 'replace', path: '/description', value: want.description ?? '' });
    parts.push('description changed');
  }
  const wantTypes = want.binaryMediaTypes ?? [];
  const haveTypes = have.binaryMediaTypes ?? [];
  for (const t of wantTypes.filter((x) => !haveTypes.includes(x))) ops.push({ op: 'add', path: `/binaryMediaTypes/${pointer(t)}`, value: t });
  for (const t of haveTypes.filter((x) => !wantTypes.includes(x))) ops.push({ op: 'remove', path: `/binaryMediaTypes/${pointer(t)}`, value: t });
  if (stableKey(wantTypes) !== stableKey(haveTypes)) parts.push(`binaryMediaTypes ${[...wantTypes.filter((x) => !haveTypes.includes(x)).map((x) => `+${x}`), ...haveTypes.filter((x) => !wantTypes.includes(x)).map((x) => `-${x}`)].join(' ')}`);
  if (want.policy !== undefined && stableKey(want.policy) !== stableKey(have.policy ?? null)) {
    ops.push({ op: 'replace', path: '/policy', value: typeof want.policy === 'string' ? want.policy : JSON.stringify(want.policy) });
    parts.push('resource policy changed');
  }
  for (const field of ['apiKeySource', 'minimumCompressionSize', 'disableExecuteApiEndpoint'] as const) {
    if (want[field] !== undefined && want[field] !== have[field]) {
      ops.push({ op: 'replace', path: `/${field}`, value: String(want[field]) });
      parts.push(`${field} ${have[field] ?? 'none'} → ${want[field]}`);
    }
  }
  return { ops, parts };
}

const apiArn = (region: string, id: string) => `arn:aws:apigateway:${region}::/restapis/${id}`;

/** The live API a version's API is restored into: by id, else the one API of the region by its name. */
async function findLive(ctx: Ctx, client: APIGatewayClient, id: string, name: string, label: string): Promise<RestApi | null> {
  const byId = await unlessNotFound(() => client.send(new GetRestApiCommand({ restApiId: id }), { abortSignal: ctx.signal }));
  if (byId) return byId;
  const all = await allPages((position) => client.send(new GetRestApisCommand({ limit: 500, position }), { abortSignal: ctx.signal }));
  const same = all.filter((a) => a.name === name);
  if (same.length === 1) {
    ctx.note(label, `${id} no longer exists; the one API named ${name} in the region, ${same[0]!.id}, is brought to the version (restored earlier, or made again by hand)`);
    return same[0]!;
  }
  if (same.length > 1) ctx.note(label, `${id} no longer exists and ${same.length} APIs are named ${name}: a new one is created (rename or delete the others to restore into one of them)`);
  return null;
}

export async function restoreApigateway(ctx: Ctx): Promise<void> {
  for (const folder of await selectedApis(ctx)) await planApi(ctx, folder);
}

async function planApi(ctx: Ctx, folder: string): Promise<void> {
  const region = folder.split('/')[0]!;
  const archived = await ctx.version.json<ArchivedApi>(`${folder}/api.json`);
  if (!archived?.id || !archived.name) {
    ctx.cannot(`apigateway/${folder}`, 'the version holds no api.json for it: nothing to restore');
    return;
  }
  const client = ctx.aws.get(APIGatewayClient, region);
  const opts = { abortSignal: ctx.signal };
  const name = ctx.rename.get(archived.name) ?? archived.name;
  const definition = await archivedDefinition(ctx, folder);
  const live = await findLive(ctx, client, ctx.rename.get(archived.id) ?? archived.id, name, `apigateway ${name} (${archived.id})`);

  if (!live?.id) {
    await planCreate(ctx, client, folder, { ...archived, name }, definition);
    return;
  }
  const t: ApiTarget = { folder, name, id: live.id, client, label: `apigateway ${name} (${live.id})` };

  const settings = settingsDiff(archived, live);
  if (settings.ops.length) {
    ctx.plan({ resource: t.label, action: 'update', detail: settings.parts.join(', '), apply: async () => void (await client.send(new UpdateRestApiCommand({ restApiId: t.id, patchOperations: settings.ops }), opts)) });
  }
  const wantTags = archived.tags ?? {};
  const haveTags = Object.fromEntries(Object.entries(live.tags ?? {}).filter(([k]) => !k.startsWith('aws:')));
  const setTags = Object.fromEntries(Object.entries(wantTags).filter(([k, v]) => haveTags[k] !== v));
  const dropTags = Object.keys(haveTags).filter((k) => !(k in wantTags));
  if (Object.keys(setTags).length || dropTags.length) {
    ctx.plan({
      resource: `${t.label} tags`,
      action: 'update',
      detail: `tags ${[...Object.keys(setTags).map((k) => `${k in haveTags ? '~' : '+'}${k}`), ...dropTags.map((k) => `-${k}`)].join(' ')}`,
      apply: async () => {
        if (Object.keys(setTags).length) await client.send(new TagResourceCommand({ resourceArn: apiArn(region, t.id), tags: setTags }), opts);
        if (dropTags.length) await client.send(new UntagResourceCommand({ resourceArn: apiArn(region, t.id), tagKeys: dropTags }), opts);
      },
    });
  }

  if (definition) {
    const current = await readLiveDefinition(client, t.id, ctx.signal);
    for (const step of diffDefinition(definition, current, ctx.prune)) {
      const { resource, detail } = describeStep(step);
      ctx.plan({ resource: `${t.label} ${resource}`, action: step.action, detail, apply: () => runStep(client, t.id, step, definition, ctx.signal) });
    }
    const extra = ctx.prune ? [] : extraPaths(definition, current);
    if (extra.length) ctx.note(t.label, `live has ${extra.join(', ')}, which the version does not name: kept (--prune deletes them)`);
  } else {
    ctx.cannot(t.label, 'the version holds no resources.json for it (not read when the version was made): its resources and methods are not restored');
  }
  await planStages(ctx, t);
}

async function planCreate(ctx: Ctx, client: APIGatewayClient, folder: string, archived: ArchivedApi, definition: ArchivedDefinition | null): Promise<void> {
  const label = `apigateway ${archived.name} (${archived.id})`;
  const opts = { abortSignal: ctx.signal };
  const stages = await archivedStages(ctx, folder);
  // Values for the new stages: only what the secrets file gives (there is nothing live).
  const variables = new Map(stages.map((s) => [s.stageName, stageVariables(ctx, { name: archived.name!, label }, s, {}).values]));
  ctx.note(label, 're-created as a new API: its id, resource ids and deployments differ from the version\'s (and so does its folder name in a new snapshot)');
  if (!definition) ctx.cannot(label, 'the version holds no resources.json for it: the new API gets no resources or methods');
  const methods = (definition?.resources ?? []).reduce((n, r) => n + Object.keys(r.resourceMethods ?? {}).length, 0);
  ctx.plan({
    resource: label,
    action: 'create',
    detail: `REST API from ${ctx.versionName}: ${definition?.resources.length ?? 0} resources, ${methods} methods, ${definition?.authorizers.length ?? 0} authorizers, ${stages.length} stages`,
    apply: async () => {
      // An earlier run of this plan may have made it: the one API of that name is reused.
      const existing = (await allPages((position) => client.send(new GetRestApisCommand({ limit: 500, position }), opts))).filter((a) => a.name === archived.name);
      const api =
        existing.length === 1
          ? existing[0]!
          : await client.send(
              new CreateRestApiCommand({
                name: archived.name,
                description: archived.description,
                binaryMediaTypes: archived.binaryMediaTypes,
                minimumCompressionSize: archived.minimumCompressionSize,
                apiKeySource: archived.apiKeySource,
                endpointConfiguration: archived.endpointConfiguration ? { types: archived.endpointConfiguration.types } : undefined,
                policy: archived.policy === undefined ? undefined : typeof archived.policy === 'string' ? archived.policy : JSON.stringify(archived.policy),
                disableExecuteApiEndpoint: archived.disableExecuteApiEndpoint,
                tags: archived.tags,
              }),
              opts,
            );
      const id = api.id!;
      if (definition) {
        for (const step of diffDefinition(definition, await readLiveDefinition(client, id, ctx.signal), false)) await runStep(client, id, step, definition, ctx.signal);
      }
      for (const stage of stages) await deployStage(ctx, client, id, stage, variables.get(stage.stageName) ?? {});
    },
  });
}
