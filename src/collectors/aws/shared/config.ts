// The config section every AWS collector shares: on/off, which regions (default: aws.regions,
// else the home region), and how many requests it may have in flight.
import { z } from 'zod';

const region = z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d+$/, 'expected an AWS region name such as us-east-1');

export function awsCollectorSchema<S extends z.ZodRawShape>(extra: S, defaults: { concurrency?: number } = {}) {
  return z
    .object({
      enabled: z.boolean().default(true),
      regions: z.array(region).min(1).optional(),
      concurrency: z.number().int().min(1).max(256).default(defaults.concurrency ?? 8),
      ...extra,
    })
    .strict();
}

/** The regions a regional collector reads: its own list, else aws.regions, else the home region. */
export function collectorRegions(config: { regions?: string[] | undefined }, settings: { regions: string[] }): string[] {
  return [...new Set(config.regions ?? settings.regions)].sort();
}
