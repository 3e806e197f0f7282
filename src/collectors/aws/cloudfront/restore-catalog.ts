// Restoring the account-wide CloudFront objects the collector archived with their full
// configuration: CloudFront Functions (functions/<Name>/: config.json, development.js, live.js)
// and custom cache, origin-request and response-headers policies (<kind>/<Id>.json).
//
// Functions have two stages, and LIVE can only be set by publishing DEVELOPMENT. So when the
// LIVE code differs, the version's live.js is put into DEVELOPMENT and published, and then
// DEVELOPMENT gets the version's development.js (when it differs from live.js). Every call
// carries the ETag read just before it (IfMatch).
//
// A policy that still exists is updated in place (UpdateXPolicy with its ETag). A missing one
// is created, but CloudFront gives it a new id, which the distributions that named the old one
// do not know: that is noted. Origin access controls and identities are not restored.
import {
  CreateCachePolicyCommand,
  CreateFunctionCommand,
  CreateOriginRequestPolicyCommand,
  CreateResponseHeadersPolicyCommand,
  DescribeFunctionCommand,
  GetCachePolicyCommand,
  GetFunctionCommand,
  GetOriginRequestPolicyCommand,
  GetResponseHeadersPolicyCommand,
  ListCachePoliciesCommand,
  ListOriginRequestPoliciesCommand,
  ListResponseHeadersPoliciesCommand,
  PublishFunctionCommand,
  UpdateCachePolicyCommand,
  UpdateFunctionCommand,
  UpdateOriginRequestPolicyCommand,
  UpdateResponseHeadersPolicyCommand,
  type CloudFrontClient,
  type FunctionConfig,
  type FunctionSummary,
} from '@aws-sdk/client-cloudfront';
import { diffJson } from '../../../diff/json-diff.js';
import { normalize, type NormalizationRules } from '../../../normalize/rules.js';
import { stableKey } from '../../../normalize/stable-json.js';
import type { RestoreContext } from '../../../restore/types.js';
import { readAll } from '../lambda/code.js';
import { allPages, type Page } from '../lambda/paginate.js';
import type { CloudFrontConfig } from './config.js';
import { describeFields } from './restore-diff.js';
import { cloudfrontRules } from './rules.js';
import { unlessNotFound } from '../shared/restore-reads.js';

type Ctx = RestoreContext<CloudFrontConfig>;
type Stage = 'DEVELOPMENT' | 'LIVE';

// ---- CloudFront Functions -----------------------------------------------------------------

/** A stage's archived code: text in the tree, or a payload in the store. */
async function archivedCode(ctx: Ctx, path: string): Promise<Uint8Array | null> {
  const pointer = await ctx.version.pointer(path);
  if (pointer) return readAll(await ctx.store.open(pointer.oid), pointer.size, `cloudfront/${path}`);
  return ctx.version.bytes(path);
}

/** The settings UpdateFunction / CreateFunction take, from a stage's summary. */
function functionConfig(summary: FunctionSummary | undefined): FunctionConfig {
  const c = summary?.FunctionConfig;
  return { Comment: c?.Comment ?? '', Runtime: c?.Runtime ?? 'cloudfront-js-2.0', ...(c?.KeyValueStoreAssociations ? { KeyValueStoreAssociations: c.KeyValueStoreAssociations } : {}) };
}

const sameBytes = (a: Uint8Array | null | undefined, b: Uint8Array | null | undefined) => !!a && !!b && Buffer.from(a).equals(Buffer.from(b));

export async function planFunctions(ctx: Ctx, client: CloudFrontClient, folders: string[]): Promise<void> {
  const opts = { abortSignal: ctx.signal };
  for (const folder of folders) {
    const archived = await ctx.version.json<{ Name?: string; Stages?: FunctionSummary[] }>(`${folder}/config.json`);
    if (!archived?.Name) continue;
    const name = ctx.rename.get(archived.Name) ?? archived.Name;
    const label = `cloudfront function ${name}`;
    const stageOf = (s: Stage) => archived.Stages?.find((x) => x.FunctionMetadata?.Stage === s);
    const wantConfig = functionConfig(stageOf('DEVELOPMENT') ?? stageOf('LIVE'));
    const wantDev = await archivedCode(ctx, `${folder}/development.js`);
    const wantLive = stageOf('LIVE') ? await archivedCode(ctx, `${folder}/live.js`) : null;
    if (!wantDev && !wantLive) {
      ctx.cannot(label, 'the version holds no code for it: not restored');
      continue;
    }

    const liveDev = await unlessNotFound(() => client.send(new DescribeFunctionCommand({ Name: name, Stage: 'DEVELOPMENT' }), opts));
    const code = (stage: Stage) => unlessNotFound(async () => (await client.send(new GetFunctionCommand({ Name: name, Stage: stage }), opts)).FunctionCode ?? null);
    const haveDev = liveDev ? await code('DEVELOPMENT') : null;
    const haveLive = liveDev ? await code('LIVE') : null;
    const configDiffers = liveDev !== null && stableKey(functionConfig(liveDev.FunctionSummary)) !== stableKey(wantConfig);
    const liveDiffers = wantLive !== null && !sameBytes(haveLive, wantLive);
    const devWanted = wantDev ?? wantLive!;
    const devDiffers = !sameBytes(haveDev, devWanted);
    if (liveDev && !liveDiffers && !devDiffers && !configDiffers) continue;

    const parts = [
      !liveDev ? `function from ${ctx.versionName}` : '',
      configDiffers ? 'configuration differs' : '',
      liveDev && devDiffers ? 'DEVELOPMENT code differs' : '',
      liveDiffers ? `LIVE code ${haveLive ? 'differs' : 'missing'}: publish` : '',
    ];
    ctx.plan({
      resource: label,
      action: liveDev ? 'update' : 'create',
      detail: parts.filter(Boolean).join(', '),
      apply: async () => {
        const describe = async () => (await unlessNotFound(() => client.send(new DescribeFunctionCommand({ Name: name, Stage: 'DEVELOPMENT' }), opts)))?.ETag;
        const put = async (body: Uint8Array): Promise<string | undefined> => {
          const etag = await describe();
          if (etag === undefined) return (await client.send(new CreateFunctionCommand({ Name: name, FunctionConfig: wantConfig, FunctionCode: body }), opts)).ETag;
          return (await client.send(new UpdateFunctionCommand({ Name: name, IfMatch: etag, FunctionConfig: wantConfig, FunctionCode: body }), opts)).ETag;
        };
        // LIVE first (through DEVELOPMENT and a publish), then DEVELOPMENT as the version had it.
        if (liveDiffers) {
          const etag = await put(wantLive!);
          await client.send(new PublishFunctionCommand({ Name: name, IfMatch: etag }), opts);
          if (!sameBytes(devWanted, wantLive)) await put(devWanted);
        } else {
          await put(devWanted);
        }
      },
    });
  }
}

// ---- custom policies ------------------------------------------------------------------------

interface PolicyKind {
  folder: string;
  /** the config's key in the archived file and in the API: "CachePolicyConfig" */
  configKey: string;
  what: string;
  rules: NormalizationRules;
  get(client: CloudFrontClient, id: string, o: { abortSignal: AbortSignal }): Promise<{ config: unknown; etag: string | undefined } | null>;
  update(client: CloudFrontClient, id: string, etag: string | undefined, config: unknown, o: { abortSignal: AbortSignal }): Promise<unknown>;
  create(client: CloudFrontClient, config: unknown, o: { abortSignal: AbortSignal }): Promise<unknown>;
  /** one page of the custom policies: [id, name] pairs */
  page(client: CloudFrontClient, marker: string | undefined, o: { abortSignal: AbortSignal }): Promise<Page<[string, string]>>;
}

const KINDS: PolicyKind[] = [
  {
    folder: 'cache_policies',
    configKey: 'CachePolicyConfig',
    what: 'cache policy',
    rules: cloudfrontRules.cachePolicy,
    get: async (c, Id, o) => {
      const r = await c.send(new GetCachePolicyCommand({ Id }), o);
      return { config: r.CachePolicy?.CachePolicyConfig, etag: r.ETag };
    },
    update: (c, Id, IfMatch, config, o) => c.send(new UpdateCachePolicyCommand({ Id, IfMatch, CachePolicyConfig: config as never }), o),
    create: (c, config, o) => c.send(new CreateCachePolicyCommand({ CachePolicyConfig: config as never }), o),
    page: async (c, Marker, o) => {
      const r = (await c.send(new ListCachePoliciesCommand({ Type: 'custom', Marker }), o)).CachePolicyList;
      return { items: r?.Items?.map((x) => [x.CachePolicy?.Id ?? '', x.CachePolicy?.CachePolicyConfig?.Name ?? '']), next: r?.NextMarker };
    },
  },
  {
    folder: 'origin_request_policies',
    configKey: 'OriginRequestPolicyConfig',
    what: 'origin request policy',
    rules: cloudfrontRules.cachePolicy,
    get: async (c, Id, o) => {
      const r = await c.send(new GetOriginRequestPolicyCommand({ Id }), o);
      return { config: r.OriginRequestPolicy?.OriginRequestPolicyConfig, etag: r.ETag };
    },
    update: (c, Id, IfMatch, config, o) => c.send(new UpdateOriginRequestPolicyCommand({ Id, IfMatch, OriginRequestPolicyConfig: config as never }), o),
    create: (c, config, o) => c.send(new CreateOriginRequestPolicyCommand({ OriginRequestPolicyConfig: config as never }), o),
    page: async (c, Marker, o) => {
      const r = (await c.send(new ListOriginRequestPoliciesCommand({ Type: 'custom', Marker }), o)).OriginRequestPolicyList;
      return { items: r?.Items?.map((x) => [x.OriginRequestPolicy?.Id ?? '', x.OriginRequestPolicy?.OriginRequestPolicyConfig?.Name ?? '']), next: r?.NextMarker };
    },
  },
  {
    folder: 'response_headers_policies',
    configKey: 'ResponseHeadersPolicyConfig',
    what: 'response headers policy',
    rules: cloudfrontRules.responseHeadersPolicy,
    get: async (c, Id, o) => {
      const r = await c.send(new GetResponseHeadersPolicyCommand({ Id }), o);
      return { config: r.ResponseHeadersPolicy?.ResponseHeadersPolicyConfig, etag: r.ETag };
    },
    update: (c, Id, IfMatch, config, o) => c.send(new UpdateResponseHeadersPolicyCommand({ Id, IfMatch, ResponseHeadersPolicyConfig: config as never }), o),
    create: (c, config, o) => c.send(new CreateResponseHeadersPolicyCommand({ ResponseHeadersPolicyConfig: config as never }), o),
    page: async (c, Marker, o) => {
      const r = (await c.send(new ListResponseHeadersPoliciesCommand({ Type: 'custom', Marker }), o)).ResponseHeadersPolicyList;
      return { items: r?.Items?.map((x) => [x.ResponseHeadersPolicy?.Id ?? '', x.ResponseHeadersPolicy?.ResponseHeadersPolicyConfig?.Name ?? '']), next: r?.NextMarker };
    },
  },
];

export const POLICY_FOLDERS = KINDS.map((k) => k.folder);

export async function planPolicies(ctx: Ctx, client: CloudFrontClient, files: string[]): Promise<void> {
  const opts = { abortSignal: ctx.signal };
  for (const path of files) {
    const kind = KINDS.find((k) => path.startsWith(`${k.folder}/`));
    if (!kind) continue;
    const archived = await ctx.version.json<Record<string, unknown> & { Id?: string }>(path);
    const config = archived?.[kind.configKey] as { Name?: string } | undefined;
    if (!archived?.Id || !config) continue;
    let id = archived.Id;
    const label = `cloudfront ${kind.what} ${config.Name ?? id}`;
    let live = await unlessNotFound(() => kind.get(client, id, opts));
    if (!live?.config && config.Name) {
      // Names are unique per account: one by the same name is the policy (re-created earlier).
      const all = await allPages(`cloudfront/${kind.folder}`, (marker) => kind.page(client, marker, opts));
      const same = all.find(([, n]) => n === config.Name);
      if (same) {
        ctx.note(label, `${id} no longer exists; the ${kind.what} named ${config.Name} is ${same[0]} now, and is brought to the version`);
        id = same[0];
        live = await unlessNotFound(() => kind.get(client, same[0], opts));
      }
    }
    if (!live?.config) {
      ctx.note(label, `re-created under a new id (CloudFront assigns ids): distributions that name ${id} must be pointed at the new one`);
      ctx.plan({ resource: label, action: 'create', detail: `${kind.what} from ${ctx.versionName}`, apply: async () => void (await kind.create(client, config, opts)) });
      continue;
    }
    const fields = diffJson(normalize({ [kind.configKey]: live.config }, kind.rules), normalize({ [kind.configKey]: config }, kind.rules), kind.rules);
    if (!fields.length) continue;
    const target = id;
    ctx.plan({
      resource: label,
      action: 'update',
      detail: describeFields(fields, { strip: `${kind.configKey}.` }),
      apply: async () => {
        const current = await kind.get(client, target, opts);
        await kind.update(client, target, current?.etag, config, opts);
      },
    });
  }
}
