// The Lambda collector (lambda_functions/): every function of every configured region, one
// folder per function (see function.ts for what a folder holds, code.ts for the package).
//
// Folders are named by function name through safeSegment. Names are unique per region only,
// so functions outside the primary region (the only configured region, else the home
// region) get "<name>@<region>"; '@' cannot occur in a function name, so this never collides.
//
// The account's layers are archived under @layers/ (layers.ts), a folder no function can have.
//
// Per region: the layers, ListFunctions and ListEventSourceMappings (once, grouped by function),
// then the functions with at most `concurrency` API requests in flight and half as many downloads. A
// refused region is a coverage finding; a region or function that fails otherwise is marked
// partial and its previous folders are carried over, so a failure never looks like a deletion.
import { LambdaClient, ListEventSourceMappingsCommand, ListFunctionsCommand, type EventSourceMappingConfiguration, type FunctionConfiguration } from '@aws-sdk/client-lambda';
import { safeSegment } from '../../../archive/paths.js';
import { createLimiter, mapLimit } from '../../../util/limiter.js';
import type { Collector, CollectContext } from '../../types.js';
import { collectorRegions } from '../shared/config.js';
import { recordRefusal } from '../shared/errors.js';
import { lambdaConfigSchema, type LambdaConfig } from './config.js';
import { httpsCodeFetcher, type CodeFetcher } from './fetch-code.js';
import { collectFunction, type FunctionDeps, type FunctionTask } from './function.js';
import { collectLayers, LAYERS_FOLDER } from './layers.js';
import { allPages } from './paginate.js';
import { restoreLambda } from './restore.js';
import { lambdaResources } from './rules.js';
import { lambdaRunbook } from './runbook.js';

export interface LambdaCollectorOptions {
  /** how code packages are downloaded (default: HTTPS GET of the presigned Code.Location) */
  fetchCode?: CodeFetcher;
}

export function functionFolder(name: string, region: string, primaryRegion: string): string {
  return safeSegment(region === primaryRegion ? name : `${name}@${region}`);
}

function regionOfArn(arn: string | undefined): string | undefined {
  return arn?.split(':')[3];
}

type MappingsByFunction = Map<string, EventSourceMappingConfiguration[]>;

async function listRegion(ctx: CollectContext<LambdaConfig>, deps: FunctionDeps, client: LambdaClient, region: string): Promise<{ functions: FunctionConfiguration[]; mappings: MappingsByFunction | 'refused' | 'failed' }> {
  const send = <T>(call: (o: { abortSignal: AbortSignal }) => Promise<T>) => deps.api(() => call({ abortSignal: ctx.signal }));
  const functions = await allPages(`lambda:${region} functions`, async (Marker) => {
    const r = await send((o) => client.send(new ListFunctionsCommand({ Marker, MaxItems: 50 }), o));
    return { items: r.Functions, next: r.NextMarker };
  });
  const mappings: MappingsByFunction = new Map();
  try {
    const all = await allPages(`lambda:${region} event source mappings`, async (Marker) => {
      const r = await send((o) => client.send(new ListEventSourceMappingsCommand({ Marker, MaxItems: 100 }), o));
      return { items: r.EventSourceMappings, next: r.NextMarker };
    });
    for (const m of all) {
      // FunctionArn may carry an alias or version; the mapping belongs to the function.
      const name = m.FunctionArn?.split(':')[6];
      if (!name) continue;
      const list = mappings.get(name) ?? [];
      list.push(m);
      mappings.set(name, list);
    }
  } catch (err) {
    if (recordRefusal(ctx, `lambda:${region}/event_source_mappings`, err)) return { functions, mappings: 'refused' };
    ctx.partial(`lambda:${region}/event_source_mappings`, err);
    return { functions, mappings: 'failed' };
  }
  return { functions, mappings };
}

/** Carries over the previous folders of functions in `region` (a region that failed). */
async function carryOverRegion(ctx: CollectContext<LambdaConfig>, region: string): Promise<void> {
  for (const entry of (await ctx.previous?.list('')) ?? []) {
    if (entry.name === LAYERS_FOLDER) continue;
    const config = await ctx.previous!.json<FunctionConfiguration>(`${entry.name}/config.json`).catch(() => null);
    if (regionOfArn(config?.FunctionArn) === region) await ctx.carryOver(entry.name);
  }
}

export async function collectLambda(ctx: CollectContext<LambdaConfig>, fetchCode: CodeFetcher, stayOnEndpoint = fetchCode === httpsCodeFetcher): Promise<void> {
  const regions = collectorRegions(ctx.config, ctx.aws.settings);
  const primary = regions.length === 1 ? regions[0]! : ctx.aws.settings.region;
  const deps: FunctionDeps = {
    api: createLimiter(ctx.config.concurrency),
    downloads: createLimiter(Math.max(1, Math.ceil(ctx.config.concurrency / 2))),
    fetchCode,
    stayOnEndpoint,
  };

  ctx.progress.phase('listing');
  const tasks: FunctionTask[] = [];
  const mappingsFailed = new Set<string>();
  await Promise.all(
    regions.map(async (region) => {
      const client = ctx.aws.get(LambdaClient, region);
      if (ctx.config.layers) await collectLayers(ctx, deps, client, region, primary);
      try {
        const { functions, mappings } = await listRegion(ctx, deps, client, region);
        if (mappings === 'failed') mappingsFailed.add(region);
        for (const listed of functions) {
          if (!listed.FunctionName) continue;
          const own = typeof mappings === 'string' ? null : (mappings.get(listed.FunctionName) ?? []);
          tasks.push({ region, client, listed, folder: functionFolder(listed.FunctionName, region, primary), eventSourceMappings: own });
        }
      } catch (err) {
        if (recordRefusal(ctx, `lambda:${region}`, err)) return;
        ctx.partial(`lambda:${region}`, err);
        await carryOverRegion(ctx, region);
      }
    }),
  );

  tasks.sort((a, b) => (a.folder < b.folder ? -1 : a.folder > b.folder ? 1 : 0));
  ctx.progress.phase('functions');
  ctx.progress.expect(tasks.length);
  await mapLimit(tasks, ctx.config.concurrency, async (task) => {
    try {
      const exists = await collectFunction(ctx, deps, task);
      // Mappings that could not be listed (other than refused) keep their previous state.
      if (exists && mappingsFailed.has(task.region)) await ctx.carryOver(`${task.folder}/event_source_mappings.json`);
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      ctx.partial(`lambda_functions/${task.folder}`, err);
      await ctx.carryOver(task.folder);
    }
    ctx.progress.add(1);
  });
}

export function createLambdaCollector(options: LambdaCollectorOptions = {}): Collector<LambdaConfig> {
  const fetchCode = options.fetchCode ?? httpsCodeFetcher;
  return {
    id: 'lambda',
    title: 'Lambda functions',
    root: 'lambda_functions',
    platform: 'aws',
    configSchema: lambdaConfigSchema,
    enabledByDefault: true,
    runbook: lambdaRunbook,
    resources: lambdaResources,
    collect: (ctx) => collectLambda(ctx, fetchCode),
    // Restore reads code from the content store, never through the fetcher.
    restore: restoreLambda,
  };
}

export const lambdaCollector = createLambdaCollector();
