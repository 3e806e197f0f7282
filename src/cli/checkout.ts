// snap checkout VERSION DIR
import { resolve } from 'node:path';
import { VersionReader } from '../archive/version-reader.js';
import { checkVersionSpec, resolveVersion } from '../archive/versions.js';
import { assertCheckoutTarget, checkoutVersion } from '../export/checkout.js';
import type { Command } from './command.js';
import { describeExport, exportProgress } from './export.js';
import { SealChecker } from './seal.js';

export const checkoutCommand: Command = {
  name: 'checkout',
  summary: 'write a version as a plain folder tree (payloads resolved)',
  help: `usage: snap checkout VERSION DIR

Writes the whole of VERSION into DIR as plain files in the archive's layout (s3_buckets/,
lambda_functions/<function>/code.zip, cloudfront/, route53/, …, MANIFEST.md, RECOVERY.md),
every payload resolved from the content store: the same content \`snap export\` puts in a
tarball, readable without snap. Modes come from the tree (0755 for executables), and every
file's time is the version's commit time. DIR is a plain folder, not a git repository; the
archive's own working tree is not touched.

DIR must not exist or be empty. The version is written into a temporary folder beside DIR
and renamed to DIR at the end, so a checkout that fails (a missing or corrupt payload,
whose path the error names, or a full disk) leaves no DIR behind. Paths from the tree are
checked: nothing is ever written outside DIR.

examples:
  snap checkout v1.0 /tmp/estate-v1.0
  snap checkout latest recovered && ls recovered/lambda_functions`,
  options: {},
  positionals: [2, 2],
  exitCodes: { 0: 'DIR was written', 1: 'failed (a missing or corrupt payload, a full disk): no DIR is left behind', 2: 'bad input (DIR not empty, an unknown version); nothing was written' },
  async run(ctx, args) {
    const [spec, target] = args.positionals as [string, string];
    checkVersionSpec(spec);
    const dir = resolve(ctx.cwd, target);
    await assertCheckoutTarget(dir); // before the archive is even opened: a refusal writes nothing
    const archive = ctx.archive();
    const version = await resolveVersion(archive.repo, spec);
    await new SealChecker(ctx, archive).warn(version);
    const store = archive.openStore(await archive.loadConfig());
    const onEntry = await exportProgress(ctx, new VersionReader(archive.repo, version.treeOid), 'checkout');
    try {
      const stats = await checkoutVersion(archive.repo, store, version, dir, { onEntry });
      ctx.progress().stop();
      if (!ctx.quiet) ctx.err(`${version.name}: ${describeExport(stats)} → ${target}\n`);
      return 0;
    } finally {
      ctx.progress().stop();
    }
  },
};
