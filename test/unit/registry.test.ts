// Each registry entry (listed cheaply, loaded on use) must match the collector it loads.
import { describe, expect, it } from 'vitest';
import { collectors } from '../../src/collectors/registry.js';
import { loadCollector } from '../../src/collectors/lazy.js';

describe('collector registry', () => {
  it.each(collectors.map((c) => [c.id, c] as const))('%s: the listed identity is the loaded collector\'s', async (_id, entry) => {
    const real = await loadCollector(entry);
    expect(real).not.toBe(entry);
    expect({ id: entry.id, title: entry.title, root: entry.root, platform: entry.platform, enabledByDefault: entry.enabledByDefault }).toEqual({ id: real.id, title: real.title, root: real.root, platform: real.platform, enabledByDefault: real.enabledByDefault });
    expect(entry.configSchema).toBe(real.configSchema);
    // payloads are listed without loading the collector, by a loader that must agree with it
    expect(Boolean(entry.payloads), 'payloads() declared alike').toBe(Boolean(real.payloads));
  });

  it('gives every collector its own id and folder', () => {
    expect(new Set(collectors.map((c) => c.id)).size).toBe(collectors.length);
    expect(new Set(collectors.map((c) => c.root)).size).toBe(collectors.length);
  });
});
