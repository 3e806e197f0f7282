// IAM policy documents: how they arrive and how they are kept. IAM returns documents
// URL-encoded (RFC 3986) in its query-protocol answers; other services (API Gateway resource
// policies, SES sending-authorization policies) hand them over as JSON text. Either way they
// are archived as parsed JSON, so a change shows as a readable diff of statements.
//
// Ordering: IAM evaluates a policy's statements as a set (every statement is considered, in no
// order), so the Statement list is one too: identified by Sid where a statement has one, by
// its whole content where it has none, and sorted by that identity when archived. The values
// inside a statement that IAM treats as sets are sorted as well: Action/NotAction,
// Resource/NotResource, the principal lists, and each condition's value list. Reordering any
// of them never changes what a policy allows, so it never shows as a change in `snap diff`,
// `snap status` or a restore plan (which compare documents under these same rules). The rules
// apply to every policy document snap archives, wherever it sits in a file: IAM's own, S3
// bucket policies, Lambda function and layer permissions, API Gateway and DynamoDB resource
// policies, SES sending authorization.
import { normalize, type NormalizationRules } from '../../../normalize/rules.js';
import { stableKey } from '../../../normalize/stable-json.js';

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
export const policyDocumentSortRules: NonNullable<NormalizationRules['sortBy']> = {
  '**.Statement': { key: ['Sid'], otherwise: 'content' },
  ...Object.fromEntries(['Statement[]', 'Statement'].flatMap((statement) => SET_VALUED.map((field) => [`**.${statement}.${field}`, null] as const))),
};

/** A document's identity for comparison: parsed, sets sorted, canonical JSON. */
export function documentKey(doc: unknown): string {
  const parsed = typeof doc === 'string' ? parsePolicyDocument(doc) : doc;
  return stableKey(normalize(parsed ?? null, { sortBy: policyDocumentSortRules }));
}

/**
 * A managed policy's fields that only IAM's numbering tells apart: when both sides hold the
 * same documents and the same one is the default, version ids (IAM numbers versions itself and
 * never gives a number twice, so a restored version cannot get its old one), their dates, the
 * default's id and the policy's UpdateDate are no difference (a restore made the archived
 * default the default again under a new number).
 */
export function policyVersionsIncidental(before: unknown, after: unknown): string[] {
  type Record = { Document?: unknown; Versions?: { Document?: unknown; IsDefaultVersion?: boolean }[] };
  const [a, b] = [before as Record | null, after as Record | null];
  if (!a || !b || !Array.isArray(a.Versions) || !Array.isArray(b.Versions)) return [];
  const keys = (r: Record) => r.Versions!.map((v) => `${v.IsDefaultVersion ? 'default ' : ''}${documentKey(v.Document)}`).sort();
  const [ka, kb] = [keys(a), keys(b)];
  const same = ka.length === kb.length && ka.every((k, i) => k === kb[i]) && documentKey(a.Document) === documentKey(b.Document);
  return same ? ['DefaultVersionId', 'UpdateDate', 'Versions'] : [];
}
