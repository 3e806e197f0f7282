// What `snap forget` does with tags that are not sealed snap versions, and how the retention
// verbs take bad option values, through the built CLI on an archive of a local folder (text and
// a payload) made by `snap init` and `snap commit`.
//
// A sealed version is what `snap verify` accepts as one: a signed annotated tag, under the name
// its tag object gives, signed by a key trusted at that point. The tags made here by hand with
// stock git are each of the other kinds: a lightweight tag, a version's tag re-pointed with
// `git tag -f` (lightweight, at an older version's commit), an unsigned annotated tag, a tag
// signed by a key the archive never trusted (ssh-keygen), and a version's tag object filed
// under another name. None may be forgotten, recorded or counted by a policy: forgetting one
// would file a signed "forgotten by policy" record over evidence of tampering.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, tempDir } from '../helpers/archive.js';
import { snapCli } from '../helpers/cli.js';

/** An archive of a local folder with `count` versions, v1.0 … v1.<count-1>, each changing a text file and a payload. */
function archiveWithVersions(count: number): { dir: string; tools: string } {
  const base = tempDir();
  const tools = join(base, 'tools');
  mkdirSync(tools);
  expect(snapCli(base, ['init', 'estate']).code).toBe(0);
  const dir = join(base, 'estate');
  const config = JSON.parse(readFileSync(join(dir, 'snap.config.json'), 'utf8'));
  for (const id of Object.keys(config.collectors)) config.collectors[id].enabled = false;
  config.collectors.local = { enabled: true, paths: [{ name: 'tools', path: tools }] };
  writeFileSync(join(dir, 'snap.config.json'), JSON.stringify(config, null, 2));
  for (let i = 0; i < count; i++) {
    writeFileSync(join(tools, 'release.py'), `PRICE = ${200 + i}\n`);
    writeFileSync(join(tools, 'build.bin'), Buffer.alloc(4096 + i, i));
    const r = snapCli(dir, ['-q', 'commit']);
    expect(r.code, r.stderr).toBe(0);
  }
  return { dir, tools };
}

const tags = (dir: string) => git(dir, 'tag', '--list').split('\n').filter(Boolean).sort();
const commitOf = (dir: string, tag: string) => git(dir, 'rev-parse', `${tag}^{commit}`).trim();
const recorded = (dir: string) =>
  git(dir, 'notes', '--ref=snap-forgotten', 'list')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => /^tag forgotten\/(\S+)$/m.exec(git(dir, 'notes', '--ref=snap-forgotten', 'show', l.split(' ')[1]!))![1]!)
    .sort();

describe('retention guards through the CLI', { timeout: 300_000 }, () => {
  it('forgets only sealed versions: every other tag is left in place, unrecorded, uncounted, and named (exit 3)', () => {
    const { dir } = archiveWithVersions(6); // v1.0 … v1.5
    const base = join(dir, '..');
    const headCommit = commitOf(dir, 'v1.5');
    const id = ['-c', 'user.name=someone', '-c', 'user.email=someone@example.com'];
    // A lightweight tag on an old version's commit.
    git(dir, 'tag', 'v1.1-hand', commitOf(dir, 'v1.1'));
    // The newest version's tag re-pointed at the one before it (lightweight, as `git tag -f` makes it).
    git(dir, 'tag', '-f', 'v1.5', commitOf(dir, 'v1.4'));
    // An unsigned annotated tag.
    git(dir, ...id, 'tag', '-a', '-m', 'looks like a version', 'v1.2-note', commitOf(dir, 'v1.2'));
    // A signed annotated tag, by a key the archive never trusted.
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'intruder', '-f', join(base, 'intruder')]);
    git(dir, ...id, '-c', 'gpg.format=ssh', '-c', `user.signingkey=${join(base, 'intruder')}`, 'tag', '-s', '-m', 'v1.3-signed', 'v1.3-signed', commitOf(dir, 'v1.3'));
    // v1.0's own signed tag object, filed under another name.
    git(dir, 'update-ref', 'refs/tags/v0.9', git(dir, 'rev-parse', 'refs/tags/v1.0').trim());
    const strays = ['v0.9', 'v1.1-hand', 'v1.2-note', 'v1.3-signed', 'v1.5'];

    // The plan: the policy counts the sealed versions only (v1.4 is the newest of them).
    const dry = snapCli(dir, ['forget', '--keep-last', '2', '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(3);
    const plan = JSON.parse(dry.stdout);
    expect(plan.keep.map((k: { version: string }) => k.version)).toEqual(['v1.4', 'v1.3']);
    expect(plan.forget.map((k: { version: string }) => k.version)).toEqual(['v1.2', 'v1.1', 'v1.0']);
    expect(plan.notSealed.map((t: { version: string }) => t.version).sort()).toEqual(strays);
    const why = Object.fromEntries(plan.notSealed.map((t: { version: string; why: string }) => [t.version, t.why]));
    expect(why['v1.5']).toMatch(/lightweight tag .*moved or made outside snap/);
    expect(why['v1.2-note']).toMatch(/the tag is not signed/);
    expect(why['v1.3-signed']).toMatch(/not a trusted signer/);
    expect(why['v0.9']).toMatch(/the tag object is version "v1\.0", filed under "v0\.9"/);

    const forget = snapCli(dir, ['forget', '--keep-last', '2']);
    expect(forget.code, forget.stderr).toBe(3);
    expect(forget.stdout).toMatch(/^forget 3 versions:\n  v1\.2 /m);
    expect(forget.stderr).toMatch(/^v1\.5: not a sealed version \(the tag is a lightweight tag \(not a signed annotated tag\): it was moved or made outside snap\): left for `snap verify` to report, not forgotten$/m);
    for (const t of strays) expect(forget.stderr).toMatch(new RegExp(`^${t.replace(/\./g, '\\.')}: not a sealed version \\(`, 'm'));
    // Every stray tag is where it was; only sealed versions got a record.
    expect(tags(dir)).toEqual(['v1.3', 'v1.4', ...strays].sort());
    expect(commitOf(dir, 'v1.5')).toBe(commitOf(dir, 'v1.4'));
    expect(recorded(dir)).toEqual(['v1.0', 'v1.1', 'v1.2']);

    // And `snap verify --all` still reports each of them, and the version whose tag was moved away.
    const verify = snapCli(dir, ['verify', '--all']);
    expect(verify.code).toBe(1);
    for (const t of strays) expect(verify.stdout).toMatch(new RegExp(`^BAD ${t.replace(/\./g, '\\.')}: `, 'm'));
    expect(verify.stdout).toMatch(new RegExp(`tag-deleted: commit ${headCommit.slice(0, 12)}`));
    // The forgotten versions' commits still carry the stray tags, so they are listed as those tags, never as forgotten.
    expect(verify.stdout).not.toMatch(/^forgotten /m);
    expect(verify.stdout).toMatch(/^BAD v1\.5: 2 problems[^\n]*\n\s+manifest: \.snap\/manifest\.json: the manifest is for version "v1\.4", not "v1\.5"/m);

    // -q (cron) still says it, on stderr, and exits 3.
    const quiet = snapCli(dir, ['-q', 'forget', '--keep-last', '2']);
    expect([quiet.code, quiet.stdout]).toEqual([3, '']);
    expect(quiet.stderr.match(/not a sealed version/g)).toHaveLength(strays.length);
    expect(tags(dir)).toEqual(['v1.3', 'v1.4', ...strays].sort());
  });
});
