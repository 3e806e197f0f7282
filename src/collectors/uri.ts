// Resolves what a user passes to `snap cat` and friends: a plain tree path is used as is;
// an address with a scheme (s3://bucket/key) is handed to the collectors, and the one that
// understands it names the tree path of the archived content.
import { VersionReader } from '../archive/version-reader.js';
import { SnapError } from '../errors.js';
import type { GitRepo } from '../git/repo.js';
import { collectors } from './registry.js';

export async function resolveArchivePath(repo: GitRepo, treeOid: string, spec: string): Promise<string> {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(spec)) return spec;
  const reader = new VersionReader(repo, treeOid);
  for (const c of collectors) {
    const path = await c.resolveUri?.(spec, reader);
    if (path) return path;
  }
  throw new SnapError('PATH_NOT_FOUND', `${spec.slice(0, 200)} is not archived in this version (or no collector knows that kind of address)`, { spec });
}
