// Restoring CloudFront Functions and custom policies, which moto (5.2) does not offer: against a
// small in-memory stand-in of those CloudFront calls, shaped from the API reference (2020-05-31):
// DescribeFunction / GetFunction per stage with an ETag, UpdateFunction and PublishFunction
// needing the current ETag (IfMatch, else PreconditionFailed), CreateFunction; Get / Update /
// Create / List of cache policies, the same for the other two policy kinds.
import { Redactor } from '../../src/util/redact.js';
import { describe, expect, it } from 'vitest';
import type { VersionReader } from '../../src/archive/version-reader.js';
import type { AwsClients } from '../../src/collectors/aws/shared/clients.js';
import { restoreCloudFront } from '../../src/collectors/aws/cloudfront/restore.js';
import type { CloudFrontConfig } from '../../src/collectors/aws/cloudfront/config.js';
import { makeFingerprinter } from '../../src/normalize/fingerprint.js';
import type { PlannedChange, RestoreContext } from '../../src/restore/types.js';
import { silentLogger } from '../../src/util/log.js';

type Stage = 'DEVELOPMENT' | 'LIVE';
interface FnState {
  config: { Comment: string; Runtime: string };
  code: Partial<Record<Stage, string>>;
  etag: number;
}

const awsError = (name: string, status: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

/** The CloudFront calls the restore makes, in memory. */
class CloudFrontStandIn {
  functions = new Map<string, FnState>();
  cachePolicies = new Map<string, { config: Record<string, unknown>; etag: number }>();
  calls: string[] = [];
  private next = 100;

  async send(command: { constructor: { name: string }; input: Record<string, any> }): Promise<unknown> {
    const op = command.constructor.name.replace(/Command$/, '');
    const i = command.input;
    this.calls.push(op);
    const fn = (name: string) => {
      const f = this.functions.get(name);
      if (!f) throw awsError('NoSuchFunctionExists', 404);
      return f;
    };
    const ifMatch = (etag: number) => {
      if (i.IfMatch !== `E${etag}`) throw awsError('PreconditionFailed', 412);
    };
    switch (op) {
      case 'DescribeFunction': {
        const f = fn(i.Name);
        if (!f.code[i.Stage as Stage]) throw awsError('NoSuchFunctionExists', 404);
        return { ETag: `E${f.etag}`, FunctionSummary: { Name: i.Name, FunctionConfig: f.config, FunctionMetadata: { Stage: i.Stage } } };
      }
      case 'GetFunction': {
        const code = fn(i.Name).code[i.Stage as Stage];
        if (code === undefined) throw awsError('NoSuchFunctionExists', 404);
        return { FunctionCode: Buffer.from(code) };
      }
      case 'CreateFunction':
        if (this.functions.has(i.Name)) throw awsError('FunctionAlreadyExists', 409);
        this.functions.set(i.Name, { config: { Comment: i.FunctionConfig.Comment, Runtime: i.FunctionConfig.Runtime }, code: { DEVELOPMENT: Buffer.from(i.FunctionCode).toString() }, etag: this.next++ });
        return { ETag: `E${this.next - 1}` };
      case 'UpdateFunction': {
        const f = fn(i.Name);
        ifMatch(f.etag);
        f.config = { Comment: i.FunctionConfig.Comment, Runtime: i.FunctionConfig.Runtime };
        f.code.DEVELOPMENT = Buffer.from(i.FunctionCode).toString();
        f.etag = this.next++;
        return { ETag: `E${f.etag}` };
      }
      case 'PublishFunction': {
        const f = fn(i.Name);
        ifMatch(f.etag);
        f.code.LIVE = f.code.DEVELOPMENT;
        return {};
      }
      case 'GetCachePolicy': {
        const p = this.cachePolicies.get(i.Id);
        if (!p) throw awsError('NoSuchCachePolicy', 404);
        return { ETag: `E${p.etag}`, CachePolicy: { Id: i.Id, CachePolicyConfig: structuredClone(p.config) } };
      }
      case 'UpdateCachePolicy': {
        const p = this.cachePolicies.get(i.Id);
        if (!p) throw awsError('NoSuchCachePolicy', 404);
        ifMatch(p.etag);
        p.config = structuredClone(i.CachePolicyConfig);
        p.etag = this.next++;
        return {};
      }
      case 'CreateCachePolicy': {
        const id = `new-${this.next++}`;
        this.cachePolicies.set(id, { config: structuredClone(i.CachePolicyConfig), etag: this.next++ });
        return { CachePolicy: { Id: id } };
      }
      case 'ListCachePolicies':
        return { CachePolicyList: { Items: [...this.cachePolicies].map(([Id, p]) => ({ Type: 'custom', CachePolicy: { Id, CachePolicyConfig: p.config } })) } };
      default:
        throw new Error(`the stand-in has no ${op}`);
    }
  }
}

/** A version's cloudfront/ folder from a map of files. */
function versionOf(files: Record<string, string>): VersionReader {
  const bytes = (path: string) => (path in files ? Buffer.from(files[path]!) : null);
  return {
    list: async (folder: string) => {
      const names = new Set<string>();
      for (const p of Object.keys(files)) if (p.startsWith(`${folder}/`)) names.add(p.slice(folder.length + 1).split('/')[0]!);
      return [...names].sort().map((name) => ({ name, oid: '', mode: Object.keys(files).some((p) => p.startsWith(`${folder}/${name}/`)) ? '40000' : '100644' }));
    },
    bytes: async (path: string) => bytes(path),
    text: async (path: string) => bytes(path)?.toString() ?? null,
    json: async (path: string) => (path in files ? JSON.parse(files[path]!) : null),
    pointer: async () => null,
    entry: async (path: string) => (path in files ? { name: path, oid: '', mode: '100644' } : null),
  } as unknown as VersionReader;
}

async function planWith(standIn: CloudFrontStandIn, files: Record<string, string>): Promise<{ changes: PlannedChange[]; notes: string[] }> {
  const changes: PlannedChange[] = [];
  const notes: string[] = [];
  const ctx: RestoreContext<CloudFrontConfig> = {
    config: { enabled: true, concurrency: 4 },
    version: versionOf(files),
    versionName: 'v1.0',
    archiveDir: '/nonexistent-archive',
    redactor: new Redactor(),
    selection: [],
    rename: new Map(),
    prune: false,
    aws: { get: () => standIn, settings: { region: 'us-east-1', regions: ['us-east-1'], maxAttempts: 1, maxSockets: 4 } } as unknown as AwsClients,
    target: null,
    store: {} as never,
    fingerprint: makeFingerprinter(new Uint8Array(32).fill(7)),
    secrets: { get: () => undefined },
    log: silentLogger,
    signal: new AbortController().signal,
    plan: (c) => changes.push(c),
    note: (resource, message) => notes.push(`${resource}: ${message}`),
    cannot: (resource, message) => notes.push(`${resource}: ${message}`),
  };
  await restoreCloudFront(ctx);
  return { changes, notes };
}

const summary = (name: string, stage: Stage, comment: string) => ({ Name: name, Status: stage === 'LIVE' ? 'DEPLOYED' : 'UNPUBLISHED', FunctionConfig: { Comment: comment, Runtime: 'cloudfront-js-2.0' }, FunctionMetadata: { FunctionARN: `arn:aws:cloudfront::123456789012:function/${name}`, Stage: stage } });
const FUNCTION_FILES = {
  'functions/redirect-www/config.json': JSON.stringify({ Name: 'redirect-www', Stages: [summary('redirect-www', 'DEVELOPMENT', 'apex to www'), summary('redirect-www', 'LIVE', 'apex to www')] }),
  'functions/redirect-www/development.js': 'function handler(event) {\n  // next\n  return event.request;\n}\n',
  'functions/redirect-www/live.js': 'function handler(event) {\n  return event.request;\n}\n',
  'functions/add-headers/config.json': JSON.stringify({ Name: 'add-headers', Stages: [summary('add-headers', 'DEVELOPMENT', 'draft')] }),
  'functions/add-headers/development.js': 'function handler(event) {\n  return event.response;\n}\n',
};
const policyConfig = (ttl: number) => ({ Name: 'site-default', Comment: 'site', DefaultTTL: ttl, MaxTTL: 31536000, MinTTL: 1, ParametersInCacheKeyAndForwardedToOrigin: { EnableAcceptEncodingGzip: true, HeadersConfig: { HeaderBehavior: 'whitelist', Headers: { Quantity: 2, Items: ['Accept-Language', 'Origin'] } }, CookiesConfig: { CookieBehavior: 'none' }, QueryStringsConfig: { QueryStringBehavior: 'none' } } });

describe('cloudfront restore of functions and policies (moto has neither: an in-memory stand-in)', () => {
  it('publishes the version\'s LIVE code through DEVELOPMENT, then puts DEVELOPMENT back; creates a missing function', async () => {
    const cf = new CloudFrontStandIn();
    cf.functions.set('redirect-www', { config: { Comment: 'defaced', Runtime: 'cloudfront-js-2.0' }, code: { DEVELOPMENT: 'function handler(e) { return 1; }\n', LIVE: 'function handler(e) { return 1; }\n' }, etag: 1 });
    const { changes, notes } = await planWith(cf, FUNCTION_FILES);
    expect(changes.map((c) => `${c.action} ${c.resource}: ${c.detail}`)).toEqual([
      'create cloudfront function add-headers: function from v1.0',
      'update cloudfront function redirect-www: configuration differs, DEVELOPMENT code differs, LIVE code differs: publish',
    ]);
    expect(notes).toEqual([]);
    expect(cf.calls.filter((c) => !c.startsWith('Describe') && !c.startsWith('Get'))).toEqual([]); // planning only reads
    for (const c of changes) await c.apply();
    expect(cf.functions.get('redirect-www')).toMatchObject({ config: { Comment: 'apex to www' }, code: { LIVE: FUNCTION_FILES['functions/redirect-www/live.js'], DEVELOPMENT: FUNCTION_FILES['functions/redirect-www/development.js'] } });
    expect(cf.functions.get('add-headers')).toMatchObject({ config: { Comment: 'draft' }, code: { DEVELOPMENT: FUNCTION_FILES['functions/add-headers/development.js'] } });
    expect(cf.functions.get('add-headers')!.code.LIVE).toBeUndefined();
    // Applied again, and planned again: nothing more to do.
    for (const c of changes.filter((x) => x.action === 'update')) await c.apply();
    expect((await planWith(cf, FUNCTION_FILES)).changes).toEqual([]);
  });

  it('updates a changed cache policy in place with its ETag; a re-created one is found by name', async () => {
    const cf = new CloudFrontStandIn();
    cf.cachePolicies.set('p-1', { config: policyConfig(60), etag: 7 });
    const files = { 'cache_policies/p-1.json': JSON.stringify({ Id: 'p-1', CachePolicyConfig: policyConfig(86400) }) };
    const { changes } = await planWith(cf, files);
    expect(changes.map((c) => `${c.action} ${c.resource}: ${c.detail}`)).toEqual(['update cloudfront cache policy site-default: DefaultTTL 60 → 86400']);
    await changes[0]!.apply();
    expect(cf.cachePolicies.get('p-1')!.config.DefaultTTL).toBe(86400);
    expect((await planWith(cf, files)).changes).toEqual([]);

    // Deleted and made again by hand under a new id: the one named site-default is updated.
    cf.cachePolicies.delete('p-1');
    cf.cachePolicies.set('p-2', { config: policyConfig(5), etag: 9 });
    const again = await planWith(cf, files);
    expect(again.notes).toEqual(['cloudfront cache policy site-default: p-1 no longer exists; the cache policy named site-default is p-2 now, and is brought to the version']);
    await again.changes[0]!.apply();
    expect(cf.cachePolicies.get('p-2')!.config.DefaultTTL).toBe(86400);

    // Gone altogether: created (a new id, noted).
    cf.cachePolicies.clear();
    const created = await planWith(cf, files);
    expect(created.changes.map((c) => `${c.action} ${c.resource}`)).toEqual(['create cloudfront cache policy site-default']);
    expect(created.notes).toEqual([expect.stringContaining('re-created under a new id')]);
    await created.changes[0]!.apply();
    expect([...cf.cachePolicies.values()].map((p) => p.config.Name)).toEqual(['site-default']);
  });
});
