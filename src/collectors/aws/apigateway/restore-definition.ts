// Bringing a REST API's working definition back to the version: its authorizers, and its
// resources with their methods, method responses, integrations and integration responses, as
// resources.json and authorizers.json record them.
//
// Why from resources.json and not by PutRestApi with a stage's openapi.json: the export is one
// stage's deployed view, not the working API the version recorded; an overwrite replaces every
// resource (new ids for all, including ones that did not change) and drops what the export
// does not carry; and emulators export Swagger 2.0 without integrations, which their own
// PutRestApi refuses. Call by call, only what differs is touched: a resource that is missing
// is created (it gets a new id: API Gateway assigns ids), a method that differs is put again
// whole, and what the version does not name goes only with prune.
//
// diffDefinition() is pure (archived and live in, steps out); runStep() performs one step,
// finding resource and authorizer ids at that moment, so a step made after others (a child
// after its parent, a method after its authorizer) and a step run twice both work.
import {
  CreateAuthorizerCommand,
  CreateResourceCommand,
  DeleteMethodCommand,
  DeleteResourceCommand,
  GetAuthorizersCommand,
  GetResourcesCommand,
  PutIntegrationCommand,
  PutIntegrationResponseCommand,
  PutMethodCommand,
  PutMethodResponseCommand,
  UpdateAuthorizerCommand,
  type APIGatewayClient,
  type Authorizer,
  type Method,
  type Resource,
} from '@aws-sdk/client-api-gateway';
import { normalize } from '../../../normalize/rules.js';
import { stableKey } from '../../../normalize/stable-json.js';
import { SnapError } from '../../../errors.js';
import { allPages } from './paging.js';
import { resourcesRules } from './rules.js';
import { unlessNotFound } from '../shared/restore-reads.js';

export type DefinitionStep =
  | { kind: 'authorizer'; action: 'create' | 'update'; authorizer: Authorizer; fields: string[] }
  | { kind: 'resource'; action: 'create'; path: string; methods: string[] }
  | { kind: 'resource'; action: 'delete'; path: string }
  | { kind: 'method'; action: 'create' | 'update'; path: string; verb: string; method: Method }
  | { kind: 'method'; action: 'delete'; path: string; verb: string };

/** Authorizer settings that UpdateAuthorizer can replace (providerARNs cannot be patched as a whole). */
const AUTHORIZER_FIELDS = ['name', 'type', 'authType', 'authorizerUri', 'authorizerCredentials', 'identitySource', 'identityValidationExpression', 'authorizerResultTtlInSeconds'] as const;

export interface ArchivedDefinition {
  resources: Resource[];
  authorizers: Authorizer[];
}

/** A method as compared: ids that differ between APIs replaced by what they name. */
function methodShape(m: Method, authorizerName: (id: string | undefined) => string | undefined): unknown {
  const { authorizerId, ...rest } = m;
  return normalize({ resources: [{ resourceMethods: { M: { ...rest, authorizer: authorizerName(authorizerId) ?? null } } }] }, resourcesRules);
}

export function diffDefinition(archived: ArchivedDefinition, live: ArchivedDefinition, prune: boolean): DefinitionStep[] {
  const steps: DefinitionStep[] = [];
  const liveAuth = new Map(live.authorizers.map((a) => [a.id, a]));
  const liveAuthByName = new Map(live.authorizers.map((a) => [a.name, a]));
  for (const a of archived.authorizers) {
    const current = liveAuth.get(a.id) ?? liveAuthByName.get(a.name);
    if (!current) {
      steps.push({ kind: 'authorizer', action: 'create', authorizer: a, fields: [] });
      continue;
    }
    const fields = AUTHORIZER_FIELDS.filter((f) => stableKey(a[f] ?? null) !== stableKey(current[f] ?? null));
    if (fields.length) steps.push({ kind: 'authorizer', action: 'update', authorizer: { ...a, id: current.id }, fields });
  }
  // Authorizers are compared by name: ids differ once one is re-created.
  const archivedAuthName = (id: string | undefined) => archived.authorizers.find((a) => a.id === id)?.name ?? id;
  const liveAuthName = (id: string | undefined) => live.authorizers.find((a) => a.id === id)?.name ?? id;

  const liveByPath = new Map(live.resources.map((r) => [r.path, r]));
  const archivedPaths = new Set(archived.resources.map((r) => r.path));
  // Parents before children: a shorter path is never a child of a longer one.
  const ordered = [...archived.resources].sort((a, b) => (a.path ?? '').split('/').length - (b.path ?? '').split('/').length || ((a.path ?? '') < (b.path ?? '') ? -1 : 1));
  for (const r of ordered) {
    const path = r.path ?? '/';
    const methods = r.resourceMethods ?? {};
    const current = liveByPath.get(path);
    if (!current) {
      steps.push({ kind: 'resource', action: 'create', path, methods: Object.keys(methods).sort() });
      for (const verb of Object.keys(methods).sort()) steps.push({ kind: 'method', action: 'create', path, verb, method: methods[verb]! });
      continue;
    }
    const liveMethods = current.resourceMethods ?? {};
    for (const verb of Object.keys(methods).sort()) {
      const have = liveMethods[verb];
      if (!have) steps.push({ kind: 'method', action: 'create', path, verb, method: methods[verb]! });
      else if (stableKey(methodShape(methods[verb]!, archivedAuthName)) !== stableKey(methodShape(have, liveAuthName))) steps.push({ kind: 'method', action: 'update', path, verb, method: methods[verb]! });
    }
    if (prune) for (const verb of Object.keys(liveMethods).sort()) if (!methods[verb]) steps.push({ kind: 'method', action: 'delete', path, verb });
  }
  if (prune) {
    // Deleting a resource deletes its children: only the topmost extra ones are deleted.
    const extra = live.resources.map((r) => r.path ?? '').filter((p) => p && !archivedPaths.has(p)).sort();
    for (const p of extra) if (!extra.some((q) => q !== p && p.startsWith(`${q}/`))) steps.push({ kind: 'resource', action: 'delete', path: p });
  }
  return steps;
}

/** Live paths the version does not name (kept without prune; the caller notes them). */
export function extraPaths(archived: ArchivedDefinition, live: ArchivedDefinition): string[] {
  const named = new Set(archived.resources.map((r) => r.path));
  return live.resources.map((r) => r.path ?? '').filter((p) => p && !named.has(p)).sort();
}

export function describeStep(step: DefinitionStep): { resource: string; detail: string } {
  switch (step.kind) {
    case 'authorizer':
      return { resource: `authorizer ${step.authorizer.name}`, detail: step.action === 'create' ? `${step.authorizer.type} authorizer (a new id)` : step.fields.map((f) => `${f} changed`).join(', ') };
    case 'resource':
      return { resource: step.path, detail: step.action === 'create' ? `resource${step.methods.length ? ` with ${step.methods.join(', ')}` : ''} (a new id)` : 'resource and everything under it' };
    case 'method': {
      const integration = step.action !== 'delete' ? step.method.methodIntegration : undefined;
      const detail = step.action === 'delete' ? 'method' : `method${step.action === 'update' ? ' put again as the version has it' : ''}${integration?.type ? `: ${integration.type} integration` : ''}`;
      return { resource: `${step.verb} ${step.path}`, detail };
    }
  }
}

export async function readLiveDefinition(client: APIGatewayClient, apiId: string, signal: AbortSignal): Promise<ArchivedDefinition> {
  const opts = { abortSignal: signal };
  const [resources, authorizers] = await Promise.all([
    allPages((position) => client.send(new GetResourcesCommand({ restApiId: apiId, embed: ['methods'], limit: 500, position }), opts)),
    allPages((position) => client.send(new GetAuthorizersCommand({ restApiId: apiId, limit: 500, position }), opts)),
  ]);
  return { resources, authorizers };
}

/** Performs one step against the API as it is at this moment. */
export async function runStep(client: APIGatewayClient, apiId: string, step: DefinitionStep, archived: ArchivedDefinition, signal: AbortSignal): Promise<void> {
  const opts = { abortSignal: signal };
  const live = await readLiveDefinition(client, apiId, signal);
  const resourceId = (path: string) => {
    const id = live.resources.find((r) => r.path === path)?.id;
    if (!id) throw new SnapError('COLLECTOR_FAILED', `API ${apiId} has no resource ${path} to work on`, { apiId, path });
    return id;
  };
  switch (step.kind) {
    case 'authorizer': {
      const a = step.authorizer;
      const current = live.authorizers.find((x) => x.id === a.id) ?? live.authorizers.find((x) => x.name === a.name);
      if (!current) {
        await client.send(
          new CreateAuthorizerCommand({ restApiId: apiId, name: a.name, type: a.type, providerARNs: a.providerARNs, authType: a.authType, authorizerUri: a.authorizerUri, authorizerCredentials: a.authorizerCredentials, identitySource: a.identitySource, identityValidationExpression: a.identityValidationExpression, authorizerResultTtlInSeconds: a.authorizerResultTtlInSeconds }),
          opts,
        );
        return;
      }
      const ops = AUTHORIZER_FIELDS.filter((f) => stableKey(a[f] ?? null) !== stableKey(current[f] ?? null)).map((f) => ({ op: 'replace' as const, path: `/${f}`, value: a[f] === undefined ? '' : String(a[f]) }));
      if (ops.length) await client.send(new UpdateAuthorizerCommand({ restApiId: apiId, authorizerId: current.id, patchOperations: ops }), opts);
      return;
    }
    case 'resource': {
      if (step.action === 'delete') {
        const id = live.resources.find((r) => r.path === step.path)?.id;
        if (id) await unlessNotFound(() => client.send(new DeleteResourceCommand({ restApiId: apiId, resourceId: id }), opts));
        return;
      }
      if (live.resources.some((r) => r.path === step.path)) return; // made by an earlier run
      const cut = step.path.lastIndexOf('/');
      const parentPath = cut <= 0 ? '/' : step.path.slice(0, cut);
      await client.send(new CreateResourceCommand({ restApiId: apiId, parentId: resourceId(parentPath), pathPart: step.path.slice(cut + 1) }), opts);
      return;
    }
    case 'method': {
      const rid = resourceId(step.path);
      await unlessNotFound(() => client.send(new DeleteMethodCommand({ restApiId: apiId, resourceId: rid, httpMethod: step.verb }), opts));
      if (step.action === 'delete') return;
      await putMethod(client, apiId, rid, step.verb, step.method, archived, live, signal);
      return;
    }
  }
}

/** Puts a method whole: the method, its responses, its integration and the integration's responses. */
async function putMethod(client: APIGatewayClient, apiId: string, resourceId: string, verb: string, m: Method, archived: ArchivedDefinition, live: ArchivedDefinition, signal: AbortSignal): Promise<void> {
  const opts = { abortSignal: signal };
  const base = { restApiId: apiId, resourceId, httpMethod: verb };
  // The method names the version's authorizer id; live, the authorizer of that name may have another.
  const name = archived.authorizers.find((a) => a.id === m.authorizerId)?.name;
  const authorizerId = m.authorizerId ? (live.authorizers.find((a) => a.id === m.authorizerId)?.id ?? live.authorizers.find((a) => a.name === name)?.id ?? m.authorizerId) : undefined;
  await client.send(
    new PutMethodCommand({ ...base, authorizationType: m.authorizationType ?? 'NONE', authorizerId, apiKeyRequired: m.apiKeyRequired, operationName: m.operationName, requestParameters: m.requestParameters, requestModels: m.requestModels, requestValidatorId: m.requestValidatorId, authorizationScopes: m.authorizationScopes }),
    opts,
  );
  for (const r of Object.values(m.methodResponses ?? {})) {
    await client.send(new PutMethodResponseCommand({ ...base, statusCode: r.statusCode, responseParameters: r.responseParameters, responseModels: r.responseModels }), opts);
  }
  const i = m.methodIntegration;
  if (!i?.type) return;
  await client.send(
    new PutIntegrationCommand({
      ...base,
      type: i.type,
      integrationHttpMethod: i.httpMethod,
      uri: i.uri,
      connectionType: i.connectionType,
      connectionId: i.connectionId,
      credentials: i.credentials,
      requestParameters: i.requestParameters,
      requestTemplates: i.requestTemplates,
      passthroughBehavior: i.passthroughBehavior,
      cacheNamespace: i.cacheNamespace,
      cacheKeyParameters: i.cacheKeyParameters,
      contentHandling: i.contentHandling,
      timeoutInMillis: i.timeoutInMillis,
      tlsConfig: i.tlsConfig,
    }),
    opts,
  );
  for (const r of Object.values(i.integrationResponses ?? {})) {
    await client.send(new PutIntegrationResponseCommand({ ...base, statusCode: r.statusCode, selectionPattern: r.selectionPattern, responseParameters: r.responseParameters, responseTemplates: r.responseTemplates, contentHandling: r.contentHandling }), opts);
  }
}
