// The built CLI end to end, as a new user runs it: init → commit v1.0 → a change → commit
// v1.1 → log/show/ls/cat, with the archive checked by stock git.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commands } from '../../src/cli/main.js';
import { expectStockGitAgrees, git, tempDir } from '../helpers/archive.js';
import { snapCli } from '../helpers/cli.js';

function setUp() {
  const base = tempDir();
  const tools = join(base, 'tools');
  mkdirSync(tools);
  writeFileSync(join(tools, 'release.py'), 'PRICE = 225\n');
  writeFileSync(join(tools, 'logo.bin'), Buffer.from([0, 1, 2, 3, 0xff, 0xfe]));
  const dir = join(base, 'estate');
  const init = snapCli(base, ['init', 'estate']);
  expect(init.code, init.stderr).toBe(0);
  const configPath = join(dir, 'snap.config.json');
  const config = JSON.parse(readFileSync(configPath, 'utf8'));
  for (const id of Object.keys(config.collectors)) config.collectors[id].enabled = false;
  config.collectors.local = { enabled: true, paths: [{ name: 'tools', path: tools }] };
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  return { base, dir, tools };
}

describe('snap CLI', { timeout: 240_000 }, () => {
  it('runs the first-run story and stock git agrees with the archive', () => {
    const { base, dir, tools } = setUp();
    expect(readFileSync(join(dir, '.git', 'HEAD'), 'utf8')).toBe('ref: refs/heads/main\n');

    const v1 = snapCli(base, ['-C', 'estate', 'commit', 'v1.0']);
    expect(v1.code, v1.stderr).toBe(0);
    expect(v1.stdout).toMatch(/^v1\.0 /);

    writeFileSync(join(tools, 'release.py'), 'PRICE = 195\n');
    const v2 = snapCli(dir, ['commit', '-m', 'after the price fix']);
    expect(v2.code, v2.stderr).toBe(0);
    expect(v2.stdout).toMatch(/^v1\.1  1 changed in local_repos/);

    const log = snapCli(dir, ['log']);
    expect(log.code).toBe(0);
    expect(log.stdout).toMatch(/v1\.1 .*signed by .* \(good\)/);
    expect(log.stdout.indexOf('v1.1')).toBeLessThan(log.stdout.indexOf('v1.0'));

    // --stat counts services: the first version's archive files (.snap, README.md, …) are not one
    const stat = snapCli(dir, ['log', '--stat', '--json']).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(stat.map((v) => [v.name, v.services.map((s: { service: string }) => s.service)])).toEqual([['v1.1', ['local_repos']], ['v1.0', ['local_repos']]]);
    const logJson = snapCli(dir, ['log', '--json']).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(logJson.map((v) => [v.name, v.signature])).toEqual([['v1.1', 'good'], ['v1.0', 'good']]);

    const show = snapCli(dir, ['show', 'v1.0']);
    expect(show.stdout).toMatch(/^# Snapshot v1\.0/);
    expect(JSON.parse(snapCli(dir, ['show', 'v1.0', '--json']).stdout)).toMatchObject({ version: 'v1.0', status: 'complete' });

    const ls = snapCli(dir, ['ls', 'v1.1', 'local_repos/tools', '--json']).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(ls.find((e) => e.path === 'local_repos/tools/files/logo.bin')).toMatchObject({ kind: 'stored', size: 6 });
    expect(ls.every((e) => /^[0-9a-f]{64}$/.test(e.sha256))).toBe(true);

    expect(snapCli(dir, ['cat', 'v1.0', 'local_repos/tools/files/release.py']).stdout).toBe('PRICE = 225\n');
    expect(snapCli(dir, ['cat', 'v1.1', 'local_repos/tools/files/release.py']).stdout).toBe('PRICE = 195\n');
    expect(snapCli(dir, ['cat', 'v1.0', 'local_repos/tools/files/logo.bin']).stdoutBytes).toEqual(Buffer.from([0, 1, 2, 3, 0xff, 0xfe]));

    // plain git reads the archive naturally
    expect(git(dir, 'log', '--format=%s', 'main').trim().split('\n')).toEqual(['v1.1: 1 changed in local_repos', 'v1.0: 4 files in local_repos, 1 in snap.config.json', 'snap init: new archive']);
    expect(git(dir, 'show', 'v1.0:local_repos/tools/files/release.py')).toBe('PRICE = 225\n');
    execFileSync('git', ['verify-tag', 'v1.0'], { cwd: dir });
    expectStockGitAgrees(dir);
  });

  it('answers bad input with a one-line error, exit code 2, and writes nothing', () => {
    const { base, dir } = setUp();
    expect(snapCli(dir, ['commit', 'v1.0']).code).toBe(0);
    const head = git(dir, 'rev-parse', 'main');
    const cases: [string[], string, RegExp][] = [
      [['commit', 'v1.0'], dir, /version v1\.0 already exists/],
      [['commit', 'bad name'], dir, /invalid version name/],
      [['commit'], base, /not a snap archive/],
      [['show', 'v9.9'], dir, /unknown version "v9\.9"/],
      [['cat', 'v1.0', 'no/such/file'], dir, /no such path/],
      [['frobnicate'], dir, /unknown verb/],
      [['log', '--bogus'], dir, /Unknown option '--bogus'/],
      [['init', dir], base, /is already a snap archive/],
    ];
    for (const [args, cwd, message] of cases) {
      const r = snapCli(cwd, args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
    expect(git(dir, 'rev-parse', 'main')).toBe(head);

    const config = JSON.parse(readFileSync(join(dir, 'snap.config.json'), 'utf8'));
    config.collectors.local.textMaxBytes = 'big';
    config.colectors = {};
    writeFileSync(join(dir, 'snap.config.json'), JSON.stringify(config));
    const bad = snapCli(dir, ['commit']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/snap\.config\.json: 2 problems \(each is listed below\)\n/);
    expect(bad.stderr).toContain('\n  collectors.local.textMaxBytes: expected number, received string\n');
    expect(bad.stderr).toContain('\n  colectors: unknown field (did you mean "collectors"?)\n');
    expect(git(dir, 'rev-parse', 'main')).toBe(head);
  });

  it('has --help for every verb and acts on -C DIR', () => {
    const { base } = setUp();
    const top = snapCli(base, ['--help']);
    expect(top.code).toBe(0);
    for (const c of commands) {
      expect(top.stdout).toContain(c.name);
      const help = snapCli(base, [c.name, '--help']);
      expect(help.code, c.name).toBe(0);
      expect(help.stdout).toMatch(/^usage: snap /);
      expect(snapCli(base, ['help', c.name]).stdout).toBe(help.stdout);
    }
    expect(snapCli(base, ['-C', 'estate', 'log']).code).toBe(0);
  });
});
