// `snap export` and `snap checkout` of a version with one large payload, through the real CLI
// (issue 7: "memory does not grow with the version's size"). A local folder with a 300 MiB
// file and a few small ones is committed; then, measured with peak RSS of the whole process:
//   - `snap ls` of the version: the process's own footprint (start-up, modules, one read);
//   - `snap export` to .tar, to .tar.gz, to stdout (piped to /dev/null), and `snap checkout`;
//   - stock `tar -cf` of the same folder, as a reference for speed.
// Target: each export's peak RSS within 64 MiB of `snap ls` (the payload is never buffered),
// and the same bytes from two exports. Environment: BENCH_EXPORT_MIB (default 300),
// SNAP_BENCH_KEEP=1 to keep the temporary folder.
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { closeSync, createReadStream, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measure, rssGrowthWithin } from './lib/measure.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const snapBin = join(root, 'bin', 'snap.js');
const MiB = 1024 * 1024;
const size = Number(process.env.BENCH_EXPORT_MIB ?? 300) * MiB;
const work = mkdtempSync(join(tmpdir(), 'snap-bench-export-'));
const env = { ...process.env, NO_COLOR: '1', AWS_EC2_METADATA_DISABLED: 'true' };
const LIMIT_MIB = 64;

async function sha256(file) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk);
  return hash.digest('hex');
}

const row = (label, m) => console.log(`${label.padEnd(40)} ${(m.wallMs / 1000).toFixed(2).padStart(7)} s  ${m.peakRssMiB.toFixed(0).padStart(5)} MiB  ${m.cpuS.toFixed(1).padStart(5)} s CPU`);

let failed = false;
try {
  const tools = join(work, 'tools');
  mkdirSync(tools);
  for (let i = 0; i < 20; i++) writeFileSync(join(tools, `script-${i}.py`), `print(${i})\n`);
  const fd = openSync(join(tools, 'disk.img'), 'w');
  const chunk = randomBytes(MiB);
  for (let i = 0; i < size / MiB; i++) {
    chunk.writeUInt32BE(i, 0);
    writeSync(fd, chunk);
  }
  closeSync(fd);

  const dir = join(work, 'estate');
  execFileSync(process.execPath, [snapBin, 'init', dir], { env, stdio: 'ignore' });
  const configPath = join(dir, 'snap.config.json');
  const config = JSON.parse(readFileSync(configPath, 'utf8'));
  for (const id of Object.keys(config.collectors)) config.collectors[id] = { enabled: false };
  config.collectors.local = { enabled: true, paths: [{ name: 'tools', path: tools }] };
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  execFileSync(process.execPath, [snapBin, '-q', 'commit', 'v1.0'], { cwd: dir, env, stdio: 'ignore' });

  const snap = (...args) => measure(process.execPath, [snapBin, '-q', ...args], { cwd: dir, env });
  console.log(`version with a ${size / MiB} MiB payload and 20 small files`);
  console.log(`${'what'.padEnd(40)} ${'wall'.padStart(9)}  ${'peak RSS'.padStart(9)}  ${'CPU'.padStart(9)}`);
  const base = await snap('ls', 'v1.0');
  row('snap ls (the process itself)', base);
  const results = [
    ['snap export → .tar', await snap('export', 'v1.0', '-o', join(work, 'a.tar'))],
    ['snap export → .tar (again)', await snap('export', 'v1.0', '-o', join(work, 'b.tar'))],
    ['snap export → .tar.gz', await snap('export', 'v1.0', '-o', join(work, 'a.tar.gz'))],
    ['snap export -o - > /dev/null', await measure('sh', ['-c', `"${process.execPath}" "${snapBin}" -q export v1.0 -o - > /dev/null`], { cwd: dir, env })],
    ['snap checkout', await snap('checkout', 'v1.0', join(work, 'checkout'))],
  ];
  for (const [label, m] of results) row(label, m);
  row('stock tar -cf of the folder (reference)', await measure('tar', ['-cf', join(work, 'ref.tar'), '-C', work, 'tools']));

  const same = (await sha256(join(work, 'a.tar'))) === (await sha256(join(work, 'b.tar')));
  console.log(`two exports byte-identical: ${same ? 'yes' : 'NO'}`);
  if (!rssGrowthWithin(results, base, LIMIT_MIB)) failed = true;
  if (!same) failed = true;
} finally {
  if (!process.env.SNAP_BENCH_KEEP) rmSync(work, { recursive: true, force: true });
  else console.log(`kept ${work}`);
}
if (failed) process.exitCode = 1;
