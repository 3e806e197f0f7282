// The payloads versions need, found the one way every reader of a version finds them
// (src/archive/payloads.ts): pointer files in the tree, and the payloads each collector lists
// inside its own files (Collector.payloads: S3 objects in their buckets' manifest shards).
// `snap prune` deletes only what no kept version references; `snap stats` counts the same.
//
// Versions share most of their tree (an unchanged folder is one git tree for every version
// that holds it), so each tree is read once: a subtree or collector folder already walked adds
// nothing new, and its totals are remembered. Walking versions oldest first therefore tells
// what each version added to the store (the payloads no older version referenced).
import { folderPayloads, payloadListers, pointerIn } from '../archive/payloads.js';
import { collectors as registered } from '../collectors/registry.js';
import type { AnyCollector } from '../collectors/types.js';
import { MODE_TREE } from '../git/objects.js';
import type { GitRepo } from '../git/repo.js';

export interface Totals {
  /** references, counted every time a version refers to a payload */
  refs: number;
  bytes: number;
}

export interface VersionReferences {
  /** what the version refers to, counted per reference (its "restore size" of payloads) */
  total: Totals;
  /** payloads no version walked before it referenced */
  added: { objects: number; bytes: number };
}

export interface Referenced {
  size: number;
  /** the top-level folders (services) that refer to it */
  roots: Set<string>;
}

const zero = (): Totals => ({ refs: 0, bytes: 0 });

export class ReferenceWalker {
  /** every payload referenced so far, by sha256 */
  readonly referenced = new Map<string, Referenced>();
  private readonly treeTotals = new Map<string, Totals>();
  private readonly blobPointers = new Map<string, { oid: string; size: number } | null>();
  private listers: AnyCollector[] | null = null;
  private added = { objects: 0, bytes: 0 };

  constructor(private readonly repo: GitRepo, private readonly available: readonly AnyCollector[] = registered) {}

  private note(oid: string, size: number, root: string): void {
    const known = this.referenced.get(oid);
    if (known) known.roots.add(root);
    else {
      this.referenced.set(oid, { size, roots: new Set([root]) });
      this.added.objects++;
      this.added.bytes += size;
    }
  }

  private async pointerOf(blobOid: string): Promise<{ oid: string; size: number } | null> {
    let p = this.blobPointers.get(blobOid);
    if (p === undefined) {
      p = pointerIn(await this.repo.readBlob(blobOid));
      this.blobPointers.set(blobOid, p);
    }
    return p;
  }

  /** Pointer files under a tree, attributed to `root`; a tree walked before is counted from memory. */
  private async walkTree(treeOid: string, root: string): Promise<Totals> {
    const key = `${root}\0${treeOid}`;
    const known = this.treeTotals.get(key);
    if (known) return known;
    const totals = zero();
    for (const e of await this.repo.readTree(treeOid)) {
      if (e.mode === MODE_TREE) {
        const t = await this.walkTree(e.oid, root);
        totals.refs += t.refs;
        totals.bytes += t.bytes;
      } else {
        const p = await this.pointerOf(e.oid);
        if (!p) continue;
        this.note(p.oid, p.size, root);
        totals.refs++;
        totals.bytes += p.size;
      }
    }
    this.treeTotals.set(key, totals);
    return totals;
  }

  /** Payloads a collector lists in the files of its folder (a folder listed before: from memory). */
  private async walkListed(collector: AnyCollector, folderOid: string): Promise<Totals> {
    const key = `listed:${collector.root}\0${folderOid}`;
    const known = this.treeTotals.get(key);
    if (known) return known;
    const totals = zero();
    for await (const ref of folderPayloads(this.repo, collector, folderOid)) {
      this.note(ref.pointer.oid, ref.pointer.size, collector.root);
      totals.refs++;
      totals.bytes += ref.pointer.size;
    }
    this.treeTotals.set(key, totals);
    return totals;
  }

  private listersOf(): AnyCollector[] {
    this.listers ??= payloadListers(this.available);
    return this.listers;
  }

  /** Walks one version's tree: its totals per top-level folder, and what it added. */
  async version(treeOid: string): Promise<VersionReferences & { byRoot: Map<string, Totals> }> {
    this.added = { objects: 0, bytes: 0 };
    const byRoot = new Map<string, Totals>();
    const listers = this.listersOf();
    for (const e of await this.repo.readTree(treeOid)) {
      const root = e.mode === MODE_TREE ? e.name : '';
      const t = root ? await this.walkTree(e.oid, root) : zero();
      if (!root) {
        const p = await this.pointerOf(e.oid);
        if (p) {
          this.note(p.oid, p.size, '');
          t.refs++;
          t.bytes += p.size;
        }
      }
      const lister = root ? listers.find((c) => c.root === root) : undefined;
      const listed = lister ? await this.walkListed(lister, e.oid) : zero();
      const sum = { refs: t.refs + listed.refs, bytes: t.bytes + listed.bytes };
      if (sum.refs) byRoot.set(root || '(root)', sum);
    }
    const total = zero();
    for (const t of byRoot.values()) {
      total.refs += t.refs;
      total.bytes += t.bytes;
    }
    return { total, added: this.added, byRoot };
  }
}
