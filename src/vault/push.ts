// `snap push`: the history leaves this machine. main, every sealed version's tag and the notes go to the
// archive's git remotes (any `git remote add` works: a bare repository, a git host) with
// stock `git push`; and, with a vault, a bundle of each new version goes to the vault
// (history.ts), with the fingerprint key, so the vault alone rebuilds the archive.
// Remote URLs can hold credentials: they are never printed, and git's messages are passed
// on with any user:password@ part of a URL removed.
import type { Archive } from '../archive/archive.js';
import { acquireLock } from '../archive/lock.js';
import { MAIN_REF } from '../archive/versions.js';
import type { SnapConfig } from '../config/schema.js';
import { SnapError } from '../errors.js';
import { forgottenNames, forgottenTagDeletions } from '../retention/travel.js';
import { run } from '../util/exec.js';
import { judgeVersions, pushHistory, type HistoryPush } from './history.js';
import { checkVaultForWriting, ensureFingerprintKey, isVault } from './vault.js';

export interface RemotePush {
  remote: string;
  ok: boolean;
  /** git's summary lines (refs updated, rejected), credentials removed */
  detail: string;
}

export interface PushResult {
  remotes: RemotePush[];
  vault: (HistoryPush & { url: string; fingerprintKeyWritten: boolean }) | null;
  /** versions whose seal does not hold: sent nowhere */
  unsealed: string[];
}

export const PUSH_REFSPECS = [`${MAIN_REF}:${MAIN_REF}`, 'refs/notes/*:refs/notes/*'];

export async function listRemotes(archive: Archive): Promise<string[]> {
  const out = await run('git', ['remote'], { cwd: archive.dir });
  return out.stdout.toString('utf8').split('\n').map((l) => l.trim()).filter(Boolean);
}

/** git's text with credentials in URLs removed (https://user:token@host → https://host). */
export function withoutCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1');
}

export async function pushArchive(archive: Archive, config: SnapConfig, options: { remotes?: string[]; vault?: boolean } = {}): Promise<PushResult> {
  const known = await listRemotes(archive);
  const wanted = options.remotes?.length ? options.remotes : known;
  for (const r of wanted) if (!known.includes(r)) throw new SnapError('USAGE', `no git remote named ${JSON.stringify(r)} (this archive has: ${known.length ? known.join(', ') : 'none; add one with `git remote add NAME URL`'})`, { remote: r });
  const useVault = options.vault !== false && Boolean(config.store.url);
  if (wanted.length === 0 && !useVault) throw new SnapError('USAGE', 'nowhere to push: add a git remote (`git remote add origin URL`) or a vault (store.url in snap.config.json)', {});
  if (!(await archive.repo.resolveRef(MAIN_REF))) throw new SnapError('UNKNOWN_VERSION', 'the archive has no history yet; make a version with `snap commit` first', {});

  const store = useVault ? archive.openStore(config) : null;
  try {
    if (store) await checkVaultForWriting(store, config);
    const release = await acquireLock(archive.lockPath, 'snap push');
    try {
      const judged = await judgeVersions(archive); // once, for the vault and the remotes alike
      let vault: PushResult['vault'] = null;
      if (store && isVault(store)) {
        const history = await pushHistory(archive, store, { judged });
        const fingerprintKeyWritten = await ensureFingerprintKey(archive, store);
        await store.index.save();
        vault = { ...history, url: store.url, fingerprintKeyWritten };
      }
      const remotes: RemotePush[] = [];
      // The tags push sends: those of sealed versions only.
      const tags = { refspecs: judged.versions.filter((v) => judged.sealed.has(v.name)).map((v) => `refs/tags/${v.name}:refs/tags/${v.name}`), unsealed: judged.versions.filter((v) => !judged.sealed.has(v.name)).map((v) => v.name) };
      const main = await archive.repo.resolveRef(MAIN_REF);
      const mainVersion = judged.versions.find((v) => v.commitOid === main);
      if (wanted.length && mainVersion && tags.unsealed.includes(mainVersion.name)) {
        throw new SnapError('UNTRUSTED_VERSION', `main is on ${mainVersion.name}, whose seal does not hold: nothing was pushed to the git remotes (\`snap verify ${mainVersion.name}\` says why; move main back to the newest sealed version first)`, { version: mainVersion.name });
      }
      // Tags of versions forgotten here (by a valid signed record) are deleted there too.
      const forgottenHere = wanted.length ? await forgottenNames(archive) : new Set<string>();
      for (const remote of wanted) {
        const forgotten = await forgottenTagDeletions(archive, remote, forgottenHere);
        const r = await run('git', ['push', '--porcelain', remote, ...PUSH_REFSPECS, ...tags.refspecs, ...forgotten], { cwd: archive.dir, allowFailure: true, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
        const lines = `${r.stdout.toString('utf8')}\n${r.stderr}`.split('\n').filter((l) => /^[*+\-!=]\t|^!|rejected|error|fatal/.test(l));
        remotes.push({ remote, ok: r.code === 0, detail: withoutCredentials(lines.join('\n').trim()) });
      }
      return { remotes, vault, unsealed: [...new Set([...tags.unsealed, ...(vault?.unsealed ?? [])])] };
    } finally {
      await release();
    }
  } finally {
    store?.close?.();
  }
}

/**
 * After `snap commit`: the new version's bundle (and any the vault lacks) into the vault, so the
 * vault alone is enough to recover even when `snap push` is never run. Null without a vault.
 */
export async function historyToVault(archive: Archive, config: SnapConfig): Promise<HistoryPush | null> {
  if (!config.store.url) return null;
  const store = archive.openStore(config);
  try {
    if (!isVault(store)) return null;
    const release = await acquireLock(archive.lockPath, 'snap commit (history to the vault)');
    try {
      const history = await pushHistory(archive, store);
      await ensureFingerprintKey(archive, store);
      await store.index.save();
      return history;
    } finally {
      await release();
    }
  } finally {
    store.close?.();
  }
}
