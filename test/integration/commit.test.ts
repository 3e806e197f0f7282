// The commit pipeline with collectors made for the test: isolation, carry-over, refusals,
// the lock, and what stock git sees.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { acquireLock } from '../../src/archive/lock.js';
import { listVersions } from '../../src/archive/versions.js';
import type { Collector } from '../../src/collectors/types.js';
import { expectStockGitAgrees, git, makeArchive, readVersion, snapshot, tempDir } from '../helpers/archive.js';

const schema = z.object({ enabled: z.boolean().default(true) }).strict();

function fakeCollector(id: string, behaviour: { fail?: () => boolean; files?: () => Record<string, string> }): Collector<{ enabled: boolean }> {
  return {
    id,
    title: id,
    root: `${id}_folder`,
    platform: 'local',
    configSchema: schema,
    enabledByDefault: true,
    async collect(ctx) {
      for (const [path, text] of Object.entries(behaviour.files?.() ?? { 'a.json': '{}' })) ctx.out.text(path, text);
      ctx.count('things', 1);
      if (behaviour.fail?.()) throw new Error(`${id} exploded`);
    },
  };
}

describe('snap commit pipeline', () => {
  it('isolates a failing collector: the others are written, its folder is carried over and marked stale', async () => {
    const archive = await makeArchive();
    let failB = false;
    let contentA = 'one';
    const a = fakeCollector('alpha', { files: () => ({ 'x.txt': contentA }) });
    const b = fakeCollector('beta', { fail: () => failB, files: () => ({ 'y.txt': 'stable' }) });

    const v1 = await snapshot(archive, 'v1.0', { collectors: [a, b] });
    expect(v1.partial).toBe(false);
    expect(v1.manifest.status).toBe('complete');

    failB = true;
    contentA = 'two';
    const v2 = await snapshot(archive, 'v1.1', { collectors: [a, b] });
    expect(v2.partial).toBe(true);
    const beta = v2.manifest.collectors.find((c) => c.id === 'beta')!;
    expect(beta).toMatchObject({ status: 'stale', staleFrom: 'v1.0', errors: [{ resource: 'beta_folder', message: 'beta exploded' }] });
    expect(beta.stats.files).toBe(1);
    const r2 = await readVersion(archive, 'v1.1');
    expect(await r2.text('alpha_folder/x.txt')).toBe('two');
    expect(await r2.text('beta_folder/y.txt')).toBe('stable');
    expect(await r2.text('MANIFEST.md')).toMatch(/stale \(from v1\.0\)/);
    expectStockGitAgrees(archive.dir);
  });

  it('marks a collector that fails on a first snapshot as failed, with nothing in its folder', async () => {
    const archive = await makeArchive();
    const v1 = await snapshot(archive, 'v1.0', { collectors: [fakeCollector('alpha', {}), fakeCollector('beta', { fail: () => true })] });
    expect(v1.partial).toBe(true);
    expect(v1.manifest.collectors.find((c) => c.id === 'beta')!.status).toBe('failed');
    expect(await (await readVersion(archive, 'v1.0')).entry('beta_folder')).toBeNull();
  });

  it('writes nothing when every collector fails', async () => {
    const archive = await makeArchive();
    const before = git(archive.dir, 'rev-parse', 'main');
    await expect(snapshot(archive, 'v1.0', { collectors: [fakeCollector('beta', { fail: () => true })] })).rejects.toMatchObject({ code: 'NOTHING_COLLECTED' });
    expect(git(archive.dir, 'rev-parse', 'main')).toBe(before);
    expect(await listVersions(archive.repo)).toEqual([]);
    expect(existsSync(join(archive.privateDir, 'lock'))).toBe(false);
  });

  it('refuses an existing version or an invalid name before writing anything', async () => {
    const archive = await makeArchive();
    const c = [fakeCollector('alpha', {})];
    await snapshot(archive, 'v1.0', { collectors: c });
    const head = git(archive.dir, 'rev-parse', 'main');
    await expect(snapshot(archive, 'v1.0', { collectors: c })).rejects.toMatchObject({ code: 'VERSION_EXISTS' });
    await expect(snapshot(archive, 'no spaces', { collectors: c })).rejects.toMatchObject({ code: 'INVALID_VERSION_NAME' });
    expect(git(archive.dir, 'rev-parse', 'main')).toBe(head);
  });

  it('names the next version itself and keeps the tree identical when nothing changed', async () => {
    const archive = await makeArchive();
    const c = [fakeCollector('alpha', {})];
    const a = await snapshot(archive, undefined, { collectors: c });
    const b = await snapshot(archive, undefined, { collectors: c });
    expect([a.version, b.version]).toEqual(['v1.0', 'v1.1']);
    expect(b.summary).toBe('no changes');
    expect(git(archive.dir, 'diff', '--name-only', 'v1.0', 'v1.1').trim().split('\n')).toEqual(['.snap/manifest.json', 'MANIFEST.md']);
    expect(git(archive.dir, 'log', '-1', '--format=%s', 'main').trim()).toBe('v1.1: no changes');
  });

  it('refuses a second writer while the lock is held, and takes over a lock left by a dead process', async () => {
    const archive = await makeArchive();
    const release = await acquireLock(archive.lockPath, 'snap commit (test)');
    await expect(snapshot(archive, 'v1.0', { collectors: [fakeCollector('alpha', {})] })).rejects.toMatchObject({ code: 'ARCHIVE_LOCKED' });
    await release();

    mkdirSync(archive.privateDir, { recursive: true });
    const dead = spawn('true');
    await new Promise((r) => dead.on('exit', r));
    writeFileSync(archive.lockPath, JSON.stringify({ pid: dead.pid, host: (await import('node:os')).hostname(), startedAt: '2026-01-01T00:00:00Z', command: 'snap commit v0' }));
    const v = await snapshot(archive, 'v1.0', { collectors: [fakeCollector('alpha', {})] });
    expect(v.version).toBe('v1.0');
  });

  it('shows the version in the working tree, with a clean git status', async () => {
    const archive = await makeArchive();
    let content = 'first';
    const c = [fakeCollector('alpha', { files: () => ({ [`${content}.txt`]: content }) })];
    await snapshot(archive, 'v1.0', { collectors: c });
    expect(existsSync(join(archive.dir, 'alpha_folder/first.txt'))).toBe(true);
    content = 'second';
    await snapshot(archive, 'v1.1', { collectors: c });
    expect(existsSync(join(archive.dir, 'alpha_folder/first.txt'))).toBe(false);
    expect(existsSync(join(archive.dir, 'alpha_folder/second.txt'))).toBe(true);
    expect(git(archive.dir, 'status', '--porcelain')).toBe('');
    // a hand edit of an archived file shows as modified, as in any git checkout
    writeFileSync(join(archive.dir, 'alpha_folder/second.txt'), 'edited');
    expect(git(archive.dir, 'status', '--porcelain')).toMatch(/M alpha_folder\/second.txt/);
    execFileSync('git', ['checkout', '--', '.'], { cwd: archive.dir });
  });

  it('keeps the index exact whether it is updated in place or rebuilt after git touched it', async () => {
    const archive = await makeArchive();
    let n = 0;
    const c = [fakeCollector('alpha', { files: () => ({ 'stable.txt': 'same', [`v${n}.txt`]: String(n) }) })];
    const indexed = () => git(archive.dir, 'ls-files', '-s').trim().split('\n').sort();
    const tree = () => git(archive.dir, 'ls-tree', '-r', 'HEAD').trim().split('\n').map((l) => l.replace(/ blob /, ' ').replace(/\t/, ' 0\t')).sort();
    await snapshot(archive, 'v1.0', { collectors: c });
    // Updated in place: only the changed paths get new entries.
    n = 1;
    await snapshot(archive, 'v1.1', { collectors: c });
    expect(indexed()).toEqual(tree());
    expect(git(archive.dir, 'status', '--porcelain')).toBe('');
    // git rewrites the index (a stray file staged): the next commit notices and rebuilds it.
    writeFileSync(join(archive.dir, 'stray.txt'), 'not archived');
    git(archive.dir, 'add', 'stray.txt');
    n = 2;
    await snapshot(archive, 'v1.2', { collectors: c });
    expect(indexed()).toEqual(tree());
    expect(git(archive.dir, 'status', '--porcelain').trim()).toBe('?? stray.txt');
  });
});

describe('a crash in the middle of a commit', () => {
  it('leaves the previous version intact and the archive usable', async () => {
    const base = tempDir();
    const folder = join(base, 'big');
    mkdirSync(folder);
    // enough data that the commit is still running when it is killed
    for (let i = 0; i < 16; i++) writeFileSync(join(folder, `part-${i}.bin`), Buffer.alloc(8 * 1024 * 1024, i));
    const archive = await makeArchive({ collectors: { local: { paths: [{ name: 'big', path: folder }] } } });
    await snapshot(archive, 'v1.0');
    for (let i = 0; i < 16; i++) writeFileSync(join(folder, `part-${i}.bin`), Buffer.alloc(8 * 1024 * 1024, i + 100));
    const child = spawn(process.execPath, [join(process.cwd(), 'bin/snap.js'), '-C', archive.dir, 'commit', 'v1.1'], { stdio: 'ignore' });
    // kill it while it holds the archive lock, i.e. in the middle of the commit
    const deadline = Date.now() + 20_000;
    while (!existsSync(archive.lockPath) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(existsSync(archive.lockPath), 'the commit started').toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));

    const tags = git(archive.dir, 'tag', '--list').split('\n').filter(Boolean);
    const head = git(archive.dir, 'rev-parse', 'main').trim();
    if (tags.includes('v1.1')) expect(git(archive.dir, 'rev-parse', 'v1.1^{commit}').trim()).toBe(head);
    else expect(git(archive.dir, 'rev-parse', 'v1.0^{commit}').trim()).toBe(head);
    execFileSync('git', ['fsck', '--strict', '--no-dangling'], { cwd: archive.dir });
    execFileSync('git', ['verify-tag', 'v1.0'], { cwd: archive.dir });
    const next = await snapshot(archive);
    expect(next.partial).toBe(false);
    expectStockGitAgrees(archive.dir);
  });
});
