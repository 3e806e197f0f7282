// snap runbook [VERSION] [-o FILE]
import { randomBytes } from 'node:crypto';
import { rename, unlink, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { checkVersionSpec, resolveVersion } from '../archive/versions.js';
import { runbookForVersion } from '../runbook/runbook.js';
import { str, type Command } from './command.js';
import { SealChecker } from './seal.js';

export const runbookCommand: Command = {
  name: 'runbook',
  summary: "print a version's recovery runbook (RECOVERY.md) with its exact commands",
  help: `usage: snap runbook [VERSION] [-o FILE]

Generates the recovery runbook of VERSION (default: latest) from what the version holds:
for each layer it contains (IAM, storage, data, functions, API Gateway, email, database,
CDN, DNS, servers, Apps Script, local tools), in the order to restore them and why that
order (what depends on what), the exact snap commands (snap verify, then snap restore
… --dry-run and --yes) with the version's real bucket, zone, function and table names
for the layers snap restores, the steps by hand for those it does not (email, database,
servers, local tools: never a snap restore that snap would refuse), what snap restore and
restore-test cannot bring back, and what the archive cannot give back (secret values by
name, database data, server disks, container images, certificates) with where to get it
instead.

The output is the same every time for the same version. Every version made by
\`snap commit\` also stores this runbook as RECOVERY.md; that copy names the version as
"$VERSION" (so that unchanged estates keep identical trees), this one by its name.

options:
  -o, --output FILE   write the runbook to FILE instead of stdout

examples:
  snap runbook v1.1
  snap runbook latest -o RECOVERY-latest.md`,
  options: { output: { type: 'string', short: 'o' } },
  positionals: [0, 1],
  async run(ctx, args) {
    checkVersionSpec(args.positionals[0] ?? 'latest');
    const archive = ctx.archive();
    const version = await resolveVersion(archive.repo, args.positionals[0] ?? 'latest');
    await new SealChecker(ctx, archive).warn(version);
    const text = await runbookForVersion(archive.repo, version);
    const output = str(args, 'output');
    if (output === undefined || output === '-') {
      ctx.out(text);
      return 0;
    }
    const file = resolve(ctx.cwd, output);
    const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      await writeFile(tmp, text, { flag: 'wx' });
      await rename(tmp, file);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    if (!ctx.quiet) ctx.err(`${version.name}: runbook written to ${output}\n`);
    return 0;
  },
};
