// collectors.rds in snap.config.json: which regions' RDS and Aurora databases to capture.
import type { z } from 'zod';
import { awsCollectorSchema } from '../shared/config.js';

export const rdsConfigSchema = awsCollectorSchema({}, { concurrency: 4 });

export type RdsConfig = z.infer<typeof rdsConfigSchema>;
