// The suite every collector must pass (as every store backend passes the store contract):
// given a way to seed a state, two snapshots of it give the same collector tree (no noise),
// the snapshot passes stock git's checks, no planted secret value appears anywhere in the
// archive (tree, git objects, store), and every path written is a safe one.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { Archive } from '../../src/archive/archive.js';
import type { AnyCollector } from '../../src/collectors/types.js';
import { assertSafeTreePath } from '../../src/archive/paths.js';
import { walkFiles } from '../../src/git/tree-walk.js';
import { expectStockGitAgrees, snapshot } from './archive.js';

/** Every file under `dir` (git objects unpacked by reading them through git, store files as they are). */
export function archiveContainsBytes(dir: string, needle: string): string[] {
  const hits: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (readFileSync(p).includes(needle)) hits.push(p);
    }
  };
  walk(dir);
  // Packed and loose git objects are compressed: search their contents through git.
  const objects = execFileSync('git', ['cat-file', '--batch-all-objects', '--batch'], { cwd: dir, maxBuffer: 1 << 30 });
  if (objects.includes(needle)) hits.push('(git object)');
  return hits;
}

export interface ContractOptions {
  archive: () => Archive;
  /** the collectors to run (default: the registry), e.g. one with a test fetcher or small pages */
  collectors?: readonly AnyCollector[];
  root: string;
  /** secret values planted in the seeded state that must appear nowhere */
  secrets?: string[];
}

export function collectorContract(options: ContractOptions): void {
  it('gives the same tree for an unchanged estate, agrees with stock git, writes safe paths', async () => {
    const archive = options.archive();
    const a = await snapshot(archive, undefined, { collectors: options.collectors });
    const b = await snapshot(archive, undefined, { collectors: options.collectors });
    const rootA = await archive.repo.entryAt(a.treeOid, options.root);
    const rootB = await archive.repo.entryAt(b.treeOid, options.root);
    expect(rootA, `${options.root} written`).not.toBeNull();
    expect(rootB!.oid).toBe(rootA!.oid);
    for await (const f of walkFiles(archive.repo, rootA!.oid, options.root)) assertSafeTreePath(f.path);
    expectStockGitAgrees(archive.dir);
  });

  if (options.secrets?.length) {
    it('never writes a planted secret value anywhere in the archive', async () => {
      const archive = options.archive();
      for (const secret of options.secrets!) expect(archiveContainsBytes(archive.dir, secret), `secret ${secret.slice(0, 3)}… found`).toEqual([]);
    });
  }
}
