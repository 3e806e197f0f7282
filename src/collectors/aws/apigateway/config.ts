// collectors.apigateway in snap.config.json: which regions' REST APIs to capture and in which
// format each stage's API definition is exported.
import { z } from 'zod';
import { awsCollectorSchema } from '../shared/config.js';

export const apigatewayConfigSchema = awsCollectorSchema(
  {
    /** GetExport type for each stage's definition: OpenAPI 3.0 or Swagger 2.0 */
    exportType: z.enum(['oas30', 'swagger']).default('oas30'),
  },
  // API Gateway's control plane allows only a few GET requests per second per account.
  { concurrency: 4 },
);

export type ApigatewayConfig = z.infer<typeof apigatewayConfigSchema>;
