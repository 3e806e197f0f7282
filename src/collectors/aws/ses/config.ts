// collectors.ses in snap.config.json: which regions' SES identities and configuration sets to
// capture (SES keeps a separate set of identities in every region).
import type { z } from 'zod';
import { awsCollectorSchema } from '../shared/config.js';

export const sesConfigSchema = awsCollectorSchema({}, { concurrency: 4 });

export type SesConfig = z.infer<typeof sesConfigSchema>;
