// Restoring a function's published versions (versions.json), so its aliases have what they
// point at. Lambda numbers published versions itself and never reuses a number, so a version
// is identified by what it holds: a live version of the same number with the same code
// (CodeSha256) is that version; otherwise a live version with the same code and description
// (published by an earlier restore) stands for it; otherwise it is published again, in the
// version's order: $LATEST is given that version's code and configuration, then published
// (the code Lambda reports is checked), and after the last one $LATEST is put back as the
// version has it. A re-created function's versions so come back as 1, 2, … in order; the
// VersionResolver tells the alias restore which live number each archived version is now.
//
// The code of a published version comes from versions/<n>/code.zip, or from the store by its
// sha256 (the same package as $LATEST, another function's, another version's). A version whose
// code the archive does not hold (collectors.lambda.code.publishedVersions) cannot be
// published again: that is left undone, and so are the aliases that point at it.
import {
  LambdaClient,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  type FunctionConfiguration,
} from '@aws-sdk/client-lambda';
import { IntegrityError } from '../../../errors.js';
import type { RestoreContext } from '../../../restore/types.js';
import type { Pointer } from '../../../store/pointer.js';
import { resolveSecrets } from '../shared/restore-secrets.js';
import { codeShaToHex } from './code.js';
import type { LambdaConfig } from './config.js';
import { allPages } from './paginate.js';
import { allSettings, shortSha } from './restore-config.js';
import type { LayerResolver } from './restore-layers.js';
import { waitUntilReady } from './restore-ready.js';

type Ctx = RestoreContext<LambdaConfig>;

export type VersionState = { kind: 'live'; version: string } | { kind: 'publish'; version: () => string | null } | { kind: 'missing'; why: string };

export interface VersionResolver {
  state(archived: string): VersionState;
  /** the live number at apply time, or an error saying why there is none */
  final(archived: string): string;
  /** versions are published: $LATEST must be put back afterwards */
  readonly publishes: boolean;
}

export interface VersionTarget {
  folder: string;
  name: string;
  label: string;
  client: LambdaClient;
  /** reads the archived package by pointer, re-hashed */
  readPackage(pointer: Pointer, label: string): Promise<Uint8Array>;
  /** $LATEST's environment values as this restore resolves them (live, or --secrets) */
  latestEnvironment: Record<string, string>;
  layers: LayerResolver;
}

interface LiveVersion {
  version: string;
  sha256: string | undefined;
  description: string;
}

/** The live versions of a function, or [] for one the plan creates. */
export async function liveVersionsOf(client: LambdaClient, name: string, signal: AbortSignal, exists: boolean): Promise<LiveVersion[]> {
  if (!exists) return [];
  const versions = await allPages(`lambda ${name} versions`, async (Marker) => {
    const r = await client.send(new ListVersionsByFunctionCommand({ FunctionName: name, Marker }), { abortSignal: signal });
    return { items: r.Versions, next: r.NextMarker };
  });
  return versions
    .filter((v) => v.Version && v.Version !== '$LATEST')
    .map((v) => ({ version: v.Version!, sha256: v.CodeSha256 ? codeShaToHex(v.CodeSha256, name) : undefined, description: v.Description ?? '' }));
}

async function codeOf(ctx: Ctx, folder: string, v: FunctionConfiguration, sha256: string | undefined): Promise<Pointer | null> {
  const own = await ctx.version.pointer(`${folder}/versions/${v.Version}/code.zip`);
  if (own && (await ctx.store.has(own.oid))) return own;
  if (sha256 && v.CodeSize !== undefined && (await ctx.store.has(sha256))) return { oid: sha256, size: v.CodeSize };
  return null;
}

export async function planVersions(ctx: Ctx, t: VersionTarget, exists: boolean): Promise<VersionResolver> {
  const archived = ((await ctx.version.json<{ Versions?: FunctionConfiguration[] }>(`${t.folder}/versions.json`))?.Versions ?? [])
    .filter((v) => v.Version && v.Version !== '$LATEST')
    .sort((a, b) => Number(a.Version) - Number(b.Version));
  const live = await liveVersionsOf(t.client, t.name, ctx.signal, exists);
  const states = new Map<string, VersionState>();
  const taken = new Set<string>();
  const made = new Map<string, string>();
  let publishes = false;
  for (const v of archived) {
    const number = v.Version!;
    const sha256 = v.CodeSha256 ? codeShaToHex(v.CodeSha256, t.name) : undefined;
    const same = live.find((l) => l.version === number && l.sha256 === sha256 && !taken.has(l.version)) ?? live.find((l) => l.sha256 === sha256 && l.description === (v.Description ?? '') && !taken.has(l.version));
    if (same) {
      taken.add(same.version);
      states.set(number, { kind: 'live', version: same.version });
      if (same.version !== number) ctx.note(`${t.label} version ${number}`, `is live as version ${same.version} (the same code and description): aliases that pointed at ${number} point at it`);
      continue;
    }
    const pointer = await codeOf(ctx, t.folder, v, sha256);
    const resource = `${t.label} version ${number}`;
    if (!pointer) {
      const why = `its code (sha256 ${shortSha(sha256)}) is not in the archive: only aliased versions keep their package (collectors.lambda.code.publishedVersions)`;
      ctx.cannot(resource, `the published version is not live and cannot be published again: ${why}`);
      states.set(number, { kind: 'missing', why: `version ${number} is not live and cannot be published again (${why})` });
      continue;
    }
    publishes = true;
    states.set(number, { kind: 'publish', version: () => made.get(number) ?? null });
    const env = resolveSecrets(ctx, { archived: (v.Environment?.Variables ?? {}) as Record<string, unknown>, live: t.latestEnvironment, scope: `lambda:${t.folder}`, kind: 'environment variable', resource });
    ctx.plan({
      resource,
      action: 'create',
      detail: `published again from ${ctx.versionName}: code sha256 ${shortSha(sha256)}${v.Description ? `, "${v.Description}"` : ''}; Lambda gives it the next number`,
      apply: async () => {
        // Made by an earlier run of this plan: the live version with this code and description stands for it.
        const again = (await liveVersionsOf(t.client, t.name, ctx.signal, true)).find((l) => l.sha256 === sha256 && l.description === (v.Description ?? '') && ![...made.values()].includes(l.version));
        if (again) {
          made.set(number, again.version);
          return;
        }
        const opts = { abortSignal: ctx.signal };
        const settings = allSettings(v);
        const layers = settings.Layers ? await Promise.all(settings.Layers.map((arn) => t.layers.finalArn(arn))) : undefined;
        await waitUntilReady(t.client, t.name, ctx.signal);
        await t.client.send(new UpdateFunctionCodeCommand({ FunctionName: t.name, ZipFile: await t.readPackage(pointer, `the archived code of ${t.label} version ${number}`), ...(v.Architectures?.length ? { Architectures: v.Architectures } : {}) }), opts);
        await waitUntilReady(t.client, t.name, ctx.signal);
        await t.client.send(new UpdateFunctionConfigurationCommand({ FunctionName: t.name, ...settings, ...(layers ? { Layers: layers } : {}), Environment: { Variables: env.values } }), opts);
        await waitUntilReady(t.client, t.name, ctx.signal);
        const r = await t.client.send(new PublishVersionCommand({ FunctionName: t.name, Description: v.Description }), opts);
        if (r.CodeSha256 && sha256 && codeShaToHex(r.CodeSha256, t.name) !== sha256) {
          throw new IntegrityError(`Lambda published ${t.name} version ${r.Version} with code sha256 ${shortSha(codeShaToHex(r.CodeSha256, t.name))}, not the version's ${shortSha(sha256)}`, { function: t.name });
        }
        made.set(number, r.Version!);
        await waitUntilReady(t.client, t.name, ctx.signal);
      },
    });
  }
  const state = (archivedVersion: string): VersionState =>
    states.get(archivedVersion) ?? (archivedVersion === '$LATEST' ? { kind: 'live', version: '$LATEST' } : { kind: 'missing', why: `version ${archivedVersion} is not in ${ctx.versionName}'s versions.json` });
  return {
    publishes,
    state,
    final: (archivedVersion) => {
      const s = state(archivedVersion);
      if (s.kind === 'live') return s.version;
      if (s.kind === 'missing') throw new Error(s.why);
      const n = s.version();
      if (!n) throw new Error(`version ${archivedVersion} was not published again (its step failed or did not run)`);
      return n;
    },
  };
}
