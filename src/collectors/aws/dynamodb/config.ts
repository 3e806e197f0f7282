// collectors.dynamodb in snap.config.json: which regions (per service; see awsCollectorSchema),
// how many requests may be in flight, and how the items are read and where they are kept.
import { z } from 'zod';
import { awsCollectorSchema } from '../shared/config.js';

export const dynamodbConfigSchema = awsCollectorSchema(
  {
    /** read every table's items (false: schemas only) */
    items: z.boolean().default(true),
    /** parallel scan: how many segments each table is read in at once (Scan TotalSegments) */
    scanSegments: z.number().int().min(1).max(1024).default(4),
    /** items per Scan request; unset lets DynamoDB fill its 1 MB pages */
    scanPageLimit: z.number().int().min(1).max(100_000).optional(),
    /** strongly consistent reads, so the export holds every write acknowledged before it (twice the read units) */
    consistentRead: z.boolean().default(true),
    /** a table's items up to this size are kept readable in the tree; larger exports go to the content store */
    itemsInTreeMaxBytes: z.number().int().min(0).default(1024 * 1024),
  },
  { concurrency: 8 },
);

export type DynamoDBConfig = z.infer<typeof dynamodbConfigSchema>;
