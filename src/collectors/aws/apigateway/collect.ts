// The API Gateway collector (apigateway/): every REST API in the configured regions, with its
// resources, methods, integrations, authorizers, deployments and stages, and an export of
// each stage's definition. Stage variable values are kept only as keyed fingerprints.
//
//   apigateway/<region>/<api name>.<api id>/api.json, resources.json, authorizers.json,
//       deployments.json, stages/<stage>/stage.json, stages/<stage>/openapi.json
//
// A region whose API list is refused is a coverage finding; one that fails otherwise is
// carried over from the previous version, as is an API that fails half-way.
// (HTTP and WebSocket APIs live in the separate API Gateway v2 API and are not read here.)
import { APIGatewayClient, GetRestApisCommand } from '@aws-sdk/client-api-gateway';
import { mapLimit } from '../../../util/limiter.js';
import type { Collector, CollectContext } from '../../types.js';
import { collectorRegions } from '../shared/config.js';
import { recordRefusal } from '../shared/errors.js';
import { apigatewayConfigSchema, type ApigatewayConfig } from './config.js';
import { allPages } from './paging.js';
import { apiFolder, collectRestApi, type ApiReader } from './rest-api.js';
import { restoreApigateway } from './restore.js';
import { authorizersRules, deploymentsRules, exportRules, resourcesRules, restApiRules, stageRules } from './rules.js';
import { apigatewayRunbook } from './runbook.js';

export interface ApigatewayCollectorOptions {
  /** `limit` of API Gateway list calls (1–500); tests lower it to exercise pagination */
  pageSize?: number;
}

const field = (value: unknown, key: string) => String((value as Record<string, unknown> | null)?.[key] ?? '?');
/** For the list files of an API: the API's folder, "<region>/<name>.<id>". */
const apiOfPath = (_: unknown, path: string) => path.split('/').slice(0, 2).join('/');

export function createApigatewayCollector(options: ApigatewayCollectorOptions = {}): Collector<ApigatewayConfig> {
  const pageSize = options.pageSize ?? 500;
  return {
    id: 'apigateway',
    title: 'API Gateway REST APIs',
    root: 'apigateway',
    platform: 'aws',
    configSchema: apigatewayConfigSchema,
    enabledByDefault: true,
    runbook: apigatewayRunbook,
    // API Gateway assigns every id when an API is re-created (the API's, its resources',
    // authorizers' and deployments'); restore-test pairs APIs by name and compares them modulo these.
    resources: [
      { pattern: '*/*/api.json', kind: 'REST API', rules: restApiRules, label: (v) => `${field(v, 'name')} (${field(v, 'id')})`, assigned: ['id', 'createdDate', 'rootResourceId'] },
      { pattern: '*/*/resources.json', kind: 'API resources and methods', rules: resourcesRules, label: apiOfPath, assigned: ['resources[].id', 'resources[].parentId', 'resources[].resourceMethods.*.authorizerId'] },
      { pattern: '*/*/authorizers.json', kind: 'API authorizers', rules: authorizersRules, label: apiOfPath, assigned: ['authorizers[].id'] },
      { pattern: '*/*/deployments.json', kind: 'API deployments', rules: deploymentsRules, label: apiOfPath, assigned: ['deployments[].id', 'deployments[].createdDate'] },
      { pattern: '*/*/stages/*/stage.json', kind: 'API stage', rules: stageRules, label: (v, path) => `${apiOfPath(v, path)} ${field(v, 'stageName')}`, assigned: ['deploymentId', 'createdDate'] },
      { pattern: '*/*/stages/*/openapi.json', kind: 'API definition export', rules: exportRules, label: (v, path) => `${apiOfPath(v, path)} ${path.split('/')[3]}`, assigned: ['servers', 'host'] },
    ],
    collect: (ctx) => collectApigateway(ctx, pageSize),
    restore: restoreApigateway,
    // A re-created API has a new id, in its folder name "<name>.<id>": it is paired by name. Its
    // deployment history cannot be re-created (one new deployment per stage is made), so
    // deployments.json is not compared; each stage is, modulo its new deployment's id.
    restoreTestKey: async (rel) => {
      const [region, folder, ...rest] = rel.split('/');
      if (rest.join('/') === 'deployments.json') return null;
      return folder === undefined ? rel : [region, folder.replace(/\.[^.]*$/, ''), ...rest].join('/');
    },
  };
}

export const apigatewayCollector = createApigatewayCollector();

async function collectApigateway(ctx: CollectContext<ApigatewayConfig>, pageSize: number): Promise<void> {
  for (const region of collectorRegions(ctx.config, ctx.aws.settings)) {
    ctx.progress.phase(region);
    const reader: ApiReader = { client: ctx.aws.get(APIGatewayClient, region), pageSize, signal: ctx.signal };
    let apis;
    try {
      apis = await allPages((position) => reader.client.send(new GetRestApisCommand({ limit: pageSize, position }), { abortSignal: ctx.signal }));
    } catch (err) {
      if (recordRefusal(ctx, `apigateway:${region}`, err)) continue;
      ctx.partial(`apigateway/${region}`, err);
      await ctx.carryOver(region);
      continue;
    }
    ctx.progress.expect(apis.length);
    await mapLimit(apis, ctx.config.concurrency, async (api) => {
      const folder = apiFolder(region, api);
      try {
        await collectRestApi(ctx, reader, region, api);
        ctx.count('restApis');
      } catch (err) {
        ctx.partial(`apigateway/${folder}`, err);
        await ctx.carryOver(folder);
      }
      ctx.progress.add(1);
    });
  }
}
