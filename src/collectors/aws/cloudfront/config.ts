// collectors.cloudfront in snap.config.json. CloudFront is a global service read through the
// home region's client, so unlike the regional collectors it has no `regions` field.
import type { z } from 'zod';
import { awsCollectorSchema } from '../shared/config.js';

export const cloudfrontConfigSchema = awsCollectorSchema({}, { concurrency: 4 }).omit({ regions: true });

export type CloudFrontConfig = z.infer<typeof cloudfrontConfigSchema>;
