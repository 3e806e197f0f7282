// Restoring Lambda layers (lambda_functions/@layers/), before the functions that use them.
//
// A layer version is identified by its layer's name and its content (CodeSha256): Lambda
// numbers versions itself and never gives a number twice, so a deleted version cannot come
// back under its number. Per archived version:
//   - the live version of that number holds the same content: nothing to do but its
//     permissions;
//   - another live version of the layer holds the same content (a restore made it before):
//     that one stands for it;
//   - otherwise it is published again from content.zip in the store (the next number), with
//     its description, runtimes, architectures, licence and permissions.
// The plan's LayerResolver tells the function restore which live ARN each archived layer ARN
// is now: known at planning for the first two cases, once published for the third. A function
// that needs a layer version that is neither archived nor live (another account's layer that
// was deleted, a version archived without content) is told to the plan as something it cannot
// do. With --prune, live versions of a restored layer whose content the version does not have
// are deleted.
import { createHash } from 'node:crypto';
import {
  AddLayerVersionPermissionCommand,
  DeleteLayerVersionCommand,
  GetLayerVersionCommand,
  GetLayerVersionPolicyCommand,
  LambdaClient,
  ListLayerVersionsCommand,
  PublishLayerVersionCommand,
  RemoveLayerVersionPermissionCommand,
  type Architecture,
  type Runtime,
} from '@aws-sdk/client-lambda';
import { IntegrityError } from '../../../errors.js';
import { stableKey } from '../../../normalize/stable-json.js';
import type { RestoreContext } from '../../../restore/types.js';
import { MODE_TREE } from '../../../git/objects.js';
import { unlessNotFound } from '../shared/restore-reads.js';
import { codeShaToHex, readAll } from './code.js';
import type { LambdaConfig } from './config.js';
import { LAYERS_FOLDER, parseLayerVersionArn, type LayerVersionRecord } from './layers.js';
import { allPages } from './paginate.js';
import { shortSha } from './restore-config.js';

type Ctx = RestoreContext<LambdaConfig>;

/** Lambda takes layer content inline (ZipFile) up to this size. */
const MAX_INLINE_BYTES = 50 * 1024 * 1024;

/** What an archived layer version ARN is in the target. */
export type LayerState =
  | { kind: 'live'; arn: string }
  | { kind: 'publish'; label: string; arn: () => string | null }
  | { kind: 'missing'; why: string };

export interface LayerResolver {
  /** the state of an archived layer version ARN (looked up live for layers the version does not hold) */
  state(arn: string): Promise<LayerState>;
  /** the ARN to use now (at apply): the live one, the published one, or an error */
  finalArn(arn: string): Promise<string>;
}

interface ArchivedLayer {
  folder: string;
  record: LayerVersionRecord;
  region: string;
}

interface LiveLayerVersion {
  arn: string;
  version: number;
  sha256: string | undefined;
}

/** Every archived layer version, by its ARN. */
async function archivedLayers(ctx: Ctx): Promise<Map<string, ArchivedLayer>> {
  const out = new Map<string, ArchivedLayer>();
  for (const layer of await ctx.version.list(LAYERS_FOLDER)) {
    if (layer.mode !== MODE_TREE) continue;
    for (const v of await ctx.version.list(`${LAYERS_FOLDER}/${layer.name}`)) {
      const folder = `${LAYERS_FOLDER}/${layer.name}/${v.name}`;
      const record = await ctx.version.json<LayerVersionRecord>(`${folder}/layer.json`);
      if (!record?.LayerVersionArn) continue;
      const parsed = parseLayerVersionArn(record.LayerVersionArn);
      out.set(record.LayerVersionArn, { folder, record, region: parsed?.region ?? ctx.aws.settings.region });
    }
  }
  return out;
}

/** Plans the layers the selection needs; returns how function restores find them. */
export async function planLayers(ctx: Ctx, wanted: (layer: ArchivedLayer) => boolean, prune: boolean): Promise<LayerResolver> {
  const archived = await archivedLayers(ctx);
  const liveByLayer = new Map<string, Promise<LiveLayerVersion[]>>();
  const opts = { abortSignal: ctx.signal };
  const liveVersions = (region: string, name: string): Promise<LiveLayerVersion[]> => {
    const key = `${region}/${name}`;
    let p = liveByLayer.get(key);
    if (!p) {
      p = listNow(ctx.aws.get(LambdaClient, region), name, ctx.signal);
      liveByLayer.set(key, p);
    }
    return p;
  };

  const states = new Map<string, LayerState>();
  const published = new Map<string, string>();
  const pruned = new Set<string>();
  for (const [arn, layer] of [...archived].sort(([, a], [, b]) => (a.folder < b.folder ? -1 : 1))) {
    if (!wanted(layer)) continue;
    const { record, region, folder } = layer;
    const client = ctx.aws.get(LambdaClient, region);
    const live = await liveVersions(region, record.LayerName);
    const label = `lambda layer ${record.LayerName} version ${record.Version}${region === ctx.aws.settings.region ? '' : ` (${region})`}`;
    const same = live.find((v) => v.version === record.Version && v.sha256 === record.sha256) ?? live.find((v) => v.sha256 !== undefined && v.sha256 === record.sha256);
    if (same) {
      states.set(arn, { kind: 'live', arn: same.arn });
      if (same.version !== record.Version) ctx.note(label, `is live as version ${same.version} (the same content, published again): functions that used version ${record.Version} are pointed at it`);
      await planPermissions(ctx, client, layer, same, label, prune);
    } else {
      const pointer = await ctx.version.pointer(`${folder}/content.zip`);
      const why = !pointer || pointer.oid !== record.sha256
        ? `the version holds no content for it${record.notArchived ? ` (${record.notArchived})` : ''}`
        : !(await ctx.store.has(pointer.oid))
          ? `its content (sha256 ${shortSha(pointer.oid)}) is not in the content store (\`snap verify\` names missing payloads)`
          : pointer.size > MAX_INLINE_BYTES
            ? `its content is ${pointer.size} bytes, over the ${MAX_INLINE_BYTES} bytes Lambda takes inline`
            : null;
      if (why) {
        ctx.cannot(label, `the layer version is not live and cannot be published again: ${why}`);
        states.set(arn, { kind: 'missing', why: `${label} is not live and cannot be published again (${why})` });
      } else {
        states.set(arn, { kind: 'publish', label, arn: () => published.get(arn) ?? null });
        ctx.plan({
          resource: label,
          action: 'create',
          detail: `published again from ${ctx.versionName} (content sha256 ${shortSha(record.sha256)}${record.CompatibleRuntimes?.length ? `, ${record.CompatibleRuntimes.join(' ')}` : ''}); Lambda gives it the next version number`,
          apply: async () => {
            // Made by an earlier run of this plan: the live version with this content stands for it.
            const again = (await listNow(client, record.LayerName, ctx.signal)).find((v) => v.sha256 === record.sha256);
            const made = again ?? (await publish(ctx, client, record, pointer!, label));
            published.set(arn, made.arn);
            await applyPermissions(ctx, client, layer, made, null);
          },
        });
      }
    }
    if (prune && !pruned.has(`${region}/${record.LayerName}`)) {
      pruned.add(`${region}/${record.LayerName}`);
      const keep = new Set([...archived.values()].filter((a) => a.record.LayerName === record.LayerName && a.region === region).map((a) => a.record.sha256));
      for (const v of live.filter((l) => !keep.has(l.sha256))) {
        ctx.plan({
          resource: `lambda layer ${record.LayerName} version ${v.version}`,
          action: 'delete',
          detail: `its content is not in ${ctx.versionName}`,
          apply: async () => void (await unlessNotFound(() => client.send(new DeleteLayerVersionCommand({ LayerName: record.LayerName, VersionNumber: v.version }), { abortSignal: ctx.signal }))),
        });
      }
    }
  }

  const looked = new Map<string, Promise<LayerState>>();
  const state = (arn: string): Promise<LayerState> => {
    const known = states.get(arn);
    if (known) return Promise.resolve(known);
    let p = looked.get(arn);
    if (!p) {
      p = (async (): Promise<LayerState> => {
        // Not archived (another account's layer, or archived before layers were): it must still exist.
        const parsed = parseLayerVersionArn(arn);
        if (!parsed) return { kind: 'missing', why: `${arn} is not a layer version ARN` };
        const client = ctx.aws.get(LambdaClient, parsed.region);
        const got = await unlessNotFound(() => client.send(new GetLayerVersionCommand({ LayerName: arn.replace(/:\d+$/, ''), VersionNumber: parsed.version }), opts));
        if (got) return { kind: 'live', arn };
        const archivedHere = archived.has(arn);
        return { kind: 'missing', why: `layer ${parsed.name} version ${parsed.version} (${arn}) does not exist live${archivedHere ? '' : `, and ${ctx.versionName} does not hold it${parsed.account !== ctx.target?.accountId ? ` (a layer of account ${parsed.account})` : ''}`}` };
      })();
      looked.set(arn, p);
    }
    return p;
  };
  return {
    state,
    finalArn: async (arn) => {
      const s = await state(arn);
      if (s.kind === 'live') return s.arn;
      if (s.kind === 'missing') throw new Error(s.why);
      const made = s.arn();
      if (!made) throw new Error(`${s.label} was not published again (its step failed or did not run)`);
      return made;
    },
  };
}

async function listNow(client: LambdaClient, name: string, signal: AbortSignal): Promise<LiveLayerVersion[]> {
  const listed = await allPages(`lambda layer ${name} versions`, async (Marker) => {
    const r = await unlessNotFound(() => client.send(new ListLayerVersionsCommand({ LayerName: name, Marker }), { abortSignal: signal }));
    return { items: r?.LayerVersions, next: r?.NextMarker };
  });
  const out: LiveLayerVersion[] = [];
  for (const v of listed) {
    if (v.Version === undefined || !v.LayerVersionArn) continue;
    const got = await unlessNotFound(() => client.send(new GetLayerVersionCommand({ LayerName: name, VersionNumber: v.Version }), { abortSignal: signal }));
    const sha = got?.Content?.CodeSha256;
    out.push({ arn: v.LayerVersionArn, version: v.Version, sha256: sha ? codeShaToHex(sha, `${name}:${v.Version}`) : undefined });
  }
  return out;
}

async function publish(ctx: Ctx, client: LambdaClient, record: LayerVersionRecord, pointer: { oid: string; size: number }, label: string): Promise<LiveLayerVersion> {
  const bytes = await readAll(await ctx.store.open(pointer.oid), pointer.size, label);
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== pointer.oid) throw new IntegrityError(`the archived content of ${label} in the content store does not match its sha256`, { expected: pointer.oid, actual });
  const r = await client.send(
    new PublishLayerVersionCommand({
      LayerName: record.LayerName,
      Content: { ZipFile: bytes },
      ...(record.Description ? { Description: record.Description } : {}),
      ...(record.CompatibleRuntimes?.length ? { CompatibleRuntimes: record.CompatibleRuntimes as Runtime[] } : {}),
      ...(record.CompatibleArchitectures?.length ? { CompatibleArchitectures: record.CompatibleArchitectures as Architecture[] } : {}),
      ...(record.LicenseInfo ? { LicenseInfo: record.LicenseInfo } : {}),
    }),
    { abortSignal: ctx.signal },
  );
  const sha = r.Content?.CodeSha256 ? codeShaToHex(r.Content.CodeSha256, label) : undefined;
  if (sha !== undefined && sha !== record.sha256) throw new IntegrityError(`Lambda reports content sha256 ${shortSha(sha)} for ${label} after publishing it, not the version's ${shortSha(record.sha256)}`, { layer: record.LayerName });
  return { arn: r.LayerVersionArn!, version: r.Version!, sha256: sha };
}

// ---- permissions ------------------------------------------------------------------------------

interface LayerStatement {
  Sid?: string;
  Effect?: string;
  Principal?: string | { AWS?: string | string[] };
  Action?: string | string[];
  Condition?: Record<string, Record<string, string>>;
}

/** The AddLayerVersionPermission input that makes `s`, or why there is none. */
export function layerPermissionInput(s: LayerStatement): { StatementId: string; Action: string; Principal: string; OrganizationId?: string } | string {
  if (!s.Sid) return 'a statement without a Sid has no AddLayerVersionPermission form';
  if (s.Effect !== 'Allow') return 'AddLayerVersionPermission makes only Allow statements';
  const action = Array.isArray(s.Action) ? (s.Action.length === 1 ? s.Action[0] : undefined) : s.Action;
  if (!action) return 'a statement with several actions has no AddLayerVersionPermission form';
  const p = s.Principal;
  const aws = typeof p === 'object' ? (Array.isArray(p.AWS) ? (p.AWS.length === 1 ? p.AWS[0] : undefined) : p.AWS) : p;
  if (!aws) return 'its principal has no AddLayerVersionPermission form';
  const principal = aws === '*' ? '*' : (/^arn:[^:]+:iam::(\d{12}):root$/.exec(aws)?.[1] ?? aws);
  const org = s.Condition?.StringEquals?.['aws:PrincipalOrgID'];
  return { StatementId: s.Sid, Action: action, Principal: principal, ...(org ? { OrganizationId: org } : {}) };
}

async function livePermissions(ctx: Ctx, client: LambdaClient, name: string, version: number): Promise<LayerStatement[]> {
  const r = await unlessNotFound(() => client.send(new GetLayerVersionPolicyCommand({ LayerName: name, VersionNumber: version }), { abortSignal: ctx.signal }));
  if (!r?.Policy) return [];
  try {
    return (JSON.parse(r.Policy) as { Statement?: LayerStatement[] }).Statement ?? [];
  } catch {
    return [];
  }
}

/** A statement without the layer version's own ARN (a re-published version has another), for comparing. */
const shape = (s: LayerStatement) => {
  const input = layerPermissionInput(s);
  return typeof input === 'string' ? stableKey(s as never) : stableKey(input as never);
};

async function planPermissions(ctx: Ctx, client: LambdaClient, layer: ArchivedLayer, live: LiveLayerVersion, label: string, prune: boolean): Promise<void> {
  const archived = (await ctx.version.json<{ Statement?: LayerStatement[] }>(`${layer.folder}/policy.json`))?.Statement ?? [];
  const current = await livePermissions(ctx, client, layer.record.LayerName, live.version);
  const bySid = new Map(current.map((s) => [s.Sid ?? '', s]));
  const todo: LayerStatement[] = [];
  for (const s of archived) {
    const have = bySid.get(s.Sid ?? '');
    if (have && shape(have) === shape(s)) continue;
    const input = layerPermissionInput(s);
    if (typeof input === 'string') {
      ctx.cannot(`${label} permission ${s.Sid ?? '?'}`, `not restored: ${input}; policy.json holds the statement`);
      continue;
    }
    todo.push(s);
  }
  const extra = prune ? current.filter((s) => !archived.some((a) => a.Sid === s.Sid)) : [];
  if (!todo.length && !extra.length) return;
  ctx.plan({
    resource: `${label} permissions`,
    action: 'update',
    detail: [...todo.map((s) => `${bySid.has(s.Sid ?? '') ? '~' : '+'}${s.Sid}`), ...extra.map((s) => `-${s.Sid}`)].join(' '),
    apply: () => applyPermissions(ctx, client, layer, live, { only: todo, remove: extra }),
  });
}

/** Makes the version's permissions of `layer` on the live version `live` (all of them, or the given changes). */
async function applyPermissions(ctx: Ctx, client: LambdaClient, layer: ArchivedLayer, live: LiveLayerVersion, changes: { only: LayerStatement[]; remove: LayerStatement[] } | null): Promise<void> {
  const opts = { abortSignal: ctx.signal };
  const name = layer.record.LayerName;
  const statements = changes?.only ?? (await ctx.version.json<{ Statement?: LayerStatement[] }>(`${layer.folder}/policy.json`))?.Statement ?? [];
  const current = new Map((await livePermissions(ctx, client, name, live.version)).map((s) => [s.Sid ?? '', s]));
  for (const s of [...statements, ...(changes?.remove ?? [])]) {
    if (current.has(s.Sid ?? '') && (changes?.remove.includes(s) || shape(current.get(s.Sid ?? '')!) !== shape(s))) {
      await unlessNotFound(() => client.send(new RemoveLayerVersionPermissionCommand({ LayerName: name, VersionNumber: live.version, StatementId: s.Sid }), opts));
      current.delete(s.Sid ?? '');
    }
  }
  for (const s of statements) {
    if (current.has(s.Sid ?? '')) continue;
    const input = layerPermissionInput(s);
    if (typeof input === 'string') continue;
    await client.send(new AddLayerVersionPermissionCommand({ LayerName: name, VersionNumber: live.version, ...input }), opts);
  }
}
