// Reading the commands out of a generated runbook (RECOVERY.md) and checking them the way
// snap would take them: each `snap …` line in a code block names a verb that exists, its
// options parse as that verb declares them, it names the expected version, every restore
// selector (and cat path) is an entry of the version's tree, and snap restore accepts it (the
// runbook never recommends a restore that snap refuses).
import { expect } from 'vitest';
import { parseCommandArgs } from '../../src/cli/command.js';
import { commands } from '../../src/cli/main.js';
import { loadCollectors } from '../../src/collectors/lazy.js';
import { collectors } from '../../src/collectors/registry.js';
import type { GitRepo } from '../../src/git/repo.js';
import { selectServices } from '../../src/restore/plan.js';

/** Words of a shell command line as the shell splits them (quotes joined; stops at > or |). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  const re = /'([^']*)'|"((?:[^"\\]|\\.)*)"|(>|\|)|([^\s'"]+)|(\s+)/g;
  let current: string | null = null;
  for (let m = re.exec(line); m; m = re.exec(line)) {
    if (m[3]) break;
    if (m[5]) {
      if (current !== null) words.push(current);
      current = null;
      continue;
    }
    current = (current ?? '') + (m[1] ?? m[2] ?? m[4] ?? '');
  }
  if (current !== null) words.push(current);
  return words;
}

/** Every `snap …` line inside the runbook's fenced code blocks. */
export function snapLines(md: string): string[] {
  const out: string[] = [];
  let inBlock = false;
  for (const raw of md.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('```')) inBlock = !inBlock;
    else if (inBlock && line.startsWith('snap ')) out.push(line);
  }
  return out;
}

/** Checks every snap line; returns how many there were. */
export async function expectCommandsParse(md: string, repo: GitRepo, treeOid: string, versionWord: string): Promise<number> {
  const lines = snapLines(md);
  for (const line of lines) {
    const [, verb, ...rest] = shellWords(line);
    const cmd = commands.find((c) => c.name === verb);
    expect(cmd, line).toBeDefined();
    const args = parseCommandArgs(cmd!, rest);
    if (['verify', 'show', 'export', 'restore', 'checkout', 'cat', 'runbook'].includes(verb!)) expect(args.positionals[0], line).toBe(versionWord);
    if (verb === 'restore') {
      expect(args.values['dry-run'] === true || args.values.yes === true, line).toBe(true);
      expect(args.positionals.length, line).toBeGreaterThan(1);
      for (const selector of args.positionals.slice(1)) expect(await repo.entryAt(treeOid, selector), `${line}: ${selector} is not in the version`).not.toBeNull();
      const all = await loadCollectors(collectors);
      const top = new Set(args.positionals.slice(1).map((s) => s.split('/')[0]!));
      expect(() => selectServices(args.positionals.slice(1), all, top), `${line}: snap restore refuses it`).not.toThrow();
    }
    if (verb === 'cat') expect(await repo.entryAt(treeOid, args.positionals[1]!), line).not.toBeNull();
  }
  return lines.length;
}
