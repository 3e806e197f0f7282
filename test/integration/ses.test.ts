// The SES collector against moto, through a small loopback stand-in for what moto's SES v2
// lacks. The stand-in forwards everything to moto except, shaped from the SES v2 API reference:
//  - ListEmailIdentities and ListConfigurationSets: the SDK calls them as
//    POST /v2/email/list-identities and POST /v2/email/list-configuration-sets (JSON body with
//    NextToken and PageSize); moto 5.2 only serves the older GET routes, and its paging there
//    fails on a PageSize from the query string. The stand-in reads moto's full list over GET
//    and pages it itself ({EmailIdentities | ConfigurationSets, NextToken}).
//  - GetConfigurationSetEventDestinations (GET .../configuration-sets/{name}/event-destinations):
//    not in moto; answered from destinations the test seeds.
//  - GetEmailIdentity: moto answers without MailFromAttributes and without DKIM tokens; the
//    stand-in adds the ones the test seeds (moto has no PutEmailIdentityMailFromAttributes),
//    and VerificationInfo with check times of the moment, as SES's own DNS re-checks give.
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CreateConfigurationSetCommand, CreateEmailIdentityCommand, CreateEmailIdentityPolicyCommand, DeleteEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Archive } from '../../src/archive/archive.js';
import { createSesCollector } from '../../src/collectors/aws/ses/collect.js';
import { walkFiles } from '../../src/git/tree-walk.js';
import { collectorContract } from '../helpers/collector-contract.js';
import { makeArchive, readVersion, snapshot } from '../helpers/archive.js';
import { clientOptions, useMoto } from '../helpers/moto.js';
import { refusingProxy, type RequestInfo } from '../helpers/refusing-proxy.js';


const collector = createSesCollector({ pageSize: 1 });
const GOLDEN = join(import.meta.dirname, '../golden/ses/tree.json');

interface Extras {
  identities: Record<string, Record<string, unknown>>;
  eventDestinations: Record<string, unknown[]>;
}

function forward(upstream: URL, method: string, path: string, headers: IncomingHttpHeaders, body: Buffer | null): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const h = { ...headers, host: upstream.host };
    if (!body) {
      delete h['content-length'];
      delete h['content-type'];
    }
    const req = httpRequest({ host: upstream.hostname, port: upstream.port, method, path, headers: h }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body ?? undefined);
  });
}

/**
 * The stand-in described at the top of this file. `refuse` picks requests to answer as AWS
 * refuses a SES v2 call (403, AccessDeniedException in the REST-JSON error form): the shared
 * refusing proxy answers every "ses"-signed request in the SES v1 XML form, which the v2 SDK
 * cannot parse.
 */
async function sesStandIn(target: string, extras: Extras, refuse: (region: string, path: string) => boolean = () => false): Promise<string> {
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      const json = (status: number, value: unknown, type?: string) => {
        res.writeHead(status, { 'content-type': 'application/json', ...(type ? { 'x-amzn-errortype': type } : {}) });
        res.end(JSON.stringify(value));
      };
      const region = /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1] ?? '';
      if (refuse(region, path)) return json(403, { message: 'User is not authorized to perform this action' }, 'AccessDeniedException');
      try {
        const lists: Record<string, [string, string]> = { '/v2/email/list-identities': ['/v2/email/identities', 'EmailIdentities'], '/v2/email/list-configuration-sets': ['/v2/email/configuration-sets', 'ConfigurationSets'] };
        if (req.method === 'POST' && lists[path]) {
          const [route, key] = lists[path]!;
          const { NextToken, PageSize } = JSON.parse(body.toString('utf8') || '{}') as { NextToken?: string; PageSize?: number };
          const all = (JSON.parse((await forward(upstream, 'GET', route, req.headers, null)).body.toString('utf8')) as Record<string, unknown[]>)[key] ?? [];
          const start = Number(NextToken ?? 0);
          const size = PageSize ?? 100;
          return json(200, { [key]: all.slice(start, start + size), ...(start + size < all.length ? { NextToken: String(start + size) } : {}) });
        }
        const dest = /^\/v2\/email\/configuration-sets\/([^/]+)\/event-destinations$/.exec(path);
        if (req.method === 'GET' && dest) {
          const name = decodeURIComponent(dest[1]!);
          const exists = await forward(upstream, 'GET', `/v2/email/configuration-sets/${dest[1]}`, req.headers, null);
          if (exists.status !== 200) return json(404, { message: `Configuration set <${name}> does not exist.` }, 'NotFoundException');
          return json(200, { EventDestinations: extras.eventDestinations[name] ?? [] });
        }
        const up = await forward(upstream, req.method ?? 'GET', req.url ?? '/', req.headers, body.length ? body : null);
        const identity = /^\/v2\/email\/identities\/([^/]+)$/.exec(path);
        if (req.method === 'GET' && identity && up.status === 200) {
          const answer = JSON.parse(up.body.toString('utf8')) as Record<string, any>;
          const extra = extras.identities[decodeURIComponent(identity[1]!)] ?? {};
          // SES re-checks DNS on its own: the check times differ on every read (declared volatile).
          const now = Date.now() / 1000; // REST-JSON timestamps are epoch seconds
          const checked = extra.MailFromAttributes ? { VerificationInfo: { LastCheckedTimestamp: now, LastSuccessTimestamp: now } } : {};
          return json(200, { ...answer, ...extra, ...checked, DkimAttributes: { ...answer.DkimAttributes, ...(extra.DkimAttributes as object) } });
        }
        res.writeHead(up.status, { ...up.headers, 'content-length': String(up.body.length) });
        res.end(up.body);
      } catch (err) {
        json(500, { message: String(err) }, 'InternalFailure');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

const extras: Extras = {
  identities: {
    'example.com': {
      MailFromAttributes: { MailFromDomain: 'mail.example.com', MailFromDomainStatus: 'SUCCESS', BehaviorOnMxFailure: 'USE_DEFAULT_VALUE' },
      DkimAttributes: { Tokens: ['tok3xyz', 'tok1abc', 'tok2def'], Status: 'SUCCESS', SigningEnabled: true },
    },
  },
  eventDestinations: {
    transactional: [
      { Name: 'to-sns', Enabled: true, MatchingEventTypes: ['COMPLAINT', 'BOUNCE'], SnsDestination: { TopicArn: 'arn:aws:sns:us-east-1:123456789012:ses-feedback' } },
      { Name: 'to-cloudwatch', Enabled: true, MatchingEventTypes: ['SEND', 'DELIVERY'], CloudWatchDestination: { DimensionConfigurations: [{ DimensionName: 'campaign', DimensionValueSource: 'MESSAGE_TAG', DefaultDimensionValue: 'none' }] } },
    ],
  },
};

async function seed(endpoint: string): Promise<void> {
  const c = new SESv2Client(clientOptions(endpoint));
  await c.send(new CreateEmailIdentityCommand({ EmailIdentity: 'example.com', Tags: [{ Key: 'site', Value: 'example' }, { Key: 'env', Value: 'prod' }] }));
  await c.send(new CreateEmailIdentityCommand({ EmailIdentity: 'orders@example.com' }));
  // (Not seeded: an identity with DkimSigningAttributes, whose moto answer carries a timestamp
  // in a form the SDK cannot read.)
  await c.send(new CreateEmailIdentityCommand({ EmailIdentity: 'news.example.org' }));
  await c.send(new CreateEmailIdentityPolicyCommand({ EmailIdentity: 'example.com', PolicyName: 'allow-app', Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: ['arn:aws:iam::123456789012:role/b', 'arn:aws:iam::123456789012:role/a'] }, Action: ['ses:SendRawEmail', 'ses:SendEmail'], Resource: '*' }] }) }));
  await c.send(new CreateConfigurationSetCommand({ ConfigurationSetName: 'transactional', SendingOptions: { SendingEnabled: true }, ReputationOptions: { ReputationMetricsEnabled: true }, Tags: [{ Key: 'team', Value: 'mail' }] }));
  await c.send(new CreateConfigurationSetCommand({ ConfigurationSetName: 'marketing', SuppressionOptions: { SuppressedReasons: ['COMPLAINT', 'BOUNCE'] } }));
  await new SESv2Client(clientOptions(endpoint, 'eu-west-1')).send(new CreateEmailIdentityCommand({ EmailIdentity: 'example.eu' }));
}

async function treeOf(archive: Archive, root: string): Promise<Record<string, unknown>> {
  const v = await readVersion(archive, 'latest');
  const oid = (await archive.repo.entryAt(v.treeOid, root))!.oid;
  const out: Record<string, unknown> = {};
  for await (const f of walkFiles(archive.repo, oid)) out[f.path] = JSON.parse(Buffer.from(await archive.repo.readBlob(f.oid)).toString('utf8'));
  return out;
}

const masked = (tree: Record<string, unknown>): unknown => JSON.parse(JSON.stringify(tree).replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>'));

describe('SES collector', () => {
  const { endpoint } = useMoto();
  let archive: Archive;
  let standIn: string;
  const requests: RequestInfo[] = [];

  beforeAll(async () => {
    await seed(endpoint);
    standIn = await sesStandIn(endpoint, extras);
    const recorder = await refusingProxy(standIn, (req) => {
      requests.push(req);
      return false;
    });
    archive = await makeArchive({ collectors: { ses: {} }, endpoint: recorder.endpoint, regions: ['us-east-1', 'eu-west-1'] });
  });

  collectorContract({ archive: () => archive, collectors: [collector], root: 'ses' });

  it('captures domain and address identities with verification, DKIM, mail-from, policies and tags', async () => {
    const v = await readVersion(archive, 'latest', 'ses/us-east-1/identities');
    const domain = (await v.json<any>('example.com/identity.json'))!;
    expect(domain).toMatchObject({ IdentityName: 'example.com', IdentityType: 'DOMAIN', VerificationStatus: 'SUCCESS', SendingEnabled: true });
    expect(domain.DkimAttributes.Tokens).toEqual(['tok1abc', 'tok2def', 'tok3xyz']);
    expect(domain.MailFromAttributes.MailFromDomain).toBe('mail.example.com');
    expect(domain.Policies['allow-app'].Statement[0].Action).toEqual(['ses:SendEmail', 'ses:SendRawEmail']);
    expect(domain.Policies['allow-app'].Statement[0].Principal.AWS).toEqual(['arn:aws:iam::123456789012:role/a', 'arn:aws:iam::123456789012:role/b']);
    expect(domain.Tags).toEqual([{ Key: 'env', Value: 'prod' }, { Key: 'site', Value: 'example' }]);
    expect(domain.VerificationInfo).toEqual({});
    expect((await v.json<any>('orders@example.com/identity.json'))!.IdentityType).toBe('EMAIL_ADDRESS');
    expect((await v.json<any>('news.example.org/identity.json'))!.DkimAttributes.Status).toBe('NOT_STARTED');
    expect(await (await readVersion(archive, 'latest', 'ses/eu-west-1')).entry('identities/example.eu/identity.json')).not.toBeNull();
  });

  it('reads every page of the lists', () => {
    const pages = requests.filter((r) => r.path === '/v2/email/list-identities' && r.region === 'us-east-1');
    // three identities at one per page, in each of the snapshots taken so far
    expect(pages.length % 3).toBe(0);
    expect(pages.some((r) => JSON.parse(r.body).NextToken === '2')).toBe(true);
  });

  it('captures configuration sets with their event destinations, sorted', async () => {
    const v = await readVersion(archive, 'latest', 'ses/us-east-1/configuration_sets');
    const set = (await v.json<any>('transactional/configuration_set.json'))!;
    expect(set.ConfigurationSetName).toBe('transactional');
    expect(set.EventDestinations.map((d: any) => d.Name)).toEqual(['to-cloudwatch', 'to-sns']);
    expect(set.EventDestinations[1].MatchingEventTypes).toEqual(['BOUNCE', 'COMPLAINT']);
    const marketing = (await v.json<any>('marketing/configuration_set.json'))!;
    expect(marketing.EventDestinations).toEqual([]);
  });

  it('records refused lists as coverage findings and keeps the rest', async () => {
    const refusing = await sesStandIn(endpoint, extras, (region, path) => region === 'eu-west-1' || path.endsWith('/event-destinations'));
    const refused = await makeArchive({ collectors: { ses: {} }, endpoint: refusing, regions: ['us-east-1', 'eu-west-1'] });
    const result = await snapshot(refused, 'v1.0', { collectors: [collector] });
    expect(result.partial).toBe(false);
    const found = result.manifest.coverage.map((f) => `${f.resource} ${f.reason}`);
    expect(found).toContain('ses:eu-west-1/identities AccessDeniedException');
    expect(found).toContain('ses:eu-west-1/configuration_sets AccessDeniedException');
    expect(found).toContain('ses/us-east-1/configuration_sets/transactional/event_destinations AccessDeniedException');
    const v = await readVersion(refused, 'v1.0', 'ses');
    expect((await v.json<any>('us-east-1/configuration_sets/transactional/configuration_set.json'))!).not.toHaveProperty('EventDestinations');
    expect(await v.entry('eu-west-1')).toBeNull();
  });

  it('matches the golden normalized output (UPDATE_GOLDEN=1 rewrites it)', async () => {
    const actual = masked(await treeOf(archive, 'ses'));
    if (process.env.UPDATE_GOLDEN === '1') {
      mkdirSync(dirname(GOLDEN), { recursive: true });
      writeFileSync(GOLDEN, `${JSON.stringify(actual, null, 2)}\n`);
    }
    expect(existsSync(GOLDEN), `${GOLDEN} missing: run with UPDATE_GOLDEN=1 once`).toBe(true);
    expect(actual).toEqual(JSON.parse(readFileSync(GOLDEN, 'utf8')));
  });

  it('drops a deleted identity from the next version', async () => {
    await new SESv2Client(clientOptions(endpoint)).send(new DeleteEmailIdentityCommand({ EmailIdentity: 'orders@example.com' }));
    await snapshot(archive, undefined, { collectors: [collector] });
    const v = await readVersion(archive, 'latest', 'ses/us-east-1/identities');
    expect(await v.entry('orders@example.com')).toBeNull();
    expect(await v.entry('example.com/identity.json')).not.toBeNull();
  });
});
