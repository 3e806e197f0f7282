// Git objects held in memory on top of the repository, for a snapshot that must not be
// written (`snap status`, `snap diff … live`): new objects stay in a Map, reads look there
// first and then in the repository, so the differ can compare the live tree with a version.
import { decodeTree, hashObject, type ObjectType, type TreeEntry } from '../git/objects.js';
import type { GitRepo, ObjectSink } from '../git/repo.js';

export class MemoryObjects implements ObjectSink {
  private readonly objects = new Map<string, { type: ObjectType; content: Uint8Array }>();

  constructor(private readonly repo: GitRepo) {}

  write(type: ObjectType, content: Uint8Array): string {
    const oid = hashObject(type, content);
    if (!this.objects.has(oid) && !this.repo.hasObject(oid)) this.objects.set(oid, { type, content: Uint8Array.from(content) });
    return oid;
  }

  async readTree(oid: string): Promise<TreeEntry[]> {
    const held = this.objects.get(oid);
    if (held) return decodeTree(held.content);
    return this.repo.readTree(oid);
  }

  async readBlob(oid: string): Promise<Uint8Array> {
    const held = this.objects.get(oid);
    if (held) return held.content;
    return this.repo.readBlob(oid);
  }
}
