// The archive's history in its vault, so the vault alone rebuilds the archive: a git bundle
// per version (PREFIX/history/versions/<version>.bundle: the signed tag and every object it
// reaches that no earlier bundle holds) and one per state of the notes
// (PREFIX/history/notes/<notes commit>.bundle: when versions were proven restorable). Bundles
// are made and read by stock git (`git bundle`), so a person can rebuild the history with git
// alone (README: recovery from nothing); each is checked with `git bundle verify` before it
// is uploaded, and kept under the vault's retention like every other object.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Archive } from '../archive/archive.js';
import { listVersions, type VersionInfo } from '../archive/versions.js';
import type { VaultStore } from '../store/s3-store.js';
import { HISTORY_DIR } from '../store/vault-url.js';
import { run } from '../util/exec.js';
import { sealContext, sealOf } from '../verify/seal.js';

export const VERSIONS_DIR = `${HISTORY_DIR}/versions`;
export const NOTES_DIR = `${HISTORY_DIR}/notes`;

export function versionBundleRel(version: string): string {
  return `${VERSIONS_DIR}/${encodeURIComponent(version)}.bundle`;
}

export interface HistoryPush {
  /** versions whose bundle was written now */
  written: string[];
  /** versions already in the vault */
  present: number;
  /** versions whose seal does not hold: never written into the vault (it keeps what it gets) */
  unsealed: string[];
  /** the notes bundle written now, if the notes changed */
  notes: string | null;
  bytes: number;
}

/** The archive's versions, newest first, each with whether its seal holds: what push and the vault may carry. */
export interface JudgedVersions {
  versions: VersionInfo[];
  sealed: Set<string>;
}

export async function judgeVersions(archive: Archive): Promise<JudgedVersions> {
  const versions = await listVersions(archive.repo);
  const seals = await sealContext(archive, { versions });
  const sealed = new Set<string>();
  for (const v of versions) if ((await sealOf(seals, v)).ok) sealed.add(v.name);
  return { versions, sealed };
}

/** Writes a bundle for every sealed version the vault does not hold yet, oldest first, and one for the notes when they changed. */
export async function pushHistory(archive: Archive, vault: VaultStore, options: { onVersion?: (version: string) => void; judged?: JudgedVersions } = {}): Promise<HistoryPush> {
  const judged = options.judged ?? (await judgeVersions(archive));
  const versions = [...judged.versions].reverse(); // oldest first
  const inVault = new Set<string>();
  for await (const o of vault.list(`${HISTORY_DIR}/`)) {
    inVault.add(o.rel);
    vault.index.set(o.rel, vault.index.get(o.rel) ?? { size: o.size, until: null });
  }
  const result: HistoryPush = { written: [], present: 0, unsealed: [], notes: null, bytes: 0 };
  const work = await mkdtemp(join(tmpdir(), 'snap-bundle-'));
  try {
    const bundled: string[] = []; // commits earlier bundles hold
    for (const v of versions) {
      const rel = versionBundleRel(v.name);
      if (inVault.has(rel)) {
        result.present++;
        bundled.push(v.commitOid);
        continue;
      }
      if (!judged.sealed.has(v.name)) {
        result.unsealed.push(v.name);
        continue;
      }
      const file = join(work, `${result.written.length}.bundle`);
      await run('git', ['bundle', 'create', '--quiet', file, `refs/tags/${v.name}`, ...bundled.map((c) => `^${c}`)], { cwd: archive.dir });
      result.bytes += await upload(archive, vault, rel, file);
      result.written.push(v.name);
      bundled.push(v.commitOid);
      options.onVersion?.(v.name);
    }
    for (const [ref, oid] of await archive.repo.listRefs('refs/notes/')) {
      const rel = `${NOTES_DIR}/${encodeURIComponent(ref.slice('refs/notes/'.length))}/${oid}.bundle`;
      if (inVault.has(rel)) continue;
      const earlier = [...inVault].filter((k) => k.startsWith(`${NOTES_DIR}/${encodeURIComponent(ref.slice('refs/notes/'.length))}/`)).map((k) => /([0-9a-f]{40})\.bundle$/.exec(k)?.[1]).filter((c): c is string => Boolean(c) && archive.repo.hasObject(c!));
      const file = join(work, 'notes.bundle');
      const made = await run('git', ['bundle', 'create', '--quiet', file, ref, ...earlier.map((c) => `^${c}`)], { cwd: archive.dir, allowFailure: true });
      if (made.code !== 0) continue; // nothing new since the bundled state
      result.bytes += await upload(archive, vault, rel, file);
      result.notes = rel;
      await rm(file, { force: true });
    }
    return result;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function upload(archive: Archive, vault: VaultStore, rel: string, file: string): Promise<number> {
  await run('git', ['bundle', 'verify', '--quiet', file], { cwd: archive.dir });
  const size = (await stat(file)).size;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  await vault.putKeyFile(rel, file, size, hash.digest('hex'));
  return size;
}
