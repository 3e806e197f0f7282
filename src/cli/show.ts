// snap show VERSION
import { MANIFEST_MD_PATH, MANIFEST_PATH } from '../archive/manifest.js';
import { VersionReader } from '../archive/version-reader.js';
import { checkVersionSpec, resolveVersion } from '../archive/versions.js';
import { SnapError } from '../errors.js';
import { flag, type Command } from './command.js';
import { SealChecker } from './seal.js';

export const showCommand: Command = {
  name: 'show',
  summary: "print a version's manifest",
  help: `usage: snap show [VERSION] [--json]

Prints the manifest of VERSION (default: latest): when it was taken, each collector's
status, counts, bytes and duration, and the coverage findings (what was found but not
collected, and why).

options:
  --json   the machine-readable manifest (.snap/manifest.json)

examples:
  snap show v1.1
  snap show latest --json | jq '.collectors[] | {id, status}'`,
  options: { json: { type: 'boolean' } },
  positionals: [0, 1],
  async run(ctx, args) {
    checkVersionSpec(args.positionals[0] ?? 'latest');
    const archive = ctx.archive();
    const version = await resolveVersion(archive.repo, args.positionals[0] ?? 'latest');
    await new SealChecker(ctx, archive).warn(version);
    const reader = new VersionReader(archive.repo, version.treeOid);
    const text = await reader.text(flag(args, 'json') ? MANIFEST_PATH : MANIFEST_MD_PATH);
    if (text === null) throw new SnapError('PATH_NOT_FOUND', `${version.name} has no manifest (it was not written by snap commit)`, { version: version.name });
    ctx.out(text);
    return 0;
  },
};
