// Collectors are loaded on first use. Every CLI run needs each collector's config schema
// (to validate snap.config.json), but only the verbs that collect, restore, compare or
// verify need its code, and the AWS SDK clients behind that code take seconds and a
// hundred megabytes to load. The registry lists each collector by its identity and schema
// (cheap modules) and a loader; loadCollector() gives the full collector when it is needed.
import type { z } from 'zod';
import type { AnyCollector, Collector, CollectorBaseConfig, Platform } from './types.js';

export interface CollectorIdentity<C extends CollectorBaseConfig = CollectorBaseConfig> {
  id: string;
  title: string;
  root: string;
  platform: Platform;
  configSchema: z.ZodType<C>;
  enabledByDefault: boolean;
  /** address schemes its resolveUri understands ("s3" for s3://bucket/key) */
  uriSchemes?: string[];
  /**
   * Loads its payloads() alone, when the collector has one (a small module, without the SDK
   * client): `snap ls`, `export`, `checkout` and `verify` list payloads without loading the
   * code that collects them.
   */
  loadPayloads?: () => Promise<NonNullable<Collector['payloads']>>;
}

type Lazy = AnyCollector & { load(): Promise<AnyCollector> };

export function lazyCollector(identity: CollectorIdentity<any>, load: () => Promise<AnyCollector>): AnyCollector {
  let loaded: Promise<AnyCollector> | null = null;
  const real = () => (loaded ??= load());
  const { loadPayloads, ...rest } = identity;
  const lazy: Lazy = {
    ...rest,
    load: real,
    collect: async (ctx) => (await real()).collect(ctx),
    ...(loadPayloads
      ? {
          payloads: async function* (folder) {
            yield* (await loadPayloads())(folder);
          },
        }
      : {}),
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
