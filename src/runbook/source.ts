// What the runbook reads a version through: folder listings and JSON files by tree path. A
// finished version is read with a VersionReader (which has exactly this shape); the tree a
// snapshot is still building is read with TreeObjectsSource, over the collectors' folders and
// the object sink they wrote into (an unsealed pack reads its own objects back). So the same
// generator serves `snap runbook VERSION` and `snap commit`, from the same kind of input.
import { MODE_TREE, type TreeEntry } from '../git/objects.js';
import type { ObjectReader } from '../git/repo.js';

export interface RunbookSource {
  /** The entries of the folder at `path` ('' for the root); [] when there is none. */
  list(path?: string): Promise<TreeEntry[]>;
  /** The parsed JSON file at `path`; null when there is none. May throw when it is not JSON. */
  json<T = unknown>(path: string): Promise<T | null>;
}

/** A tree that is not (yet) a root tree object: named top-level folders over an object reader. */
export class TreeObjectsSource implements RunbookSource {
  constructor(private readonly objects: ObjectReader, private readonly root: readonly TreeEntry[]) {}

  private async entry(path: string): Promise<TreeEntry | null> {
    const parts = path.split('/').filter((p) => p.length > 0);
    let entries: readonly TreeEntry[] = this.root;
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
    if (path.split('/').every((p) => p.length === 0)) return [...this.root];
    const e = await this.entry(path);
    return e && e.mode === MODE_TREE ? this.objects.readTree(e.oid) : [];
  }

  async json<T = unknown>(path: string): Promise<T | null> {
    const e = await this.entry(path);
    if (!e || e.mode === MODE_TREE) return null;
    return JSON.parse(Buffer.from(await this.objects.readBlob(e.oid)).toString('utf8')) as T;
  }
}
