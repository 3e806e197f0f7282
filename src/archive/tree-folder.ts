// A folder of a tree read through any object reader: a finished version's folder, or the tree
// a snapshot is still building (named top-level folders over the object sink the collectors
// wrote into, whose unsealed pack reads its own objects back). It has the shape of
// FolderReader (src/collectors/types.ts), which is what a collector's payloads() and the
// runbook read a version through, so both work the same on a sealed version and on one being
// written.
import type { FolderReader } from '../collectors/types.js';
import { MODE_TREE, type TreeEntry } from '../git/objects.js';
import type { ObjectReader } from '../git/repo.js';

export class TreeFolder implements FolderReader {
  constructor(private readonly objects: ObjectReader, private readonly entries: readonly TreeEntry[]) {}

  static async at(objects: ObjectReader, treeOid: string): Promise<TreeFolder> {
    return new TreeFolder(objects, await objects.readTree(treeOid));
  }

  private async entry(path: string): Promise<TreeEntry | null> {
    const parts = path.split('/').filter((p) => p.length > 0);
    let entries = this.entries;
    for (let i = 0; i < parts.length; i++) {
      const found = entries.find((e) => e.name === parts[i]);
      if (!found) return null;
      if (i === parts.length - 1) return found;
      if (found.mode !== MODE_TREE) return null;
      entries = await this.objects.readTree(found.oid);
    }
    return null;
  }

  async list(path = ''): Promise<TreeEntry[]> {
    if (path.split('/').every((p) => p.length === 0)) return [...this.entries];
    const e = await this.entry(path);
    return e && e.mode === MODE_TREE ? this.objects.readTree(e.oid) : [];
  }

  async json<T = unknown>(path: string): Promise<T | null> {
    const e = await this.entry(path);
    if (!e || e.mode === MODE_TREE) return null;
    return JSON.parse(Buffer.from(await this.objects.readBlob(e.oid)).toString('utf8')) as T;
  }
}
