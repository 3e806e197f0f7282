// Restoring CloudFront distributions against moto: snapshot, damage through the SDK (a TTL, an
// origin's domain, tags, an origin header's secret value; a deleted distribution), plan,
// restore, and check that `snap status` shows no drift for what was restored.
//
// moto (5.2) has no CloudFront Functions and no cache / origin-request / response-headers
// policies, so their restore is covered by test/unit/cloudfront-restore.test.ts against a
// stand-in client instead. moto also accepts any IfMatch, so a stale ETag is not exercised.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CloudFrontClient,
  CreateDistributionWithTagsCommand,
  DeleteDistributionCommand,
  GetDistributionCommand,
  GetDistributionConfigCommand,
  TagResourceCommand,
  UpdateDistributionCommand,
  type DistributionConfig,
} from '@aws-sdk/client-cloudfront';
import type { Archive } from '../../src/archive/archive.js';
import { restoreCallerReference } from '../../src/collectors/aws/cloudfront/restore-distribution.js';
import { describeDrift, drift, plan, restore } from '../helpers/restore.js';
import { makeArchive, snapshot, tempDir } from '../helpers/archive.js';
import { clientOptions, useMoto } from '../helpers/moto.js';
import { archiveContainsBytes } from '../helpers/collector-contract.js';

const ORIGIN_SECRET = 'origin-verify-planted-restore-secret-61f0';
const ROTATED = 'origin-verify-rotated-restore-secret-0b2e';

const behavior = (target: string) => ({
  TargetOriginId: target,
  ViewerProtocolPolicy: 'redirect-to-https' as const,
  MinTTL: 0,
  DefaultTTL: 3600,
  MaxTTL: 86400,
  ForwardedValues: { QueryString: false, Cookies: { Forward: 'none' as const } },
});
const custom = { HTTPPort: 80, HTTPSPort: 443, OriginProtocolPolicy: 'https-only' as const };
const SITE: DistributionConfig = {
  CallerReference: 'site',
  Comment: 'main site',
  Enabled: true,
  Aliases: { Quantity: 1, Items: ['www.example.com'] },
  Origins: {
    Quantity: 2,
    Items: [
      { Id: 'api', DomainName: 'api.example.com', CustomOriginConfig: custom, CustomHeaders: { Quantity: 1, Items: [{ HeaderName: 'X-Origin-Verify', HeaderValue: ORIGIN_SECRET }] } },
      { Id: 'web', DomainName: 'web.example.com', CustomOriginConfig: custom },
    ],
  },
  DefaultCacheBehavior: behavior('web'),
  CacheBehaviors: { Quantity: 1, Items: [{ PathPattern: '/api/*', ...behavior('api') }] },
};
const MEDIA: DistributionConfig = {
  CallerReference: 'media',
  Comment: 'media',
  Enabled: true,
  Aliases: { Quantity: 1, Items: ['media.example.com'] },
  Origins: { Quantity: 1, Items: [{ Id: 'media', DomainName: 'media.example.com', CustomOriginConfig: custom }] },
  DefaultCacheBehavior: behavior('media'),
};

const moto = useMoto();

describe('cloudfront restore', () => {
  const cf = new CloudFrontClient(clientOptions(moto.endpoint));
  let archive: Archive;
  const ids: Record<string, string> = {};
  const secretsFile = join(tempDir('snap-secrets-'), 'secrets.json');
  const servicePlan = (p: Awaited<ReturnType<typeof plan>>) => p.services.find((s) => s.collector.id === 'cloudfront')!;
  const changesOf = (p: Awaited<ReturnType<typeof plan>>) => servicePlan(p).changes.map((c) => `${c.action} ${c.resource}: ${c.detail}`);
  const liveConfig = async (id: string) => cf.send(new GetDistributionConfigCommand({ Id: id }));
  async function update(id: string, change: (c: DistributionConfig) => void): Promise<void> {
    const current = await liveConfig(id);
    const config = current.DistributionConfig!;
    change(config);
    await cf.send(new UpdateDistributionCommand({ Id: id, IfMatch: current.ETag, DistributionConfig: config }));
  }

  beforeAll(async () => {
    for (const [key, config, tags] of [['site', SITE, [{ Key: 'team', Value: 'web' }]], ['media', MEDIA, []]] as const) {
      const d = await cf.send(new CreateDistributionWithTagsCommand({ DistributionConfigWithTags: { DistributionConfig: config, Tags: { Items: [...tags] } } }));
      ids[key] = d.Distribution!.Id!;
    }
    archive = await makeArchive({ collectors: { cloudfront: {} }, endpoint: moto.endpoint });
    const result = await snapshot(archive, 'v1.0');
    expect(result.manifest.collectors.find((c) => c.id === 'cloudfront')).toMatchObject({ status: 'ok' });
  });

  it('plans the changed TTL, origin and tags (planning changes nothing) and restores them: no drift after', async () => {
    await update(ids.site!, (c) => {
      c.DefaultCacheBehavior!.DefaultTTL = 60;
      c.Origins!.Items!.find((o) => o.Id === 'web')!.DomainName = 'evil.example.net';
    });
    const arn = (await cf.send(new GetDistributionCommand({ Id: ids.site }))).Distribution!.ARN!;
    await cf.send(new TagResourceCommand({ Resource: arn, Tags: { Items: [{ Key: 'team', Value: 'intruder' }] } }));
    const damaged = await liveConfig(ids.site!);

    const p = await plan(archive, { version: 'v1.0', selectors: ['cloudfront'] });
    expect(changesOf(p)).toEqual([
      `update cloudfront ${ids.site} (www.example.com): DefaultCacheBehavior.DefaultTTL 60 → 3600, Origins.Items[Id=web].DomainName "evil.example.net" → "web.example.com"`,
      `update cloudfront ${ids.site} (www.example.com) tags: tags ~team`,
    ]);
    expect(servicePlan(p).notes).toEqual([]);
    p.close();
    expect((await liveConfig(ids.site!)).DistributionConfig).toEqual(damaged.DistributionConfig);

    await restore(archive, { version: 'v1.0', selectors: ['cloudfront'] });
    const restored = (await liveConfig(ids.site!)).DistributionConfig!;
    expect(restored.DefaultCacheBehavior!.DefaultTTL).toBe(3600);
    expect(restored.CallerReference).toBe('site');
    expect(restored.Origins!.Items!.find((o) => o.Id === 'api')!.CustomHeaders!.Items).toEqual([{ HeaderName: 'X-Origin-Verify', HeaderValue: ORIGIN_SECRET }]);
    expect(describeDrift(await drift(archive, ['cloudfront']))).toEqual([]);
  });

  it('plans nothing when run again', async () => {
    const p = await plan(archive, { version: 'v1.0', selectors: ['cloudfront'] });
    expect(changesOf(p)).toEqual([]);
    expect(servicePlan(p).notes).toEqual([]);
    p.close();
  });

  it('keeps a changed origin header secret it has no value for (noted), and restores it from a secrets file', async () => {
    await update(ids.site!, (c) => {
      c.Origins!.Items!.find((o) => o.Id === 'api')!.CustomHeaders = { Quantity: 1, Items: [{ HeaderName: 'X-Origin-Verify', HeaderValue: ROTATED }] };
    });
    const p = await plan(archive, { version: 'v1.0', selectors: [`cloudfront/distribution_configs/${ids.site}.json`] });
    expect(changesOf(p)).toEqual([]);
    expect(servicePlan(p).undone).toEqual([{ resource: `cloudfront ${ids.site} (www.example.com)`, message: expect.stringMatching(/^origin header api\/X-Origin-Verify cannot be restored: the live value differs/) }]);
    expect(JSON.stringify(servicePlan(p).undone)).not.toContain(ROTATED);
    p.close();

    writeFileSync(secretsFile, JSON.stringify({ [`cloudfront:${ids.site}`]: { 'api/X-Origin-Verify': ORIGIN_SECRET } }));
    const q = await restore(archive, { version: 'v1.0', selectors: ['cloudfront'], secretsFile });
    expect(changesOf(q)).toEqual([`update cloudfront ${ids.site} (www.example.com): Origins.Items[Id=api].CustomHeaders.Items[HeaderName=X-Origin-Verify].HeaderValue value changed`]);
    expect(JSON.stringify(changesOf(q))).not.toContain(ORIGIN_SECRET);
    expect(describeDrift(await drift(archive, ['cloudfront']))).toEqual([]);
    expect(archiveContainsBytes(archive.dir, ORIGIN_SECRET)).toEqual([]);
  });

  it('re-creates a deleted distribution (new id, noted), and a second plan finds it instead of creating another', async () => {
    const etag = (await liveConfig(ids.media!)).ETag;
    await cf.send(new DeleteDistributionCommand({ Id: ids.media, IfMatch: etag }));
    const p = await plan(archive, { version: 'v1.0', selectors: ['cloudfront'] });
    expect(changesOf(p)).toEqual([`create cloudfront ${ids.media} (media.example.com): distribution from v1.0: 1 origins, 1 aliases`]);
    expect(servicePlan(p).notes.map((n) => n.message)).toEqual([expect.stringMatching(/^a re-created distribution gets a new id and \*\.cloudfront\.net domain name/)]);
    p.close();
    await restore(archive, { version: 'v1.0', selectors: ['cloudfront'] });

    // The distribution's file is keyed by its id, which CloudFront chose anew: status shows the
    // old file gone and the new one added, with the same configuration but its CallerReference.
    const changes = await drift(archive, ['cloudfront']);
    const added = changes.find((c) => c.status === 'added')!;
    const newId = added.path.split('/').pop()!.replace(/\.json$/, '');
    expect(changes.map((c) => `${c.status} ${c.path}`).sort()).toEqual([
      `added cloudfront/distribution_configs/${newId}.json`,
      'changed cloudfront/origin_mappings.json', // media.example.com and the *.cloudfront.net name now lead to the new id
      `removed cloudfront/distribution_configs/${ids.media}.json`,
    ]);
    const recreated = (await liveConfig(newId)).DistributionConfig!;
    expect(recreated.CallerReference).toBe(restoreCallerReference(ids.media!));
    expect(recreated.Origins!.Items![0]!.DomainName).toBe('media.example.com');

    const again = await plan(archive, { version: 'v1.0', selectors: ['cloudfront'] });
    expect(changesOf(again)).toEqual([]);
    expect(servicePlan(again).notes.map((n) => n.message)).toEqual([`restored earlier as distribution ${newId}: that one is brought to the version`]);
    again.close();
  });
});
