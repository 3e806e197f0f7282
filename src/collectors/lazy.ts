// Collectors are loaded on first use. Every CLI run needs each collector's config schema
// (to validate snap.config.json), but only the verbs that collect, restore, compare or
// verify need its code, and the AWS SDK clients behind that code take seconds and a
// hundred megabytes to load. The registry lists each collector by its identity and schema
// (cheap modules) and a loader; loadCollector() gives the full collector when it is needed.
import type { z } from 'zod';
import type { AnyCollector, CollectorBaseConfig, Platform } from './types.js';

export interface CollectorIdentity<C extends CollectorBaseConfig = CollectorBaseConfig> {
  id: string;
  title: string;
  root: string;
  platform: Platform;
  configSchema: z.ZodType<C>;
  enabledByDefault: boolean;
  /** address schemes its resolveUri understands ("s3" for s3://bucket/key) */
  uriSchemes?: string[];
}

type Lazy = AnyCollector & { load(): Promise<AnyCollector> };

export function lazyCollector(identity: CollectorIdentity<any>, load: () => Promise<AnyCollector>): AnyCollector {
  let loaded: Promise<AnyCollector> | null = null;
  const real = () => (loaded ??= load());
  const lazy: Lazy = {
    ...identity,
    load: real,
    collect: async (ctx) => (await real()).collect(ctx),
  };
  return lazy;
}

/** The full collector (code, resources, restore, payloads) behind a registry entry. */
export async function loadCollector(collector: AnyCollector): Promise<AnyCollector> {
  const load = (collector as Partial<Lazy>).load;
  return load ? load() : collector;
}

export function loadCollectors(list: readonly AnyCollector[]): Promise<AnyCollector[]> {
  return Promise.all(list.map(loadCollector));
}
