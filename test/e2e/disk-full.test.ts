// Out of disk space, for real: the archive lives on a small tmpfs this file mounts (the tests run
// as root: `mount -t tmpfs -o size=…`), unmounted after. What must hold wherever the space runs
// out (a payload being downloaded, the pack being sealed, the working tree being updated): the
// commit fails with exit 1 and one line naming the space and the fix; nothing is sealed; the
// previous version, the index and the working tree are as they were; and once there is room
// again the same commit completes under the same version name.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, statfsSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Archive } from '../../src/archive/archive.js';
import { commitVersion } from '../../src/archive/commit.js';
import { initArchive } from '../../src/archive/init.js';
import { collectors } from '../../src/collectors/registry.js';
import { SnapError } from '../../src/errors.js';
import { FsContentStore } from '../../src/store/fs-store.js';
import { silentLogger, silentProgress } from '../../src/util/log.js';
import { git, tempDir } from '../helpers/archive.js';
import { snapCli } from '../helpers/cli.js';
import { useMoto } from '../helpers/moto.js';
import { createBucket, put } from '../helpers/s3-seed.js';

const moto = useMoto();

/** Mounts a tmpfs of `size` at a new folder; null (and why) when this machine does not let us. */
function mountTmpfs(size: string): { dir: string; unmount: () => void } | string {
  if (process.getuid?.() !== 0) return 'not running as root';
  const dir = tempDir('snap-tmpfs-');
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) return `mount -t tmpfs failed: ${(r.stderr || r.error?.message || '').trim()}`;
  return { dir, unmount: () => spawnSync('umount', ['-l', dir]) };
}

const free = (path: string) => Number(statfsSync(path).bavail) * Number(statfsSync(path).bsize);

/** Leaves exactly about `bytes` free on the filesystem of `filler` (a file it owns there). */
function leaveFree(filler: string, bytes: number): void {
  writeFileSync(filler, '');
  const room = free(filler) - bytes;
  if (room > 0) writeFileSync(filler, Buffer.alloc(room));
}

/** Every file of the working tree (not .git) with its sha256: what "intact" is checked against. */
function workingTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (p === join(dir, '.git')) continue;
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

function gitState(dir: string) {
  return {
    main: git(dir, 'rev-parse', 'main').trim(),
    tags: git(dir, 'tag', '--list').trim(),
    index: createHash('sha256').update(readFileSync(join(dir, '.git', 'index'))).digest('hex'),
    tree: workingTree(dir),
  };
}

/** Leftovers a failed commit must not leave: a held index lock, staged files, payload temporaries. */
async function leftovers(dir: string): Promise<string[]> {
  const found: string[] = [];
  if (existsSync(join(dir, '.git', 'index.lock'))) found.push('.git/index.lock');
  for (const name of readdirSync(join(dir, '.git', 'snap'))) if (name.startsWith('checkout-')) found.push(`.git/snap/${name}`);
  // the working tree is staged in .git/snap/tmp (swept by the next writer, but a failed commit cleans up itself)
  if (existsSync(join(dir, '.git', 'snap', 'tmp'))) for (const name of readdirSync(join(dir, '.git', 'snap', 'tmp'))) found.push(`.git/snap/tmp/${name}`);
  const archive = Archive.at(dir);
  const tmp = join((archive.openStore(await archive.loadConfig()) as FsContentStore).root, 'tmp');
  expect(existsSync(join(tmp, '..')), 'the content store is where the archive says').toBe(true);
  if (existsSync(tmp)) for (const name of readdirSync(tmp)) found.push(`store tmp/${name}`);
  return found;
}

const mounted = mountTmpfs('20m');
const skip = typeof mounted === 'string' ? mounted : null;

describe.skipIf(skip !== null)(`out of disk space on a real tmpfs${skip ? ` (skipped: ${skip})` : ''}`, { timeout: 240_000 }, () => {
  const fs = mounted as { dir: string; unmount: () => void };
  const extra: { unmount: () => void }[] = [];
  afterAll(() => {
    for (const m of [fs, ...extra]) m.unmount();
  });

  describe('a payload larger than the space left, through the CLI', () => {
    let dir: string;
    beforeAll(async () => {
      const s3 = await createBucket(moto.endpoint, 'disk-site', 'us-east-1');
      await put(s3, 'disk-site', 'index.html', '<h1>small</h1>\n', { ContentType: 'text/html' });
      expect(snapCli(fs.dir, ['init', 'estate']).code).toBe(0);
      dir = join(fs.dir, 'estate');
      const config = JSON.parse(readFileSync(join(dir, 'snap.config.json'), 'utf8'));
      for (const id of Object.keys(config.collectors)) config.collectors[id].enabled = false;
      config.aws.endpoint = moto.endpoint;
      config.collectors.s3 = { enabled: true };
      writeFileSync(join(dir, 'snap.config.json'), JSON.stringify(config, null, 2));
      const v1 = snapCli(dir, ['commit', 'v1.0']);
      expect(v1.code, v1.stderr).toBe(0);
      for (let i = 0; i < 3; i++) await put(s3, 'disk-site', `media/big-${i}.bin`, randomBytes(8 << 20), { ContentType: 'application/octet-stream' });
    });

    it('fails the commit with exit 1 and one line naming the space needed; nothing sealed, nothing changed', async () => {
      const before = gitState(dir);
      const r = snapCli(dir, ['commit']);
      expect(r.code, r.stderr).toBe(1);
      const lines = r.stderr.split('\n').filter((l) => l.startsWith('snap: '));
      expect(lines).toEqual([
        expect.stringMatching(/^snap: the disk is full \(ENOSPC\) writing s3:\/\/disk-site\/media\/big-\d\.bin under .+ \([\d.]+ \w+ free; at least [\d.]+ \w+ more is needed\); nothing was sealed and the archive is as it was: free space on that disk, or move the archive or store\.path to a larger one, and run the command again$/),
      ]);
      expect(r.stderr).not.toMatch(/partial/);
      expect(gitState(dir)).toEqual(before);
      expect(await leftovers(dir)).toEqual([]);
      execFileSync('git', ['fsck', '--strict', '--no-dangling'], { cwd: dir, stdio: 'pipe' });
      expect(snapCli(dir, ['verify', '--all']).code).toBe(0);
    });

    it('with room again, the same commit completes under the same version name', () => {
      execFileSync('mount', ['-o', 'remount,size=64m', fs.dir]);
      const r = snapCli(dir, ['commit']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^v1\.1 /);
      expect(snapCli(dir, ['verify', '--all']).code).toBe(0);
    });
  });

  describe('every amount of space around what a commit needs', () => {
    it('either completes, or fails cleanly at the payload, the seal or the working tree', async () => {
      const small = mountTmpfs('6m');
      if (typeof small === 'string') throw new Error(small);
      extra.push(small);
      // The estate: a local folder of 48 text files (each a file in the working tree) and a
      // binary payload (in the content store); v1.1 changes every one of them.
      const src = tempDir('snap-disk-src-');
      const write = (round: string) => {
        for (let i = 0; i < 48; i++) writeFileSync(join(src, `page-${i}.txt`), `${round} ${i} ${'x'.repeat(3000)}\n`);
        writeFileSync(join(src, 'logo.bin'), randomBytes(96 * 1024));
      };
      write('first');
      const dir = join(small.dir, 'estate');
      await initArchive(dir, { region: 'us-east-1' });
      const archive = Archive.at(dir);
      const config = JSON.parse(readFileSync(archive.configPath, 'utf8'));
      for (const c of collectors) config.collectors[c.id] = { enabled: false };
      config.collectors.local = { enabled: true, paths: [{ name: 'site', path: src }] };
      writeFileSync(archive.configPath, JSON.stringify(config, null, 2));
      const run = () => commitVersion(archive, { version: 'v1.1', progress: silentProgress, log: silentLogger });
      await commitVersion(archive, { version: 'v1.0', progress: silentProgress, log: silentLogger });
      write('second');

      const filler = join(small.dir, 'filler');
      const phases = new Map<string, number>();
      let completedAt: number | null = null;
      for (let room = 8 << 10; room <= 2 << 20; room += 8 << 10) {
        const before = gitState(dir);
        leaveFree(filler, room);
        const err = await run().then(() => null, (e: unknown) => e);
        if (err === null) {
          completedAt = room;
          break;
        }
        expect(err, `with ${room} bytes free`).toBeInstanceOf(SnapError);
        expect((err as SnapError).code).toBe('DISK_FULL');
        expect((err as SnapError).message).toMatch(/^the disk is full \(ENOSPC\) writing .*: free space on that disk/);
        expect(gitState(dir), `with ${room} bytes free`).toEqual(before);
        expect(await leftovers(dir), `with ${room} bytes free`).toEqual([]);
        const phase = phaseOf(err as SnapError);
        phases.set(phase, (phases.get(phase) ?? 0) + 1);
      }
      rmSync(filler);
      expect(completedAt, 'the commit completed once there was room').not.toBeNull();
      // The space ran out at every stage of the commit on the way there, a few KiB short of what
      // it needed included: the last failures were at the working tree, just before the seal.
      expect([...phases.keys()].sort()).toEqual(['collecting', 'sealing', 'working tree']);
      expect(git(dir, 'tag', '--list').trim().split('\n')).toEqual(['v1.0', 'v1.1']);
      expect(readFileSync(join(dir, 'local_repos', 'site', 'files', 'page-7.txt'), 'utf8')).toMatch(/^second 7 /);
      execFileSync('git', ['fsck', '--strict', '--no-dangling'], { cwd: dir, stdio: 'pipe' });
      expect(git(dir, 'status', '--porcelain')).toBe('');
      expect(snapCli(dir, ['verify', '--all']).code).toBe(0);
    });
  });
});

/** Where a commit ran out of space, from what it says it was writing. */
function phaseOf(err: SnapError): string {
  const what = String(err.data.what ?? '');
  if (!what.startsWith('version ')) return 'collecting';
  return what.includes('working tree') ? 'working tree' : 'sealing';
}
