// snap ls VERSION [PATH]
import { listEntries } from '../archive/listing.js';
import { checkVersionSpec, resolveVersion } from '../archive/versions.js';
import { flag, type Command } from './command.js';

export const lsCommand: Command = {
  name: 'ls',
  summary: "list a version's archived entries with size and sha256",
  help: `usage: snap ls VERSION [PATH] [--json]

Lists every entry archived in VERSION under PATH (default: everything): kind ("file" for
content kept in git, "stored" for a payload in the content store), size, sha256, path.

options:
  --json   JSON lines: {"path", "kind", "size", "sha256"}

examples:
  snap ls v1.1 local_repos/tools
  snap ls latest --json | jq -r 'select(.kind=="stored") | .path'`,
  options: { json: { type: 'boolean' } },
  positionals: [1, 2],
  async run(ctx, args) {
    checkVersionSpec(args.positionals[0]!);
    const archive = ctx.archive();
    const version = await resolveVersion(archive.repo, args.positionals[0]!);
    const json = flag(args, 'json');
    for await (const e of listEntries(archive.repo, version.treeOid, args.positionals[1] ?? '')) {
      if (json) ctx.out(`${JSON.stringify({ path: e.path, kind: e.kind, size: e.size, sha256: e.sha256 })}\n`);
      else ctx.out(`${e.kind.padEnd(6)} ${String(e.size).padStart(12)}  ${e.sha256}  ${e.path}\n`);
    }
    return 0;
  },
};
