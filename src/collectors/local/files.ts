// Archives a set of files from disk under a tree folder: text as readable files, large or
// binary content through the content store, secret-looking files by name and fingerprint
// only. Shared by plain folders and by the uncommitted files of git repositories.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Ignore } from 'ignore';
import { foreignPath, joinPath } from '../../archive/paths.js';
import type { CollectContext } from '../types.js';
import { isText } from '../../util/text.js';
import type { LocalConfig } from './config.js';

export interface FileRecord {
  path: string;
  type: 'file' | 'executable' | 'symlink';
  size: number;
  storage: 'text' | 'store' | 'secret' | 'none';
  sha256?: string;
  fingerprint?: string;
  target?: string;
}

export async function archiveFile(ctx: CollectContext<LocalConfig>, root: string, rel: string, treeFolder: string, secrets: Ignore): Promise<FileRecord | null> {
  const abs = join(root, rel);
  const st = await lstat(abs).catch(() => null);
  if (!st) return null;
  const treePath = joinPath(treeFolder, foreignPath(rel));
  if (st.isSymbolicLink()) {
    return { path: rel, type: 'symlink', size: 0, storage: 'none', target: await readlink(abs) };
  }
  if (!st.isFile()) return null;
  const type = st.mode & 0o111 ? 'executable' : 'file';
  if (secrets.ignores(rel)) {
    const content = await readFile(abs);
    ctx.count('secretFiles');
    return { path: rel, type, size: content.length, storage: 'secret', fingerprint: ctx.fingerprint(content) };
  }
  if (st.size <= ctx.config.textMaxBytes) {
    const content = await readFile(abs);
    if (isText(content)) {
      ctx.out.text(treePath, content, { executable: type === 'executable' });
      ctx.progress.add(1, content.length);
      return { path: rel, type, size: content.length, storage: 'text', sha256: createHash('sha256').update(content).digest('hex') };
    }
    const p = await ctx.out.blob(treePath, content);
    ctx.progress.add(1, p.size);
    return { path: rel, type, size: p.size, storage: 'store', sha256: p.oid };
  }
  const p = await ctx.out.blob(treePath, createReadStream(abs, { highWaterMark: 1 << 20 }), { signal: ctx.signal });
  ctx.progress.add(1, p.size);
  return { path: rel, type, size: p.size, storage: 'store', sha256: p.oid };
}
