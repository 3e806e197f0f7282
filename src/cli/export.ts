// snap export VERSION -o FILE.tar[.gz] [--gzip] [--prefix DIR]
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { MANIFEST_PATH, type Manifest } from '../archive/manifest.js';
import { listedPayloads } from '../archive/payloads.js';
import { VersionReader } from '../archive/version-reader.js';
import { checkVersionSpec, resolveVersion } from '../archive/versions.js';
import { UsageError } from '../errors.js';
import { exportToFile, exportToStream, tarballKind } from '../export/export.js';
import type { TarStats } from '../export/tarball.js';
import { formatBytes, TerminalProgress } from '../util/log.js';
import { flag, str, type Command } from './command.js';
import type { CliContext } from './context.js';
import { SealChecker } from './seal.js';

/**
 * Progress by entry and bytes. What to expect: the tree's files and bytes from the manifest,
 * and the listed payloads that will be written (counted from the listings: older object
 * versions are not written, so the manifest's count would overstate them).
 */
export async function exportProgress(ctx: CliContext, reader: VersionReader, id: string) {
  const progress = ctx.progress();
  const task = progress.task(id);
  // Only a terminal shows what is expected: elsewhere the listings are not read twice for it.
  const totals = progress instanceof TerminalProgress ? (await reader.json<Manifest>(MANIFEST_PATH).catch(() => null))?.totals : undefined;
  if (totals) {
    let items = totals.files + 1; // and PAYLOADS.jsonl
    let bytes = totals.treeBytes + totals.pointerBytes;
    for await (const p of listedPayloads(reader.repo, reader.treeOid)) {
      if (p.path === null) continue;
      items++;
      bytes += p.pointer.size;
    }
    task.expect(items, bytes);
  }
  return (e: { kind: string; size?: number }) => {
    if (e.kind === 'file') task.add(1, e.size ?? 0);
  };
}

export function describeExport(s: TarStats): string {
  return `${s.files} files, ${s.payloads} payload${s.payloads === 1 ? '' : 's'} resolved (${formatBytes(s.payloadBytes)}), ${formatBytes(s.bytes)} in all`;
}

export const exportCommand: Command = {
  name: 'export',
  summary: 'write a version as a tarball that reads without snap (payloads resolved)',
  help: `usage: snap export VERSION -o FILE [--gzip] [--prefix DIR]

Writes the whole of VERSION as a tarball in the archive's layout (s3_buckets/,
lambda_functions/<function>/code.zip, cloudfront/, route53/, …, MANIFEST.md, RECOVERY.md),
every payload resolved from the content store, so it can be read with tar alone.
FILE ending in .tar.gz or .tgz is gzipped, .tar is not; "-o -" writes to stdout (add
--gzip to compress). Everything sits in a top folder named after the version.

The same version always gives the same bytes: entries in the tree's order, each with the
version's commit time, owner root (0:0), and the mode the tree records (0644, or 0755 for
folders and executables); gzip without a time or file name in its header.

The export streams: memory does not grow with the version's size. Each payload is checked
against its sha256 as it streams; a missing or corrupt payload stops the export with an
error naming its path and exit code 1, and no partial FILE is left behind (an existing
FILE of that name is replaced only by a complete export). On stdout the stream just stops:
check the exit code.

options:
  -o, --output FILE   FILE.tar, FILE.tar.gz or FILE.tgz; - for stdout
  --gzip              compress (implied by .tar.gz and .tgz)
  --prefix DIR        the top folder inside the tarball (default: the version's name;
                      --prefix "" for none)

examples:
  snap export v1.1 -o estate-v1.1.tar.gz
  snap export latest -o - | tar -tvf - | head
  snap export v1.0 -o - --gzip | ssh backup-host 'cat > estate-v1.0.tgz'`,
  options: { output: { type: 'string', short: 'o' }, gzip: { type: 'boolean' }, prefix: { type: 'string' } },
  values: { prefix: { kind: 'text', takes: 'a folder name, or "" for none', empty: true } },
  positionals: [1, 1],
  exitCodes: { 0: 'the tarball was written', 1: 'failed (a missing or corrupt payload, a full disk): no FILE is left behind' },
  async run(ctx, args) {
    checkVersionSpec(args.positionals[0]!);
    const output = str(args, 'output');
    if (output === undefined) throw new UsageError('snap export: name the tarball with -o FILE.tar[.gz] (or -o - for stdout)');
    const toStdout = output === '-';
    const kind = toStdout ? { gzip: flag(args, 'gzip') } : tarballKind(output);
    if (!kind) throw new UsageError(`snap export: ${JSON.stringify(output)} must end in .tar, .tar.gz or .tgz`);
    if (!toStdout && flag(args, 'gzip') && !kind.gzip) throw new UsageError(`snap export: --gzip with ${JSON.stringify(output)}: name it .tar.gz or .tgz`);
    if (toStdout && ctx.io.stdout.isTTY) throw new UsageError('snap export: refusing to write a tarball to a terminal (redirect it, or name a file with -o)');
    const file = toStdout ? null : resolve(ctx.cwd, output);
    if (file) {
      const parent = await stat(dirname(file)).catch(() => null);
      if (!parent?.isDirectory()) throw new UsageError(`snap export: the folder of ${output} does not exist`);
    }

    const archive = ctx.archive();
    const version = await resolveVersion(archive.repo, args.positionals[0]!);
    await new SealChecker(ctx, archive).warn(version);
    const store = archive.openStore(await archive.loadConfig());
    const onEntry = await exportProgress(ctx, new VersionReader(archive.repo, version.treeOid), 'export');
    const options = { gzip: kind.gzip, onEntry, ...(args.values.prefix !== undefined ? { prefix: str(args, 'prefix') ?? '' } : {}) };
    try {
      const stats = file ? await exportToFile(archive.repo, store, version, file, options) : await exportToStream(archive.repo, store, version, ctx.io.stdout as unknown as Writable, { ...options, end: false });
      ctx.progress().stop(); // before the summary line, so a terminal's status line is gone
      if (!ctx.quiet) ctx.err(`${version.name}: ${describeExport(stats)}${file ? ` → ${output}` : ''}\n`);
      return 0;
    } finally {
      ctx.progress().stop();
    }
  },
};
