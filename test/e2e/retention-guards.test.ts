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
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCommandArgs } from '../../src/cli/command.js';
import { commands } from '../../src/cli/main.js';
import { git, tempDir } from '../helpers/archive.js';
import { snapCli } from '../helpers/cli.js';
import { localFolderArchive } from '../helpers/cli-archive.js';

/** An archive of a local folder with `count` versions, v1.0 … v1.<count-1>, each changing a text file and a payload. */
function archiveWithVersions(count: number): { dir: string; tools: string } {
  const base = tempDir();
  const tools = join(base, 'tools');
  mkdirSync(tools);
  const dir = localFolderArchive(base, tools);
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

  it('refuses bad option values by name, with what the option takes (exit 2, nothing written)', () => {
    const { dir } = archiveWithVersions(3);
    const before = { tags: tags(dir), head: git(dir, 'rev-parse', 'main'), notes: git(dir, 'for-each-ref', 'refs/notes/') };
    const cases: [string[], RegExp][] = [
      [['forget', '--keep-last', '-1'], /^snap: snap forget: -l\/--keep-last takes a whole number of versions \(0 or more\), or "unlimited" \(got "-1"; see `snap forget --help`\)$/m],
      [['forget', '-l', '-1'], /-l\/--keep-last takes a whole number of versions/],
      [['forget', '--keep-last=-1'], /-l\/--keep-last takes a whole number of versions/],
      [['forget', '--keep-weekly', '99999999999999999999'], /-w\/--keep-weekly takes a whole number of versions \(0 or more\), or "unlimited" \(got "99999999999999999999"/],
      [['forget', '--keep-monthly', '9007199254740993'], /-m\/--keep-monthly takes a whole number/],
      [['forget', '--keep-daily', '1.5'], /-d\/--keep-daily takes a whole number/],
      [['forget', '--keep-tag'], /^snap: snap forget: --keep-tag needs a value: a version name pattern \(\* and \?\), not empty/],
      [['forget', '--keep-tag', '--dry-run'], /^snap: snap forget: --keep-tag needs a value: a version name pattern/],
      [['forget', '--keep-tag', ''], /^snap: snap forget: --keep-tag takes a version name pattern \(\* and \?\), not empty \(got ""/],
      [['forget', '--keep-tag', 'v1.0', '--keep-tag='], /--keep-tag takes a version name pattern/],
      [['forget', '--keep-within', '99999999999999999999y'], /--keep-within: "99999999999999999999y" is longer than 10000 years/],
      [['forget', '--keep-within', ''], /--keep-within takes a duration/],
      [['stats', '--recent', '-1'], /^snap: snap stats: --recent takes a whole number of versions \(0 or more\) \(got "-1"/],
      [['stats', '--recent'], /^snap: snap stats: --recent needs a value: a whole number of versions/],
      [['stats', '--recent', '1e3'], /--recent takes a whole number/],
      [['commit', '-m'], /^snap: snap commit: -m\/--message needs a value/],
      [['commit', '-m', ''], /^snap: snap commit: -m\/--message takes a value that is not empty/],
      [['-C', '', 'log'], /^snap: -C needs a folder: -C DIR/],
      [['log', '-C', ''], /^snap: snap log: -C\/--directory takes a value that is not empty/],
    ];
    for (const [args, message] of cases) {
      const r = snapCli(dir, args);
      expect([r.code, r.stdout], `${args.join(' ')}: ${r.stderr}`).toEqual([2, '']);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr, args.join(' ')).not.toMatch(/ambiguous|ERR_PARSE_ARGS/);
    }
    expect({ tags: tags(dir), head: git(dir, 'rev-parse', 'main'), notes: git(dir, 'for-each-ref', 'refs/notes/') }).toEqual(before);
    // Good values still work: a count at its largest, "unlimited", a dash-less pattern, --recent 0.
    expect(snapCli(dir, ['forget', '--keep-last', '9007199254740991', '--dry-run']).code).toBe(0);
    expect(snapCli(dir, ['forget', '--keep-weekly', 'unlimited', '--keep-tag', 'v1.*', '--dry-run']).code).toBe(0);
    expect(snapCli(dir, ['stats', '--recent', '0']).stdout).not.toMatch(/newest version/);
  });

  it('every option of every verb that takes a value is refused by name when it has none', () => {
    // The parser the CLI runs (the cases above run it through bin/snap.js): here over every verb, cheaply.
    let checked = 0;
    for (const cmd of commands) {
      for (const [name, spec] of Object.entries(cmd.options)) {
        if (spec.type !== 'string') continue;
        for (const argv of [[`--${name}`], [`--${name}`, '--help']]) {
          expect(() => parseCommandArgs(cmd, argv), `snap ${cmd.name} ${argv.join(' ')}`).toThrow(new RegExp(`^snap ${cmd.name}: (-\\w/)?--${name} needs a value`));
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(15);
  });
});
