// The S3 story through the built CLI: snap cat of s3:// addresses (exact bytes, hostile keys
// included), a page's price change shown by snap diff as a line diff, and snap verify
// checking the object payloads that the bucket manifests refer to.
import { unlinkSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Archive } from '../../src/archive/archive.js';
import { makeArchive, snapshot } from '../helpers/archive.js';
import { snapCli } from '../helpers/cli.js';
import { useMoto } from '../helpers/moto.js';
import { createBucket, put } from '../helpers/s3-seed.js';

const moto = useMoto();
const PAGE = (price: number) => `<html>\n<body>\n<h1>Bob Dylan</h1>\n<p class="price">Tickets: $${price}</p>\n</body>\n</html>\n`;
const KEYS = ['events/bob-dylan.html', '../../escape', '.git/config', 'dir', 'dir/', 'Case.txt', 'case.txt', `${'long-'.repeat(70)}end`, 'ünï/cødé', 'a%2Fb'];
const BINARY = Buffer.from([0, 1, 2, 3, 0xff, 0xfe, 0x00, 0x10]);

describe('S3 through the CLI', { timeout: 240_000 }, () => {
  let archive: Archive;

  beforeAll(async () => {
    const client = await createBucket(moto.endpoint, 'sailjada-staging', 'us-west-2');
    for (const key of KEYS) await put(client, 'sailjada-staging', key, key === KEYS[0] ? PAGE(225) : `content of ${key}\n`, { ContentType: key.endsWith('.html') ? 'text/html' : 'text/plain' });
    await put(client, 'sailjada-staging', 'img/hero.bin', BINARY, { ContentType: 'application/octet-stream' });
    archive = await makeArchive({ endpoint: moto.endpoint, regions: ['us-east-1', 'us-west-2'], collectors: { s3: {} } });
    await snapshot(archive, 'v1.0');
    await put(client, 'sailjada-staging', KEYS[0]!, PAGE(195), { ContentType: 'text/html' });
    await snapshot(archive, 'v1.1');
  });

  it('prints the exact bytes of any object, hostile keys included', () => {
    for (const key of KEYS.slice(1)) {
      const r = snapCli(archive.dir, ['cat', 'v1.1', `s3://sailjada-staging/${key}`]);
      expect(r.code, `${key}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toBe(`content of ${key}\n`);
    }
    expect(snapCli(archive.dir, ['cat', 'v1.0', 's3://sailjada-staging/img/hero.bin']).stdoutBytes.equals(BINARY)).toBe(true);
    expect(snapCli(archive.dir, ['cat', 'v1.0', `s3://sailjada-staging/${KEYS[0]}`]).stdout).toBe(PAGE(225));
    const missing = snapCli(archive.dir, ['cat', 'v1.1', 's3://sailjada-staging/nope']);
    expect([missing.code, missing.stderr]).toEqual([2, expect.stringMatching(/no such object/)]);
  });

  it('shows a changed price as a changed line', () => {
    const r = snapCli(archive.dir, ['diff', 'v1.0', 'v1.1', 's3_buckets/sailjada-staging']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('-<p class="price">Tickets: $225</p>');
    expect(r.stdout).toContain('+<p class="price">Tickets: $195</p>');
  });

  it('verifies the object payloads the manifests refer to, and names a missing one by its address', async () => {
    expect(snapCli(archive.dir, ['verify', '--all']).code).toBe(0);
    const r = snapCli(archive.dir, ['cat', 'v1.0', 's3://sailjada-staging/img/hero.bin']);
    expect(r.code).toBe(0);
    const sha = (await import('node:crypto')).createHash('sha256').update(BINARY).digest('hex');
    const path = join(archive.dir, '.git/snap/store', sha.slice(0, 2), sha.slice(2, 4), sha);
    chmodSync(path, 0o644);
    unlinkSync(path);
    const v = snapCli(archive.dir, ['verify', 'v1.0', '--json']);
    expect(v.code).toBe(1);
    expect(JSON.parse(v.stdout).versions[0].problems).toEqual([{ kind: 'missing-payload', where: 's3://sailjada-staging/img/hero.bin', detail: expect.stringContaining(sha) }]);
  });
});
