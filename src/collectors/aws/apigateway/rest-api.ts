// One REST API, read and written under its folder (<region>/<name>.<id>/):
//   api.json                      the API (endpoint types, resource policy parsed, tags, …)
//   resources.json                resources by path, each with its methods and integrations
//   authorizers.json, deployments.json
//   stages/<stage>/stage.json     settings; stage variables as keyed fingerprints only
//   stages/<stage>/openapi.json   GetExport of the stage (OpenAPI 3.0 with API Gateway
//                                 extensions by default), for people and other tools
// A refused part is a coverage finding and is left out; a failed stage is carried over.
import {
  GetAuthorizersCommand,
  GetDeploymentsCommand,
  GetExportCommand,
  GetMethodCommand,
  GetResourcesCommand,
  GetStagesCommand,
  type APIGatewayClient,
  type Resource,
  type RestApi,
  type Stage,
} from '@aws-sdk/client-api-gateway';
import { safeSegment } from '../../../archive/paths.js';
import type { CollectContext } from '../../types.js';
import { awsErrorName, classifyAwsError, optionalConfig } from '../shared/errors.js';
import type { ApigatewayConfig } from './config.js';
import { allPages } from './paging.js';
import { authorizersRules, deploymentsRules, exportRules, resourcesRules, restApiRules, stageRules } from './rules.js';

export interface ApiReader {
  client: APIGatewayClient;
  pageSize: number;
  signal: AbortSignal;
}

/** The API's folder in its region: readable name plus the id that makes it unique. */
export function apiFolder(region: string, api: RestApi): string {
  return `${region}/${safeSegment(api.name ?? '')}.${safeSegment(api.id ?? '')}`;
}

/**
 * A resource policy as API Gateway returns it: JSON text whose quotes may arrive escaped
 * (`{\"Version\":…}`). Parsed when possible, otherwise kept as the text.
 */
export function parseResourcePolicy(raw: string | undefined): unknown {
  if (!raw) return undefined;
  for (const text of [raw, raw.replace(/\\"/g, '"').replace(/\\\//g, '/')]) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      /* try the next form */
    }
  }
  return raw;
}

/** Values that must not appear in clear anywhere: every stage's variables and canary overrides. */
function secretValues(stages: readonly Stage[]): string[] {
  const values = stages.flatMap((stage) => [...Object.values(stage.variables ?? {}), ...Object.values(stage.canarySettings?.stageVariableOverrides ?? {})]);
  // Very short values (flags, "prod") are too common to mean anything when found in a text.
  return [...new Set(values.filter((v) => v.length >= 8))];
}

async function resourcesWithMethods(r: ApiReader, apiId: string): Promise<Resource[]> {
  const resources = await allPages((position) =>
    r.client.send(new GetResourcesCommand({ restApiId: apiId, embed: ['methods'], limit: r.pageSize, position }), { abortSignal: r.signal }),
  );
  // `embed=methods` returns each method in full; should a method come back as a bare key, it
  // is read on its own.
  for (const res of resources) {
    for (const [verb, method] of Object.entries(res.resourceMethods ?? {})) {
      if (method.httpMethod) continue;
      const full = await r.client.send(new GetMethodCommand({ restApiId: apiId, resourceId: res.id!, httpMethod: verb }), { abortSignal: r.signal });
      const { $metadata: _ignored, ...rest } = full;
      res.resourceMethods![verb] = rest;
    }
  }
  return resources;
}

export async function collectRestApi(ctx: CollectContext<ApigatewayConfig>, r: ApiReader, region: string, api: RestApi): Promise<void> {
  const id = api.id!;
  const folder = apiFolder(region, api);
  const resource = `apigateway/${folder}`;
  const opts = { abortSignal: r.signal };

  ctx.out.json(`${folder}/api.json`, { ...api, policy: parseResourcePolicy(api.policy) }, restApiRules);

  const resources = await optionalConfig(ctx, `${resource}/resources`, () => resourcesWithMethods(r, id));
  if (resources) ctx.out.json(`${folder}/resources.json`, { resources }, resourcesRules);

  const authorizers = await optionalConfig(ctx, `${resource}/authorizers`, () =>
    allPages((position) => r.client.send(new GetAuthorizersCommand({ restApiId: id, limit: r.pageSize, position }), opts)),
  );
  if (authorizers) ctx.out.json(`${folder}/authorizers.json`, { authorizers }, authorizersRules);

  const deployments = await optionalConfig(ctx, `${resource}/deployments`, () =>
    allPages((position) => r.client.send(new GetDeploymentsCommand({ restApiId: id, limit: r.pageSize, position }), opts)),
  );
  if (deployments) ctx.out.json(`${folder}/deployments.json`, { deployments }, deploymentsRules);

  // GetStages is not paginated: it answers with every stage of the API.
  const stages = await optionalConfig(ctx, `${resource}/stages`, async () => (await r.client.send(new GetStagesCommand({ restApiId: id }), opts)).item ?? []);
  const secrets = secretValues(stages ?? []);
  for (const stage of stages ?? []) {
    const stageName = stage.stageName ?? '';
    const stageFolder = `${folder}/stages/${safeSegment(stageName)}`;
    try {
      ctx.out.json(`${stageFolder}/stage.json`, stage, stageRules);
      await exportStage(ctx, r, id, stage, secrets, stageFolder, `${resource}/stages/${stageName}`);
      ctx.count('stages');
    } catch (err) {
      ctx.partial(`${resource}/stages/${stageName}`, err);
      await ctx.carryOver(stageFolder);
    }
  }
}

async function exportStage(ctx: CollectContext<ApigatewayConfig>, r: ApiReader, apiId: string, stage: Stage, secrets: readonly string[], stageFolder: string, resource: string): Promise<void> {
  let body: Uint8Array | undefined;
  try {
    const out = await r.client.send(
      new GetExportCommand({ restApiId: apiId, stageName: stage.stageName, exportType: ctx.config.exportType, parameters: { extensions: 'apigateway' }, accepts: 'application/json' }),
      { abortSignal: r.signal },
    );
    body = out.body;
  } catch (err) {
    const kind = classifyAwsError(err);
    if (kind === 'access-denied' || kind === 'unavailable' || kind === 'not-found' || awsErrorName(err) === 'BadRequestException') {
      ctx.finding({ resource: `${resource}/export`, reason: awsErrorName(err), detail: 'no API definition export for this stage' });
      return;
    }
    throw err;
  }
  const text = Buffer.from(body ?? new Uint8Array()).toString('utf8');
  if (secrets.some((v) => text.includes(v))) {
    // Never expected (exports keep ${stageVariables.x} references), but if the value of any
    // stage's variable shows up in clear, the export is withheld rather than archived.
    ctx.finding({ resource: `${resource}/export`, reason: 'ExportWithheld', detail: 'the export contains the value of a stage variable' });
    return;
  }
  let definition: unknown;
  try {
    definition = JSON.parse(text);
  } catch {
    ctx.finding({ resource: `${resource}/export`, reason: 'ExportNotJson', detail: `GetExport ${ctx.config.exportType} did not answer with JSON` });
    return;
  }
  ctx.out.json(`${stageFolder}/openapi.json`, definition, exportRules);
}
