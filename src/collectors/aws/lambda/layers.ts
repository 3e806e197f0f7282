// Lambda layers of the account, archived beside the functions that use them, under a folder no
// function can have ('@' is not allowed in a function name, and function folders never start
// with it):
//
//   lambda_functions/@layers/<layer>/<version>/layer.json    GetLayerVersion, without the
//                                                             presigned Content.Location
//   lambda_functions/@layers/<layer>/<version>/content.zip   the content, in the store (its
//                                                             sha256 is the layer's CodeSha256)
//   lambda_functions/@layers/<layer>/<version>/policy.json   the version's permissions
//
// Layers outside the primary region get "<layer>@<region>", as functions do. Every version
// Lambda lists is archived (versions are immutable, so each is fetched at most once: a
// version whose content the store holds is only pointed at). Layers of other accounts that
// functions use are not archived (they are not the account's to restore); the restore checks
// that they still exist.
import {
  GetLayerVersionCommand,
  GetLayerVersionPolicyCommand,
  ListLayersCommand,
  ListLayerVersionsCommand,
  type GetLayerVersionResponse,
  type LambdaClient,
  type LayerVersionsListItem,
} from '@aws-sdk/client-lambda';
import { safeSegment } from '../../../archive/paths.js';
import type { CollectContext } from '../../types.js';
import { optionalConfig, recordRefusal } from '../shared/errors.js';
import { codeShaToHex, type CodeDeps } from './code.js';
import type { LambdaConfig } from './config.js';
import { allPages } from './paginate.js';
import { lambdaRules } from './rules.js';

/** The folder of layers inside lambda_functions/. */
export const LAYERS_FOLDER = '@layers';

/** layer.json as archived. */
export interface LayerVersionRecord {
  LayerName: string;
  LayerArn?: string;
  LayerVersionArn?: string;
  Version: number;
  Description?: string;
  CreatedDate?: string;
  CompatibleRuntimes?: string[];
  CompatibleArchitectures?: string[];
  LicenseInfo?: string;
  Content?: { CodeSha256?: string; CodeSize?: number; SigningProfileVersionArn?: string; SigningJobArn?: string };
  /** hex sha256 of content.zip (the store's id) */
  sha256?: string;
  /** why content.zip is absent, when it is */
  notArchived?: string;
}

export function layerFolder(name: string, region: string, primaryRegion: string): string {
  return safeSegment(region === primaryRegion ? name : `${name}@${region}`);
}

/** "arn:aws:lambda:us-east-1:123456789012:layer:deps:3" → its parts; null when not a layer version ARN. */
export function parseLayerVersionArn(arn: string): { region: string; account: string; name: string; version: number } | null {
  const m = /^arn:[^:]+:lambda:([^:]+):(\d{12}):layer:([^:]+):(\d+)$/.exec(arn);
  return m ? { region: m[1]!, account: m[2]!, name: m[3]!, version: Number(m[4]) } : null;
}

function record(name: string, got: GetLayerVersionResponse | LayerVersionsListItem): LayerVersionRecord {
  const { Content, $metadata: _metadata, ...rest } = got as GetLayerVersionResponse & { $metadata?: unknown };
  const content = Content ? { CodeSha256: Content.CodeSha256, CodeSize: Content.CodeSize, SigningProfileVersionArn: Content.SigningProfileVersionArn, SigningJobArn: Content.SigningJobArn } : undefined;
  return { LayerName: name, ...(rest as Omit<LayerVersionRecord, 'LayerName' | 'Version'>), Version: Number(got.Version), ...(content ? { Content: content } : {}) };
}

/** Archives every layer version of one region (called once per region by the collector). */
export async function collectLayers(ctx: CollectContext<LambdaConfig>, deps: CodeDeps & { api: <T>(call: () => Promise<T>) => Promise<T> }, client: LambdaClient, region: string, primary: string): Promise<void> {
  const send = <T>(call: (o: { abortSignal: AbortSignal }) => Promise<T>) => deps.api(() => call({ abortSignal: ctx.signal }));
  let layers;
  try {
    layers = await allPages(`lambda:${region} layers`, async (Marker) => {
      const r = await send((o) => client.send(new ListLayersCommand({ Marker, MaxItems: 50 }), o));
      return { items: r.Layers, next: r.NextMarker };
    });
  } catch (err) {
    if (recordRefusal(ctx, `lambda:${region}/layers`, err)) return;
    if (ctx.signal.aborted) throw err;
    // Not known to be gone: the region's layers of the previous version are kept.
    ctx.partial(`lambda:${region}/layers`, err);
    for (const entry of (await ctx.previous?.list(LAYERS_FOLDER)) ?? []) {
      const at = entry.name.lastIndexOf('@');
      if ((at > 0 ? entry.name.slice(at + 1) : primary) === region) await ctx.carryOver(`${LAYERS_FOLDER}/${entry.name}`);
    }
    return;
  }
  for (const layer of layers) {
    const name = layer.LayerName;
    if (!name) continue;
    const folder = `${LAYERS_FOLDER}/${layerFolder(name, region, primary)}`;
    try {
      const versions = await allPages(`lambda layer ${name} versions`, async (Marker) => {
        const r = await send((o) => client.send(new ListLayerVersionsCommand({ LayerName: name, Marker, MaxItems: 50 }), o));
        return { items: r.LayerVersions, next: r.NextMarker };
      });
      for (const listed of versions) {
        if (listed.Version === undefined) continue;
        await collectLayerVersion(ctx, deps, send, client, region, name, `${folder}/${listed.Version}`, listed);
        ctx.count('layerVersions');
      }
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      ctx.partial(`lambda_functions/${folder}`, err);
      await ctx.carryOver(folder);
    }
  }
}

async function collectLayerVersion(
  ctx: CollectContext<LambdaConfig>,
  deps: CodeDeps,
  send: <T>(call: (o: { abortSignal: AbortSignal }) => Promise<T>) => Promise<T>,
  client: LambdaClient,
  region: string,
  name: string,
  folder: string,
  listed: LayerVersionsListItem,
): Promise<void> {
  const version = listed.Version!;
  const got = await optionalConfig(ctx, `lambda_functions/${folder}`, () => send((o) => client.send(new GetLayerVersionCommand({ LayerName: name, VersionNumber: version }), o)));
  const rec = record(name, got ?? listed);
  const sha = rec.Content?.CodeSha256;
  const size = rec.Content?.CodeSize;
  if (sha && size !== undefined) {
    const sha256 = codeShaToHex(sha, `${name}:${version}`);
    rec.sha256 = sha256;
    const why = await archiveContent(ctx, deps, { name, version, region, folder, sha256, size, location: got?.Content?.Location });
    if (why) rec.notArchived = why;
  } else rec.notArchived = 'no CodeSha256 reported';
  ctx.out.json(`${folder}/layer.json`, rec, lambdaRules.layer);
  const policy = await optionalConfig(ctx, `lambda_functions/${folder}/policy`, () => send((o) => client.send(new GetLayerVersionPolicyCommand({ LayerName: name, VersionNumber: version }), o)), ['ResourceNotFoundException']);
  if (policy?.Policy) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(policy.Policy);
    } catch {
      parsed = { PolicyText: policy.Policy };
    }
    ctx.out.json(`${folder}/policy.json`, parsed, lambdaRules.layerPolicy);
  }
}

/** Puts the content into the store (or points at it there); returns why it is not archived, or null. */
async function archiveContent(ctx: CollectContext<LambdaConfig>, deps: CodeDeps, t: { name: string; version: number; region: string; folder: string; sha256: string; size: number; location: string | undefined }): Promise<string | null> {
  const path = `${t.folder}/content.zip`;
  if (await ctx.out.store.has(t.sha256)) {
    ctx.out.pointer(path, { oid: t.sha256, size: t.size });
    return null;
  }
  if (!ctx.config.code.download) return 'code download is off (collectors.lambda.code.download)';
  if (!t.location) return 'no content location reported';
  if (ctx.aws.endpoint && deps.stayOnEndpoint) {
    let same = false;
    try {
      same = new URL(t.location).host === new URL(ctx.aws.endpoint).host;
    } catch {
      same = false;
    }
    if (!same) {
      ctx.finding({ resource: `lambda_functions/${t.folder}`, reason: 'CodeLocationOutsideEndpoint', detail: 'the layer content location is not on the configured endpoint, so it was not fetched' });
      return 'content location outside the configured endpoint';
    }
  }
  const label = `the content of Lambda layer ${t.name} version ${t.version}`;
  ctx.count('layerDownloads');
  await deps.downloads(async () =>
    ctx.out.blob(path, await deps.fetchCode({ functionName: t.name, region: t.region, qualifier: String(t.version), layer: { name: t.name, version: t.version }, location: t.location!, sha256: t.sha256, size: t.size, signal: ctx.signal, attempts: ctx.aws.settings.maxAttempts }), {
      expect: { sha256: t.sha256, size: t.size, label },
      signal: ctx.signal,
    }),
  );
  ctx.progress.add(0, t.size);
  return null;
}
