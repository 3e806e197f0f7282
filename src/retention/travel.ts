// Forgotten versions where the history travels. A version's tag is deleted here by `snap
// forget`, but copies of the history keep it: a git remote `snap push` pushed it to, and the
// vault's history bundles (kept under Object Lock, never rewritten). The forget records travel
// with the notes, so:
//   - `snap push` deletes from a remote the tags of versions that valid records say were
//     forgotten (only those: a tag another machine pushed is never touched);
//   - `snap clone` from a vault deletes, in the new archive, the tags that valid records name,
//     as the next `snap forget` would.
import type { Archive } from '../archive/archive.js';
import { run } from '../util/exec.js';
import { readHistory } from './history.js';
import { recordSigners } from './trust-signers.js';

/** The names of the versions forgotten here by a valid record (read once per push, for every remote). */
export async function forgottenNames(archive: Archive): Promise<Set<string>> {
  const history = await readHistory(archive, await recordSigners(archive));
  return new Set(history.main.flatMap((c) => (c.kind === 'forgotten' ? [c.name] : [])));
}

/** Refspecs that delete, on `remote`, the tags of the `forgotten` versions it still has. */
export async function forgottenTagDeletions(archive: Archive, remote: string, forgotten: ReadonlySet<string>): Promise<string[]> {
  if (forgotten.size === 0) return [];
  const listed = await run('git', ['ls-remote', '--tags', '--refs', remote], { cwd: archive.dir, allowFailure: true, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
  if (listed.code !== 0) return []; // the push itself reports an unreachable remote
  const there = listed.stdout.toString('utf8').split('\n').map((l) => l.split('\t')[1]?.trim()).filter((r): r is string => Boolean(r));
  return there.filter((ref) => forgotten.has(ref.slice('refs/tags/'.length))).map((ref) => `:${ref}`);
}

