// Every collector snap knows, by id. The order here is the order of config sections and of
// reports; it does not limit parallelism (the runner runs them concurrently).
import { lightsailCollector } from './aws/lightsail/collect.js';
import { gasCollector } from './gas/collect.js';
import { localCollector } from './local/collect.js';
import type { AnyCollector } from './types.js';

export const collectors: readonly AnyCollector[] = [lightsailCollector, gasCollector, localCollector];

export function collectorById(id: string): AnyCollector | undefined {
  return collectors.find((c) => c.id === id);
}
