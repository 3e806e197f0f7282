// What to tell a user whose archive lacks its payloads altogether: typically a `git clone` of
// an archive, which carries the tree and its pointer files but never the content store
// (.git/snap/store is not part of git's history, and git-lfs has nothing to fetch: no pointer
// is an LFS-tracked file). Names the folder that is missing and how to bring it, from the
// clone's origin when that is a folder on this machine. And what to do about a corrupt payload
// in the local store: it cannot be mended in place, but moved aside it is fetched again by the
// next commit while the estate still holds it.
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Archive } from '../archive/archive.js';
import { FsContentStore } from '../store/fs-store.js';
import type { ContentStore } from '../store/types.js';

/** The origin remote's folder, when the archive was cloned from a local path. */
function localOrigin(archive: Archive): string | null {
  let text: string;
  try {
    text = readFileSync(join(archive.gitdir, 'config'), 'utf8');
  } catch {
    return null;
  }
  const m = /\[remote "origin"\]([^[]*)/.exec(text);
  const url = m ? /^\s*url\s*=\s*(.+?)\s*$/m.exec(m[1]!)?.[1] : undefined;
  if (!url) return null;
  const path = url.startsWith('file://') ? fileURLToPath(url) : isAbsolute(url) ? url : null;
  return path && existsSync(path) ? path.replace(/\/+$/, '').replace(/\/\.git$/, '') : null;
}

/**
 * A few lines explaining an absent local store, or null when the store folder exists (then
 * each missing payload is a problem of its own, already named) or the store is a vault.
 */
export function missingStoreHint(archive: Archive, store: ContentStore): string | null {
  if (!(store instanceof FsContentStore) || existsSync(store.root)) return null; // a vault names its own problems
  const shown = relative(archive.dir, store.root) || store.root;
  const origin = localOrigin(archive);
  const source = origin ? (existsSync(join(origin, '.git', 'snap', 'store')) ? join(origin, '.git', 'snap', 'store') : existsSync(join(origin, 'snap', 'store')) ? join(origin, 'snap', 'store') : null) : null;
  const how = source
    ? `copy it from the archive this one was cloned from:\n  mkdir -p '${store.root}' && cp -a '${source}/.' '${store.root}/'`
    : `copy it from the archive this one was cloned from (its .git/snap/store folder), e.g.\n  mkdir -p '${store.root}' && cp -a ORIGINAL/.git/snap/store/. '${store.root}/'`;
  return `the content store (${shown}) does not exist here, so every payload is missing. A git clone carries the versions and their pointer files but never the payloads (git does not copy .git/snap, and \`git lfs fetch\` finds no git-lfs objects for them: snap never hands payloads to git-lfs): ${how}\nthen run \`snap verify --all\` again.`;
}

/**
 * How to recover from corrupt payloads in the local store, or null for a vault (whose objects
 * the vault's own retention may keep from being replaced: verify names each) or none corrupt.
 */
export function corruptPayloadHint(archive: Archive, store: ContentStore, oids: readonly string[]): string | null {
  if (!(store instanceof FsContentStore) || oids.length === 0) return null;
  const quarantine = join(archive.gitdir, 'snap', 'quarantine');
  const files = [...new Set(oids)].map((oid) => `'${store.pathOf(oid)}'`);
  return `a corrupt payload cannot be mended in place. Move the bad ${files.length === 1 ? 'copy' : 'copies'} aside:\n  mkdir -p '${quarantine}' && mv ${files.join(' ')} '${quarantine}/'\nthen run \`snap commit\`: what the estate still holds is fetched again, and every version that names it verifies again (\`snap verify --all\`). What the estate no longer holds comes back only from another copy of the store (a clone's, or a vault).`;
}
