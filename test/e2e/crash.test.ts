// Kill trials through the built CLI: `snap commit` is killed with a real SIGKILL at exact
// points of its work (the test hook SNAP_TEST_CRASH_AT, src/util/crash-points.ts: the process
// sends itself SIGKILL when it reaches the point). Each trial proves the kill happened (the
// process ended by SIGKILL, and the leftover that point must leave is there), then checks
// what a user finds: stock `git fsck` and `snap verify --all` pass, main is on a tagged commit,
// snap.config.json and .git/config are whole; then re-runs `snap commit`, which must complete
// and leave nothing behind (bench/lib/kill-trial.js holds the checks; bench/crash.bench.js
// runs the long randomized trials). Also: git locks a live process holds, or a killed git
// left, are refused before anything is collected, with the exact fix.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { changeEstate, checkAfterKill, checkClean, git, inspect, makeTrialArchive, runSnap, type ArchiveState } from '../../bench/lib/kill-trial.js';
import { tempDir } from '../helpers/archive.js';

interface Point {
  point: string;
  /** what must be there right after the kill at this point */
  left: (s: ArchiveState, before: ArchiveState, dir: string) => void;
  prepare?: (dir: string) => void;
}

const newTag = (s: ArchiveState, before: ArchiveState) => [...s.tags.keys()].filter((t) => !before.tags.has(t));

const POINTS: Point[] = [
  { point: 'locked', left: (s) => expect(s.archiveLock).toBe(true) },
  { point: 'collected', left: (s) => expect(s.tmpPacks.length).toBeGreaterThan(0) },
  { point: 'pack-written', left: (s) => expect(s.tmpPacks.some((n) => n.endsWith('.idx'))).toBe(true) },
  { point: 'pack-renamed', left: (s) => expect(s.packsWithoutIndex.length).toBe(1) },
  { point: 'pack-sealed', left: (s, before) => {
    expect(s.packs).toBe(before.packs + 1); // sealed and visible, referenced by nothing yet
    expect(newTag(s, before)).toEqual([]);
    expect(s.tmpPacks).toEqual([]);
  } },
  { point: 'objects-written', left: (s, before, dir) => {
    expect(newTag(s, before)).toEqual([]);
    expect(git(dir, 'fsck', '--unreachable', '--no-reflogs')).toMatch(/unreachable tag/);
  } },
  { point: 'tag-locked', left: (s) => expect(s.gitLocks.filter((l) => l.startsWith('refs/tags/'))).toHaveLength(1) },
  { point: 'tag-created', left: (s, before) => {
    expect(newTag(s, before)).toHaveLength(1);
    expect(s.main).toBe(before.main); // sealed, not yet on main
  } },
  { point: 'main-locked', left: (s) => expect(s.gitLocks).toContain('refs/heads/main.lock') },
  { point: 'main-moved', left: (s, before) => {
    expect(s.main).not.toBe(before.main);
    expect(s.tags.get(newTag(s, before)[0]!)).toBe(s.main);
  } },
  { point: 'trust-published', left: (s, before, dir) => {
    expect(s.tags.get(newTag(s, before)[0]!)).toBe(s.main); // sealed and on main, the working tree still the old one
    expect(git(dir, 'status', '--porcelain')).not.toBe('');
  } },
  {
    point: 'config-locked',
    // git config pointing at the working tree, as archives made before the trusted copy did: the commit repoints it
    prepare: (dir) => git(dir, 'config', 'gpg.ssh.allowedSignersFile', join(dir, '.snap/allowed_signers')),
    left: (s) => expect(s.gitLocks).toContain('config.lock'),
  },
  { point: 'worktree-file', left: (s, before, dir) => {
    // the first changed file written, the index not yet: git sees the working tree half moved
    expect(s.main).not.toBe(before.main);
    expect(git(dir, 'status', '--porcelain')).not.toBe('');
  } },
  {
    // The user changed the config, so the new version's checkout replaces snap.config.json:
    // killed with the new file staged, the old one is still in place (never deleted first).
    point: 'worktree-staged@snap.config.json',
    prepare: (dir) => {
      const config = JSON.parse(readFileSync(join(dir, 'snap.config.json'), 'utf8'));
      config.concurrency = config.concurrency === 5 ? 6 : 5;
      writeFileSync(join(dir, 'snap.config.json'), `${JSON.stringify(config, null, 2)}\n`);
    },
    left: (s, _before, dir) => {
      expect(s.staged.length).toBeGreaterThan(0);
      expect(JSON.parse(readFileSync(join(dir, 'snap.config.json'), 'utf8')).collectors.local.enabled).toBe(true);
    },
  },
  { point: 'index-locked', left: (s) => expect(s.gitLocks).toContain('index.lock') },
];

describe('snap commit killed with SIGKILL', () => {
  it('at every point of a commit: the archive verifies after the kill, and a re-run completes leaving nothing behind', () => {
    const { dir, folder } = makeTrialArchive(tempDir());
    let round = 0;
    for (const p of POINTS) {
      changeEstate(folder, ++round);
      p.prepare?.(dir);
      const before = inspect(dir);
      const killed = runSnap(dir, ['commit'], { SNAP_TEST_CRASH_AT: p.point });
      expect(killed.signal, `${p.point}: ${killed.stderr}`).toBe('SIGKILL');
      const after = inspect(dir);
      expect(after.archiveLock, p.point).toBe(true);
      p.left(after, before, dir);
      expect(checkAfterKill(dir), p.point).toEqual([]);

      const rerun = runSnap(dir, ['commit']);
      expect(rerun.status, `${p.point}: ${rerun.stderr}`).toBe(0);
      expect(rerun.stderr).toMatch(/recovering after snap commit/);
      expect(checkClean(dir), p.point).toEqual([]);
    }
  }, 240_000);

  it('between the tag and main: re-running the same version name completes that version', () => {
    const { dir, folder } = makeTrialArchive(tempDir());
    changeEstate(folder, 1);
    expect(runSnap(dir, ['commit', 'v2.0'], { SNAP_TEST_CRASH_AT: 'tag-created' }).signal).toBe('SIGKILL');
    expect(git(dir, 'tag', '--list', 'v2.0').trim()).toBe('v2.0');
    const verify = runSnap(dir, ['verify', 'v2.0']);
    expect(verify.status).toBe(0);
    expect(verify.stdout).toMatch(/not on main yet: sealed by a `snap commit` that was stopped/);
    const rerun = runSnap(dir, ['commit', 'v2.0']);
    expect(rerun.status, rerun.stderr).toBe(0);
    expect(rerun.stderr).toMatch(/v2\.0 was sealed by a run that was stopped before main moved to it; main now points at v2\.0/);
    expect(rerun.stdout).toMatch(/^v2\.0 /m);
    expect(git(dir, 'rev-parse', 'main').trim()).toBe(git(dir, 'rev-parse', 'v2.0^{commit}').trim());
    expect(checkClean(dir)).toEqual([]);
  }, 60_000);

  it('after a signer was added or the key rotated: the re-run settles the trust record and signs with the right key', () => {
    const base = tempDir();
    const { dir, folder } = makeTrialArchive(base);
    execKeygen(join(base, 'alice'));
    expect(runSnap(dir, ['signers', 'add', 'alice@example.com', join(base, 'alice.pub')]).status).toBe(0);
    changeEstate(folder, 1);
    expect(runSnap(dir, ['commit', 'v1.1'], { SNAP_TEST_CRASH_AT: 'main-moved' }).signal).toBe('SIGKILL');
    expect(checkAfterKill(dir)).toEqual([]);
    changeEstate(folder, 2);
    expect(runSnap(dir, ['commit', 'v1.2']).status).toBe(0);
    const list = JSON.parse(runSnap(dir, ['signers', 'list', '--json']).stdout);
    expect(list.pending).toEqual([]);
    expect(list.trusted.map((t: { principals: string; since: string }) => [t.principals, t.since])).toContainEqual(['alice@example.com', 'since v1.1']);

    expect(runSnap(dir, ['signers', 'rotate']).status).toBe(0);
    changeEstate(folder, 3);
    expect(runSnap(dir, ['commit', 'v1.3'], { SNAP_TEST_CRASH_AT: 'main-moved' }).signal).toBe('SIGKILL');
    expect(existsSync(join(dir, '.git/snap/signing-key.next.pem')), 'the rotation was sealed but not switched to').toBe(true);
    expect(checkAfterKill(dir)).toEqual([]);
    changeEstate(folder, 4);
    const rerun = runSnap(dir, ['commit', 'v1.4']);
    expect(rerun.status, rerun.stderr).toBe(0);
    expect(rerun.stderr).toMatch(/signing key rotated/);
    expect(existsSync(join(dir, '.git/snap/signing-key.next.pem'))).toBe(false);
    expect(checkClean(dir)).toEqual([]);
    const log = runSnap(dir, ['log', '--json']).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(log.map((v: { name: string; signature: string }) => [v.name, v.signature])).toEqual([['v1.4', 'good'], ['v1.3', 'good'], ['v1.2', 'good'], ['v1.1', 'good'], ['v1.0', 'good']]);
  }, 90_000);
});

function execKeygen(path: string): void {
  const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'alice', '-f', path]);
  if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
}

describe('git locks snap cannot attribute to a dead snap writer', () => {
  it('are refused before anything is collected, naming who holds them or the rm that frees them', async () => {
    const { dir, folder } = makeTrialArchive(tempDir());
    changeEstate(folder, 1);
    const before = inspect(dir);
    // Held open by a running process (as git holds index.lock while it writes the index).
    const holder = spawn('sh', ['-c', 'exec 3>.git/index.lock; exec sleep 30'], { cwd: dir, stdio: 'ignore' });
    try {
      const deadline = Date.now() + 5000;
      while (!existsSync(join(dir, '.git/index.lock')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 50));
      const held = runSnap(dir, ['commit']);
      expect(held.status).toBe(1);
      expect(held.stderr).toMatch(new RegExp(`\\.git/index\\.lock is held by sleep \\(pid \\d+\\), which is updating the index; wait for it to finish`));
      expect(held.stderr).not.toMatch(/local: collecting/);
    } finally {
      holder.kill('SIGKILL');
      await new Promise((r) => holder.on('exit', r));
    }
    // Left by a git that was killed (no snap writer died around it): refused with the fix.
    for (const lock of ['index.lock', 'refs/heads/main.lock']) {
      writeFileSync(join(dir, '.git', lock), '');
      const left = runSnap(dir, ['commit']);
      expect(left.status, lock).toBe(1);
      expect(left.stderr).toContain(`by a process that no longer has it open (a git command that was killed or crashed). If no git command is running in this archive, remove it and run the command again: rm '${join(dir, '.git', lock)}'`);
      expect(left.stderr).not.toMatch(/local: collecting/);
      expect(inspect(dir).tags).toEqual(before.tags);
      unlinkSync(join(dir, '.git', lock));
    }
    // A dead snap writer's window ends when it was found dead: a lock a git makes after that
    // is not the dead writer's, even before anything recovered from it.
    expect(runSnap(dir, ['commit'], { SNAP_TEST_CRASH_AT: 'locked' }).signal).toBe('SIGKILL');
    expect(runSnap(dir, ['signers']).status).toBe(0); // reads only: the stale lock stays
    const alice = join(dir, '..', 'alice');
    spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', alice]);
    expect(runSnap(dir, ['signers', 'add', 'alice@example.com', `${alice}.pub`]).status).toBe(0); // takes the stale lock over
    await new Promise((r) => setTimeout(r, 3000));
    writeFileSync(join(dir, '.git/refs/heads/main.lock'), '');
    const later = runSnap(dir, ['commit']);
    expect(later.status, later.stderr).toBe(1);
    expect(later.stderr).toContain(`rm '${join(dir, '.git/refs/heads/main.lock')}'`);
    unlinkSync(join(dir, '.git/refs/heads/main.lock'));

    expect(runSnap(dir, ['commit']).status).toBe(0);
    expect(readdirSync(join(dir, '.git/snap')).filter((n) => n.startsWith('lock'))).toEqual([]);
    expect(checkClean(dir)).toEqual([]);
  }, 60_000);
});
