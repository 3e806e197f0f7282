// Resolves what a user passes to `snap cat` and friends: a plain tree path is used as is;
// an address with a scheme (s3://bucket/key) is handed to the collectors, and the one that
// understands it says where its archived content is.
import { VersionReader } from '../archive/version-reader.js';
import { SnapError } from '../errors.js';
import type { GitRepo } from '../git/repo.js';
import { loadCollectors } from './lazy.js';
import { collectors } from './registry.js';
import type { ResolvedContent } from './types.js';

export async function resolveArchivePath(repo: GitRepo, treeOid: string, spec: string): Promise<ResolvedContent> {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(spec)) return { kind: 'path', path: spec };
  const reader = new VersionReader(repo, treeOid);
  const scheme = spec.slice(0, spec.indexOf(':')).toLowerCase();
  for (const c of await loadCollectors(collectors.filter((c) => c.uriSchemes?.includes(scheme)))) {
    const found = await c.resolveUri?.(spec, reader);
    if (found) return found;
  }
  throw new SnapError('PATH_NOT_FOUND', `${spec.slice(0, 200)}: no collector understands this kind of address`, { spec });
}
