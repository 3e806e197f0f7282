// The emulator's own limit for a vault snapshot: one CopyObject with the SHA256 checksum
// algorithm per object, nothing else, at a given concurrency, made by the same SDK snap uses:
//   node bench/lib/copy-sha256.js ENDPOINT SOURCE-BUCKET DEST-BUCKET DEST-PREFIX CONCURRENCY
// It lists the source, copies every object and prints how many it copied.
import { CopyObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent } from 'node:http';

const [endpoint, source, dest, prefix, concurrency] = process.argv.slice(2);
const n = Number(concurrency);
const s3 = new S3Client({
  endpoint,
  region: 'us-east-1',
  forcePathStyle: true,
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
  requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets: 64 }) }),
});
const keys = [];
let token;
do {
  const page = await s3.send(new ListObjectsV2Command({ Bucket: source, ContinuationToken: token }));
  for (const o of page.Contents ?? []) keys.push(o.Key);
  token = page.IsTruncated ? page.NextContinuationToken : undefined;
} while (token);
let next = 0;
await Promise.all(Array.from({ length: n }, async () => {
  while (next < keys.length) {
    const key = keys[next++];
    const out = await s3.send(new CopyObjectCommand({ Bucket: dest, Key: `${prefix}/${key}`, CopySource: `${source}/${key.split('/').map(encodeURIComponent).join('/')}`, ChecksumAlgorithm: 'SHA256' }));
    if (!out.CopyObjectResult?.ChecksumSHA256) throw new Error(`no SHA256 for ${key}`);
  }
}));
s3.destroy();
process.stdout.write(`${keys.length}\n`);
