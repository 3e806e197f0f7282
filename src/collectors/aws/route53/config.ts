// collectors.route53 in snap.config.json. Route53 is a global service read through the home
// region (aws.region), so it takes no regions of its own. Its API allows five requests per
// second per account, so it keeps few requests in flight by default; throttling beyond that
// is retried with backoff by the SDK.
import type { z } from 'zod';
import { awsCollectorSchema } from '../shared/config.js';

export const route53ConfigSchema = awsCollectorSchema({}, { concurrency: 2 }).omit({ regions: true });

export type Route53Config = z.infer<typeof route53ConfigSchema>;
