// The S3 collector against its peers (issue 3, "Speed and memory"). One moto server, one run,
// tools alternating within each round so a slow moment of the machine or of moto is shared:
//   corpus A  2,000 objects of 10 KiB (HTML pages: snap also keeps readable copies)
//   corpus B  40 objects of 25 MiB (random bytes)
//   peers     `aws s3 sync` (Debian awscli v2, /usr/bin/aws) and `rclone copy` (/usr/bin/rclone),
//             each into a fresh local folder, with their default concurrency
//   snap      a full `snap commit` into a fresh archive (hash, content store, git tree, signed tag)
// Then a no-change re-commit against `aws s3 sync`'s no-change run (object GETs counted by a
// loopback proxy every tool goes through), and peak RSS while archiving one 1 GiB object.
// Targets: snap ≤ rclone on both corpora; no-change: 0 GETs and ≤ aws; 1 GiB: < 200 MB.
// Before every timed run the page cache is written back (`sync`, untimed): snap fsyncs what it
// stores, the peers do not, and one tool's unwritten pages must not slow the next one down.
//
// Environment: BENCH_ROUNDS (default 2), BENCH_ONLY=A or B for one corpus, BENCH_SKIP_BIG=1 to leave out the 1 GiB object,
// BENCH_BIG_PEERS=1 to run the peers on it too (slow on moto), SNAP_BENCH_KEEP=1 to keep the
// temporary folders, SNAP_BENCH_CLI=FILE to measure another snap CLI entry.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, PutObjectCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { initArchive } from '../dist/archive/init.js';
import { collectorById } from '../dist/collectors/registry.js';
import { measure } from './lib/measure.js';
import { startMoto } from '../dist/emulator/moto.js';
import { countingProxy } from './lib/proxy.js';

const here = dirname(fileURLToPath(import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const KiB = 1024;
const MiB = 1024 * KiB;
const work = mkdtempSync(join(tmpdir(), 'snap-bench-s3-'));
const env = {
  ...process.env,
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_EC2_METADATA_DISABLED: 'true',
  NODE_NO_WARNINGS: '1',
};
delete env.AWS_PROFILE;
delete env.AWS_ENDPOINT_URL;
delete env.AWS_CA_BUNDLE; // a CA bundle means nothing to a loopback http endpoint, and rclone refuses one there

let seq = 0;
const fresh = (name) => mkdtempSync(join(work, `${name}-${++seq}-`));

async function mapLimit(items, n, fn) {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  }));
}

function page(i) {
  const words = ['cruise', 'sunset', 'harbour', 'ticket', 'price', 'captain', 'island', 'crew', 'wind', 'sail'];
  let body = `<!doctype html>\n<html>\n<head><title>Event ${i}</title></head>\n<body>\n<h1>Event ${i}</h1>\n`;
  let n = i;
  while (body.length < 10 * KiB - 40) {
    n = (n * 1103515245 + 12345) % 2147483648;
    body += `<p>${words[n % 10]} ${words[(n >> 4) % 10]} ${words[(n >> 8) % 10]} $${n % 500}</p>\n`;
  }
  return `${body}</body>\n</html>\n`.padEnd(10 * KiB, ' ').slice(0, 10 * KiB);
}

async function seed(endpoint) {
  const s3 = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  for (const b of ['bench-a', 'bench-b', 'bench-big']) await s3.send(new CreateBucketCommand({ Bucket: b }));
  const t0 = Date.now();
  const only = process.env.BENCH_ONLY?.toLowerCase();
  if (!only || only === 'a') await mapLimit([...Array(2000).keys()], 16, (i) => s3.send(new PutObjectCommand({ Bucket: 'bench-a', Key: `events/${String(i).padStart(4, '0')}/index.html`, Body: page(i), ContentType: 'text/html' })));
  if (!only || only === 'b') await mapLimit([...Array(40).keys()], 4, (i) => s3.send(new PutObjectCommand({ Bucket: 'bench-b', Key: `media/video-${String(i).padStart(2, '0')}.bin`, Body: randomBytes(25 * MiB), ContentType: 'application/octet-stream' })));
  if (!process.env.BENCH_SKIP_BIG) {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'bench-big', Key: 'backup-1GiB.bin' }));
    const parts = [];
    for (let p = 1; p <= 16; p++) {
      const out = await s3.send(new UploadPartCommand({ Bucket: 'bench-big', Key: 'backup-1GiB.bin', UploadId, PartNumber: p, Body: randomBytes(64 * MiB) }));
      parts.push({ PartNumber: p, ETag: out.ETag, ChecksumCRC32: out.ChecksumCRC32 });
    }
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'bench-big', Key: 'backup-1GiB.bin', UploadId, MultipartUpload: { Parts: parts } }));
  }
  s3.destroy();
  console.log(`seeded corpora in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
}

// With the S3 collector in the registry, snap runs as users run it: the CLI, configured in
// snap.config.json. Otherwise lib/snap-commit.js calls the same commitVersion() directly.
const registered = Boolean(collectorById('s3'));

async function newArchive(endpoint, bucket) {
  const dir = join(fresh('snap'), 'archive');
  await initArchive(dir, { region: 'us-east-1' });
  const configPath = join(dir, 'snap.config.json');
  const config = JSON.parse(readFileSync(configPath, 'utf8'));
  config.aws.endpoint = endpoint;
  for (const id of Object.keys(config.collectors)) config.collectors[id] = { enabled: false };
  if (altCli) config.collectors = { local: { enabled: false } };
  if (registered || altCli) config.collectors.s3 = { enabled: true, include: [bucket] };
  writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`);
  return dir;
}

// SNAP_BENCH_CLI names another CLI entry to measure (e.g. a build with a proposed change);
// its registry must know the s3 collector, and only the s3 and local sections are written.
const altCli = process.env.SNAP_BENCH_CLI;
const snapCommand = (bucket, archive, version) =>
  altCli ? [altCli, '-C', archive, 'commit', version] : registered ? [join(here, '..', 'bin', 'snap.js'), '-C', archive, 'commit', version] : [join(here, 'lib', 'snap-commit.js'), archive, version, bucket];

const rcloneEnv = (endpoint) => ({
  ...env,
  RCLONE_CONFIG_BENCH_TYPE: 's3',
  RCLONE_CONFIG_BENCH_PROVIDER: 'Other',
  RCLONE_CONFIG_BENCH_ENDPOINT: endpoint,
  RCLONE_CONFIG_BENCH_ACCESS_KEY_ID: 'testing',
  RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY: 'testing',
  RCLONE_CONFIG_BENCH_REGION: 'us-east-1',
  RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE: 'true',
});

const tools = {
  snap: (endpoint, bucket, target, version = 'v1.0') => measure(process.execPath, snapCommand(bucket, target, version), { env }),
  aws: (endpoint, bucket, target) => measure('/usr/bin/aws', ['s3', 'sync', `s3://${bucket}`, target, '--endpoint-url', endpoint, '--only-show-errors', '--no-progress'], { env }),
  rclone: (endpoint, bucket, target) => measure('/usr/bin/rclone', ['copy', `bench:${bucket}`, target], { env: rcloneEnv(endpoint) }),
};

async function run(proxy, tool, bucket, target, version) {
  // Untimed: write back what the previous run left in the page cache, so no tool is throttled
  // by another's dirty pages (a tool that does not fsync would otherwise pass its disk time on).
  execFileSync('sync');
  const before = proxy.snapshot();
  const r = await tools[tool](proxy.endpoint, bucket, target, version);
  const after = proxy.snapshot();
  return { tool, wallS: r.wallMs / 1000, cpuS: r.cpuS, rssMiB: r.peakRssMiB, gets: after.objectGets - before.objectGets, requests: after.requests - before.requests, stdout: r.stdout };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function table(title, rows, ref) {
  console.log(`\n${title}`);
  console.log('| tool | wall s (median) | runs (s) | CPU s (median) | peak RSS MiB | object GETs | requests | wall vs rclone | wall vs aws |');
  console.log('|---|---:|---|---:|---:|---:|---:|---:|---:|');
  for (const row of rows) {
    const ratio = (other) => (ref[other] ? (row.wall / ref[other]).toFixed(2) : '–');
    console.log(`| ${row.tool} | ${row.wall.toFixed(2)} | ${row.runs.map((x) => x.toFixed(1)).join(', ')} | ${row.cpu.toFixed(1)} | ${row.rss.toFixed(0)} | ${row.gets} | ${row.requests} | ${ratio('rclone')} | ${ratio('aws')} |`);
  }
}

function summarize(results) {
  const rows = [];
  const ref = {};
  for (const tool of ['snap', 'aws', 'rclone']) {
    const mine = results.filter((r) => r.tool === tool);
    if (mine.length === 0) continue;
    const row = { tool, wall: median(mine.map((r) => r.wallS)), cpu: median(mine.map((r) => r.cpuS)), runs: mine.map((r) => r.wallS), rss: Math.max(...mine.map((r) => r.rssMiB)), gets: mine[mine.length - 1].gets, requests: mine[mine.length - 1].requests };
    ref[tool] = row.wall;
    rows.push(row);
  }
  return { rows, ref };
}

const moto = await startMoto();
const proxy = await countingProxy(moto.endpoint);
const verdicts = [];
try {
  await seed(moto.endpoint);
  const orders = [['snap', 'aws', 'rclone'], ['aws', 'rclone', 'snap'], ['rclone', 'snap', 'aws']];
  const kept = {};
  const corpora = [['A: 2,000 × 10 KiB', 'bench-a'], ['B: 40 × 25 MiB', 'bench-b']].filter(([, b]) => !process.env.BENCH_ONLY || b === `bench-${process.env.BENCH_ONLY.toLowerCase()}`);
  for (const [corpus, bucket] of corpora) {
    const results = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const tool of orders[round % orders.length]) {
        const target = tool === 'snap' ? await newArchive(proxy.endpoint, bucket) : fresh(tool);
        const r = await run(proxy, tool, bucket, target);
        results.push(r);
        if (round === ROUNDS - 1) kept[`${tool}:${bucket}`] = target;
        else if (!process.env.SNAP_BENCH_KEEP) rmSync(tool === 'snap' ? dirname(target) : target, { recursive: true, force: true });
        console.log(`  corpus ${corpus} round ${round + 1} ${tool}: ${r.wallS.toFixed(2)}s (CPU ${r.cpuS.toFixed(1)}s), ${r.rssMiB.toFixed(0)} MiB, ${r.gets} GETs`);
      }
    }
    const { rows, ref } = summarize(results);
    table(`Full copy, corpus ${corpus}`, rows, ref);
    verdicts.push(`corpus ${corpus}: snap/rclone = ${(ref.snap / ref.rclone).toFixed(2)} (target ≤ 1.00) ${ref.snap <= ref.rclone ? 'MET' : 'MISSED'}`);
  }

  // No-change re-runs on corpus A (the many-objects case), alternating.
  const nc = [];
  for (let round = 0; round < (kept['snap:bench-a'] ? ROUNDS : 0); round++) {
    for (const tool of round % 2 ? ['aws', 'snap', 'rclone'] : ['snap', 'aws', 'rclone']) {
      const r = await run(proxy, tool, 'bench-a', kept[`${tool}:bench-a`], `v1.${round + 1}`);
      nc.push(r);
      console.log(`  no-change round ${round + 1} ${tool}: ${r.wallS.toFixed(2)}s, ${r.gets} GETs, ${r.requests} requests`);
    }
  }
  const ncSum = summarize(nc);
  if (nc.length) table('No-change re-run, corpus A', ncSum.rows, ncSum.ref);
  const snapGets = Math.max(...nc.filter((r) => r.tool === 'snap').map((r) => r.gets));
  if (nc.length) verdicts.push(`no-change: snap object GETs = ${snapGets} (target 0) ${snapGets === 0 ? 'MET' : 'MISSED'}; snap/aws = ${(ncSum.ref.snap / ncSum.ref.aws).toFixed(2)} (target ≤ 1.00) ${ncSum.ref.snap <= ncSum.ref.aws ? 'MET' : 'MISSED'}`);

  if (!process.env.BENCH_SKIP_BIG) {
    // Only snap by default: the peers fetch a large object as ranged GETs, and moto reads the
    // whole value for every range, which takes many minutes and measures moto, not them.
    const big = [];
    for (const tool of process.env.BENCH_BIG_PEERS ? ['snap', 'aws', 'rclone'] : ['snap']) {
      const target = tool === 'snap' ? await newArchive(proxy.endpoint, 'bench-big') : fresh(tool);
      const r = await run(proxy, tool, 'bench-big', target);
      big.push(r);
      console.log(`  1 GiB object ${tool}: ${r.wallS.toFixed(2)}s, ${r.rssMiB.toFixed(0)} MiB`);
      if (!process.env.SNAP_BENCH_KEEP) rmSync(tool === 'snap' ? dirname(target) : target, { recursive: true, force: true });
    }
    const bigSum = summarize(big);
    table('One 1 GiB object', bigSum.rows, bigSum.ref);
    const snapRss = big.find((r) => r.tool === 'snap').rssMiB;
    verdicts.push(`1 GiB object: snap peak RSS = ${snapRss.toFixed(0)} MiB (target < 200 MB ≈ 190.7 MiB) ${snapRss * MiB < 200e6 ? 'MET' : 'MISSED'}`);
  }
  console.log(`\nTargets:\n${verdicts.map((v) => `  ${v}`).join('\n')}`);
  console.log('\nNotes: peak RSS is the sum over the process tree, polled every 20 ms. All tools reach moto through the same counting proxy.');
} finally {
  await proxy.close();
  await moto.stop();
  if (!process.env.SNAP_BENCH_KEEP) rmSync(work, { recursive: true, force: true });
  else console.log(`kept ${work}`);
}
