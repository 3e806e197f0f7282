// collectors.iam in snap.config.json: which roles and service-account users to capture.
// Every role a Lambda function uses (functions listed in `regions`) is captured unless
// lambdaRoles is false; `roles` and `users` add principals by name or ARN.
import { z } from 'zod';
import { awsCollectorSchema } from '../shared/config.js';

const principal = z.string().min(1).max(2048);

export const iamConfigSchema = awsCollectorSchema(
  {
    /** roles to capture besides the Lambda execution roles: names or ARNs */
    roles: z.array(principal).default([]),
    /** service-account IAM users to capture: names or ARNs (never their keys or passwords) */
    users: z.array(principal).default([]),
    /** capture the execution role of every Lambda function in the collector's regions */
    lambdaRoles: z.boolean().default(true),
  },
  // IAM's control plane is rate-limited per account; a few requests in flight are plenty.
  { concurrency: 4 },
);

export type IamConfig = z.infer<typeof iamConfigSchema>;

/** The name part of a role or user ARN ("arn:aws:iam::1:role/service-role/x" → "x"), or the name itself. */
export function principalName(nameOrArn: string): string {
  if (!nameOrArn.startsWith('arn:')) return nameOrArn;
  const resource = nameOrArn.split(':').slice(5).join(':');
  return resource.slice(resource.lastIndexOf('/') + 1);
}
