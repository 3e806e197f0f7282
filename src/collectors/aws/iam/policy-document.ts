// IAM policy documents: how they arrive and how they are kept. IAM returns documents
// URL-encoded (RFC 3986) in its query-protocol answers; other services (API Gateway resource
// policies, SES sending-authorization policies) hand them over as JSON text. Either way they
// are archived as parsed JSON, so a change shows as a readable diff of statements.
//
// Ordering: the Statement list keeps IAM's order (it is an ordered list in the grammar and
// people read it top to bottom). The values inside a statement that IAM treats as sets are
// sorted: Action/NotAction, Resource/NotResource, the principal lists, and each condition's
// value list. Reordering those never changes what a policy allows, so it never shows as a change.
import type { NormalizationRules } from '../../../normalize/rules.js';

/** The parsed document, or the text as it came when it is not JSON (never dropped silently). */
export function parsePolicyDocument(raw: string | undefined | null): unknown {
  if (raw === undefined || raw === null || raw === '') return undefined;
  let text = raw;
  if (!raw.trimStart().startsWith('{')) {
    try {
      text = decodeURIComponent(raw);
    } catch {
      return raw;
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

const SET_VALUED = ['Action', 'NotAction', 'Resource', 'NotResource', 'Principal.*', 'NotPrincipal.*', 'Condition.*.*'];

/**
 * sortBy rules for every policy document anywhere in a file. A statement may be a list or,
 * in the single-statement shorthand, one object; a set-valued field may be one string, which
 * the rules leave alone (only arrays are sorted).
 */
export const policyDocumentSortRules: NonNullable<NormalizationRules['sortBy']> = Object.fromEntries(
  ['Statement[]', 'Statement'].flatMap((statement) => SET_VALUED.map((field) => [`**.${statement}.${field}`, null] as const)),
);
