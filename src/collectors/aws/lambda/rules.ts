// What the files of lambda_functions/<folder>/ hold and the rules each is written with, as
// data: volatile fields (dropped), secret fields (keyed fingerprint in place of the value)
// and unordered arrays (sorted by identity). The collector writes every file through these
// rules and the same table becomes the collector's `resources` declaration, so what the
// differ matches on is exactly what the writer sorted by.
//
// Why these fields are volatile: RevisionId changes on every write even when nothing
// differs; State/LastUpdateStatus and their reasons are transitions, not configuration;
// LastModified of $LATEST moves on every redeploy of identical code and settings (CI
// pipelines redeploy constantly), while a real change always shows in the fields it changed
// (CodeSha256 for code). Published versions are immutable, so their LastModified stays.
import type { ResourceFileSpec } from '../../types.js';
import type { NormalizationRules } from '../../../normalize/rules.js';
import { policyDocumentSortRules } from '../iam/policy-document.js';

/** Status fields AWS reports on a function configuration, at the top of the object. */
const STATUS_FIELDS = ['RevisionId', 'State', 'StateReason', 'StateReasonCode', 'LastUpdateStatus', 'LastUpdateStatusReason', 'LastUpdateStatusReasonCode', 'SnapStart.OptimizationStatus'];

const configSortBy = (prefix: string): Record<string, string | null> => ({
  [`${prefix}VpcConfig.SubnetIds`]: null,
  [`${prefix}VpcConfig.SecurityGroupIds`]: null,
  [`${prefix}FileSystemConfigs`]: 'Arn',
  [`${prefix}Architectures`]: null,
  // Layers stay in their order: it is the order Lambda extracts them in (later ones win).
});

export const lambdaRules = {
  /** config.json: the $LATEST FunctionConfiguration. Environment values live in environment_variables.json. */
  config: {
    drop: [...STATUS_FIELDS, 'LastModified', 'Environment.Variables'],
    sortBy: configSortBy(''),
  },
  /** environment_variables.json: { Variables: { NAME: fingerprint } } */
  environment: {
    secrets: ['Variables.*'],
  },
  /** versions.json: { Versions: [published FunctionConfiguration] } in version order */
  versions: {
    drop: STATUS_FIELDS.map((f) => `Versions[].${f}`),
    secrets: ['Versions[].Environment.Variables.*'],
    sortBy: configSortBy('Versions[].'),
  },
  /** aliases.json: { Aliases: [AliasConfiguration] } */
  aliases: {
    drop: ['Aliases[].RevisionId'],
    sortBy: { Aliases: 'Name' },
  },
  /** policy.json: the resource-based policy document (statements by Sid, as every policy document) */
  policy: {
    sortBy: policyDocumentSortRules,
  },
  /** event_source_mappings.json: { EventSourceMappings: [...] } */
  eventSourceMappings: {
    drop: ['EventSourceMappings[].LastModified', 'EventSourceMappings[].LastProcessingResult', 'EventSourceMappings[].StateTransitionReason'],
    sortBy: {
      EventSourceMappings: 'UUID',
      'EventSourceMappings[].FunctionResponseTypes': null,
      'EventSourceMappings[].Topics': null,
      'EventSourceMappings[].Queues': null,
      'EventSourceMappings[].SourceAccessConfigurations': ['Type', 'URI'],
      'EventSourceMappings[].FilterCriteria.Filters': 'Pattern',
    },
  },
  /** url_configs.json: { UrlConfigs: [FunctionUrlConfig] } for $LATEST and aliases */
  urlConfigs: {
    drop: ['UrlConfigs[].CreationTime', 'UrlConfigs[].LastModifiedTime'],
    sortBy: {
      UrlConfigs: 'FunctionUrl',
      'UrlConfigs[].Cors.AllowOrigins': null,
      'UrlConfigs[].Cors.AllowMethods': null,
      'UrlConfigs[].Cors.AllowHeaders': null,
      'UrlConfigs[].Cors.ExposeHeaders': null,
    },
  },
  /** concurrency.json: reserved and provisioned concurrency (requested amounts only) */
  concurrency: {
    drop: ['ProvisionedConcurrencyConfigs[].Status', 'ProvisionedConcurrencyConfigs[].StatusReason', 'ProvisionedConcurrencyConfigs[].LastModified', 'ProvisionedConcurrencyConfigs[].AvailableProvisionedConcurrentExecutions', 'ProvisionedConcurrencyConfigs[].AllocatedProvisionedConcurrentExecutions'],
    sortBy: { ProvisionedConcurrencyConfigs: 'FunctionArn' },
  },
  /** event_invoke_configs.json: asynchronous invocation settings (retries, destinations) */
  eventInvokeConfigs: {
    drop: ['FunctionEventInvokeConfigs[].LastModified'],
    sortBy: { FunctionEventInvokeConfigs: 'FunctionArn' },
  },
  /** tags.json: { Tags: { key: value } } (object keys are sorted by stable JSON) */
  tags: {},
  /** code.json: what the package holds and how it was unpacked */
  code: {
    sortBy: { files: 'path' },
  },
  /** @layers/<layer>/<version>/layer.json: a layer version (immutable once published) */
  layer: {
    drop: ['Content.Location'],
    sortBy: { CompatibleRuntimes: null, CompatibleArchitectures: null },
  },
  /** @layers/<layer>/<version>/policy.json: who may use the layer version */
  layerPolicy: {
    sortBy: policyDocumentSortRules,
  },
} satisfies Record<string, NormalizationRules>;

/** "name" or "name@region" (a function outside the primary region) as a label. */
export function functionLabel(path: string): string {
  const folder = path.split('/')[0] ?? path;
  const at = folder.lastIndexOf('@');
  return at > 0 ? `${folder.slice(0, at)} (${folder.slice(at + 1)})` : folder;
}

const label = (_value: unknown, path: string) => functionLabel(path);

/** "deps version 3" or "deps version 3 (us-west-2)", from @layers/<layer>/<version>/… */
export function layerLabel(path: string): string {
  const [, folder = '?', version = '?'] = path.split('/');
  const at = folder.lastIndexOf('@');
  return at > 0 ? `${folder.slice(0, at)} version ${version} (${folder.slice(at + 1)})` : `${folder} version ${version}`;
}

const ofLayer = (_value: unknown, path: string) => layerLabel(path);

export const lambdaResources: readonly ResourceFileSpec[] = [
  // Layers first: their folder would otherwise match the functions' patterns below.
  // A re-published version is numbered by Lambda (restore-test pairs versions by their path).
  { pattern: '@layers/*/*/layer.json', kind: 'Lambda layer version', rules: lambdaRules.layer, label: ofLayer, assigned: ['LayerArn', 'LayerVersionArn', 'CreatedDate'] },
  { pattern: '@layers/*/*/policy.json', kind: 'Lambda layer version permissions', rules: lambdaRules.layerPolicy, label: ofLayer },
  { pattern: '@layers/*/*/content.zip', kind: 'Lambda layer version content', label: ofLayer },
  { pattern: '*/config.json', kind: 'Lambda function configuration', rules: lambdaRules.config, label },
  { pattern: '*/environment_variables.json', kind: 'Lambda environment variables (names, keyed fingerprints of values)', rules: lambdaRules.environment, label },
  // A version published again is a new publication of the same code and settings.
  { pattern: '*/versions.json', kind: 'Lambda published versions', rules: lambdaRules.versions, label, assigned: ['Versions[].LastModified'] },
  { pattern: '*/aliases.json', kind: 'Lambda aliases', rules: lambdaRules.aliases, label },
  { pattern: '*/policy.json', kind: 'Lambda resource policy', rules: lambdaRules.policy, label },
  { pattern: '*/event_source_mappings.json', kind: 'Lambda event source mappings', rules: lambdaRules.eventSourceMappings, label },
  { pattern: '*/url_configs.json', kind: 'Lambda function URLs', rules: lambdaRules.urlConfigs, label },
  { pattern: '*/concurrency.json', kind: 'Lambda concurrency', rules: lambdaRules.concurrency, label },
  { pattern: '*/event_invoke_configs.json', kind: 'Lambda asynchronous invocation settings', rules: lambdaRules.eventInvokeConfigs, label },
  { pattern: '*/tags.json', kind: 'Lambda tags', rules: lambdaRules.tags, label },
  { pattern: '*/code.json', kind: 'Lambda code package listing', rules: lambdaRules.code, label },
  { pattern: '*/code.zip', kind: 'Lambda code package', label },
  { pattern: '*/versions/*/code.zip', kind: 'Lambda published version code package', label: (_v, path) => `${functionLabel(path)} version ${path.split('/')[2]}` },
  { pattern: '*/code/**', kind: 'Lambda code file', label: (_v, path) => `${functionLabel(path)}: ${path.split('/').slice(2).join('/')}` },
];
