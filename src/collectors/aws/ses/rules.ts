// The declared normalization rules of the SES files, as data (see normalize/rules.ts).
//
// DKIM tokens are public DNS values (the CNAME records that publish the keys) and are kept;
// no SMTP credential is ever read (they are IAM access keys, and the IAM collector never
// reads keys either).
//
// Dropped, and why:
//   VerificationInfo.LastCheckedTimestamp,
//   VerificationInfo.LastSuccessTimestamp   SES re-checks DNS on its own schedule and moves
//                                           these without any change to the identity
// Sets sorted: DKIM tokens, tags, event destinations (by name) and their event types,
// suppressed reasons.
import type { NormalizationRules } from '../../../normalize/rules.js';
import { policyDocumentSortRules } from '../iam/policy-document.js';

export const identityRules: NormalizationRules = {
  drop: ['VerificationInfo.LastCheckedTimestamp', 'VerificationInfo.LastSuccessTimestamp'],
  sortBy: { Tags: 'Key', 'DkimAttributes.Tokens': null, ...policyDocumentSortRules },
};

export const configurationSetRules: NormalizationRules = {
  sortBy: {
    Tags: 'Key',
    EventDestinations: 'Name',
    'EventDestinations[].MatchingEventTypes': null,
    'EventDestinations[].CloudWatchDestination.DimensionConfigurations': 'DimensionName',
    'SuppressionOptions.SuppressedReasons': null,
  },
};
