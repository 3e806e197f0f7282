// snap push [REMOTE…] [--no-vault]
import { formatBytes } from '../util/log.js';
import { pushArchive } from '../vault/push.js';
import { flag, type Command } from './command.js';
import { paint, paintErr } from './context.js';

export const pushCommand: Command = {
  name: 'push',
  summary: "send the history to the archive's git remotes and its vault",
  help: `usage: snap push [REMOTE…] [--no-vault]

Sends main, every sealed version's signed tag and the notes (restore-test verdicts) to the
archive's git remotes (all of them, or those named; add one with \`git remote add NAME URL\`),
with stock git push. With a vault (store.url), also writes a git bundle of each version the
vault does not hold yet to PREFIX/history/ (and keeps the fingerprint key there), so the
vault alone is enough to rebuild the archive on a new machine (\`snap clone\`). \`snap commit\`
writes the new version's bundle to the vault itself; push catches up what it could not.

A tag whose seal does not hold (see \`snap verify\`) is sent nowhere: not to the remotes,
and not into the vault, which keeps what it is given. When main itself is on such a
version, nothing is pushed to the remotes.

Payloads are not sent to git remotes: they are in the content store (the vault, or the local
store: back that up too). Remote URLs are never printed.

options:
  --no-vault   only the git remotes

examples:
  git remote add origin git@git.example.com:ops/estate-archive.git && snap push
  snap push backup --no-vault`,
  options: { 'no-vault': { type: 'boolean' } },
  positionals: [0, Infinity],
  exitCodes: { 0: 'pushed everywhere', 1: 'a remote or the vault refused', 2: 'nowhere to push, or main is on a version whose seal does not hold', 3: 'pushed, but tags that are no sealed version were left out (named)' },
  async run(ctx, args) {
    const archive = ctx.archive();
    const config = await archive.loadConfig();
    const result = await pushArchive(archive, config, { remotes: args.positionals, vault: !flag(args, 'no-vault') });
    if (result.vault) {
      const v = result.vault;
      const wrote = v.written.length ? `${v.written.length} version bundle${v.written.length > 1 ? 's' : ''} written (${v.written.join(', ')}, ${formatBytes(v.bytes)})${v.present ? `, ${v.present} already there` : ''}` : `all ${v.present} version${v.present === 1 ? '' : 's'} already there`;
      if (!ctx.quiet) ctx.out(`${paint(ctx, 'green', 'ok')}  vault ${v.url}: ${wrote}${v.notes ? '; notes updated' : ''}${v.fingerprintKeyWritten ? '; fingerprint key written' : ''}\n`);
    }
    for (const r of result.remotes) {
      if (ctx.quiet && r.ok) continue;
      ctx.out(`${r.ok ? paint(ctx, 'green', 'ok') : paint(ctx, 'red', 'FAILED')}  remote ${r.remote}\n`);
      if (r.detail && !r.ok) ctx.out(`${r.detail.split('\n').map((l) => `      ${l}`).join('\n')}\n`);
    }
    // Said even with -q: a tag that is no sealed version stays here, for a person to look at.
    for (const name of result.unsealed) ctx.err(`${paintErr(ctx, 'yellow', 'warning:')} ${name} is not sealed by a trusted signer: not pushed, and not written into the vault (\`snap verify ${name}\` says why)\n`);
    if (!result.remotes.every((r) => r.ok)) return 1;
    return result.unsealed.length ? 3 : 0;
  },
};
