// The local collector against real folders and real git repositories made in a temp dir.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Archive } from '../../src/archive/archive.js';
import { openEntry } from '../../src/archive/listing.js';
import { archiveContainsBytes, collectorContract } from '../helpers/collector-contract.js';
import { git, makeArchive, readVersion, snapshot, tempDir } from '../helpers/archive.js';

const SECRET = 'sk_live_planted_local_secret_42';

function makeFolder(root: string): void {
  mkdirSync(join(root, 'sub'), { recursive: true });
  writeFileSync(join(root, 'deploy.py'), 'print("deploy")\n');
  writeFileSync(join(root, 'run.sh'), '#!/bin/sh\necho run\n');
  chmodSync(join(root, 'run.sh'), 0o755);
  writeFileSync(join(root, '.env'), `STRIPE_KEY=${SECRET}\n`);
  writeFileSync(join(root, 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3, 255]));
  writeFileSync(join(root, '.gitignore'), '*.log\nbuild/\n');
  writeFileSync(join(root, 'debug.log'), 'noise\n');
  mkdirSync(join(root, 'build'));
  writeFileSync(join(root, 'build', 'out.js'), 'built\n');
  writeFileSync(join(root, 'sub', 'notes.md'), '# notes\n');
}

function makeRepo(root: string): void {
  mkdirSync(root, { recursive: true });
  const g = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: root });
  g('init', '-q', '-b', 'main');
  writeFileSync(join(root, 'release.py'), 'VERSION = 1\n');
  g('add', '.');
  g('commit', '-qm', 'first');
  g('remote', 'add', 'origin', `https://deploy-bot:${SECRET}@git.example.com/tools.git`);
  writeFileSync(join(root, 'release.py'), 'VERSION = 2\n'); // uncommitted change
  writeFileSync(join(root, 'scratch.txt'), 'untracked\n');
}

describe('local collector', () => {
  let archive: Archive;
  let folder: string;
  let repo: string;

  beforeAll(async () => {
    const base = tempDir();
    folder = join(base, 'tools');
    repo = join(base, 'sites');
    makeFolder(folder);
    makeRepo(repo);
    archive = await makeArchive({ collectors: { local: { paths: [{ name: 'tools', path: folder }, { name: 'sites', path: repo }] } } });
  });

  collectorContract({ archive: () => archive, root: 'local_repos', secrets: [SECRET] });

  it('archives a folder: text readable, binary stored, ignored files left out, secrets by fingerprint', async () => {
    const v = await readVersion(archive, 'latest', 'local_repos/tools');
    expect(await v.text('files/deploy.py')).toBe('print("deploy")\n');
    expect(await v.text('files/sub/notes.md')).toBe('# notes\n');
    expect((await v.entry('files/run.sh'))?.mode).toBe('100755');
    expect(await v.pointer('files/logo.png')).toMatchObject({ size: 9 });
    expect(await v.entry('files/debug.log')).toBeNull();
    expect(await v.entry('files/build/out.js')).toBeNull();
    expect(await v.entry('files/.env')).toBeNull();
    expect((await v.list('listing')).map((e) => e.name)).toEqual(['all.json']); // one shard until it holds over 1,000 files
    const files = (await v.json<{ files: { path: string; storage: string; fingerprint?: string }[] }>('listing/all.json'))!.files;
    expect(files.map((f) => f.path)).toEqual(['.env', '.gitignore', 'deploy.py', 'logo.png', 'run.sh', 'sub/notes.md']);
    expect(files.find((f) => f.path === '.env')).toMatchObject({ storage: 'secret', fingerprint: expect.stringMatching(/^hmac-sha256:/) });
  });

  it('archives a git repository: refs, HEAD, remotes without credentials, uncommitted files, a bundle that clones', async () => {
    const v = await readVersion(archive, 'latest', 'local_repos/sites');
    const record = (await v.json<any>('repo.json'))!;
    expect(record.head).toEqual({ ref: 'refs/heads/main' });
    expect(Object.keys(record.refs)).toEqual(['refs/heads/main']);
    expect(record.remotes.origin.url).toBe('https://git.example.com/tools.git');
    expect(record.remotes.origin.credentials).toMatch(/^hmac-sha256:/);
    expect(record.uncommitted).toEqual([
      { path: 'release.py', status: 'M' },
      { path: 'scratch.txt', status: '??' },
    ]);
    expect(await v.text('uncommitted/release.py')).toBe('VERSION = 2\n');

    const latest = await readVersion(archive, 'latest');
    const bundle = join(tempDir(), 'sites.bundle');
    const chunks: Buffer[] = [];
    for await (const c of await openEntry(archive.repo, archive.openStore(await archive.loadConfig()), latest.treeOid, 'local_repos/sites/bundle.git')) chunks.push(c as Buffer);
    writeFileSync(bundle, Buffer.concat(chunks));
    const clone = join(tempDir(), 'clone');
    execFileSync('git', ['clone', '-q', bundle, clone]);
    expect(git(clone, 'show', 'HEAD:release.py')).toBe('VERSION = 1\n');
  });

  it('reuses the bundle when the refs did not change, and makes a new one when they did', async () => {
    const before = await (await readVersion(archive, 'latest', 'local_repos/sites')).pointer('bundle.git');
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qam', 'second'], { cwd: repo });
    await snapshot(archive);
    const after = await (await readVersion(archive, 'latest', 'local_repos/sites')).pointer('bundle.git');
    expect(after!.oid).not.toBe(before!.oid);
    expect(archiveContainsBytes(archive.dir, SECRET)).toEqual([]);
  });

  it('records a missing path as a partial failure and keeps the other paths', async () => {
    const other = await makeArchive({ collectors: { local: { paths: [{ name: 'tools', path: folder }, { name: 'gone', path: join(folder, 'nope') }] } } });
    const result = await snapshot(other, 'v1.0');
    expect(result.partial).toBe(true);
    const report = result.manifest.collectors.find((c) => c.id === 'local')!;
    expect(report.status).toBe('partial');
    expect(report.errors[0]!.resource).toBe('local_repos/gone');
    expect(await (await readVersion(other, 'v1.0')).text('local_repos/tools/files/deploy.py')).toBe('print("deploy")\n');
  });
});
