// snap cat VERSION PATH
import { pipeline } from 'node:stream/promises';
import { openEntry, openPayload } from '../archive/listing.js';
import { checkVersionSpec, resolveVersion } from '../archive/versions.js';
import { resolveArchivePath } from '../collectors/uri.js';
import type { Command } from './command.js';

export const catCommand: Command = {
  name: 'cat',
  summary: 'print the exact bytes of an archived file or payload',
  help: `usage: snap cat VERSION PATH

Writes the exact archived bytes of PATH in VERSION to stdout. For a payload kept in the
content store (the tree holds a pointer) the payload itself is written, and its sha256 is
checked as it streams: a corrupt payload ends with an error and exit code 1.
PATH is a path in the version's tree or one \`snap ls\` lists for a payload
(s3_buckets/BUCKET/content/KEY), or a resource address a collector understands, such as
s3://BUCKET/KEY.

examples:
  snap cat v1.1 MANIFEST.md
  snap cat v1.0 s3://sailjada-prod/events/index.html > index.html`,
  options: {},
  positionals: [2, 2],
  exitCodes: { 1: 'failed (a missing or corrupt payload: what was written is not the archived content)' },
  async run(ctx, args) {
    checkVersionSpec(args.positionals[0]!);
    const archive = ctx.archive();
    const version = await resolveVersion(archive.repo, args.positionals[0]!);
    const config = await archive.loadConfig();
    const store = archive.openStore(config);
    const found = await resolveArchivePath(archive.repo, version.treeOid, args.positionals[1]!);
    const stream = found.kind === 'path' ? await openEntry(archive.repo, store, version.treeOid, found.path) : await openPayload(store, found.pointer, found.label);
    await pipeline(stream, ctx.io.stdout, { end: false });
    return 0;
  },
};
