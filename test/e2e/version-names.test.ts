// Version arguments are names, never paths: every verb that takes a version refuses, with exit
// code 2 and before any lookup, a name git would not accept as a tag, so nothing a user types
// reaches a file outside refs/tags/ (the private signing key, the fingerprint key, main's ref).
// And a file planted under refs/tags is never echoed back: its content is used only when it
// is an object id.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { archiveWithTools } from '../helpers/cli-archive.js';
import { snapCli, type CliRun } from '../helpers/cli.js';

// Through every verb: the names that reached the private keys and main's ref.
const HOSTILE = ['../../snap/signing-key.pem', '../../snap/fingerprint.key', '../heads/main'];
// Through one verb: the rest of git's tag-name rules.
const INVALID = ['../../config', 'v1.0/../../../snap/trust.json', '.hidden', 'v1.0.lock', 'a//b', 'x@{1}', 'a b', 'a\\b', 'x:y', 'v1.0/'];

function secretsOf(dir: string): string[] {
  const pem = readFileSync(join(dir, '.git/snap/signing-key.pem'), 'utf8');
  const body = pem.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
  const fp = readFileSync(join(dir, '.git/snap/fingerprint.key'));
  return ['PRIVATE KEY', body.slice(0, 24), fp.toString('hex').slice(0, 16), fp.toString('base64').slice(0, 16)];
}

function expectNoLeak(run: CliRun, secrets: string[], fingerprintKey: Buffer): void {
  for (const s of secrets) {
    expect(run.stdout).not.toContain(s);
    expect(run.stderr).not.toContain(s);
  }
  expect(run.stdoutBytes.includes(fingerprintKey)).toBe(false);
}

describe('version names', () => {
  it('are checked as tag names by every verb before anything is looked up (exit 2, nothing leaked)', () => {
    const { base, dir } = archiveWithTools();
    const secrets = secretsOf(dir);
    const fingerprintKey = readFileSync(join(dir, '.git/snap/fingerprint.key'));
    const verbs = (name: string): string[][] => [
      ['show', name],
      ['show', name, '--json'],
      ['ls', name],
      ['cat', name, 'MANIFEST.md'],
      ['diff', name, 'v1.0'],
      ['diff', 'v1.0', name],
      ['diff', name, '--between', 'local_repos', 'local_repos'],
      ['restore', name, '--dry-run'],
      ['restore-test', name, '--endpoint', 'http://127.0.0.1:9'],
      ['export', name, '-o', join(base, 'out.tar')],
      ['checkout', name, join(base, 'out')],
      ['runbook', name],
      ['verify', name],
    ];
    for (const name of [...HOSTILE, ...INVALID]) {
      for (const args of HOSTILE.includes(name) ? verbs(name) : [['show', name]]) {
        const run = snapCli(dir, args);
        expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(2);
        expect(run.stderr).toMatch(/^snap: invalid version name /);
        expectNoLeak(run, secrets, fingerprintKey);
      }
    }
    // A name that is a valid tag name but no version stays inside refs/tags: not found.
    const refsHeads = snapCli(dir, ['show', 'refs/heads/main']);
    expect(refsHeads.code).toBe(2);
    expect(refsHeads.stderr).toMatch(/unknown version "refs\/heads\/main"/);
    // Tags made with stock git may hold '/' between valid components, and still resolve.
    execFileSync('git', ['tag', 'release/2026-05', 'v1.0^{commit}'], { cwd: dir });
    const slashed = snapCli(dir, ['show', 'release/2026-05']);
    expect(slashed.code, slashed.stderr).toBe(0);
    expect(slashed.stdout).toMatch(/v1\.0/);
    execFileSync('git', ['tag', '-d', 'release/2026-05'], { cwd: dir, stdio: 'ignore' });
  }, 120_000);

  it('never echo a planted ref file: one holding the signing key, or pointing at it', () => {
    const { dir } = archiveWithTools();
    const secrets = secretsOf(dir);
    const fingerprintKey = readFileSync(join(dir, '.git/snap/fingerprint.key'));
    copyFileSync(join(dir, '.git/snap/signing-key.pem'), join(dir, '.git/refs/tags/copied-key'));
    writeFileSync(join(dir, '.git/refs/tags/pointer'), 'ref: snap/signing-key.pem\n');
    for (const args of [['show', 'copied-key'], ['show', 'pointer'], ['cat', 'copied-key', 'MANIFEST.md'], ['verify', 'pointer'], ['verify', '--all'], ['log'], ['ls', 'copied-key']]) {
      const run = snapCli(dir, args);
      expectNoLeak(run, secrets, fingerprintKey);
      if (args[0] !== 'log' && args[1] !== '--all') expect(run.stderr, args.join(' ')).toMatch(/holds neither an object id nor a valid symbolic ref/);
    }
    expect(snapCli(dir, ['log']).stdout).toMatch(/^v1\.0 /m);
    const all = snapCli(dir, ['verify', '--all']);
    expect(all.code).toBe(1);
    expect(all.stdout).toMatch(/git-object: refs\/tags\/copied-key: a file under refs\/tags that is not a ref/);
    expect(all.stdout).toMatch(/git-object: refs\/tags\/pointer: a file under refs\/tags that is not a ref/);
    expect(all.stdout).toMatch(/^ok  v1\.0: /m);
    unlinkSync(join(dir, '.git/refs/tags/copied-key'));
    unlinkSync(join(dir, '.git/refs/tags/pointer'));
  }, 60_000);

  it('of a new version refuse what git would read as something else, and what cannot be told apart on screen (exit 2, nothing written)', () => {
    const { dir } = archiveWithTools();
    execFileSync('git', ['branch', 'topic'], { cwd: dir });
    const state = () => execFileSync('git', ['for-each-ref', '--format=%(refname) %(objectname)'], { cwd: dir, encoding: 'utf8' });
    const before = state();
    const cases: [string, RegExp][] = [
      ['main', /is the name of a branch of the archive \(refs\/heads\/main\)/],
      ['topic', /is the name of a branch of the archive \(refs\/heads\/topic\)/],
      ['HEAD', /git's own refs/],
      ['FETCH_HEAD', /git's own refs/],
      ['ORIG_HEAD', /git's own refs/],
      ['MERGE_HEAD', /git's own refs/],
      ['CHERRY_PICK_HEAD', /git's own refs/],
      ['stash', /is the ref git keeps for `git stash` \(refs\/stash\)/],
      ['V1.0', /differs only in case from the version v1\.0: on a case-insensitive filesystem/],
      ['v2.0\u200b', /U\+200B \(invisible: a format character\)/],
      ['\u202ev2.0', /U\+202E \(invisible: a format character\)/],
      ['v2.0\u00a0', /U\+00A0 \(a space\)/],
      ['v2.0\u2028x', /U\+2028/],
      ['v2\ue000', /U\+E000 \(a private-use character\)/],
      ['v2\u0378', /U\+0378 \(unassigned\)/],
      ['v2\u0007', /U\+0007 \(a control character\)/],
    ];
    for (const [name, why] of cases) {
      const r = snapCli(dir, ['commit', name]);
      expect(r.code, `${JSON.stringify(name)}: ${r.stderr}`).toBe(2);
      expect(r.stderr, JSON.stringify(name)).toMatch(/^snap: invalid version name /);
      expect(r.stderr, JSON.stringify(name)).toMatch(why);
      expect(r.stderr, JSON.stringify(name)).toMatch(/a good name: v1\.1, v2\.0-rc1 or release-2026-05/);
    }
    expect(state()).toBe(before); // nothing written: no tag, main where it was
    // Stock git reads main as the branch, without "refname 'main' is ambiguous".
    const log = spawnSync('git', ['log', '--oneline', 'main'], { cwd: dir, encoding: 'utf8' });
    expect(log.stderr).not.toMatch(/ambiguous/);
    // A tag so named with stock git is shown by snap log with what cannot be seen written out.
    execFileSync('git', ['tag', 'v1.0\u200b', 'v1.0^{commit}'], { cwd: dir });
    expect(snapCli(dir, ['log']).stdout).toMatch(/^v1\.0\\u\{200b\} /m);
    execFileSync('git', ['tag', '-d', 'v1.0\u200b'], { cwd: dir, stdio: 'ignore' });
    // Names that only look special stay allowed.
    for (const name of ['v1.1', 'HEADS-UP', 'mainline', 'v2.0-ünïcode']) {
      const r = snapCli(dir, ['commit', name]);
      expect(r.code, `${name}: ${r.stderr}`).toBe(0);
    }
  }, 60_000);
});

