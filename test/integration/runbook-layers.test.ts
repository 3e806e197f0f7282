// Every layer of the runbook on one version built from the collectors' own golden fixtures
// (the trees their tests check on moto or stand-ins: RDS, SES, IAM, CloudFront, API Gateway,
// Route53, Lightsail, Apps Script, DynamoDB, Lambda), plus a few hand-made parts moto cannot
// produce: a Lambda container image, an ACM certificate, a local git repository with a
// credential in its remote URL, a folder no collector owns. The runbook must read each layer
// as its collector wrote it, in restore order, with commands that parse against the version,
// and name what cannot be restored with where it is.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TreeWriter } from '../../src/archive/tree-writer.js';
import { VersionReader } from '../../src/archive/version-reader.js';
import { GitRepo } from '../../src/git/repo.js';
import { FsContentStore } from '../../src/store/fs-store.js';
import { readRunbookFacts } from '../../src/runbook/facts.js';
import { renderRunbook } from '../../src/runbook/render.js';
import { expectCommandsParse } from '../helpers/runbook-commands.js';
import { tempDir } from '../helpers/archive.js';

const GOLDEN = join(import.meta.dirname, '..', 'golden');

function fixtureFiles(dir: string): [string, string][] {
  const out: [string, string][] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push([relative(dir, p), readFileSync(p, 'utf8')]);
    }
  };
  walk(dir);
  return out;
}

function fromTreeJson(file: string): [string, unknown][] {
  return Object.entries(JSON.parse(readFileSync(join(GOLDEN, file), 'utf8')) as Record<string, unknown>);
}

describe('runbook layers', () => {
  let repo: GitRepo;
  let treeOid: string;
  let md: string;

  beforeAll(async () => {
    const dir = tempDir();
    repo = await GitRepo.init(join(dir, 'repo'));
    const txn = repo.beginWrite();
    const w = new TreeWriter({ objects: txn, store: new FsContentStore({ root: join(dir, 'store'), fsync: false }) });
    const put = (path: string, value: unknown) => (typeof value === 'string' ? w.text(path, value) : w.json(path, value));

    for (const [p, v] of fromTreeJson('rds/tree.json')) put(`rds/us-east-1/${p}`, v);
    for (const [p, v] of fromTreeJson('ses/tree.json')) put(`ses/${p}`, v);
    for (const [p, v] of fromTreeJson('iam/tree.json')) put(`iam/${p}`, v);
    for (const [p, v] of fromTreeJson('apigateway/tree.json')) put(`apigateway/${p.replaceAll('{api-id}', 'a1b2c3')}`, v);
    for (const [p, v] of fromTreeJson('cloudfront/tree.json')) {
      const path = `cloudfront/${p.replace(/<distribution:(\w+)>/, 'E$1').replace(/<oac:([\w-]+)>/, '$1')}`;
      if (p === 'distribution_configs/<distribution:site>.json') {
        const d = v as { DistributionConfig: { ViewerCertificate: Record<string, unknown> } };
        d.DistributionConfig.ViewerCertificate = { ACMCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc-123', SSLSupportMethod: 'sni-only' };
      }
      put(path, v);
    }
    for (const [p, text] of fixtureFiles(join(GOLDEN, 'route53', 'example.com'))) put(`route53/zones/example.com~Z0EXAMPLE/${p}`, p.endsWith('.json') ? JSON.parse(text) : text);
    for (const [p, text] of fixtureFiles(join(GOLDEN, 'lightsail'))) put(`lightsail/${p}`, JSON.parse(text));
    for (const [p, text] of fixtureFiles(join(GOLDEN, 'gas'))) put(`gas_projects/${p.replace(/^eyd\//, 'Rady Shell (legacy)/')}`, p.endsWith('.json') ? JSON.parse(text) : text);
    for (const [p, text] of fixtureFiles(join(GOLDEN, 'dynamodb', 'orders'))) put(`dynamodb/us-east-1/orders/${p}`, p.endsWith('.json') ? JSON.parse(text) : text);
    for (const [p, v] of fromTreeJson('lambda/orders-api.json')) if (p.endsWith('.json')) put(`lambda_functions/orders-api/${p}`, v);
    put('lambda_functions/thumbnailer/config.json', { FunctionName: 'thumbnailer', PackageType: 'Image' });
    put('lambda_functions/thumbnailer/code.json', { packageType: 'Image', imageUri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/thumbs:latest', notArchived: 'container image' });
    put('local_repos/sites/repo.json', { kind: 'git', path: '~/sites', remotes: { origin: { url: 'https://git.example.com/sites.git', credentials: 'hmac-sha256:00' } } });
    put('local_repos/sites/listing/all.json', { shard: 'all', files: [{ path: 'notes.md', storage: 'text' }] });
    w.pointer('local_repos/sites/bundle.git', { oid: 'a'.repeat(64), size: 1234 });
    put('local_repos/empty-repo/repo.json', { kind: 'git', path: '../repos/new one', remotes: {}, bundle: null });
    put('local_repos/empty-repo/files/notes.txt', 'uncommitted\n');
    put('extras/readme.txt', 'kept by hand\n');
    put('MANIFEST.md', '# Snapshot v2.0\n');
    treeOid = w.build()!;
    await txn.commit();
    md = renderRunbook(await readRunbookFacts(new VersionReader(repo, treeOid)), { version: null });
  });

  it('reads every layer, in restore order', () => {
    const headings = [...md.matchAll(/^## \d+\. (.*): `([^`]+)\/`$/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(headings).toEqual([
      'IAM iam',
      'storage s3_buckets',
      'data dynamodb',
      'functions lambda_functions',
      'API Gateway apigateway',
      'email ses',
      'database rds',
      'CDN cloudfront',
      'DNS route53',
      'servers lightsail',
      'Apps Script gas_projects',
      'local tools local_repos',
    ].filter((h) => !h.startsWith('storage'))); // no S3 in these fixtures
    expect(md).toContain('## Other folders');
    expect(md).toContain('- `extras/`');
  });

  it('gives commands that parse against the version, quoting names the shell would split', async () => {
    expect(await expectCommandsParse(md.replaceAll('"$VERSION"', 'v2.0'), repo, treeOid, 'v2.0')).toBeGreaterThan(50);
    expect(md).toContain(`snap restore "$VERSION" 'gas_projects/Rady Shell (legacy)' --dry-run`);
  });

  it('names what cannot be restored and where it is', () => {
    // database: data and password, with the AWS commands for the region
    expect(md).toContain('`rds/us-east-1/instances/orders-db`: the data of DB instance orders-db (only its configuration is archived).');
    expect(md).toContain('aws rds describe-db-snapshots --region us-east-1 --db-instance-identifier orders-db');
    expect(md).toContain('aws rds restore-db-cluster-to-point-in-time --region us-east-1 --source-db-cluster-identifier analytics');
    expect(md).toContain('the password of its master user orders_app');
    // servers: the instance snapshots in AWS, by name, per region
    expect(md).toMatch(/the disks of instance jada-agent\.\n {2}Where: Lightsail instance snapshots in us-east-1: jada-agent-v0-9-20260101\./);
    expect(md).toContain('--instance-snapshot-name staging-base --instance-names staging --availability-zone');
    // functions: secret names, layers, container image
    expect(md).toContain('environment variables MODE, STRIPE_KEY');
    expect(md).toContain('arn:aws:lambda:us-east-1:123456789012:layer:shared-libs:1');
    expect(md).toContain('its container image 123456789012.dkr.ecr.us-east-1.amazonaws.com/thumbs:latest');
    // API Gateway stage variables by stage
    expect(md).toContain('"apigateway:orders-api/prod": {\n    "API_TOKEN": "…",\n    "DB_PASSWORD": "…",\n    "backend": "…"');
    // CDN certificate, DNS delegation, email DKIM, IAM keys, Apps Script, local credentials
    expect(md).toContain('the TLS certificate arn:aws:acm:us-east-1:123456789012:certificate/abc-123 for example.com, www.example.com');
    expect(md).toMatch(/the delegation of example\.com: a hosted zone created again gets new name servers/);
    expect(md).toMatch(/DKIM signing keys and the verification of example\.com, example\.eu, news\.example\.org/);
    expect(md).toContain('aws iam create-access-key --user-name svc-deployer');
    expect(md).toContain('script properties, triggers and the authorizations users granted');
    expect(md).toContain(`(cd ~/recovery/"$VERSION"/'gas_projects/Rady Shell (legacy)' && clasp push)`);
    expect(md).toContain('the credentials in the URL of remote origin');
    expect(md).toContain('snap cat "$VERSION" local_repos/sites/bundle.git > ~/recovery/sites.bundle\ngit clone ~/recovery/sites.bundle ~/sites\n');
    expect(md).not.toContain('empty-repo/bundle.git');
    expect(md).toContain(`mkdir -p '../repos/new one' && cp -R ~/recovery/"$VERSION"/local_repos/empty-repo/files/. '../repos/new one'/`);
    expect(md).toContain('| empty-repo | git repository | from ../repos/new one | `local_repos/empty-repo` |');
    expect(md).not.toMatch(/hmac-sha256|<fingerprint>/);
  });

  it('is the same every time', async () => {
    expect(renderRunbook(await readRunbookFacts(new VersionReader(repo, treeOid)), { version: null })).toBe(md);
  });
});
