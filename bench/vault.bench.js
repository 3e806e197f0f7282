// The vault against its peers, and the local store against its own targets. One moto server,
// one run, tools alternating within each round, every timed run direct to moto (no proxy in
// the path); requests and received bytes are counted in separate runs through a counting
// proxy (bench/lib/proxy.js), because a proxy slows each tool differently.
//
//   corpus A-bin  2,000 binary objects of 10 KiB (images, archives: nothing is kept as text)
//   corpus A-html 2,000 HTML pages of 10 KiB (snap also keeps readable copies in git)
//   corpus B      40 objects of 25 MiB (random bytes)
//
// Table 1, the vault (A-bin and B): a full `snap commit` into a fresh vault prefix, against
//   copy      the emulator's own limit: one CopyObject with SHA256 per object, nothing else,
//             at snap's concurrency (16), by a minimal script (bench/lib/copy-sha256.js)
//   rclone16  `rclone copy --transfers 16` into a local folder
//   local     `snap commit` into the local store
// Targets: snap receives ≤ 1 % of the corpus (0 object-body GETs); its CPU ≤ 0.1× rclone's on
// B and ≤ 0.5× on A-bin; wall ≤ 1.2× the copy script's; a no-change re-commit makes no object
// request beyond the retention extensions due (and the vault's write probe).
//
// Table 2, the local store (A-html and B, the corpora `npm run bench s3` uses): `snap commit`
// into the local store against `rclone copy` (its defaults) and `rclone copy --transfers 16`.
// Targets: ≤ 1.0× rclone's wall time on A-html, ≤ 1.3× on B.
//
// Environment: BENCH_ROUNDS (default 2), BENCH_ONLY=A or B, SNAP_BENCH_KEEP=1 keeps folders.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { initArchive } from '../dist/archive/init.js';
import { measure } from './lib/measure.js';
import { startMoto } from '../dist/emulator/moto.js';
import { countingProxy } from './lib/proxy.js';

const here = dirname(fileURLToPath(import.meta.url));
const SNAP = join(here, '..', 'bin', 'snap.js');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const ONLY = process.env.BENCH_ONLY?.toUpperCase();
const KiB = 1024;
const MiB = 1024 * KiB;
const VAULT_BUCKET = 'bench-vault';
const work = mkdtempSync(join(tmpdir(), 'snap-bench-vault-'));
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
delete env.AWS_SESSION_TOKEN;
delete env.AWS_CA_BUNDLE;

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

const CORPORA = {
  'A-bin': { bucket: 'vault-a-bin', title: 'A-bin: 2,000 × 10 KiB binary', bytes: 2000 * 10 * KiB },
  'A-html': { bucket: 'vault-a-html', title: 'A-html: 2,000 × 10 KiB pages', bytes: 2000 * 10 * KiB },
  B: { bucket: 'vault-b', title: 'B: 40 × 25 MiB', bytes: 40 * 25 * MiB },
};
const wanted = (id) => !ONLY || id.startsWith(ONLY);

async function seed(endpoint) {
  const s3 = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  await s3.send(new CreateBucketCommand({ Bucket: VAULT_BUCKET, ObjectLockEnabledForBucket: true }));
  for (const c of Object.values(CORPORA)) await s3.send(new CreateBucketCommand({ Bucket: c.bucket }));
  const t0 = Date.now();
  if (wanted('A-bin')) await mapLimit([...Array(2000).keys()], 16, (i) => s3.send(new PutObjectCommand({ Bucket: 'vault-a-bin', Key: `blobs/${String(i).padStart(4, '0')}.bin`, Body: randomBytes(10 * KiB), ContentType: 'application/octet-stream' })));
  if (wanted('A-html')) await mapLimit([...Array(2000).keys()], 16, (i) => s3.send(new PutObjectCommand({ Bucket: 'vault-a-html', Key: `events/${String(i).padStart(4, '0')}/index.html`, Body: page(i), ContentType: 'text/html' })));
  if (wanted('B')) await mapLimit([...Array(40).keys()], 4, (i) => s3.send(new PutObjectCommand({ Bucket: 'vault-b', Key: `media/video-${String(i).padStart(2, '0')}.bin`, Body: randomBytes(25 * MiB), ContentType: 'application/octet-stream' })));
  s3.destroy();
  console.log(`seeded corpora in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
}

let prefixSeq = 0;
async function newArchive(endpoint, bucket, vault) {
  const dir = join(fresh('snap'), 'archive');
  await initArchive(dir, { region: 'us-east-1' });
  const configPath = join(dir, 'snap.config.json');
  const config = JSON.parse(readFileSync(configPath, 'utf8'));
  config.aws.endpoint = endpoint;
  for (const id of Object.keys(config.collectors)) config.collectors[id] = { enabled: false };
  config.collectors.s3 = { enabled: true, include: [bucket] };
  // A fresh prefix each run: every vault snapshot is a full one, all content new to the vault.
  if (vault) config.store = { url: `s3://${VAULT_BUCKET}/run-${++prefixSeq}`, region: 'us-east-1', objectLock: { mode: 'governance', days: 30 } };
  writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`);
  return dir;
}

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

let copySeq = 0;
const TOOLS = {
  vault: async (endpoint, bucket) => {
    const dir = await newArchive(endpoint, bucket, true);
    return { dir, run: () => measure(process.execPath, [SNAP, '-C', dir, '-q', 'commit', 'v1.0'], { env }) };
  },
  local: async (endpoint, bucket) => {
    const dir = await newArchive(endpoint, bucket, false);
    return { dir, run: () => measure(process.execPath, [SNAP, '-C', dir, '-q', 'commit', 'v1.0'], { env }) };
  },
  copy: async (endpoint, bucket) => ({ dir: null, run: () => measure(process.execPath, [join(here, 'lib', 'copy-sha256.js'), endpoint, bucket, VAULT_BUCKET, `copy-${++copySeq}`, '16'], { env }) }),
  rclone16: async (endpoint, bucket) => {
    const dir = fresh('rclone16');
    return { dir, run: () => measure('/usr/bin/rclone', ['copy', '--transfers', '16', `bench:${bucket}`, dir], { env: rcloneEnv(endpoint) }) };
  },
  rclone: async (endpoint, bucket) => {
    const dir = fresh('rclone');
    return { dir, run: () => measure('/usr/bin/rclone', ['copy', `bench:${bucket}`, dir], { env: rcloneEnv(endpoint) }) };
  },
};

async function timed(endpoint, tool, bucket) {
  const prepared = await TOOLS[tool](endpoint, bucket);
  execFileSync('sync'); // untimed: no tool pays for another's dirty pages
  const r = await prepared.run();
  if (prepared.dir && !process.env.SNAP_BENCH_KEEP) rmSync(tool === 'vault' || tool === 'local' ? dirname(prepared.dir) : prepared.dir, { recursive: true, force: true });
  return { tool, wallS: r.wallMs / 1000, cpuS: r.cpuS, rssMiB: r.peakRssMiB };
}

/** One run through the counting proxy: requests, copies, object GETs and bytes received. */
async function counted(proxy, tool, bucket) {
  const prepared = await TOOLS[tool](proxy.endpoint, bucket);
  const before = proxy.snapshot();
  await prepared.run();
  const after = proxy.snapshot();
  const delta = Object.fromEntries(Object.keys(after).filter((k) => typeof after[k] === 'number').map((k) => [k, after[k] - before[k]]));
  // Object-body GETs of the corpus itself (a vault run also reads its own keys, e.g. the fingerprint key)
  delta.corpusGets = (after.getsByBucket[bucket] ?? 0) - (before.getsByBucket[bucket] ?? 0);
  return { ...delta, dir: prepared.dir };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function summarize(results) {
  const out = {};
  for (const r of results) (out[r.tool] ??= []).push(r);
  return Object.fromEntries(Object.entries(out).map(([tool, rs]) => [tool, { wall: median(rs.map((r) => r.wallS)), cpu: median(rs.map((r) => r.cpuS)), runs: rs.map((r) => r.wallS), rss: Math.max(...rs.map((r) => r.rssMiB)) }]));
}

const fmtBytes = (n) => (n >= MiB ? `${(n / MiB).toFixed(1)} MiB` : n >= KiB ? `${(n / KiB).toFixed(1)} KiB` : `${n} B`);
const LABELS = { vault: 'snap (vault)', local: 'snap (local store)', copy: 'CopyObject+SHA256 script', rclone16: 'rclone copy --transfers 16', rclone: 'rclone copy' };

const moto = await startMoto();
const verdicts = [];
try {
  await seed(moto.endpoint);
  const proxy = await countingProxy(moto.endpoint);
  const table1 = [];
  const table2 = [];

  // Table 1: the vault.
  for (const id of ['A-bin', 'B'].filter(wanted)) {
    const { bucket, title, bytes } = CORPORA[id];
    const tools = ['vault', 'copy', 'rclone16', 'local'];
    const results = [];
    for (let round = 0; round < ROUNDS; round++) {
      const order = tools.map((_, i) => tools[(i + round) % tools.length]);
      for (const tool of order) {
        const r = await timed(moto.endpoint, tool, bucket);
        results.push(r);
        console.log(`  ${id} round ${round + 1} ${tool}: ${r.wallS.toFixed(2)}s wall, ${r.cpuS.toFixed(2)}s CPU`);
      }
    }
    const sum = summarize(results);
    const counts = {};
    for (const tool of ['vault', 'rclone16', 'local']) counts[tool] = await counted(proxy, tool, bucket);
    // The vault archive of the counted run, committed again with nothing changed.
    const before = proxy.snapshot();
    await measure(process.execPath, [SNAP, '-C', counts.vault.dir, '-q', 'commit', 'v1.1'], { env });
    const after = proxy.snapshot();
    const noChange = { objectRequests: after.objectRequests - before.objectRequests, probes: after.vaultProbes - before.vaultProbes, retention: after.retentionPuts - before.retentionPuts, history: after.historyPuts - before.historyPuts, requests: after.requests - before.requests };
    table1.push({ id, title, bytes, sum, counts, noChange });
    const v = sum.vault;
    const received = counts.vault.bytesReceived;
    verdicts.push(`${id}: vault received ${fmtBytes(received)} = ${((100 * received) / bytes).toFixed(2)} % of the corpus, ${counts.vault.corpusGets} object-body GETs of the corpus (target ≤ 1 %, 0 GETs) ${received <= bytes / 100 && counts.vault.corpusGets === 0 ? 'MET' : 'MISSED'}`);
    const cpuTarget = id === 'B' ? 0.1 : 0.5;
    verdicts.push(`${id}: vault CPU / rclone16 CPU = ${(v.cpu / sum.rclone16.cpu).toFixed(2)} (target ≤ ${cpuTarget}) ${v.cpu / sum.rclone16.cpu <= cpuTarget ? 'MET' : 'MISSED'}`);
    verdicts.push(`${id}: vault wall / copy-script wall = ${(v.wall / sum.copy.wall).toFixed(2)} (target ≤ 1.2) ${v.wall / sum.copy.wall <= 1.2 ? 'MET' : 'MISSED'}`);
    const extra = noChange.objectRequests - noChange.probes - noChange.retention - noChange.history;
    verdicts.push(`${id}: no-change re-commit: ${noChange.objectRequests} object requests (${noChange.probes} vault write probe, ${noChange.history} new version's history bundle, ${noChange.retention} retention extensions due), ${extra} others (target 0) ${extra === 0 ? 'MET' : 'MISSED'}`);
  }

  // Table 2: the local store, direct.
  for (const id of ['A-html', 'B'].filter(wanted)) {
    const { bucket, title } = CORPORA[id];
    const tools = ['local', 'rclone', 'rclone16'];
    const results = [];
    for (let round = 0; round < ROUNDS; round++) {
      const order = tools.map((_, i) => tools[(i + round) % tools.length]);
      for (const tool of order) {
        const r = await timed(moto.endpoint, tool, bucket);
        results.push(r);
        console.log(`  ${id} round ${round + 1} ${tool}: ${r.wallS.toFixed(2)}s wall, ${r.cpuS.toFixed(2)}s CPU`);
      }
    }
    const sum = summarize(results);
    table2.push({ id, title, sum });
    const target = id === 'B' ? 1.3 : 1.0;
    verdicts.push(`${id}: local store wall / rclone wall = ${(sum.local.wall / sum.rclone.wall).toFixed(2)} (target ≤ ${target}) ${sum.local.wall / sum.rclone.wall <= target ? 'MET' : 'MISSED'}; / rclone16 = ${(sum.local.wall / sum.rclone16.wall).toFixed(2)}`);
  }
  await proxy.close();

  console.log('\nTable 1: a full vault snapshot (timed direct; requests and bytes from a separate counted run)');
  console.log('| corpus | tool | wall s (median) | runs (s) | CPU s (median) | peak RSS MiB | received | corpus GETs | copies | requests |');
  console.log('|---|---|---:|---|---:|---:|---:|---:|---:|---:|');
  for (const t of table1) {
    for (const tool of ['vault', 'copy', 'rclone16', 'local']) {
      const s = t.sum[tool];
      const c = t.counts[tool];
      console.log(`| ${t.title} | ${LABELS[tool]} | ${s.wall.toFixed(2)} | ${s.runs.map((x) => x.toFixed(1)).join(', ')} | ${s.cpu.toFixed(2)} | ${s.rss.toFixed(0)} | ${c ? fmtBytes(c.bytesReceived) : '–'} | ${c ? c.corpusGets : '–'} | ${c ? c.copies : '–'} | ${c ? c.requests : '–'} |`);
    }
    console.log(`| ${t.title} | snap (vault), no-change re-commit | | | | | | | | ${t.noChange.requests} requests, ${t.noChange.objectRequests} on objects |`);
  }
  console.log('\nTable 2: the local store against rclone (timed direct)');
  console.log('| corpus | tool | wall s (median) | runs (s) | CPU s (median) | peak RSS MiB | wall vs rclone | wall vs rclone16 |');
  console.log('|---|---|---:|---|---:|---:|---:|---:|');
  for (const t of table2) {
    for (const tool of ['local', 'rclone', 'rclone16']) {
      const s = t.sum[tool];
      console.log(`| ${t.title} | ${LABELS[tool]} | ${s.wall.toFixed(2)} | ${s.runs.map((x) => x.toFixed(1)).join(', ')} | ${s.cpu.toFixed(2)} | ${s.rss.toFixed(0)} | ${(s.wall / t.sum.rclone.wall).toFixed(2)} | ${(s.wall / t.sum.rclone16.wall).toFixed(2)} |`);
    }
  }
  console.log(`\nTargets:\n${verdicts.map((v) => `  ${v}`).join('\n')}`);
  console.log('\nNotes: CPU is the tool\'s own process tree (moto\'s is not counted); on moto every copy runs on this machine\'s cores, so a vault\'s wall time is bounded by moto.');
} finally {
  await moto.stop();
  if (!process.env.SNAP_BENCH_KEEP) rmSync(work, { recursive: true, force: true });
  else console.log(`kept ${work}`);
}
