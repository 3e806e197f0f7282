// `snap runbook` and the RECOVERY.md `snap commit` writes, through the built binary: the
// runbook names the version in every command and parses; -o writes it to a file; every
// version stores the $VERSION form (the same in two versions of an unchanged estate, which
// still differ only in their manifests); the working tree shows it and stays clean; a new
// archive starts with the template's placeholder, committed.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Archive } from '../../src/archive/archive.js';
import { resolveVersion } from '../../src/archive/versions.js';
import { expectStockGitAgrees, git, tempDir } from '../helpers/archive.js';
import { snapCli } from '../helpers/cli.js';
import { archiveWithTools } from '../helpers/cli-archive.js';
import { expectCommandsParse } from '../helpers/runbook-commands.js';

describe('snap runbook (CLI)', { timeout: 240_000 }, () => {
  it('prints the runbook of a version with its exact commands, and writes it with -o', async () => {
    const { base, dir } = archiveWithTools();
    const r = snapCli(dir, ['runbook', 'v1.0']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^# Recovery runbook\n/);
    expect(r.stdout).toContain('This runbook is for version **v1.0** (commit `');
    // snap does not restore local folders: the runbook gives the steps by hand, never a restore snap refuses.
    expect(r.stdout).not.toContain('snap restore v1.0 local_repos');
    expect(r.stdout).toContain('- **snap restore cannot put this layer back:** copy folders and repositories back with the steps below');
    expect(snapCli(dir, ['restore', 'v1.0', 'local_repos/tools', '--dry-run']).code).toBe(2);
    expect(r.stdout).toContain('   mkdir -p ~/recovery\n   snap export v1.0 -o ~/recovery/estate-v1.0.tar.gz\n   snap checkout v1.0 ~/recovery/v1.0\n');
    expect(r.stdout).toContain(`mkdir -p ${join(base, 'tools')} && cp -R ~/recovery/v1.0/local_repos/tools/files/. ${join(base, 'tools')}/\n`);
    const archive = Archive.at(dir);
    const v = await resolveVersion(archive.repo, 'v1.0');
    expect(await expectCommandsParse(r.stdout, archive.repo, v.treeOid, 'v1.0')).toBeGreaterThanOrEqual(5);
    expect(snapCli(dir, ['runbook']).stdout).toBe(r.stdout); // latest

    const w = snapCli(dir, ['runbook', 'v1.0', '-o', join(base, 'RECOVERY-v1.0.md')]);
    expect(w.code).toBe(0);
    expect(readFileSync(join(base, 'RECOVERY-v1.0.md'), 'utf8')).toBe(r.stdout);
    expect(snapCli(dir, ['runbook', 'v9.9']).code).toBe(2);
  });

  it('is stored in every version as RECOVERY.md, the same for an unchanged estate', () => {
    const { dir } = archiveWithTools();
    const stored = git(dir, 'show', 'v1.0:RECOVERY.md');
    expect(stored).toContain('VERSION=$(sed -n \'1s/^# Snapshot //p\' MANIFEST.md)');
    expect(stored).not.toContain('snap restore "$VERSION" local_repos');
    expect(stored).toContain('cp -R ~/recovery/"$VERSION"/local_repos/tools/files/.');
    expect(readFileSync(join(dir, 'RECOVERY.md'), 'utf8')).toBe(stored);
    // what the stored copy tells you to run finds the version's name beside it
    expect(execFileSync('sh', ['-c', `sed -n '1s/^# Snapshot //p' MANIFEST.md`], { cwd: dir, encoding: 'utf8' })).toBe('v1.0\n');

    const v11 = snapCli(dir, ['commit']);
    expect(v11.code, v11.stderr).toBe(0);
    expect(v11.stdout).toMatch(/^v1\.1  no changes/);
    expect(git(dir, 'diff', '--name-only', 'v1.0', 'v1.1').trim().split('\n')).toEqual(['.snap/manifest.json', 'MANIFEST.md']);
    expect(snapCli(dir, ['verify', '--all']).code).toBe(0);
    expectStockGitAgrees(dir);
  });

  it('starts a new archive with the template placeholder, committed, and replaces it at the first version', () => {
    const base = tempDir();
    expect(snapCli(base, ['init', 'estate']).code).toBe(0);
    const dir = join(base, 'estate');
    expect(git(dir, 'status', '--porcelain')).toBe('');
    expect(git(dir, 'show', 'main:RECOVERY.md')).toMatch(/This archive holds no version yet/);
  });

  it('explains itself in --help, with examples', () => {
    const r = snapCli(tempDir(), ['runbook', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: snap runbook \[VERSION\] \[-o FILE\]/);
    expect(r.stdout).toContain('examples:\n  snap runbook v1.1');
  });
});
