// Test archives: real archives made by initArchive() in a temporary folder, configured for
// the collectors under test (all others off) and, for AWS collectors, pointed at the moto
// emulator; snapshots taken through the real commit pipeline; results checked with stock git.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect } from 'vitest';
import { Archive } from '../../src/archive/archive.js';
import { commitVersion, type CommitResult } from '../../src/archive/commit.js';
import { initArchive } from '../../src/archive/init.js';
import { VersionReader } from '../../src/archive/version-reader.js';
import { resolveVersion } from '../../src/archive/versions.js';
import { collectors } from '../../src/collectors/registry.js';
import type { AnyCollector } from '../../src/collectors/types.js';
import { silentLogger, silentProgress } from '../../src/util/log.js';

const made: string[] = [];

// Registered when a test file imports this module, so it belongs to that file's root suite:
// registering it from inside the first test that asks for a folder attached it to that test's
// scope instead, and the folders of every later test were left behind.
afterAll(() => {
  if (process.env.SNAP_KEEP_TMP) return;
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A temporary folder removed after the test file (kept when SNAP_KEEP_TMP is set). */
export function tempDir(prefix = 'snap-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export interface ArchiveOptions {
  /** collector sections to set (others are disabled) */
  collectors?: Record<string, Record<string, unknown>>;
  endpoint?: string;
  regions?: string[];
  extra?: Record<string, unknown>;
}

export async function makeArchive(options: ArchiveOptions = {}): Promise<Archive> {
  const dir = join(tempDir(), 'archive');
  await initArchive(dir, { region: 'us-east-1' });
  const archive = Archive.at(dir);
  await writeConfig(archive, options);
  return archive;
}

export async function writeConfig(archive: Archive, options: ArchiveOptions): Promise<void> {
  const config = JSON.parse(await readFile(archive.configPath, 'utf8')) as Record<string, any>;
  for (const c of collectors) config.collectors[c.id] = { enabled: false };
  for (const [id, section] of Object.entries(options.collectors ?? {})) config.collectors[id] = { enabled: true, ...section };
  if (options.endpoint) config.aws.endpoint = options.endpoint;
  if (options.regions) config.aws.regions = options.regions;
  Object.assign(config, options.extra ?? {});
  await writeFile(archive.configPath, `${JSON.stringify(config, null, 2)}\n`);
}

export async function snapshot(archive: Archive, version?: string, extra: { collectors?: readonly AnyCollector[] } = {}): Promise<CommitResult> {
  return commitVersion(archive, { version, progress: silentProgress, log: silentLogger, collectors: extra.collectors });
}

export async function readVersion(archive: Archive, version: string, prefix = ''): Promise<VersionReader> {
  const v = await resolveVersion(archive.repo, version);
  return new VersionReader(archive.repo, v.treeOid, prefix);
}

export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Stock git agrees: fsck is clean, the log reads, every tag verifies. */
export function expectStockGitAgrees(dir: string): void {
  const fsck = execFileSync('git', ['fsck', '--strict', '--no-dangling'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  expect(fsck).not.toMatch(/error|missing|corrupt/i);
  expect(git(dir, 'log', '--format=%s', 'main')).toMatch(/snap init/);
  for (const tag of git(dir, 'tag', '--list').split('\n').filter(Boolean)) {
    const out = execFileSync('git', ['verify-tag', tag], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out).toBe('');
  }
  expect(git(dir, 'status', '--porcelain')).toBe('');
}
