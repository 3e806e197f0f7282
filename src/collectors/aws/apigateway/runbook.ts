// What the recovery runbook says about this service (Collector.runbook, see src/runbook/spec.ts).
import { get, list, names, str, type RunbookSpec, type RunbookResource, type Unrestorable } from '../../../runbook/spec.js';

export const apigatewayRunbook: RunbookSpec = {
  layer: 'API Gateway',
  service: 'API Gateway REST APIs and their stages',
  dependsOn: ['lambda'],
  why: 'After functions: integrations and authorizers call Lambda functions by ARN. Before CloudFront, which may use a stage as an origin.',
  limits: {
    restore: [
      'models, request validators, gateway responses and documentation parts',
      'usage plans, API keys, custom domain names, base path mappings, VPC links and client certificates',
      'HTTP and WebSocket APIs (API Gateway v2, not archived)',
      'stage variable values held only as fingerprints (given with --secrets FILE)',
      'per-method stage settings (throttling, logging, caching per method)',
      'deployment history: a re-created stage gets one new deployment of the restored API',
    ],
    restoreTest: [
      'deployments are not compared (a re-created API has one new deployment per stage)',
    ],
  },
  async read(f) {
    const resources: RunbookResource[] = [];
    const unrestorable: Unrestorable[] = [];
    for (const region of await f.folders()) {
      for (const folder of await f.folders(region)) {
        const api = await f.json(`${region}/${folder}/api.json`);
        const name = str(get(api, 'name')) ?? folder;
        const stages = await f.folders(`${region}/${folder}/stages`);
        resources.push({ selector: f.selector(region, folder), name: `${name} (${region})`, kind: 'REST API', ...(stages.length ? { detail: `stages ${list(stages)}` } : {}) });
        for (const stage of stages) {
          const variables = names(get(await f.json(`${region}/${folder}/stages/${stage}/stage.json`), 'variables'));
          if (!variables.length) continue;
          unrestorable.push({
            resource: f.selector(region, folder, 'stages', stage),
            what: `the values of stage variables ${list(variables, 50)} of stage ${stage} (names and keyed fingerprints only)`,
            where: 'the live stage while it exists, otherwise your secrets manager; give them to `snap restore` with --secrets FILE.',
            secrets: { scope: `apigateway:${name}/${stage}`, names: variables },
          });
        }
      }
    }
    return { resources, unrestorable, manual: [] };
  },
};
