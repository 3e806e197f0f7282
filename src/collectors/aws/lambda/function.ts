// One Lambda function, read and written into lambda_functions/<folder>/: configuration,
// environment variable names with keyed fingerprints of their values, aliases, published
// versions, resource policy, URL configs, concurrency, asynchronous invocation settings,
// tags, event source mappings (listed once per region by the caller) and the code package.
// Sub-configurations that are not set (no policy, no URL) are simply absent; refused ones
// become coverage findings. Any other error is thrown to the caller, which marks the
// function partial and carries its previous folder over.
import {
  GetFunctionCommand,
  GetFunctionUrlConfigCommand,
  GetPolicyCommand,
  ListAliasesCommand,
  ListFunctionEventInvokeConfigsCommand,
  ListProvisionedConcurrencyConfigsCommand,
  ListTagsCommand,
  ListVersionsByFunctionCommand,
  type AliasConfiguration,
  type EventSourceMappingConfiguration,
  type FunctionConfiguration,
  type GetFunctionResponse,
  type GetFunctionUrlConfigResponse,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import type { Limiter } from '../../../util/limiter.js';
import type { CollectContext } from '../../types.js';
import { awsErrorName, classifyAwsError, optionalConfig } from '../shared/errors.js';
import { archiveCode, archiveVersionCode, writeCodeRecord, type CodeDeps } from './code.js';
import type { LambdaConfig } from './config.js';
import { allPages } from './paginate.js';
import { lambdaRules } from './rules.js';

const NOT_SET = ['ResourceNotFoundException'];

export interface FunctionTask {
  region: string;
  client: LambdaClient;
  /** the function as ListFunctions described it */
  listed: FunctionConfiguration;
  /** tree folder under lambda_functions/ */
  folder: string;
  /** this function's event source mappings; null when they could not be listed */
  eventSourceMappings: EventSourceMappingConfiguration[] | null;
}

export interface FunctionDeps extends CodeDeps {
  /** bounds API requests in flight for the whole collector */
  api: Limiter;
}

/** Returns false when the function no longer exists (deleted after it was listed). */
export async function collectFunction(ctx: CollectContext<LambdaConfig>, deps: FunctionDeps, task: FunctionTask): Promise<boolean> {
  const { client, folder } = task;
  const name = task.listed.FunctionName!;
  const resource = `lambda_functions/${folder}`;
  const send = <T>(call: (options: { abortSignal: AbortSignal }) => Promise<T>): Promise<T> => deps.api(() => call({ abortSignal: ctx.signal }));
  const optional = <T>(what: string, call: (options: { abortSignal: AbortSignal }) => Promise<T>) => optionalConfig(ctx, `${resource}/${what}`, () => send(call), NOT_SET);

  let got: GetFunctionResponse | null = null;
  try {
    got = await send((o) => client.send(new GetFunctionCommand({ FunctionName: name }), o));
  } catch (err) {
    const kind = classifyAwsError(err);
    if (kind === 'not-found') return false;
    if (kind !== 'access-denied' && kind !== 'unavailable') throw err;
    // Without GetFunction the listing still describes the configuration; the code is missing.
    ctx.finding({ resource, reason: awsErrorName(err), detail: 'GetFunction refused: configuration from ListFunctions, no code package' });
  }
  const config = got?.Configuration ?? task.listed;
  const arn = config.FunctionArn!;

  ctx.out.json(`${folder}/config.json`, config, lambdaRules.config);
  const variables = config.Environment?.Variables;
  if (variables && Object.keys(variables).length > 0) {
    ctx.out.json(`${folder}/environment_variables.json`, { Variables: variables }, lambdaRules.environment);
  }

  const [aliases, versions, policy, tags, provisioned, invokeConfigs] = await Promise.all([
    optional('aliases', (o) => allPages(`${resource} aliases`, async (Marker) => {
      const r = await client.send(new ListAliasesCommand({ FunctionName: name, Marker }), o);
      return { items: r.Aliases, next: r.NextMarker };
    })),
    optional('versions', (o) => allPages(`${resource} versions`, async (Marker) => {
      const r = await client.send(new ListVersionsByFunctionCommand({ FunctionName: name, Marker }), o);
      return { items: r.Versions, next: r.NextMarker };
    })),
    optional('policy', (o) => client.send(new GetPolicyCommand({ FunctionName: name }), o)),
    optional('tags', (o) => client.send(new ListTagsCommand({ Resource: unqualified(arn) }), o)),
    optional('provisioned_concurrency', (o) => allPages(`${resource} provisioned concurrency`, async (Marker) => {
      const r = await client.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: name, Marker }), o);
      return { items: r.ProvisionedConcurrencyConfigs, next: r.NextMarker };
    })),
    optional('event_invoke_configs', (o) => allPages(`${resource} event invoke configs`, async (Marker) => {
      const r = await client.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: name, Marker }), o);
      return { items: r.FunctionEventInvokeConfigs, next: r.NextMarker };
    })),
  ]);

  if (aliases?.length) ctx.out.json(`${folder}/aliases.json`, { Aliases: aliases }, lambdaRules.aliases);

  const published = (versions ?? []).filter((v) => v.Version && v.Version !== '$LATEST').sort((a, b) => Number(a.Version) - Number(b.Version));
  if (published.length) ctx.out.json(`${folder}/versions.json`, { Versions: published }, lambdaRules.versions);

  if (policy?.Policy) ctx.out.json(`${folder}/policy.json`, parsePolicy(policy.Policy), lambdaRules.policy);

  if (tags?.Tags && Object.keys(tags.Tags).length) ctx.out.json(`${folder}/tags.json`, { Tags: tags.Tags }, lambdaRules.tags);

  if (invokeConfigs?.length) ctx.out.json(`${folder}/event_invoke_configs.json`, { FunctionEventInvokeConfigs: invokeConfigs }, lambdaRules.eventInvokeConfigs);

  const concurrency = {
    ReservedConcurrentExecutions: got?.Concurrency?.ReservedConcurrentExecutions,
    ProvisionedConcurrencyConfigs: provisioned?.length ? provisioned : undefined,
  };
  if (concurrency.ReservedConcurrentExecutions !== undefined || concurrency.ProvisionedConcurrencyConfigs) {
    ctx.out.json(`${folder}/concurrency.json`, concurrency, lambdaRules.concurrency);
  }

  const urls = await urlConfigs(aliases ?? [], (qualifier) =>
    optional(qualifier ? `url_config/${qualifier}` : 'url_config', (o) => client.send(new GetFunctionUrlConfigCommand({ FunctionName: name, Qualifier: qualifier }), o)),
  );
  if (urls.length) ctx.out.json(`${folder}/url_configs.json`, { UrlConfigs: urls }, lambdaRules.urlConfigs);

  if (task.eventSourceMappings?.length) {
    ctx.out.json(`${folder}/event_source_mappings.json`, { EventSourceMappings: task.eventSourceMappings }, lambdaRules.eventSourceMappings);
  }

  if (got) {
    const record = await archiveCode(ctx, deps, {
      folder,
      functionName: name,
      region: task.region,
      packageType: config.PackageType ?? 'Zip',
      codeSha256: config.CodeSha256,
      codeSize: config.CodeSize,
      location: got.Code?.Location,
      imageUri: got.Code?.ImageUri,
      resolvedImageUri: got.Code?.ResolvedImageUri,
    });
    writeCodeRecord(ctx, folder, record);
    await archivePublishedCode(ctx, deps, task, published, aliases ?? [], send);
  }
  ctx.count('functions');
  return true;
}

/** The function's ARN without a version or alias qualifier. */
export function unqualified(arn: string): string {
  return arn.split(':').slice(0, 7).join(':');
}

function parsePolicy(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { PolicyText: text };
  }
}

/**
 * URL configs of $LATEST and of each alias (a URL can be on either). An alias that has none
 * must not borrow the function's: a qualified answer is kept only when it is a URL of its own.
 */
type UrlConfig = GetFunctionUrlConfigResponse & { Qualifier?: string };

async function urlConfigs(aliases: AliasConfiguration[], get: (qualifier: string | undefined) => Promise<GetFunctionUrlConfigResponse | null>): Promise<UrlConfig[]> {
  // The SDK adds request metadata ($metadata) to every answer; it is not configuration.
  const strip = (answer: GetFunctionUrlConfigResponse): GetFunctionUrlConfigResponse => {
    const { $metadata: _, ...rest } = answer as GetFunctionUrlConfigResponse & { $metadata?: unknown };
    return rest;
  };
  const base = await get(undefined);
  const out: UrlConfig[] = base ? [strip(base)] : [];
  const seen = new Set(base?.FunctionUrl ? [base.FunctionUrl] : []);
  for (const alias of aliases) {
    const cfg = alias.Name ? await get(alias.Name) : null;
    if (!cfg?.FunctionUrl || seen.has(cfg.FunctionUrl)) continue;
    seen.add(cfg.FunctionUrl);
    out.push({ Qualifier: alias.Name, ...strip(cfg) });
  }
  return out;
}

/** Code packages of published versions, as collectors.lambda.code.publishedVersions asks. */
async function archivePublishedCode(
  ctx: CollectContext<LambdaConfig>,
  deps: FunctionDeps,
  task: FunctionTask,
  published: FunctionConfiguration[],
  aliases: AliasConfiguration[],
  send: <T>(call: (options: { abortSignal: AbortSignal }) => Promise<T>) => Promise<T>,
): Promise<void> {
  const mode = ctx.config.code.publishedVersions;
  if (mode === 'none' || !ctx.config.code.download) return;
  const wanted = new Set<string>();
  if (mode === 'all') for (const v of published) wanted.add(v.Version!);
  else {
    for (const a of aliases) {
      if (a.FunctionVersion && a.FunctionVersion !== '$LATEST') wanted.add(a.FunctionVersion);
      for (const v of Object.keys(a.RoutingConfig?.AdditionalVersionWeights ?? {})) wanted.add(v);
    }
  }
  const name = task.listed.FunctionName!;
  for (const v of published) {
    if (!wanted.has(v.Version!) || !v.CodeSha256 || v.CodeSize === undefined || v.PackageType === 'Image') continue;
    await archiveVersionCode(ctx, deps, {
      folder: task.folder,
      functionName: name,
      region: task.region,
      version: v.Version!,
      codeSha256: v.CodeSha256,
      codeSize: v.CodeSize,
      location: async () => {
        const r = await optionalConfig(ctx, `lambda_functions/${task.folder}/versions/${v.Version}`, () => send((o) => task.client.send(new GetFunctionCommand({ FunctionName: name, Qualifier: v.Version }), o)), NOT_SET);
        return r?.Code?.Location;
      },
    });
    ctx.count('versionPackages');
  }
}
