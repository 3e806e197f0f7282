// `snap export` and `snap checkout` of a version whose payloads are S3 objects (listed in the
// bucket's manifests, not pointer files), through the real CLI against moto: one multi-GiB
// object (multipart upload) and 2,000 small ones. Measured with peak RSS of the whole process:
//   - `snap ls` of the version (it lists every object too): the process's own footprint;
//   - `snap export -o - > /dev/null`, `snap export` to .tar, `snap checkout`;
// then the large object's bytes in the checkout are compared with what moto holds (sha256).
// Target: each peak RSS within 64 MiB of `snap ls` (no payload is ever buffered).
// Environment: BENCH_EXPORT_S3_MIB (default 1024), SNAP_BENCH_KEEP=1 keeps the folder.
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, PutObjectCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { measure, rssGrowthWithin } from './lib/measure.js';
import { startMoto } from '../dist/emulator/moto.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const snapBin = join(root, 'bin', 'snap.js');
const MiB = 1024 * 1024;
const PART = 64 * MiB;
const size = Number(process.env.BENCH_EXPORT_S3_MIB ?? 1024) * MiB;
const LIMIT_MIB = 64;
const work = mkdtempSync(join(tmpdir(), 'snap-bench-export-s3-'));
const row = (label, m) => console.log(`${label.padEnd(40)} ${(m.wallMs / 1000).toFixed(2).padStart(7)} s  ${m.peakRssMiB.toFixed(0).padStart(5)} MiB  ${m.cpuS.toFixed(1).padStart(5)} s CPU`);

async function sha256File(file) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk);
  return hash.digest('hex');
}

const moto = await startMoto();
let failed = false;
try {
  const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };
  const s3 = new S3Client({ endpoint: moto.endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
  await s3.send(new CreateBucketCommand({ Bucket: 'bench-export' }));
  const big = createHash('sha256');
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'bench-export', Key: 'backups/disk.img' }));
  const parts = [];
  for (let p = 1; p * PART <= size; p++) {
    const body = randomBytes(PART);
    big.update(body);
    const out = await s3.send(new UploadPartCommand({ Bucket: 'bench-export', Key: 'backups/disk.img', UploadId, PartNumber: p, Body: body }));
    parts.push({ ETag: out.ETag, PartNumber: p });
  }
  await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'bench-export', Key: 'backups/disk.img', UploadId, MultipartUpload: { Parts: parts } }));
  const bigSha = big.digest('hex');
  for (let i = 0; i < 2000; i += 20) await Promise.all([...Array(20).keys()].map((j) => s3.send(new PutObjectCommand({ Bucket: 'bench-export', Key: `img/${String(i + j).padStart(4, '0')}.bin`, Body: randomBytes(2048) }))));

  const env = { ...process.env, NO_COLOR: '1', AWS_EC2_METADATA_DISABLED: 'true', AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench', AWS_REGION: 'us-east-1' };
  const dir = join(work, 'estate');
  execFileSync(process.execPath, [snapBin, 'init', dir], { env, stdio: 'ignore' });
  const configPath = join(dir, 'snap.config.json');
  const config = JSON.parse(readFileSync(configPath, 'utf8'));
  for (const id of Object.keys(config.collectors)) config.collectors[id] = { enabled: false };
  config.collectors.s3 = { enabled: true };
  config.aws.endpoint = moto.endpoint;
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  // Not execFileSync: moto logs each request to a pipe this process must keep reading.
  const commit = await measure(process.execPath, [snapBin, '-q', 'commit', 'v1.0'], { cwd: dir, env });

  const snap = (...args) => measure(process.execPath, [snapBin, '-q', ...args], { cwd: dir, env });
  console.log(`version with one ${size / MiB} MiB S3 object and 2,000 small ones`);
  console.log(`${'what'.padEnd(40)} ${'wall'.padStart(9)}  ${'peak RSS'.padStart(9)}  ${'CPU'.padStart(9)}`);
  row('snap commit (downloads every object)', commit);
  const base = await snap('ls', 'v1.0');
  row('snap ls (the process itself)', base);
  const results = [
    ['snap export -o - > /dev/null', await measure('sh', ['-c', `"${process.execPath}" "${snapBin}" -q export v1.0 -o - > /dev/null`], { cwd: dir, env })],
    ['snap export → .tar', await snap('export', 'v1.0', '-o', join(work, 'a.tar'))],
    ['snap checkout', await snap('checkout', 'v1.0', join(work, 'checkout'))],
  ];
  for (const [label, m] of results) row(label, m);
  rmSync(join(work, 'a.tar'), { force: true });
  const same = (await sha256File(join(work, 'checkout', 's3_buckets', 'bench-export', 'content', 'backups', 'disk.img'))) === bigSha;
  console.log(`large object in the checkout has moto's sha256: ${same ? 'yes' : 'NO'}`);
  if (!rssGrowthWithin(results, base, LIMIT_MIB)) failed = true;
  if (!same) failed = true;
} finally {
  await moto.stop();
  if (!process.env.SNAP_BENCH_KEEP) rmSync(work, { recursive: true, force: true });
  else console.log(`kept ${work}`);
}
if (failed) process.exitCode = 1;
