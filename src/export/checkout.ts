// `snap checkout`: one version as a plain folder tree, the same content a tarball from
// `snap export` unpacks to (payloads resolved and checked, modes from the tree, every file's
// mtime the version's commit time). The target must not exist or be empty. Everything is
// written into a temporary folder beside it and renamed into place at the end, so a checkout
// that fails (a missing or corrupt payload, a full disk) leaves no half-written folder.
// Every path is checked to stay inside the temporary folder before anything is written.
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, rmdir, stat, utimes, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { VersionInfo } from '../archive/versions.js';
import { UsageError } from '../errors.js';
import type { GitRepo } from '../git/repo.js';
import { assertInside } from '../git/worktree.js';
import type { ContentStore } from '../store/types.js';
import { isPayload, versionEntries, type VersionEntry } from './entries.js';
import { versionTime } from './export.js';
import { sweepStaleTemporaries, temporaryName } from '../util/stale-temporaries.js';
import { crashPoint } from '../util/crash-points.js';

export interface CheckoutStats {
  dir: string;
  files: number;
  directories: number;
  /** files whose bytes came from the content store (pointer files resolved, listed S3 objects) */
  payloads: number;
  payloadBytes: number;
  bytes: number;
}

/** Refuses a target that exists and is not an empty folder (nothing is written then). */
export async function assertCheckoutTarget(dir: string): Promise<void> {
  const st = await stat(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (!st) return;
  if (!st.isDirectory()) throw new UsageError(`${dir} exists and is not a folder; choose a new or empty folder`, { dir });
  if ((await readdir(dir)).length > 0) throw new UsageError(`${dir} is not empty; choose a new or empty folder`, { dir });
}

export async function checkoutVersion(repo: GitRepo, store: ContentStore, version: VersionInfo, target: string, options: { onEntry?(entry: VersionEntry): void } = {}): Promise<CheckoutStats> {
  const dir = resolve(target);
  await assertCheckoutTarget(dir);
  const mtime = await versionTime(repo, version);
  await mkdir(dirname(dir), { recursive: true });
  await sweepStaleTemporaries(dirname(dir), basename(dir)); // what a killed checkout into this folder left
  const tmp = join(dirname(dir), temporaryName(basename(dir), process.pid, randomBytes(4).toString('hex')));
  await mkdir(tmp, { mode: 0o755 });
  const stats: CheckoutStats = { dir, files: 0, directories: 0, payloads: 0, payloadBytes: 0, bytes: 0 };
  try {
    const folders: string[] = [];
    for await (const e of versionEntries(repo, store, version.treeOid)) {
      const abs = assertInside(tmp, e.path);
      if (e.kind === 'directory') {
        await mkdir(abs, { mode: e.mode });
        folders.push(abs);
        stats.directories++;
      } else {
        if (e.source === 'git') {
          // Content kept in git is one blob already in memory: one write.
          const chunks: Buffer[] = [];
          for await (const c of await e.open()) chunks.push(c as Buffer);
          await writeFile(abs, Buffer.concat(chunks), { flag: 'wx', mode: e.mode });
        } else await pipeline(await e.open(), createWriteStream(abs, { flags: 'wx', mode: e.mode }));
        if (isPayload(e)) {
          stats.payloads++;
          stats.payloadBytes += e.size;
        }
        await utimes(abs, mtime, mtime);
        stats.files++;
        stats.bytes += e.size;
      }
      options.onEntry?.(e);
      crashPoint('checkout-entry');
    }
    // Folders last, deepest first: writing their files changed their times.
    for (const f of folders.reverse()) await utimes(f, mtime, mtime);
    await utimes(tmp, mtime, mtime);
    await moveIntoPlace(tmp, dir);
    return stats;
  } catch (err) {
    await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  }
}

/** Renames the finished folder to the target, which may exist as an empty folder. */
async function moveIntoPlace(tmp: string, dir: string): Promise<void> {
  try {
    await rename(tmp, dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST' && code !== 'ENOTEMPTY' && code !== 'EPERM' && code !== 'EISDIR') throw err;
    // Some filesystems will not rename onto an empty folder: remove it (only if still empty) first.
    try {
      await rmdir(dir);
    } catch {
      throw new UsageError(`${dir} is no longer empty (it changed while the checkout ran); nothing was checked out`, { dir });
    }
    await rename(tmp, dir);
  }
}
