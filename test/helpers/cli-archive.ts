// A small archive made through the built CLI for end-to-end tests of the verbs that read a
// version (export, checkout, runbook): one version of a local folder with text, an
// executable and a binary payload; a new archive (`snap init`) that collects only a local
// folder; and a way to take one payload out of the content store.
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { Archive } from '../../src/archive/archive.js';
import { resolveVersion } from '../../src/archive/versions.js';
import { FsContentStore } from '../../src/store/fs-store.js';
import { parsePointer } from '../../src/store/pointer.js';
import { tempDir } from './archive.js';
import { snapCli } from './cli.js';

/** `snap init BASE/estate`, configured to collect nothing but the folder `tools` (as "tools"); returns the archive's folder. */
export function localFolderArchive(base: string, tools: string): string {
  expect(snapCli(base, ['init', 'estate']).code).toBe(0);
  const dir = join(base, 'estate');
  const config = JSON.parse(readFileSync(join(dir, 'snap.config.json'), 'utf8'));
  for (const id of Object.keys(config.collectors)) config.collectors[id].enabled = false;
  config.collectors.local = { enabled: true, paths: [{ name: 'tools', path: tools }] };
  writeFileSync(join(dir, 'snap.config.json'), JSON.stringify(config, null, 2));
  return dir;
}

/** An archive with one version of a local folder (text, an executable, a binary payload). */
export function archiveWithTools(): { base: string; dir: string } {
  const base = tempDir();
  const tools = join(base, 'tools');
  mkdirSync(join(tools, 'dashboards'), { recursive: true });
  writeFileSync(join(tools, 'release.py'), 'PRICE = 225\n');
  writeFileSync(join(tools, 'deploy.sh'), '#!/bin/sh\necho deploy\n');
  chmodSync(join(tools, 'deploy.sh'), 0o755);
  writeFileSync(join(tools, 'logo.bin'), Buffer.from([0, 1, 2, 3, 0xff, 0xfe]));
  writeFileSync(join(tools, 'dashboards', 'index.html'), '<h1>ops</h1>\n');
  const dir = localFolderArchive(base, tools);
  const commit = snapCli(dir, ['commit', 'v1.0']);
  expect(commit.code, commit.stderr).toBe(0);
  return { base, dir };
}

/** Moves one payload of the version out of the content store; returns how to put it back. */
export async function hidePayload(dir: string, path: string): Promise<() => void> {
  const archive = Archive.at(dir);
  const v = await resolveVersion(archive.repo, 'v1.0');
  const pointer = parsePointer(await archive.repo.readBlob((await archive.repo.entryAt(v.treeOid, path))!.oid))!;
  const file = (archive.openStore(await archive.loadConfig()) as FsContentStore).pathOf(pointer.oid);
  renameSync(file, `${file}.hidden`);
  return () => renameSync(`${file}.hidden`, file);
}
