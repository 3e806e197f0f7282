// The command line as git and restic users expect it, through the built binary:
//   - global options (-C, -q, --no-color) before or after the verb;
//   - colour on a terminal only, and --no-color / NO_COLOR turn it off (a real pseudo-terminal,
//     made by util-linux `script`);
//   - a closed pipe ends snap at once and quietly, as it ends git (SIGPIPE, no message), for
//     log, ls, diff --json, verify, cat and export -o -, each with more than 64 KiB to write;
//   - -q prints nothing on success; every verb's --help lists its exit codes;
//   - a config with several problems lists each, with the nearest valid field name;
//   - snap init inside an archive (or a folder of one) is refused;
//   - snap status with drift and an unreadable service says both, in text and in --json;
//   - snap verify shows its progress on a terminal.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../src/cli/main.js';
import { git, tempDir } from '../helpers/archive.js';
import { SNAP_BIN, snapCli } from '../helpers/cli.js';
import { localFolderArchive } from '../helpers/cli-archive.js';

const FILES = 600;

/** An archive of a local folder with FILES text files and FILES binary ones (payloads), two versions. */
function bigArchive(): { base: string; dir: string; tools: string } {
  const base = tempDir();
  const tools = join(base, 'tools');
  mkdirSync(join(tools, 'text'), { recursive: true });
  mkdirSync(join(tools, 'bin'), { recursive: true });
  for (let i = 0; i < FILES; i++) {
    writeFileSync(join(tools, 'text', `page-${String(i).padStart(4, '0')}.html`), `<p>price ${i}</p>\n`);
    writeFileSync(join(tools, 'bin', `blob-${String(i).padStart(4, '0')}.bin`), Buffer.from([0, 0xff, i & 0xff, i >> 8]));
  }
  writeFileSync(join(tools, 'disk.img'), Buffer.alloc(1 << 20, 7));
  const dir = localFolderArchive(base, tools);
  expect(snapCli(dir, ['-q', 'commit', 'v1.0']).code).toBe(0);
  for (let i = 0; i < FILES; i++) writeFileSync(join(tools, 'text', `page-${String(i).padStart(4, '0')}.html`), `<p>price ${i + 1}</p>\n`);
  expect(snapCli(dir, ['commit', 'v1.1', '-q']).code).toBe(0);
  return { base, dir, tools };
}

/**
 * Runs snap into `head -c 1`, which reads one buffer and exits: with well over a pipe's 64 KiB
 * still to write, snap meets the closed pipe. Its exit status (141: ended by SIGPIPE) and
 * what it wrote on stderr.
 */
function closedPipe(cwd: string, args: string[]): { status: number; stderr: string } {
  const errFile = join(tempDir(), 'stderr');
  const line = `${snapLine(args.map((a) => JSON.stringify(a)).join(' '))} 2>${JSON.stringify(errFile)} | head -c 1 >/dev/null; echo "\${PIPESTATUS[0]}"`;
  const r = spawnSync('bash', ['-c', line], { cwd, env: { ...process.env, NO_COLOR: '1' }, encoding: 'utf8', timeout: 120_000 });
  return { status: Number(r.stdout.trim()), stderr: readFileSync(errFile, 'utf8') };
}

/** Runs a shell command line in a pseudo-terminal (util-linux script); its combined output. */
function inTerminal(cwd: string, line: string, env: NodeJS.ProcessEnv = {}): string {
  const clean: NodeJS.ProcessEnv = { ...process.env, ...env, TERM: 'xterm' };
  if (!('NO_COLOR' in env)) delete clean.NO_COLOR;
  const r = spawnSync('script', ['-qfec', `stty cols 160; ${line}`, '/dev/null'], { cwd, env: clean, encoding: 'utf8', timeout: 120_000 });
  if (r.error) throw r.error;
  return r.stdout;
}

const snapLine = (args: string) => `${JSON.stringify(process.execPath)} ${JSON.stringify(SNAP_BIN)} ${args}`;

describe('the command line as git users expect it', { timeout: 300_000 }, () => {
  let base: string;
  let dir: string;
  let tools: string;

  beforeAll(() => {
    ({ base, dir, tools } = bigArchive());
  });

  it('takes -C, -q and --no-color before or after the verb', () => {
    expect(snapCli(base, ['-C', 'estate', 'log']).stdout).toMatch(/^v1\.1 /);
    expect(snapCli(base, ['log', '-C', 'estate']).stdout).toBe(snapCli(base, ['-C', 'estate', 'log']).stdout);
    expect(snapCli(join(base, 'tools'), ['log', '-C', '..', '-C', 'estate', '--no-color']).stdout).toMatch(/^v1\.1 /); // -C after -C: relative, as git
    expect(snapCli(base, ['ls', 'v1.0', 'MANIFEST.md', '-Cestate', '-q']).stdout).toMatch(/^file +\d+ +[0-9a-f]{64} +MANIFEST\.md\n$/);
    const d = snapCli(dir, ['diff', 'v1.0', 'v1.1', '--stat', '--no-color']);
    expect(d.code).toBe(1);
    expect(d.stdout).toContain('local_repos');
    // an option's value that looks like a global option stays the verb's
    expect(snapCli(dir, ['runbook', 'v1.0', '--output=-q']).code).toBe(0);
    expect(readFileSync(join(dir, '-q'), 'utf8')).toMatch(/^# Recovery runbook/);
    rmSync(join(dir, '-q'));
  });

  it('colours a terminal only, and --no-color (before or after the verb) or NO_COLOR turn it off', () => {
    const coloured = inTerminal(dir, snapLine('diff v1.0 v1.1 local_repos/tools/files/text/page-0001.html'));
    expect(coloured).toContain('\x1b[');
    expect(coloured).toContain('price 2');
    for (const line of ['diff v1.0 v1.1 local_repos/tools/files/text/page-0001.html --no-color', '--no-color diff v1.0 v1.1 local_repos/tools/files/text/page-0001.html', 'log --no-color']) {
      const plain = inTerminal(dir, snapLine(line));
      expect(plain, line).not.toContain('\x1b[');
      expect(plain.length).toBeGreaterThan(20);
    }
    expect(inTerminal(dir, snapLine('log'), { NO_COLOR: '1' })).not.toContain('\x1b[');
    expect(inTerminal(dir, snapLine('log'))).toContain('\x1b[');
    // piped: never colour
    expect(snapCli(dir, ['log'], { NO_COLOR: '' }).stdout).not.toContain('\x1b[');
  });

  it('shows snap verify progress on a terminal, and none when stderr is not one', () => {
    const out = inTerminal(dir, snapLine('verify --all'));
    expect(out).toMatch(/ {2}verify v1\.1: git objects \(1\)\r?\n/);
    expect(out).toMatch(/ {2}verify v1\.1: \d+ git objects; payloads \d+\/600 items, [\d.]+ (B|KiB)\/2\.3 KiB/);
    expect(out).toContain('\x1b[1A\x1b[J'); // the status line, erased before the verdicts
    expect(out).toMatch(/\x1b\[32mok\x1b\[39m {2}v1\.1: signed by .*; \d+ files, 600 payloads/); // coloured: a terminal
    expect(snapCli(dir, ['verify', '--all']).stderr).toBe('');
  });

  it('ends quietly when the reader of its output goes away, with more than 64 KiB to write', () => {
    // More than 64 KiB of log: snap log prints each version's first message line, so
    // versions with long ones are made with stock git (unsigned tags: log still lists them).
    const head = git(dir, 'rev-parse', 'main').trim();
    for (let i = 0; i < 60; i++) git(dir, 'tag', '-a', `v0.${i}`, '-m', `v0.${i}: ${'a long summary of what changed '.repeat(70)}`, head);
    try {
      pipeCases();
    } finally {
      for (let i = 0; i < 60; i++) git(dir, 'tag', '-d', `v0.${i}`);
    }
  });

  function pipeCases(): void {
    const cases: string[][] = [['log'], ['ls', 'v1.1'], ['ls', 'v1.1', '--json'], ['diff', 'v1.0', 'v1.1', '--json'], ['cat', 'v1.1', 'local_repos/tools/files/disk.img'], ['export', 'v1.1', '-o', '-'], ['show', 'v1.1', '--json']];
    for (const args of cases) {
      const full = snapCli(dir, args);
      if (args[0] !== 'show') expect(full.stdoutBytes.length, args.join(' ')).toBeGreaterThan(128 * 1024);
      const r = closedPipe(dir, args);
      expect(r.stderr, args.join(' ')).toBe('');
      if (args[0] !== 'show') expect({ args, status: r.status }).toEqual({ args, status: 141 });
    }
    // verify with a problem a line, for each payload (the store emptied)
    const store = join(dir, '.git', 'snap', 'store');
    const aside = join(base, 'store-aside');
    execFileSync('mv', [store, aside]);
    try {
      expect(snapCli(dir, ['verify', 'v1.1']).stdoutBytes.length).toBeGreaterThan(100 * 1024);
      const r = closedPipe(dir, ['verify', 'v1.1']);
      expect(r.status).toBe(141);
      // what verify says on stderr before its verdicts (how to bring the missing store), and nothing of the pipe
      expect(r.stderr).toMatch(/^hint: the content store \(\.git\/snap\/store\) does not exist here/);
      expect(r.stderr).not.toMatch(/EPIPE|Error|\n\s+at /);
    } finally {
      execFileSync('mv', [aside, store]);
    }
    // the shell's view, as with git: nothing printed, and 141 under pipefail
    const sh = spawnSync('bash', ['-c', `set -o pipefail; ${snapLine('log')} | head -1 >/dev/null; echo "status $?"`], { cwd: dir, encoding: 'utf8' });
    expect(sh.stderr).toBe('');
    expect(sh.stdout).toBe('status 141\n');
  }

  it('prints nothing on success with -q', () => {
    const quiet = (cwd: string, args: string[]) => {
      const r = snapCli(cwd, args);
      expect({ args, code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ args, code: 0, stdout: '', stderr: '' });
    };
    const other = tempDir();
    quiet(other, ['-q', 'init', 'second']);
    writeFileSync(join(tools, 'text', 'new.html'), '<p>new</p>\n');
    quiet(dir, ['commit', '-q']);
    quiet(dir, ['-q', 'verify', '--all']);
    quiet(dir, ['status', '-q']);
    quiet(dir, ['export', 'v1.0', '-o', join(other, 'v1.0.tar'), '-q']);
    quiet(dir, ['-q', 'checkout', 'v1.0', join(other, 'v1.0')]);
    quiet(dir, ['-q', 'runbook', 'v1.0', '-o', join(other, 'RECOVERY.md')]);
    // a failure still speaks
    const bad = snapCli(dir, ['-q', 'show', 'v9.9']);
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringMatching(/unknown version/)]);
  });

  it('lists its exit codes in every verb\'s --help, from one place', () => {
    for (const c of commands) {
      const help = snapCli(base, [c.name, '--help']).stdout;
      const section = /\nexit codes:\n((?: {2}\d+ .*\n)+)/.exec(help);
      expect(section, c.name).not.toBeNull();
      const codes = section![1]!.trim().split('\n').map((l) => l.trim().split(/\s+/)[0]);
      expect(codes.slice(0, 3), c.name).toEqual(['0', '1', '2']);
      expect(codes.at(-1)).toBe('141');
      expect(help).toContain('global options (before or after the verb):');
    }
    const commit = snapCli(base, ['commit', '--help']).stdout;
    expect(commit).toMatch(/\n {2}3 {4}a version was written but is partial/);
    expect(snapCli(base, ['status', '--help']).stdout).toMatch(/\n {2}3 {4}some service could not be read live/);
    expect(snapCli(base, ['ls', '--help']).stdout).toMatch(/\n {2}1 {4}failed\n {2}2 {4}bad usage or input; nothing was written\n/);
    expect(snapCli(base, ['ls', '--help']).stdout).not.toMatch(/\n {2}3 /);
  });

  it('lists every problem of a config, each with the nearest valid field', () => {
    const file = join(dir, 'snap.config.json');
    const saved = readFileSync(file, 'utf8');
    try {
      const config = JSON.parse(saved);
      config.colectors = {};
      config.collectors.local.textMaxBytes = 'big';
      config.collectors.s3 = { enabled: false, inFlightByte: 1 };
      config.aws.regon = 'us-east-1';
      config.store = { fsynk: false };
      writeFileSync(file, JSON.stringify(config));
      const head = git(dir, 'rev-parse', 'main');
      const r = snapCli(dir, ['commit']);
      expect(r.code).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines[0]).toBe(`snap: ${file}: 5 problems (each is listed below)`);
      expect(lines.slice(1).sort()).toEqual(
        [
          '  (top level).colectors: unknown field (did you mean "collectors"?)'.replace('(top level).', ''),
          '  aws.regon: unknown field (did you mean "region"?)',
          '  collectors.local.textMaxBytes: expected number, received string',
          '  collectors.s3.inFlightByte: unknown field (did you mean "inFlightBytes"?)',
          '  store.fsynk: unknown field (did you mean "fsync"?)',
        ].sort(),
      );
      expect(git(dir, 'rev-parse', 'main')).toBe(head);
      config.colectors = undefined;
      config.collectors.s3 = { enabled: false };
      config.aws = { region: 'us-east-1', zzzzzzzzzz: 1 };
      config.store = {};
      config.collectors.local.textMaxBytes = 10;
      writeFileSync(file, JSON.stringify(config));
      const one = snapCli(dir, ['commit']);
      expect(one.stderr).toMatch(/^snap: .*snap\.config\.json: aws\.zzzzzzzzzz: unknown field \(valid here: endpoint, maxAttempts, maxSockets, profile, region, regions\)\n$/);
    } finally {
      writeFileSync(file, saved);
    }
  });

  it('refuses snap init inside an archive, or in a folder of one, and creates nothing', () => {
    const inside = join(dir, 'local_repos');
    const before = readdirSync(inside);
    for (const [cwd, args, where] of [
      [dir, ['init'], `${dir} is already a snap archive`],
      [inside, ['init'], `${inside} is inside the snap archive at ${dir}`],
      [base, ['init', 'estate/sub/new'], `${join(dir, 'sub', 'new')} is inside the snap archive at ${dir}`],
    ] as const) {
      const r = snapCli(cwd, [...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`snap: ${where} (snap run there acts on it); choose a folder outside it\n`);
    }
    expect(readdirSync(inside)).toEqual(before);
    expect(existsSync(join(dir, 'sub'))).toBe(false);
    expect(git(dir, 'status', '--porcelain')).toBe('');
  });

  it('says both when status finds drift and a service it cannot read, in text and --json', () => {
    const config = JSON.parse(readFileSync(join(dir, 'snap.config.json'), 'utf8'));
    const gone = join(base, 'gone');
    mkdirSync(gone);
    writeFileSync(join(gone, 'a.txt'), 'a\n');
    config.collectors.local.paths.push({ name: 'gone', path: gone });
    writeFileSync(join(dir, 'snap.config.json'), JSON.stringify(config, null, 2));
    expect(snapCli(dir, ['-q', 'commit']).code).toBe(0);
    rmSync(gone, { recursive: true });
    writeFileSync(join(tools, 'text', 'page-0000.html'), '<p>price 999</p>\n');

    const text = snapCli(dir, ['status']);
    expect(text.code).toBe(3);
    expect(text.stdout).toContain('page-0000.html');
    expect(text.stderr).toMatch(/warning: local could not be read completely live \(local_repos\/gone: .*\); what it could not read is shown as unchanged/);

    expect(text.stderr).toMatch(/drift since v1\.\d+: 2 changes in what could be read \(local: not completely\)\n$/);
    const json = snapCli(dir, ['status', '--json']);
    expect(json.code).toBe(3);
    const doc = JSON.parse(json.stdout);
    expect(doc.changes.map((c: { path: string }) => c.path)).toEqual(['local_repos/tools/files/text/page-0000.html', expect.stringMatching(/^local_repos\/tools\/listing\//)]);
    expect(doc.unread).toEqual([{ service: 'local', status: 'partial', errors: [{ resource: 'local_repos/gone', message: expect.any(String) }] }]);
  });
});
