// Writing a file so that a reader (or a process killed half-way) only ever sees the old
// content or the new, never a truncated file: the bytes go to a temporary file with a unique
// name, are synced when asked, and the temporary is renamed over the target. rename(2) is
// atomic within a filesystem, so a kill at any moment leaves either the old file or the new
// one, plus at worst an orphaned temporary, which the caller's naming lets the next run sweep.
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface AtomicWriteOptions {
  mode?: number;
  /** fsync the file before it is renamed into place (and the folder after) */
  fsync?: boolean;
  /** where the temporary is made (same filesystem as the target); default: beside it */
  tmpDir?: string;
  /** temporary name prefix, so leftovers can be recognized and swept */
  tmpPrefix?: string;
}

export function temporaryName(prefix = '.snap-tmp'): string {
  return `${prefix}-${process.pid}-${randomBytes(6).toString('hex')}`;
}

export async function writeFileAtomic(path: string, content: Uint8Array | string, options: AtomicWriteOptions = {}): Promise<void> {
  const tmp = join(options.tmpDir ?? dirname(path), temporaryName(options.tmpPrefix ?? `.${basename(path)}.snap-tmp`));
  const fh = await open(tmp, 'wx', options.mode ?? 0o644);
  try {
    await fh.writeFile(content);
    if (options.fsync) await fh.sync();
  } catch (err) {
    await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  if (options.fsync) await syncDirectory(dirname(path));
}

/** Makes a rename or a new name in `dir` durable (a no-op where folders cannot be opened). */
export async function syncDirectory(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    /* some platforms and filesystems cannot sync a folder; the rename itself is still atomic */
  } finally {
    await fh?.close().catch(() => undefined);
  }
}
