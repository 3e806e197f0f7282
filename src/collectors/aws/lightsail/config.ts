// collectors.lightsail in snap.config.json: the shared AWS section (on/off, regions, requests
// in flight) plus the instance-snapshot request that `snap commit --lightsail-snapshot` turns on.
import { z } from 'zod';
import { awsCollectorSchema } from '../shared/config.js';

/** Lightsail's documented pattern for instance and snapshot names: \w[\w\-]*\w */
export const LIGHTSAIL_NAME = /^[A-Za-z0-9_][A-Za-z0-9_-]*[A-Za-z0-9_]$/;

export const lightsailConfigSchema = awsCollectorSchema(
  {
    /** request a new instance snapshot named after the version (see snapshot-request.ts) */
    createSnapshot: z.boolean().default(false),
    /** which instances to snapshot; default: every instance in the collector's regions */
    snapshotInstances: z.array(z.string().regex(LIGHTSAIL_NAME, 'expected a Lightsail instance name')).min(1).optional(),
    /**
     * How long to watch a requested snapshot before recording its state. Snapshots take
     * minutes; snap records "pending" honestly rather than hold the commit open.
     */
    snapshotWaitSeconds: z.number().min(0).max(300).default(10),
  },
  { concurrency: 4 },
);

export type LightsailConfig = z.infer<typeof lightsailConfigSchema>;
