// Restoring the stages of a REST API (stages/<stage>/stage.json): which deployment each serves,
// its description, tracing and cache settings, and its stage variables. Variable values are
// keyed fingerprints in the archive, resolved as Lambda environment values are
// (lambda/restore-secrets.ts), under the secrets scope "apigateway:<api name>/<stage>".
//
// Deployments are immutable snapshots with ids API Gateway assigns, so one cannot be put back:
// a stage whose deployment still exists is pointed at it again; one whose deployment is gone
// gets a new deployment of the (restored) working API, and that is noted. Method settings
// (throttling, logging, caching per method), canary settings, access logging and the stage's
// web ACL are not restored; a difference in them is noted.
import { CreateDeploymentCommand, CreateStageCommand, GetDeploymentsCommand, GetStagesCommand, UpdateStageCommand, type APIGatewayClient, type PatchOperation, type Stage } from '@aws-sdk/client-api-gateway';
import { stableKey } from '../../../normalize/stable-json.js';
import type { RestoreContext } from '../../../restore/types.js';
import { resolveSecrets, type ResolvedSecrets } from '../shared/restore-secrets.js';
import type { ApigatewayConfig } from './config.js';
import { allPages } from './paging.js';

type Ctx = RestoreContext<ApigatewayConfig>;

export interface ApiTarget {
  /** the API's folder in the version: "<region>/<name>.<id>" */
  folder: string;
  name: string;
  /** the live API's id (the version's, or the one found for it) */
  id: string;
  client: APIGatewayClient;
  /** how the plan names the API: "apigateway orders-api (abc123)" */
  label: string;
}

export async function archivedStages(ctx: Ctx, folder: string): Promise<Stage[]> {
  const out: Stage[] = [];
  for (const e of await ctx.version.list(`${folder}/stages`)) {
    const stage = await ctx.version.json<Stage>(`${folder}/stages/${e.name}/stage.json`);
    if (stage?.stageName) out.push(stage);
  }
  return out;
}

export function stageVariables(ctx: Ctx, t: { name: string; label: string }, stage: Stage, live: Record<string, string>): ResolvedSecrets {
  return resolveSecrets(ctx, { archived: (stage.variables ?? {}) as Record<string, unknown>, live, scope: `apigateway:${t.name}/${stage.stageName}`, kind: `stage ${stage.stageName} variable`, resource: t.label });
}

/** How a deployment made by a restore is described, so a later plan knows it. */
const restoredBy = (ctx: Ctx) => `restored by snap from ${ctx.versionName}`;

/** A new deployment of the working API for `stage` (its deployment is gone); makes the stage when missing. */
export function deployStage(ctx: Ctx, client: APIGatewayClient, apiId: string, stage: Stage, variables: Record<string, string>) {
  return client.send(
    new CreateDeploymentCommand({ restApiId: apiId, stageName: stage.stageName, stageDescription: stage.description, description: restoredBy(ctx), variables, ...(stage.tracingEnabled !== undefined ? { tracingEnabled: stage.tracingEnabled } : {}) }),
    { abortSignal: ctx.signal },
  );
}

export async function planStages(ctx: Ctx, t: ApiTarget): Promise<void> {
  const opts = { abortSignal: ctx.signal };
  const stages = await archivedStages(ctx, t.folder);
  if (!stages.length) return;
  const live = new Map(((await t.client.send(new GetStagesCommand({ restApiId: t.id }), opts)).item ?? []).map((s) => [s.stageName, s]));
  const deployments = new Map((await allPages((position) => t.client.send(new GetDeploymentsCommand({ restApiId: t.id, limit: 500, position }), opts))).map((d) => [d.id, d.description]));
  // A deployment an earlier restore of this version made stands in for one that is gone.
  const madeByRestore = (id: string | undefined) => !!id && deployments.get(id) === restoredBy(ctx);

  for (const stage of stages) {
    const stageName = stage.stageName!;
    const resource = `${t.label} stage ${stageName}`;
    const current = live.get(stageName);
    const liveVars = current?.variables ?? {};
    const vars = stageVariables(ctx, t, stage, liveVars);
    const deploymentKept = !!stage.deploymentId && deployments.has(stage.deploymentId);
    if (!deploymentKept && stage.deploymentId && current?.deploymentId !== stage.deploymentId && !madeByRestore(current?.deploymentId)) {
      ctx.note(resource, `deployment ${stage.deploymentId} of the version no longer exists (deployments cannot be re-created under their ids): the stage gets a new deployment of the restored API`);
    }

    if (!current) {
      ctx.plan({
        resource,
        action: 'create',
        detail: `stage ${deploymentKept ? `on deployment ${stage.deploymentId}` : 'on a new deployment'}${Object.keys(vars.values).length ? `, variables ${Object.keys(vars.values).join(' ')}` : ''}`,
        apply: async () => {
          const exists = ((await t.client.send(new GetStagesCommand({ restApiId: t.id }), opts)).item ?? []).some((s) => s.stageName === stageName);
          if (exists) return; // made by an earlier run
          if (!deploymentKept) {
            await deployStage(ctx, t.client, t.id, stage, vars.values);
            return;
          }
          await t.client.send(
            new CreateStageCommand({ restApiId: t.id, stageName, deploymentId: stage.deploymentId, description: stage.description, variables: vars.values, cacheClusterEnabled: stage.cacheClusterEnabled, cacheClusterSize: stage.cacheClusterSize, tracingEnabled: stage.tracingEnabled, tags: stage.tags }),
            opts,
          );
        },
      });
      continue;
    }

    const ops: PatchOperation[] = [];
    const parts: string[] = [];
    let redeploy = false;
    if (stage.deploymentId && current.deploymentId !== stage.deploymentId) {
      if (deploymentKept) {
        ops.push({ op: 'replace', path: '/deploymentId', value: stage.deploymentId });
        parts.push(`deployment ${current.deploymentId ?? 'none'} → ${stage.deploymentId}`);
      } else if (!madeByRestore(current.deploymentId)) {
        redeploy = true;
      }
    }
    if ((stage.description ?? '') !== (current.description ?? '')) {
      ops.push({ op: 'replace', path: '/description', value: stage.description ?? '' });
      parts.push('description changed');
    }
    for (const field of ['tracingEnabled', 'cacheClusterEnabled'] as const) {
      if (stage[field] !== undefined && stage[field] !== (current[field] ?? false)) {
        ops.push({ op: 'replace', path: `/${field}`, value: String(stage[field]) });
        parts.push(`${field} ${current[field] ?? false} → ${stage[field]}`);
      }
    }
    for (const name of vars.changed) {
      ops.push(vars.removed.includes(name) ? { op: 'remove', path: `/variables/${name}` } : { op: 'replace', path: `/variables/${name}`, value: vars.values[name]! });
    }
    const varParts = vars.changed.map((n) => (vars.removed.includes(n) ? `-${n}` : Object.hasOwn(liveVars, n) ? `~${n}` : `+${n}`));
    if (varParts.length) parts.push(`variables ${varParts.join(' ')}`);
    if (stableKey(stage.methodSettings ?? {}) !== stableKey(current.methodSettings ?? {})) {
      ctx.cannot(resource, 'method settings (throttling, logging, caching per method) differ from the version\'s and are not restored by snap; stage.json holds them');
    }
    if (redeploy) {
      ctx.plan({
        resource,
        action: 'update',
        detail: `a new deployment of the restored API (deployment ${stage.deploymentId} is gone)`,
        apply: async () => void (await deployStage(ctx, t.client, t.id, stage, vars.values)),
      });
    }
    if (ops.length) {
      ctx.plan({ resource, action: 'update', detail: parts.join(', '), apply: async () => void (await t.client.send(new UpdateStageCommand({ restApiId: t.id, stageName, patchOperations: ops }), opts)) });
    }
  }
}
