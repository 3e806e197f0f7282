// snap init [DIR]
import { resolve } from 'node:path';
import { initArchive } from '../archive/init.js';
import { join } from 'node:path';
import { keyFingerprint } from '../git/ssh-signature.js';
import { str, type Command } from './command.js';

export const initCommand: Command = {
  name: 'init',
  summary: 'create a new archive (git repository, config, signing key)',
  help: `usage: snap init [DIR] [--region REGION]

Creates a snap archive in DIR (default: the current folder): a git repository on branch
main, snap.config.json collecting every supported service, README.md, RECOVERY.md,
.gitattributes, and a new ed25519 signing key kept in .git/snap (never committed). That key
is recorded as the archive's one trusted signer in .git/snap/trust.json, outside any
version; others are added with \`snap signers add\`. Stock git is set up to verify the
archive's signed tags (git verify-tag) against .git/snap/allowed_signers.

options:
  --region REGION   home AWS region written into the config (default: $AWS_REGION or us-east-1)

example:
  snap init ~/estate-archive && cd ~/estate-archive && snap commit v1.0`,
  options: { region: { type: 'string' } },
  positionals: [0, 1],
  async run(ctx, args) {
    const target = resolve(ctx.cwd, args.positionals[0] ?? '.');
    const result = await initArchive(target, { region: str(args, 'region') });
    ctx.out(`Created snap archive in ${result.dir}\n`);
    ctx.out(`  signing key ${keyFingerprint(result.publicKey)} (${result.signer}), private part in .git/snap/; the one trusted signer\n`);
    ctx.out(`  config      ${join(result.dir, 'snap.config.json')}\n`);
    ctx.out(`Next: review snap.config.json, then run \`snap commit v1.0\` in that folder.\n`);
    return 0;
  },
};
