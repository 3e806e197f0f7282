// The documented, stable schema of `snap diff --json` and `snap status --json` (format
// "snap-diff/1"). Additive changes keep the format name; anything else bumps it.
//
// {
//   "format": "snap-diff/1",
//   "from": "v1.0", "to": "v1.1" (or "live"),
//   "changes": [ one object per changed file of a resource:
//     { "service": "cloudfront", "path": "cloudfront/distributions/E1.json",
//       "kind": "distribution", "label": "E1 (www.example.com)",
//       "status": "added" | "removed" | "changed",
//       "fields":  [ { "path": "DefaultCacheBehavior.DefaultTTL", "status": "changed", "old": 86400, "new": 300, "secret"?: true } ],   JSON documents
//       "text":    "@@ -1,3 +1,3 @@\n…",                                                                     text content
//       "content": { "old": { "sha256", "size", "stored" } | null, "new": … }                                 payloads, binary
//       "related": [ "s3_buckets/site-prod" ]   linked resources: the buckets a distribution serves, the
//                                              changed distribution a record points at
//     } ],
//   "unread": [ { "service": "lambda", "status": "failed" | "partial", "errors": [ { "resource", "message" } ] } ]
//             only when a side is "live" and some service could not be read (completely): what it
//             could not read is compared as unchanged, so its absence from "changes" proves nothing
// }
import { z } from 'zod';
import type { ResourceChange } from './compare.js';

export const DIFF_FORMAT = 'snap-diff/1';

const json: z.ZodType<unknown> = z.lazy(() => z.union([z.null(), z.boolean(), z.number(), z.string(), z.array(json), z.record(z.string(), json)]));

const contentRef = z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), size: z.number().int().min(0), stored: z.boolean() }).strict();

export const fieldChangeSchema = z
  .object({
    path: z.string(),
    status: z.enum(['added', 'removed', 'changed']),
    old: json.optional(),
    new: json.optional(),
    secret: z.literal(true).optional(),
  })
  .strict();

export const resourceChangeSchema = z
  .object({
    service: z.string().min(1),
    path: z.string().min(1),
    kind: z.string().min(1),
    label: z.string().min(1),
    status: z.enum(['added', 'removed', 'changed']),
    fields: z.array(fieldChangeSchema).optional(),
    text: z.string().optional(),
    content: z.object({ old: contentRef.nullable(), new: contentRef.nullable() }).strict().optional(),
    related: z.array(z.string()).optional(),
  })
  .strict();

export const diffDocumentSchema = z
  .object({
    format: z.literal(DIFF_FORMAT),
    from: z.string(),
    to: z.string(),
    changes: z.array(resourceChangeSchema),
    unread: z
      .array(z.object({ service: z.string().min(1), status: z.enum(['failed', 'partial', 'stale']), errors: z.array(z.object({ resource: z.string(), message: z.string() }).strict()) }).strict())
      .optional(),
  })
  .strict();

export interface DiffDocument {
  format: typeof DIFF_FORMAT;
  from: string;
  to: string;
  changes: ResourceChange[];
  /** services a live side could not read (completely); absent when every one was read */
  unread?: UnreadService[];
}

export interface UnreadService {
  service: string;
  status: 'failed' | 'partial' | 'stale';
  errors: { resource: string; message: string }[];
}
