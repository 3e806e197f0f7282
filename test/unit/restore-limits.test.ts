// What snap restore and restore-test cannot bring back is declared once, in each service's
// folder (Collector.runbook.limits, beside its restore): the runbook prints it, and the README's
// known limits must name every declared limit, so the two cannot disagree.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCollectors } from '../../src/collectors/lazy.js';
import { collectors } from '../../src/collectors/registry.js';

const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('### What `snap restore` puts back'), readme.indexOf('## Verify a version with stock git'));

describe('known restore limits', async () => {
  const loaded = await loadCollectors(collectors);

  it.each(loaded.map((c) => [c.id, c] as const))('%s: every declared limit is in the README', (_id, c) => {
    expect(c.runbook, c.id).toBeDefined();
    for (const limit of [...c.runbook!.limits.restore, ...(c.runbook!.limits.restoreTest ?? [])]) expect(section, `${c.id}: ${limit}`).toContain(limit);
  });

  it('names the services snap does not restore as refused, and only those', () => {
    const refused = loaded.filter((c) => !c.restore).map((c) => c.id).sort();
    expect(refused).toEqual(['lightsail', 'local', 'rds', 'ses']);
    expect(section.match(/nothing: `snap restore` refuses (it|them)/g)).toHaveLength(refused.length);
  });
});
