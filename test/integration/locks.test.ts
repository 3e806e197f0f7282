// The archive lock and the pack writer's clean-up, with real processes:
//  - a stale archive lock (its holder killed) is taken over by exactly one of many processes
//    racing for it (before, take-over was read-then-unlink: two racers could both win);
//  - a lock whose holder runs is never taken; a lock record is never seen half-written;
//  - a pack writer whose finish() fails, or that is aborted, leaves no temporary behind.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireArchiveLock, deadLocks } from '../../src/archive/lock.js';
import { PackWriter } from '../../src/git/pack-writer.js';
import { tempDir } from '../helpers/archive.js';

const LOCK_MODULE = join(process.cwd(), 'dist', 'archive', 'lock.js');

/** A pid that ran and is gone (the process was killed). */
function deadPid(): number {
  const r = spawnSync('sh', ['-c', 'echo $$; kill -9 $$']);
  return Number(r.stdout.toString().trim());
}

/**
 * Processes that each try to take the lock at once and report; a winner holds the lock until
 * every racer has reported (its stdin is closed then), so a late racer can never take it
 * legitimately after a release and be counted as a second winner.
 */
async function race(lockPath: string, n: number): Promise<string[]> {
  const script = `import(${JSON.stringify(LOCK_MODULE)}).then(async (m) => {
    try { const l = await m.acquireArchiveLock(${JSON.stringify(lockPath)}, 'racer'); process.stdout.write('won'); process.stdin.resume(); await new Promise((r) => process.stdin.on('end', r)); await l.release(); }
    catch (e) { process.stdout.write(e.code === 'ARCHIVE_LOCKED' ? 'busy' : 'error ' + e.message); }
  });`;
  const children = Array.from({ length: n }, () => spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] }));
  const results = await Promise.all(
    children.map(
      (child) =>
        new Promise<string>((resolve) => {
          let out = '';
          child.stdout!.on('data', (d) => {
            out += d;
            if (out === 'won' || out === 'busy' || out.startsWith('error')) resolve(out);
          });
          child.on('exit', () => resolve(out));
        }),
    ),
  );
  for (const c of children) c.stdin!.end();
  await Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.on('exit', r)))));
  return results;
}

describe('the archive lock', () => {
  // Against the old read-then-unlink take-over, 4 of 30 such rounds had two winners (and
  // the first version of this take-over, rename-aside then check, could displace a live lock).
  it('is taken over from a killed holder by exactly one of the processes racing for it', async () => {
    const dir = tempDir();
    const lockPath = join(dir, 'lock');
    for (let round = 0; round < 12; round++) {
      writeFileSync(lockPath, `${JSON.stringify({ pid: deadPid(), host: hostname(), startedAt: new Date(Date.now() - 60_000).toISOString(), command: 'snap commit v9' })}\n`);
      const results = await race(lockPath, 6);
      expect(results.filter((r) => r === 'won'), `round ${round}: ${results.join(', ')}`).toHaveLength(1);
      expect(results.filter((r) => r === 'busy')).toHaveLength(5);
      // the dead holder's record is kept for the recovery of what it left, then removed by it
      const dead = await deadLocks(lockPath);
      expect(dead.map((d) => d.holder?.command)).toEqual(['snap commit v9']);
      for (const d of dead) (await import('node:fs')).unlinkSync(d.file);
    }
    expect(readdirSync(dir)).toEqual([]);
  }, 60_000);

  it('refuses, naming both files, when a take-over was itself killed half-way', async () => {
    const dir = tempDir();
    const lockPath = join(dir, 'lock');
    const stale = `${JSON.stringify({ pid: deadPid(), host: hostname(), startedAt: new Date(Date.now() - 60_000).toISOString(), command: 'snap commit v9' })}\n`;
    writeFileSync(lockPath, stale);
    // The claim a taker makes, named after the stale record, holding the (now dead) taker's own record.
    const claim = `${lockPath}.claim-${createHash('sha256').update(stale).digest('hex').slice(0, 16)}`;
    writeFileSync(claim, `${JSON.stringify({ pid: deadPid(), host: hostname(), startedAt: new Date().toISOString(), command: 'snap commit v10' })}\n`);
    await expect(acquireArchiveLock(lockPath, 'snap commit v11')).rejects.toMatchObject({ code: 'ARCHIVE_LOCKED', message: expect.stringContaining(`remove both and run the command again: rm '${lockPath}' '${claim}'`) });
    rmSync(claim);
    await (await acquireArchiveLock(lockPath, 'snap commit v11')).release();
  });

  it('is never taken from a running holder, and names it', async () => {
    const dir = tempDir();
    const lockPath = join(dir, 'lock');
    const held = await acquireArchiveLock(lockPath, 'snap commit v1.0');
    await expect(acquireArchiveLock(lockPath, 'snap commit v1.1')).rejects.toMatchObject({ code: 'ARCHIVE_LOCKED', message: expect.stringMatching(new RegExp(`snap commit v1\\.0 \\(pid ${process.pid} on `)) });
    const record = JSON.parse(readFileSync(lockPath, 'utf8'));
    expect(record).toMatchObject({ pid: process.pid, command: 'snap commit v1.0' });
    await held.assertHeld();
    await held.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('is not released by a holder whose lock was taken over', async () => {
    const dir = tempDir();
    const lockPath = join(dir, 'lock');
    const held = await acquireArchiveLock(lockPath, 'snap commit v1.0');
    // Someone else's record in its place (as after a wrong take-over): this holder must notice.
    writeFileSync(lockPath, `${JSON.stringify({ pid: 1, host: hostname(), startedAt: new Date().toISOString(), command: 'other', token: 'x' })}\n`);
    await expect(held.assertHeld()).rejects.toMatchObject({ code: 'ARCHIVE_LOCKED' });
    await held.release();
    expect(JSON.parse(readFileSync(lockPath, 'utf8')).command).toBe('other');
  });
});

describe('the pack writer', () => {
  function tmpFiles(packDir: string): string[] {
    return readdirSync(packDir).filter((n) => n.startsWith('tmp_pack_snap_'));
  }

  it('removes its temporary pack when finish() fails, and on abort', async () => {
    const packDir = join(tempDir(), 'pack');
    mkdirSync(packDir);
    const writer = new PackWriter(packDir, { fsync: false });
    writer.add('blob', Buffer.from('hello'));
    // Make sealing fail where a full disk would: the index cannot be created (a folder holds its name).
    const [tmp] = tmpFiles(packDir);
    mkdirSync(join(packDir, `${tmp}.idx`));
    await expect(writer.finish()).rejects.toThrow(/EEXIST/);
    expect(tmpFiles(packDir)).toEqual([`${tmp}.idx`]); // only the folder the test made
    writer.abort();

    const aborted = new PackWriter(packDir, { fsync: false });
    aborted.add('blob', Buffer.from('world'));
    aborted.abort();
    expect(tmpFiles(packDir)).toEqual([`${tmp}.idx`]);

    const sealed = new PackWriter(packDir, { fsync: false });
    sealed.add('blob', Buffer.from('kept'));
    const done = (await sealed.finish())!;
    sealed.abort(); // after a finish, abort keeps the pack
    expect(readdirSync(packDir).filter((n) => n.startsWith('pack-')).sort()).toEqual([`pack-${done.checksum}.idx`, `pack-${done.checksum}.pack`]);
  });
});
