// What the recovery runbook says about this service (Collector.runbook, see src/runbook/spec.ts).
import { get, list, names, shellWord, str, type RunbookSpec, type RunbookResource, type Unrestorable } from '../../../runbook/spec.js';
import { LAYERS_FOLDER } from './layers.js';

export const lambdaRunbook: RunbookSpec = {
  layer: 'functions',
  service: 'Lambda functions (code, configuration, published versions, aliases, triggers) and layers',
  dependsOn: ['iam', 's3', 'dynamodb'],
  why: 'After IAM (each function runs as an execution role), storage and data (what the functions use, and the tables their event source mappings read); before API Gateway and CloudFront, which invoke them.',
  limits: {
    restore: [
      'environment variable values held only as fingerprints (kept live, or given with --secrets FILE)',
      "published version numbers: a re-created function's versions are published again and Lambda numbers them",
      'layer version numbers: a re-published layer version gets the next number, and its functions are pointed at it',
      'layers of other accounts (only referred to, never archived)',
      'provisioned concurrency (billed while allocated)',
      'event source mappings',
      'container images (only the image URI is archived)',
      'permissions that AddPermission cannot express (Deny, several actions, other principal forms)',
    ],
    restoreTest: [
      'function URLs: a re-created URL has a new address',
    ],
  },
  async read(f) {
    const resources: RunbookResource[] = [];
    const unrestorable: Unrestorable[] = [];
    // Layer versions first: the function restore publishes them again before the functions that use them.
    const archivedLayers = new Set<string>();
    for (const layer of await f.folders(LAYERS_FOLDER)) {
      for (const version of await f.folders(`${LAYERS_FOLDER}/${layer}`)) {
        const record = await f.json(`${LAYERS_FOLDER}/${layer}/${version}/layer.json`);
        const arn = str(get(record, 'LayerVersionArn'));
        if (arn && (await f.files(`${LAYERS_FOLDER}/${layer}/${version}`)).includes('content.zip')) archivedLayers.add(arn);
        const runtimes = get(record, 'CompatibleRuntimes');
        resources.push({ selector: f.selector(LAYERS_FOLDER, layer, version), name: `${str(get(record, 'LayerName')) ?? layer} version ${version}`, kind: 'layer version', ...(Array.isArray(runtimes) && runtimes.length ? { detail: runtimes.join(', ') } : {}) });
      }
    }
    for (const folder of await f.folders()) {
      if (folder === LAYERS_FOLDER) continue;
      const selector = f.selector(folder);
      const config = await f.json(`${folder}/config.json`);
      const name = str(get(config, 'FunctionName')) ?? folder;
      const runtime = str(get(config, 'Runtime'));
      const packageType = str(get(config, 'PackageType'));
      resources.push({ selector, name, kind: 'function', ...(runtime || packageType === 'Image' ? { detail: runtime ?? 'container image' } : {}) });
      const variables = names(get(await f.json(`${folder}/environment_variables.json`), 'Variables'));
      if (variables.length) {
        unrestorable.push({
          resource: selector,
          what: `the values of its environment variables ${list(variables, 50)} (the archive keeps their names and keyed fingerprints only)`,
          where: 'the live function while it exists (a restore keeps a live value whose fingerprint matches the version), otherwise your secrets manager; give them to `snap restore` with --secrets FILE.',
          secrets: { scope: `lambda:${folder}`, names: variables },
        });
      }
      if (packageType === 'Image') {
        const code = await f.json(`${folder}/code.json`);
        const uri = str(get(code, 'imageUri')) ?? str(get(code, 'resolvedImageUri'));
        unrestorable.push({
          resource: selector,
          what: `its container image${uri ? ` ${uri}` : ''} (only the image's URI is archived)`,
          where: 'the ECR repository it names: keep it, or rebuild the image and push it there before restoring the function.',
        });
      }
      // Layers the version holds come back with the function; others only exist where they were published.
      const layers = (Array.isArray(get(config, 'Layers')) ? (get(config, 'Layers') as unknown[]).map((l) => str(get(l, 'Arn'))).filter((a): a is string => Boolean(a)) : []).filter((arn) => !archivedLayers.has(arn));
      if (layers.length) {
        unrestorable.push({
          resource: selector,
          what: `the content of its Lambda layer version${layers.length === 1 ? '' : 's'} ${list(layers)} (not in this version: another account's, or archived without its content)`,
          where: 'the account that published it, while the layer version exists (download it); otherwise publish it again from its source.',
          commands: layers.map((arn) => `aws lambda get-layer-version-by-arn --arn ${shellWord(arn)} --query Content.Location`),
        });
      }
    }
    return { resources, unrestorable, manual: [] };
  },
};
