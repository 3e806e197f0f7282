// `snap export`: one version as a tarball that reads without snap. To a file, the tarball is
// written beside it under a temporary name and renamed into place only when complete, so a
// failed export (a missing or corrupt payload, a full disk) leaves no partial file, and an
// older file of the same name stays as it was. To a stream (stdout) the bytes go as they come.
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { assertSafeTreePath } from '../archive/paths.js';
import type { VersionInfo } from '../archive/versions.js';
import { UsageError } from '../errors.js';
import type { GitRepo } from '../git/repo.js';
import type { ContentStore } from '../store/types.js';
import { versionEntries, type VersionEntry } from './entries.js';
import { writeTar, type TarStats } from './tarball.js';
import { sweepStaleTemporaries, temporaryName } from '../util/stale-temporaries.js';
import { crashPoint } from '../util/crash-points.js';

export interface ExportOptions {
  /** the top folder inside the tarball; default the version's name, '' for none */
  prefix?: string;
  gzip: boolean;
  onEntry?(entry: VersionEntry): void;
}

/** What a file name asks for: gzip for .tar.gz and .tgz, plain for .tar; null for anything else. */
export function tarballKind(file: string): { gzip: boolean } | null {
  const name = file.toLowerCase();
  if (name.endsWith('.tar.gz') || name.endsWith('.tgz')) return { gzip: true };
  if (name.endsWith('.tar')) return { gzip: false };
  return null;
}

/** The version's commit time: every entry's mtime, so the bytes do not depend on when they were made. */
export async function versionTime(repo: GitRepo, version: VersionInfo): Promise<Date> {
  return new Date((await repo.readCommit(version.commitOid)).committer.timestamp * 1000);
}

function prefixFor(version: VersionInfo, prefix: string | undefined): string {
  const p = (prefix ?? version.name).replace(/^\/+|\/+$/g, '');
  if (p) {
    try {
      assertSafeTreePath(p);
    } catch {
      throw new UsageError(`--prefix ${JSON.stringify(p.slice(0, 100))} is not a safe folder name`);
    }
  }
  return p;
}

export async function exportToStream(repo: GitRepo, store: ContentStore, version: VersionInfo, out: Writable, options: ExportOptions & { end?: boolean }): Promise<TarStats> {
  return writeTar(versionEntries(repo, store, version.treeOid), out, {
    mtime: await versionTime(repo, version),
    prefix: prefixFor(version, options.prefix),
    gzip: options.gzip,
    end: options.end ?? true,
    ...(options.onEntry ? { onEntry: options.onEntry } : {}),
  });
}

export async function exportToFile(repo: GitRepo, store: ContentStore, version: VersionInfo, file: string, options: ExportOptions): Promise<TarStats> {
  const prefix = prefixFor(version, options.prefix); // refused before anything is written
  await sweepStaleTemporaries(dirname(file), basename(file), '.'); // what a killed export of this file left
  const tmp = join(dirname(file), temporaryName(basename(file), process.pid, randomBytes(4).toString('hex'), '.'));
  try {
    const onEntry = (e: VersionEntry) => {
      crashPoint('export-entry');
      options.onEntry?.(e);
    };
    const stats = await exportToStream(repo, store, version, createWriteStream(tmp, { flags: 'wx', mode: 0o644 }), { ...options, prefix, onEntry });
    await rename(tmp, file);
    return stats;
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}
