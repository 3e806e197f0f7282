// `snap export` through the built binary, as a user runs it: the tarball extracts with stock
// tar to exactly what `snap cat` prints for every file of the version; the same version gives
// the same bytes (plain and gzipped, to a file or to stdout); bad input is refused with exit
// code 2 and nothing written; a deleted payload fails with exit code 1, its path named, and
// no output file left behind; the temporary of an export killed mid-way (SIGKILL) is removed
// by the next export of the same file.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Archive } from '../../src/archive/archive.js';
import { resolveVersion } from '../../src/archive/versions.js';
import { walkFiles } from '../../src/git/tree-walk.js';
import { tempDir } from '../helpers/archive.js';
import { SNAP_BIN, snapCli } from '../helpers/cli.js';
import { archiveWithTools, hidePayload } from '../helpers/cli-archive.js';
import { expectSameFiles, folderFiles } from '../helpers/version-files.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('snap export (CLI)', { timeout: 240_000 }, () => {
  it('writes a tarball stock tar extracts to exactly what snap cat prints, the same bytes every time', async () => {
    const { base, dir } = archiveWithTools();
    for (const name of ['a.tar', 'b.tar', 'a.tar.gz', 'b.tgz']) {
      const r = snapCli(dir, ['export', 'v1.0', '-o', join(base, name)]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/^v1\.0: \d+ files, 1 payload resolved \(6 B\), [\d.]+ KiB in all → /);
    }
    const bytes = (name: string) => readFileSync(join(base, name));
    expect(sha256(bytes('a.tar'))).toBe(sha256(bytes('b.tar')));
    expect(sha256(bytes('a.tar.gz'))).toBe(sha256(bytes('b.tgz')));
    expect(snapCli(dir, ['export', 'v1.0', '-o', '-']).stdoutBytes.equals(bytes('a.tar'))).toBe(true);
    expect(snapCli(dir, ['export', 'v1.0', '-o', '-', '--gzip']).stdoutBytes.equals(bytes('a.tar.gz'))).toBe(true);

    const out = join(base, 'out');
    mkdirSync(out);
    execFileSync('tar', ['-xzf', join(base, 'a.tar.gz'), '-C', out]);
    const extracted = folderFiles(join(out, 'v1.0'));
    // every file of the version, compared with `snap cat` (payloads resolved)
    const archive = Archive.at(dir);
    const v = await resolveVersion(archive.repo, 'v1.0');
    const fromCat = new Map<string, { bytes: Buffer; mode: number }>();
    for await (const f of walkFiles(archive.repo, v.treeOid)) {
      const cat = snapCli(dir, ['cat', 'v1.0', f.path]);
      expect(cat.code, `${f.path}: ${cat.stderr}`).toBe(0);
      fromCat.set(f.path, { bytes: cat.stdoutBytes, mode: f.mode === '100755' ? 0o755 : 0o644 });
    }
    fromCat.set('PAYLOADS.jsonl', { bytes: Buffer.alloc(0), mode: 0o644 }); // no S3 objects in this version
    expectSameFiles(extracted, fromCat);
    expect(extracted.get('local_repos/tools/files/logo.bin')!.bytes).toEqual(Buffer.from([0, 1, 2, 3, 0xff, 0xfe]));
    expect(extracted.get('local_repos/tools/files/deploy.sh')!.mode).toBe(0o755);
    expect(extracted.get('RECOVERY.md')!.bytes.toString()).toMatch(/^# Recovery runbook/);

    const listing = execFileSync('tar', ['--numeric-owner', '-tvf', join(base, 'a.tar')], { encoding: 'utf8' });
    for (const line of listing.trim().split('\n')) expect(line).toMatch(/^[d-]rw[x-]r-[x-]r-[x-] 0\/0 /);
    expect(snapCli(dir, ['export', 'v1.0', '-o', join(base, 'flat.tar'), '--prefix', '']).code).toBe(0);
    expect(execFileSync('tar', ['-tf', join(base, 'flat.tar')], { encoding: 'utf8' }).split('\n')[0]).toBe('.gitattributes');
  });

  it('refuses bad input with exit code 2 and writes nothing', () => {
    const { base, dir } = archiveWithTools();
    const cases: [string[], RegExp][] = [
      [['export', 'v1.0'], /name the tarball with -o/],
      [['export', 'v1.0', '-o', join(base, 'x.zip')], /must end in \.tar, \.tar\.gz or \.tgz/],
      [['export', 'v1.0', '-o', join(base, 'x.tar'), '--gzip'], /name it \.tar\.gz or \.tgz/],
      [['export', 'v1.0', '-o', join(base, 'no', 'such', 'x.tar')], /does not exist/],
      [['export', 'v9.9', '-o', join(base, 'x.tar')], /unknown version "v9\.9"/],
      [['export', 'v1.0', '-o', join(base, 'x.tar'), '--prefix', '../up'], /not a safe folder name/],
    ];
    for (const [args, message] of cases) {
      const r = snapCli(dir, args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(readdirSync(base).sort()).toEqual(['estate', 'tools']);
  });

  it('fails with exit code 1 naming the path of a deleted payload, and leaves no output file', async () => {
    const { base, dir } = archiveWithTools();
    const putBack = await hidePayload(dir, 'local_repos/tools/files/logo.bin');
    for (const name of ['x.tar', 'x.tar.gz']) {
      const r = snapCli(dir, ['export', 'v1.0', '-o', join(base, name)]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^snap: the payload of local_repos\/tools\/files\/logo\.bin \(sha256:[0-9a-f]{64}, 6 bytes\) is not in the content store\n$/);
    }
    expect(readdirSync(base).sort()).toEqual(['estate', 'tools']);
    putBack();
    expect(snapCli(dir, ['export', 'v1.0', '-o', join(base, 'x.tar')]).code).toBe(0);
    expect(existsSync(join(base, 'x.tar'))).toBe(true);
  });

  it('removes what an export killed mid-way left, at the next export of the same file', () => {
    const { base, dir } = archiveWithTools();
    const out = join(base, 'kill.tar');
    const killed = spawnSync(process.execPath, [SNAP_BIN, 'export', 'v1.0', '-o', out], { cwd: dir, env: { ...process.env, SNAP_TEST_CRASH_AT: 'export-entry:3' } });
    expect(killed.signal).toBe('SIGKILL'); // the crash happened, between two entries
    const left = readdirSync(base).filter((n) => n.startsWith('.kill.tar.tmp-'));
    expect(left).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
    expect(snapCli(dir, ['export', 'v1.0', '-o', out]).code).toBe(0);
    expect(readdirSync(base).sort()).toEqual(['estate', 'kill.tar', 'tools']);
  });

  it('explains itself in --help, with examples', () => {
    const r = snapCli(tempDir(), ['export', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: snap export VERSION -o FILE/);
    expect(r.stdout).toContain('examples:\n  snap export v1.1 -o estate-v1.1.tar.gz');
    expect(snapCli(tempDir(), ['--help']).stdout).toMatch(/export +write a version as a tarball/);
  });
});
