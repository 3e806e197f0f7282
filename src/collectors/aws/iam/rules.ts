// The declared normalization rules of the IAM files, as data (see normalize/rules.ts):
// what is volatile and dropped, and which arrays are sets sorted by identity. Policy
// documents follow policyDocumentSortRules wherever they appear.
//
// Dropped, and why:
//   RoleLastUsed          changes whenever anything assumes the role (a read-time fact)
//   PasswordLastUsed      changes whenever the user signs in
//   AttachmentCount,
//   PermissionsBoundaryUsageCount
//                         counters of other principals using a managed policy: they move when
//                         unrelated roles change, and say nothing about this policy
// Kept on purpose: CreateDate (fixed for the life of a principal) and a policy's UpdateDate
// (moves only when a new default version is set, which is a real change).
import type { NormalizationRules } from '../../../normalize/rules.js';
import { policyDocumentSortRules } from './policy-document.js';

const principalSets: NonNullable<NormalizationRules['sortBy']> = {
  Tags: 'Key',
  AttachedPolicies: 'PolicyArn',
  ...policyDocumentSortRules,
};

export const roleRules: NormalizationRules = {
  drop: ['RoleLastUsed'],
  sortBy: { ...principalSets, UsedByLambdaFunctions: null },
};

export const userRules: NormalizationRules = {
  drop: ['PasswordLastUsed'],
  sortBy: { ...principalSets, Groups: null },
};

export const groupRules: NormalizationRules = {
  sortBy: principalSets,
};

/** A customer managed policy's versions are identified by their version id. */
export const managedPolicyRules: NormalizationRules = {
  drop: ['AttachmentCount', 'PermissionsBoundaryUsageCount'],
  sortBy: { Tags: 'Key', UsedBy: null, Versions: 'VersionId', ...policyDocumentSortRules },
};
