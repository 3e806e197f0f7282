// Version arguments are names, never paths: every verb that takes a version refuses, with exit
// code 2 and before any lookup, a name git would not accept as a tag, so nothing a user types
// reaches a file outside refs/tags/ (the private signing key, the fingerprint key, main's ref).
// And a file planted under refs/tags is never echoed back: its content is used only when it
// is an object id.
import { execFileSync } from 'node:child_process';
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
});
