// What this archive knows of its vault without asking it: every key snap wrote or saw there
// (payloads, history bundles, keys), with its size and the date its Object Lock retention
// ends. It answers has()/stat() for unchanged payloads (a re-commit of an unchanged estate
// makes no request for them) and tells which retention dates fall due (s3-store.ts extends
// them), so a commit never HEADs every object it keeps.
//
// It is a cache of the vault's truth, kept in .git/snap (never committed) and rewritten
// atomically (temporary, fsync, rename) when it changed. Lost or made for another vault, it is
// rebuilt from a listing (`complete` false until then); a retention date it does not know is
// learned with one HeadObject. Format: a JSON header line, then one line per key:
//   <key relative to the prefix> <size> <retain-until, epoch seconds | 0 none | - unknown>
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

export const INDEX_FORMAT = 'snap-vault-index/1';

export interface IndexEntry {
  size: number;
  /** retain-until in epoch seconds; 0: the object has none; null: not known here */
  until: number | null;
}

export class VaultIndex {
  private readonly entries = new Map<string, IndexEntry>();
  private dirty = false;
  /** true when every key of the vault is in the index (it was made with the vault, or rebuilt from a listing) */
  complete: boolean;

  private constructor(readonly path: string | null, readonly url: string, complete: boolean) {
    this.complete = complete;
  }

  /** An index that lives only in memory (read-only use, tests). */
  static inMemory(url: string, complete = false): VaultIndex {
    return new VaultIndex(null, url, complete);
  }

  /** The index at `path` for the vault `url`; an empty, incomplete one when it is missing or for another vault. */
  static load(path: string, url: string): VaultIndex {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      return new VaultIndex(path, url, false);
    }
    const lines = text.split('\n');
    let header: { format?: string; url?: string; complete?: boolean } = {};
    try {
      header = JSON.parse(lines[0] ?? '');
    } catch {
      /* unreadable: start again */
    }
    if (header.format !== INDEX_FORMAT || header.url !== url) return new VaultIndex(path, url, false);
    const index = new VaultIndex(path, url, header.complete === true);
    for (const line of lines.slice(1)) {
      const m = /^(\S+) (\d+) (\d+|-)$/.exec(line);
      if (m) index.entries.set(m[1]!, { size: Number(m[2]), until: m[3] === '-' ? null : Number(m[3]) });
    }
    return index;
  }

  get size(): number {
    return this.entries.size;
  }

  get(rel: string): IndexEntry | undefined {
    return this.entries.get(rel);
  }

  set(rel: string, entry: IndexEntry): void {
    const before = this.entries.get(rel);
    if (before && before.size === entry.size && before.until === entry.until) return;
    this.entries.set(rel, entry);
    this.dirty = true;
  }

  delete(rel: string): void {
    if (this.entries.delete(rel)) this.dirty = true;
  }

  markComplete(): void {
    if (!this.complete) this.dirty = true;
    this.complete = true;
  }

  *[Symbol.iterator](): IterableIterator<[string, IndexEntry]> {
    yield* this.entries;
  }

  /** Writes the index when it changed: a temporary, synced, renamed over the old one. */
  async save(): Promise<void> {
    if (!this.dirty || !this.path) return;
    mkdirSync(dirname(this.path), { recursive: true });
    const lines = [JSON.stringify({ format: INDEX_FORMAT, url: this.url, complete: this.complete })];
    for (const [rel, e] of [...this.entries].sort(([a], [b]) => (a < b ? -1 : 1))) lines.push(`${rel} ${e.size} ${e.until === null ? '-' : e.until}`);
    const tmp = `${this.path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(`${lines.join('\n')}\n`);
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await rename(tmp, this.path);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    this.dirty = false;
  }
}
