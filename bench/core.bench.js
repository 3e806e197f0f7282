// The archive core at scale, through the real CLI on a local folder (no emulator needed):
//  - `snap commit` of 10,000 small files, and a no-change re-commit of it;
//  - `snap diff` of 10 changes in an archive of 100,000 entries (identical subtrees are
//    skipped by their id, so this should cost about as much as reading the 10 changes).
// Stock git (`git add -A && git commit`) on the same folder is printed as a reference.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measure } from './lib/measure.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const snapBin = join(root, 'bin', 'snap.js');
const work = mkdtempSync(join(tmpdir(), 'snap-bench-core-'));
const env = { ...process.env, NO_COLOR: '1', AWS_EC2_METADATA_DISABLED: 'true' };

function makeFolder(dir, files) {
  for (let i = 0; i < files; i++) {
    const sub = join(dir, `d${String(Math.floor(i / 100)).padStart(4, '0')}`);
    if (i % 100 === 0) mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, `f${i}.json`), `{"id": ${i}, "name": "item ${i}", "price": ${(i * 7) % 500}}\n`);
  }
}

function makeArchive(name, folder) {
  const dir = join(work, name);
  execFileSync(process.execPath, [snapBin, 'init', dir], { env, stdio: 'ignore' });
  const configPath = join(dir, 'snap.config.json');
  const config = JSON.parse(readFileSync(configPath, 'utf8'));
  for (const id of Object.keys(config.collectors)) config.collectors[id] = { enabled: false };
  config.collectors.local = { enabled: true, paths: [{ name: 'data', path: folder }] };
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  return dir;
}

const snap = (dir, ...args) => measure(process.execPath, [snapBin, '-q', ...args], { cwd: dir, env });
const row = (label, m) => console.log(`${label.padEnd(44)} ${(m.wallMs / 1000).toFixed(2).padStart(7)} s  ${m.peakRssMiB.toFixed(0).padStart(5)} MiB  ${m.cpuS.toFixed(1).padStart(5)} s CPU`);

try {
  console.log(`${'what'.padEnd(44)} ${'wall'.padStart(9)}  ${'peak RSS'.padStart(9)}  ${'CPU'.padStart(9)}`);
  const small = join(work, 'small');
  makeFolder(small, 10_000);
  const a = makeArchive('a', small);
  const first = await snap(a, 'commit', 'v1.0');
  row('snap commit, 10,000 small files', first);
  const again = await snap(a, 'commit', 'v1.1');
  row('snap commit, no change (10,000 files)', again);
  const gitDir = join(work, 'git-peer');
  execFileSync('cp', ['-r', small, gitDir]);
  execFileSync('git', ['init', '-q'], { cwd: gitDir });
  const gitCommit = await measure('sh', ['-c', 'git add -A && git -c user.name=b -c user.email=b@b commit -qm x'], { cwd: gitDir });
  row('stock git add + commit, 10,000 files', gitCommit);
  console.log(`ratio snap/git (first commit): ${(first.wallMs / gitCommit.wallMs).toFixed(2)}`);

  const big = join(work, 'big');
  makeFolder(big, 100_000);
  const b = makeArchive('b', big);
  row('snap commit, 100,000 small files', await snap(b, 'commit', 'v1.0'));
  for (let i = 0; i < 10; i++) writeFileSync(join(big, `d${String(i * 97).padStart(4, '0')}`, `f${i * 9700}.json`), `{"id": ${i * 9700}, "changed": true}\n`);
  row('snap commit, 10 changed of 100,000', await snap(b, 'commit', 'v1.1'));
  const diff = await measure(process.execPath, [snapBin, 'diff', 'v1.0', 'v1.1', '--stat'], { cwd: b, env, allowFailure: true });
  row('snap diff, 10 changes in 100,000 entries', diff);
  const startup = await measure(process.execPath, [snapBin, '--version'], { env });
  row('(snap --version: process start-up)', startup);
  console.log(`diff of 10 changes minus start-up: ${((diff.wallMs - startup.wallMs) / 1000).toFixed(2)} s`);
  // the 10 files, each with its record in the folder's listing shard (new size and sha256)
  const changed = diff.stdout.trim().split('\n').filter((l) => /^ {2}~ data\/d\d{4}\/f\d+\.json /.test(l)).length;
  if (changed !== 10) throw new Error(`expected 10 changed files in the diff, saw ${changed}:\n${diff.stdout}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
