// The declared normalization rules of the API Gateway files, as data (see normalize/rules.ts).
//
// Secrets: stage variables (and a canary's overrides of them) often carry API keys, database
// passwords or backend tokens, so their values are replaced by keyed fingerprints: names stay,
// a changed value shows as a changed fingerprint, the value is never written.
//
// Dropped, and why:
//   stage lastUpdatedDate     moves on every stage update, including a cache flush; the change
//                             itself (deploymentId, settings) is what the file records
//   stage cacheClusterStatus  passes through FLUSH_IN_PROGRESS / CREATE_IN_PROGRESS on its own
//   export info.version       the export's date stamp (the deployment's date in AWS, the time of
//                             the call in emulators); the deployment is already in stage.json
// Kept on purpose: createdDate of APIs, stages and deployments (fixed once made).
import type { NormalizationRules } from '../../../normalize/rules.js';
import { policyDocumentSortRules } from '../iam/policy-document.js';

export const restApiRules: NormalizationRules = {
  sortBy: {
    binaryMediaTypes: null,
    warnings: null,
    'endpointConfiguration.types': null,
    'endpointConfiguration.vpcEndpointIds': null,
    ...policyDocumentSortRules,
  },
};

export const resourcesRules: NormalizationRules = {
  sortBy: {
    resources: 'path',
    'resources[].resourceMethods.*.methodIntegration.cacheKeyParameters': null,
    'resources[].resourceMethods.*.authorizationScopes': null,
  },
};

export const authorizersRules: NormalizationRules = {
  sortBy: { authorizers: ['name', 'id'], 'authorizers[].providerARNs': null },
};

export const deploymentsRules: NormalizationRules = {
  sortBy: { deployments: ['createdDate', 'id'] },
};

export const stageRules: NormalizationRules = {
  drop: ['lastUpdatedDate', 'cacheClusterStatus'],
  secrets: ['variables.*', 'canarySettings.stageVariableOverrides.*'],
};

export const exportRules: NormalizationRules = {
  drop: ['info.version'],
};
