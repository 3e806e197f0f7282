// `snap checkout` through the built binary: the folder holds exactly what the export's tarball
// unpacks to; a folder that is not empty is refused (exit code 2, left as it was); a failed
// checkout (a deleted payload) leaves no folder and no temporary behind; the temporary of one
// killed mid-way (SIGKILL) is removed by the next checkout into the same folder.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/archive.js';
import { SNAP_BIN, snapCli } from '../helpers/cli.js';
import { expectSameFiles, folderFiles } from '../helpers/version-files.js';
import { archiveWithTools, hidePayload } from '../helpers/cli-archive.js';

describe('snap checkout (CLI)', { timeout: 240_000 }, () => {
  it('writes the same content as the export, into a new or an empty folder', () => {
    const { base, dir } = archiveWithTools();
    expect(snapCli(dir, ['export', 'v1.0', '-o', join(base, 'v1.0.tar')]).code).toBe(0);
    const out = join(base, 'out');
    mkdirSync(out);
    execFileSync('tar', ['-xf', join(base, 'v1.0.tar'), '-C', out]);

    const r = snapCli(base, ['-C', 'estate', 'checkout', 'v1.0', join(base, 'recovered', 'v1.0')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^v1\.0: \d+ files, 1 payload resolved \(6 B\)/);
    expectSameFiles(folderFiles(join(base, 'recovered', 'v1.0')), folderFiles(join(out, 'v1.0')));
    // the same times as the tarball's entries: the version's commit time
    const tarTime = statSync(join(out, 'v1.0', 'MANIFEST.md')).mtimeMs;
    expect(statSync(join(base, 'recovered', 'v1.0', 'MANIFEST.md')).mtimeMs).toBe(tarTime);
    expect(statSync(join(base, 'recovered', 'v1.0', 'local_repos')).mtimeMs).toBe(tarTime);

    mkdirSync(join(base, 'empty'));
    expect(snapCli(dir, ['checkout', 'latest', join(base, 'empty')]).code).toBe(0);
    expectSameFiles(folderFiles(join(base, 'empty')), folderFiles(join(out, 'v1.0')));
    expect(readdirSync(base).filter((n) => n.includes('.tmp-'))).toEqual([]);
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: dir, encoding: 'utf8' })).toBe('');
  });

  it('refuses a folder that is not empty with exit code 2, and leaves it as it was', () => {
    const { base, dir } = archiveWithTools();
    const busy = join(base, 'busy');
    mkdirSync(busy);
    writeFileSync(join(busy, 'mine.txt'), 'keep me\n');
    const r = snapCli(dir, ['checkout', 'v1.0', busy]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`snap: ${busy} is not empty; choose a new or empty folder\n`);
    expect(readdirSync(busy)).toEqual(['mine.txt']);
    expect(readFileSync(join(busy, 'mine.txt'), 'utf8')).toBe('keep me\n');
    expect(snapCli(dir, ['checkout', 'v1.0']).code).toBe(2);
    expect(snapCli(dir, ['checkout', 'v9.9', join(base, 'new')]).code).toBe(2);
    expect(existsSync(join(base, 'new'))).toBe(false);
  });

  it('leaves no folder behind when it fails', async () => {
    const { base, dir } = archiveWithTools();
    const putBack = await hidePayload(dir, 'local_repos/tools/files/logo.bin');
    const r = snapCli(dir, ['checkout', 'v1.0', join(base, 'recovered')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the payload of local_repos\/tools\/files\/logo\.bin .* is not in the content store/);
    expect(readdirSync(base).sort()).toEqual(['estate', 'tools']);
    putBack();
  });

  it('removes what a checkout killed mid-way left, at the next checkout into the same folder', () => {
    const { base, dir } = archiveWithTools();
    const target = join(base, 'recovered');
    const killed = spawnSync(process.execPath, [SNAP_BIN, 'checkout', 'v1.0', target], { cwd: dir, env: { ...process.env, SNAP_TEST_CRASH_AT: 'checkout-entry:3' } });
    expect(killed.signal).toBe('SIGKILL'); // the crash happened, after three entries were written
    expect(readdirSync(base).filter((n) => n.startsWith('recovered.tmp-'))).toHaveLength(1);
    expect(existsSync(target)).toBe(false);
    expect(snapCli(dir, ['checkout', 'v1.0', target]).code).toBe(0);
    expect(readdirSync(base).sort()).toEqual(['estate', 'recovered', 'tools']);
  });

  it('explains itself in --help, with examples', () => {
    const r = snapCli(tempDir(), ['checkout', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: snap checkout VERSION DIR/);
    expect(r.stdout).toContain('examples:\n  snap checkout v1.0 /tmp/estate-v1.0');
  });
});
