// snap ls VERSION [PATH] [--json]
import { listEntries } from '../archive/listing.js';
import { checkVersionSpec, resolveVersion } from '../archive/versions.js';
import { flag, type Command } from './command.js';
import { SealChecker } from './seal.js';

/** A name as one printable field: quoted (JSON style) when it holds a control character, a quote or a backslash, as git quotes paths. */
export function quoteName(name: string): string {
  return /[\u0000-\u001f\u007f"\\]/.test(name) ? JSON.stringify(name) : name;
}

export const lsCommand: Command = {
  name: 'ls',
  summary: "list a version's archived entries (S3 objects included) with size and sha256",
  help: `usage: snap ls VERSION [PATH] [--json]

Lists every entry archived in VERSION under PATH (default: everything), one a line: kind,
size, sha256, path. The kind is "file" for content kept in git and "stored" for a payload
in the content store: a pointer file's payload (Lambda code.zip, a bundle, a large table
export) is listed at the pointer's path, and every S3 object, listed in its bucket's
manifest, at the place \`snap export\` and \`snap checkout\` write it
(s3_buckets/<bucket>/content/<key>) followed by its address s3://<bucket>/<key>. Older
versions of objects in a versioned bucket are listed with "-" as their path and their
version id. Names holding control characters, quotes or backslashes are quoted as JSON
strings.

PATH is a folder or file of the tree (s3_buckets/<bucket> lists the bucket's files and
all its objects), or an address prefix (s3://<bucket>/ or s3://<bucket>/img/).

options:
  --json   JSON lines: {"path", "kind", "size", "sha256"}, and for an S3 object
           "address" (and "versionId" for an older version; its "path" is null)

examples:
  snap ls v1.1 local_repos/tools
  snap ls v1.1 s3_buckets/sailjada-prod
  snap ls latest s3://sailjada-prod/events/
  snap ls latest --json | jq -r 'select(.kind=="stored") | .address // .path'`,
  options: { json: { type: 'boolean' } },
  positionals: [1, 2],
  async run(ctx, args) {
    checkVersionSpec(args.positionals[0]!);
    const archive = ctx.archive();
    const version = await resolveVersion(archive.repo, args.positionals[0]!);
    await new SealChecker(ctx, archive).warn(version);
    const json = flag(args, 'json');
    for await (const e of listEntries(archive.repo, version.treeOid, args.positionals[1] ?? '')) {
      if (json) {
        await ctx.write(`${JSON.stringify({ path: e.path, kind: e.kind, size: e.size, sha256: e.sha256, ...(e.address ? { address: e.address } : {}), ...(e.versionId ? { versionId: e.versionId } : {}) })}\n`);
        continue;
      }
      const where = e.address ? `${e.path === null ? '-' : quoteName(e.path)}  ${quoteName(e.address)}${e.versionId ? ` (version ${quoteName(e.versionId)})` : ''}` : quoteName(e.path ?? '-');
      await ctx.write(`${e.kind.padEnd(6)} ${String(e.size).padStart(12)}  ${e.sha256}  ${where}\n`);
    }
    return 0;
  },
};
