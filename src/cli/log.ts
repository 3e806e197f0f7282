// snap log
import { listVersions } from '../archive/versions.js';
import { checkVersionSignature, describeSignature } from '../verify/signature.js';
import { flag, type Command } from './command.js';
import { paint } from './context.js';

export const logCommand: Command = {
  name: 'log',
  summary: 'list versions with date, signer and what changed',
  help: `usage: snap log [--json]

Lists the archive's versions, newest first: name, date, whether the tag's signature is
good and by whom, and a one-line summary of what changed since the version before.

options:
  --json   one JSON object per line: name, commit, date, signer, signature, summary

example:
  snap log`,
  options: { json: { type: 'boolean' } },
  positionals: [0, 0],
  async run(ctx, args) {
    const archive = ctx.archive();
    const allowed = await archive.allowedSigners();
    const versions = await listVersions(archive.repo);
    if (versions.length === 0 && !flag(args, 'json')) ctx.err('no versions yet: make one with `snap commit`\n');
    for (const v of versions) {
      const sig = checkVersionSignature(v, allowed);
      const summary = v.message.split('\n')[0]!.replace(new RegExp(`^${v.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `), '');
      if (flag(args, 'json')) {
        ctx.out(`${JSON.stringify({ name: v.name, commit: v.commitOid, date: v.date.toISOString(), signer: sig.ok ? sig.principal : null, signature: sig.ok ? 'good' : sig.reason, summary })}\n`);
        continue;
      }
      const date = v.date.toISOString().replace('T', ' ').replace(/:\d\d\.\d+Z$/, ' UTC');
      const sigText = describeSignature(sig);
      ctx.out(`${paint(ctx, 'bold', v.name.padEnd(8))} ${date}  ${sig.ok ? paint(ctx, 'green', sigText) : paint(ctx, 'red', sigText)}  ${paint(ctx, 'dim', v.commitOid.slice(0, 12))}\n`);
      ctx.out(`         ${summary}\n`);
    }
    return 0;
  },
};
