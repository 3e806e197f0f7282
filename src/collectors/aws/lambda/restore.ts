// Restoring Lambda (lambda_functions/) to what a version holds: first the layers the selected
// functions use, or those selected (restore-layers.ts), then each function, planned in this
// order (applied in the same order, each waiting until the function accepts an update):
//
//   create         a missing function: CreateFunction with the archived package, role and
//                  settings, its layers as the layer restore found or re-published them
//   versions       its published versions, published again in order when they are not live
//                  (restore-versions.ts); $LATEST is put back as the version has it afterwards
//   code           UpdateFunctionCode with code.zip from the content store (re-hashed first; the
//                  sha256 Lambda reports afterwards is checked), and the architectures
//   configuration  UpdateFunctionConfiguration with the settings that differ (restore-config.ts)
//                  and the environment (values resolved by restore-secrets.ts)
//   then aliases (to the live numbers of the versions they pointed at), concurrency, function
//   URLs, resource policy and tags (restore-extras.ts)
//
// A function is never planned as matching the version when it cannot be: code the version
// lacks, a layer that is neither archived nor live, a version that cannot be published again
// are told to the plan as left undone (ctx.cannot).
//
// Planning only reads (GetFunction, list calls); every apply() is safe to run again: it sets
// absolute values, and a create that finds the function already there updates it instead.
// A function is restored under another name with ctx.rename (original → target).
import { createHash } from 'node:crypto';
import {
  CreateFunctionCommand,
  GetFunctionCommand,
  LambdaClient,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  type Architecture,
  type FunctionCode,
  type FunctionConfiguration,
  type GetFunctionResponse,
} from '@aws-sdk/client-lambda';
import { IntegrityError } from '../../../errors.js';
import type { RestoreContext } from '../../../restore/types.js';
import type { Pointer } from '../../../store/pointer.js';
import type { ContentStore } from '../../../store/types.js';
import { awsErrorName, classifyAwsError } from '../shared/errors.js';
import { codeShaToHex, readAll, type CodeRecord } from './code.js';
import type { LambdaConfig } from './config.js';
import { allSettings, configChanges, describeConfigChanges, settingsInput, shortSha } from './restore-config.js';
import { planExtras, type FunctionTarget } from './restore-extras.js';
import { LAYERS_FOLDER, parseLayerVersionArn } from './layers.js';
import { planLayers, type LayerResolver } from './restore-layers.js';
import { waitUntilReady } from './restore-ready.js';
import { planVersions } from './restore-versions.js';
import { describeSecretChanges, resolveSecrets } from '../shared/restore-secrets.js';

type Ctx = RestoreContext<LambdaConfig>;

/** Lambda takes a package inline (ZipFile) up to this size; larger ones go through S3. */
const MAX_INLINE_PACKAGE_BYTES = 50 * 1024 * 1024;

export async function restoreLambda(ctx: Ctx): Promise<void> {
  const folders = await selectedFolders(ctx);
  // The layers selected (or all, without a selection), and those the selected functions use.
  const layerSelection = ctx.selection.filter((s) => s === LAYERS_FOLDER || s.startsWith(`${LAYERS_FOLDER}/`));
  const used = new Set<string>();
  for (const folder of folders) {
    for (const l of (await ctx.version.json<FunctionConfiguration>(`${folder}/config.json`))?.Layers ?? []) if (l.Arn) used.add(l.Arn);
  }
  const layers = await planLayers(
    ctx,
    (layer) => ctx.selection.length === 0 || used.has(layer.record.LayerVersionArn ?? '') || layerSelection.some((s) => s === LAYERS_FOLDER || layer.folder === s || layer.folder.startsWith(`${s}/`) || s.startsWith(`${layer.folder}/`)),
    ctx.prune && (ctx.selection.length === 0 || layerSelection.length > 0),
  );
  for (const folder of folders) await planFunction(ctx, folder, layers);
}

/** Function folders to restore: the selection's first segments, else every folder (never the layers' folder). */
async function selectedFolders(ctx: Ctx): Promise<string[]> {
  if (ctx.selection.length) return [...new Set(ctx.selection.map((s) => s.split('/')[0]!))].filter((f) => f !== LAYERS_FOLDER).sort();
  return (await ctx.version.list()).filter((e) => e.mode === '40000' && e.name !== LAYERS_FOLDER).map((e) => e.name);
}

/**
 * The archived configuration as the target should have it: each layer ARN replaced by the
 * live one that stands for it ("pending:" for one a step publishes). Layers that cannot be
 * had are returned apart.
 */
async function withLiveLayers(archived: FunctionConfiguration, layers: LayerResolver): Promise<{ config: FunctionConfiguration; missing: string[] }> {
  if (!archived.Layers?.length) return { config: archived, missing: [] };
  const missing: string[] = [];
  const mapped = [];
  for (const l of archived.Layers) {
    const state = await layers.state(l.Arn ?? '');
    if (state.kind === 'missing') missing.push(state.why);
    mapped.push({ ...l, Arn: state.kind === 'live' ? state.arn : `pending:${l.Arn}` });
  }
  return { config: { ...archived, Layers: mapped }, missing };
}

/** Settings for an update or create call, with every pending layer ARN made final (at apply). */
async function finalLayers<T extends { Layers?: string[] | undefined }>(settings: T, layers: LayerResolver): Promise<T> {
  if (!settings.Layers) return settings;
  return { ...settings, Layers: await Promise.all(settings.Layers.map((arn) => layers.finalArn(arn.replace(/^pending:/, '')))) };
}

const shortLayer = (arn: string) => {
  const p = parseLayerVersionArn(arn.replace(/^pending:/, ''));
  return p ? `${p.name}:${p.version}` : arn;
};

function regionOfArn(arn: string | undefined): string | undefined {
  return arn?.split(':')[3] || undefined;
}

async function getFunction(client: LambdaClient, name: string, signal: AbortSignal): Promise<GetFunctionResponse | null> {
  try {
    return await client.send(new GetFunctionCommand({ FunctionName: name }), { abortSignal: signal });
  } catch (err) {
    if (classifyAwsError(err) === 'not-found') return null;
    throw err;
  }
}

/** The archived package from the content store, re-hashed: bytes that are not what the pointer names are refused. */
export async function readPackage(store: ContentStore, pointer: Pointer, label: string): Promise<Uint8Array> {
  const bytes = await readAll(await store.open(pointer.oid), pointer.size, label);
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== pointer.oid || bytes.length !== pointer.size) throw new IntegrityError(`${label} in the content store does not match its sha256`, { expected: pointer.oid, actual, label });
  return bytes;
}

interface ArchivedCode {
  /** hex sha256 of the package the version holds */
  sha256: string | undefined;
  pointer: Pointer | null;
  record: CodeRecord | null;
}

async function archivedCode(ctx: Ctx, folder: string, config: FunctionConfiguration): Promise<ArchivedCode> {
  const record = await ctx.version.json<CodeRecord>(`${folder}/code.json`);
  const pointer = await ctx.version.pointer(`${folder}/code.zip`);
  const sha256 = record?.sha256 ?? (config.CodeSha256 ? codeShaToHex(config.CodeSha256, config.FunctionName ?? folder) : undefined);
  return { sha256, pointer: pointer && pointer.oid === sha256 ? pointer : null, record };
}

/**
 * What the code call needs, or why the package cannot be put back (noted by the caller):
 * an image URI, or the package from the store.
 */
async function codeSource(ctx: Ctx, code: ArchivedCode, packageType: string | undefined): Promise<{ kind: 'image'; uri: string } | { kind: 'zip'; pointer: Pointer } | { kind: 'none'; why: string }> {
  if (packageType === 'Image') {
    const uri = code.record?.resolvedImageUri ?? code.record?.imageUri;
    return uri ? { kind: 'image', uri } : { kind: 'none', why: 'the version records no image URI' };
  }
  if (!code.pointer) return { kind: 'none', why: `the version holds no code.zip${code.record?.notArchived ? ` (${code.record.notArchived})` : ''}` };
  if (!(await ctx.store.has(code.pointer.oid))) return { kind: 'none', why: `code.zip (sha256 ${shortSha(code.pointer.oid)}) is not in the content store (\`snap verify\` names missing payloads)` };
  if (code.pointer.size > MAX_INLINE_PACKAGE_BYTES) return { kind: 'none', why: `the package is ${code.pointer.size} bytes, over the ${MAX_INLINE_PACKAGE_BYTES} bytes Lambda takes inline; upload code.zip to S3 and run \`aws lambda update-function-code --s3-bucket … --s3-key …\`` };
  return { kind: 'zip', pointer: code.pointer };
}

async function functionCode(ctx: Ctx, source: { kind: 'image'; uri: string } | { kind: 'zip'; pointer: Pointer }, label: string): Promise<FunctionCode> {
  return source.kind === 'image' ? { ImageUri: source.uri } : { ZipFile: await readPackage(ctx.store, source.pointer, label) };
}

const sameList = (a: readonly string[] | undefined, b: readonly string[] | undefined) => JSON.stringify([...(a ?? [])].sort()) === JSON.stringify([...(b ?? [])].sort());

async function planFunction(ctx: Ctx, folder: string, layers: LayerResolver): Promise<void> {
  const stored = await ctx.version.json<FunctionConfiguration>(`${folder}/config.json`);
  if (!stored?.FunctionName) {
    ctx.cannot(`lambda_functions/${folder}`, 'the version holds no config.json for this function: nothing to restore from');
    return;
  }
  const original = stored.FunctionName;
  const name = ctx.rename.get(original) ?? ctx.rename.get(folder) ?? original;
  const region = regionOfArn(stored.FunctionArn) ?? ctx.aws.settings.region;
  const client = ctx.aws.get(LambdaClient, region);
  const label = `lambda ${name}${region === ctx.aws.settings.region ? '' : ` (${region})`}`;
  const opts = { abortSignal: ctx.signal };
  const target: FunctionTarget = { folder, name, region, client, label };

  const live = await getFunction(client, name, ctx.signal);
  const liveConfig = live?.Configuration;
  // Layers as the target has them; one that is neither archived nor live cannot be put back.
  const { config: archived, missing: missingLayers } = await withLiveLayers(stored, layers);
  for (const why of missingLayers) ctx.cannot(label, `it needs a layer the version lacks: ${why}${liveConfig ? '; its layers are left as they are' : '; it cannot be created without it'}`);

  // Environment values: the archive has names and fingerprints only.
  const archivedEnv = ((await ctx.version.json<{ Variables?: Record<string, unknown> }>(`${folder}/environment_variables.json`))?.Variables ?? {}) as Record<string, unknown>;
  const liveEnv = liveConfig?.Environment?.Variables ?? {};
  const env = resolveSecrets(ctx, { archived: archivedEnv, live: liveEnv, scope: `lambda:${folder}`, kind: 'environment variable', resource: label });

  const code = await archivedCode(ctx, folder, archived);
  const source = await codeSource(ctx, code, archived.PackageType);
  const packageLabel = `the archived code package of Lambda function ${original}`;

  const versionTarget = { folder, name, label, client, readPackage: (pointer: Pointer, what: string) => readPackage(ctx.store, pointer, what), latestEnvironment: env.values, layers };
  if (!liveConfig) {
    if (source.kind === 'none' || missingLayers.length) {
      if (source.kind === 'none') ctx.cannot(label, `the function is missing and cannot be created: ${source.why}`);
      return;
    }
    const tags = (await ctx.version.json<{ Tags?: Record<string, string> }>(`${folder}/tags.json`))?.Tags;
    const envValues = env.values;
    ctx.plan({
      resource: label,
      action: 'create',
      detail: [
        source.kind === 'image' ? `image ${source.uri}` : `code sha256 ${shortSha(code.sha256)}`,
        archived.Runtime ?? '',
        Object.keys(envValues).length ? `environment ${Object.keys(envValues).join(' ')}` : '',
        tags && Object.keys(tags).length ? `${Object.keys(tags).length} tags` : '',
      ]
        .filter(Boolean)
        .join(', '),
      apply: async () => {
        const settings = await finalLayers(allSettings(archived), layers);
        const codeInput = await functionCode(ctx, source, packageLabel);
        const environment = { Variables: envValues };
        try {
          await client.send(
            new CreateFunctionCommand({
              ...settings,
              FunctionName: name,
              Role: archived.Role,
              Code: codeInput,
              PackageType: archived.PackageType,
              ...(archived.Architectures?.length ? { Architectures: archived.Architectures } : {}),
              Environment: environment,
              ...(tags && Object.keys(tags).length ? { Tags: tags } : {}),
              Publish: false,
            }),
            opts,
          );
        } catch (err) {
          // Made by an earlier run of this plan: bring it to the version instead.
          if (awsErrorName(err) !== 'ResourceConflictException') throw err;
          await waitUntilReady(client, name, ctx.signal);
          await client.send(new UpdateFunctionCodeCommand({ FunctionName: name, ...codeInput, ...(archived.Architectures?.length ? { Architectures: archived.Architectures } : {}) }), opts);
          await waitUntilReady(client, name, ctx.signal);
          await client.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, ...settings, Environment: environment }), opts);
        }
        await waitUntilReady(client, name, ctx.signal);
      },
    });
    const versions = await planVersions(ctx, versionTarget, false);
    if (versions.publishes) planLatest(ctx, target, archived, source, packageLabel, env.values, layers, 'after its versions are published');
    await planExtras(ctx, target, null, versions);
    return;
  }
  const versions = await planVersions(ctx, versionTarget, true);

  // Code and architectures (both set by UpdateFunctionCode).
  const liveSha = liveConfig.CodeSha256 ? codeShaToHex(liveConfig.CodeSha256, name) : undefined;
  // An image is compared by its resolved (digest) URI where both sides have one.
  const liveImage = live?.Code?.ResolvedImageUri ?? live?.Code?.ImageUri;
  const codeDiffers = archived.PackageType === 'Image' ? source.kind === 'image' && source.uri !== liveImage : code.sha256 !== undefined && code.sha256 !== liveSha;
  const archDiffers = !!archived.Architectures?.length && !sameList(archived.Architectures, liveConfig.Architectures);
  if (codeDiffers || archDiffers) {
    if (source.kind === 'none') ctx.cannot(label, `the code differs from the version's and cannot be restored: ${source.why}`);
    else {
      const parts = [
        codeDiffers ? (source.kind === 'image' ? `image ${liveImage ?? 'none'} → ${source.uri}` : `code sha256 ${shortSha(liveSha)} → ${shortSha(code.sha256)}`) : '',
        archDiffers ? `Architectures ${(liveConfig.Architectures ?? []).join(',') || 'none'} → ${archived.Architectures!.join(',')}` : '',
      ];
      const wantSha = code.sha256;
      ctx.plan({
        resource: `${label} code`,
        action: 'update',
        detail: parts.filter(Boolean).join(', '),
        apply: async () => {
          const codeInput = await functionCode(ctx, source, packageLabel);
          await waitUntilReady(client, name, ctx.signal);
          const r = await client.send(new UpdateFunctionCodeCommand({ FunctionName: name, ...codeInput, ...(archived.Architectures?.length ? { Architectures: archived.Architectures as Architecture[] } : {}) }), opts);
          if (source.kind === 'zip' && r.CodeSha256 && codeShaToHex(r.CodeSha256, name) !== wantSha) {
            throw new IntegrityError(`Lambda reports code sha256 ${shortSha(codeShaToHex(r.CodeSha256, name))} for ${name} after the update, not the version's ${shortSha(wantSha)}`, { function: name });
          }
          await waitUntilReady(client, name, ctx.signal);
        },
      });
    }
  }

  // Configuration and environment (one UpdateFunctionConfiguration). Layers that cannot be had are left as they are.
  const changes = configChanges(archived, liveConfig).filter((c) => c.name !== 'Layers' || missingLayers.length === 0);
  if (versions.publishes) {
    // Publishing gives $LATEST each version's code and settings: it is put back whole afterwards.
    planLatest(ctx, target, archived, source, packageLabel, env.values, layers, 'after versions are published');
    await planExtras(ctx, target, live, versions);
    return;
  }
  const envDetail = describeSecretChanges('environment', env, liveEnv);
  if (changes.length || env.changed.length) {
    const envValues = env.values;
    const envChanged = env.changed.length > 0;
    ctx.plan({
      resource: `${label} configuration`,
      action: 'update',
      detail: [describeConfigChanges(changes.map((c) => (c.name === 'Layers' ? { ...c, from: (c.from as string[] | undefined)?.map(shortLayer), to: (c.to as string[]).map(shortLayer) } : c))), envDetail].filter(Boolean).join(', '),
      apply: async () => {
        await waitUntilReady(client, name, ctx.signal);
        await client.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, ...(await finalLayers(settingsInput(changes), layers)), ...(envChanged ? { Environment: { Variables: envValues } } : {}) }), opts);
        await waitUntilReady(client, name, ctx.signal);
      },
    });
  }

  await planExtras(ctx, target, live, versions);
}

/** $LATEST back to the version's code and every setting, after publishing versions changed it. */
function planLatest(ctx: Ctx, t: FunctionTarget, archived: FunctionConfiguration, source: { kind: 'image'; uri: string } | { kind: 'zip'; pointer: Pointer } | { kind: 'none'; why: string }, packageLabel: string, env: Record<string, string>, layers: LayerResolver, why: string): void {
  if (source.kind === 'none') return;
  const opts = { abortSignal: ctx.signal };
  ctx.plan({
    resource: `${t.label} $LATEST`,
    action: 'update',
    detail: `code and configuration as in ${ctx.versionName}, ${why}`,
    apply: async () => {
      await waitUntilReady(t.client, t.name, ctx.signal);
      await t.client.send(new UpdateFunctionCodeCommand({ FunctionName: t.name, ...(await functionCode(ctx, source, packageLabel)), ...(archived.Architectures?.length ? { Architectures: archived.Architectures as Architecture[] } : {}) }), opts);
      await waitUntilReady(t.client, t.name, ctx.signal);
      await t.client.send(new UpdateFunctionConfigurationCommand({ FunctionName: t.name, ...(await finalLayers(allSettings(archived), layers)), Environment: { Variables: env } }), opts);
      await waitUntilReady(t.client, t.name, ctx.signal);
    },
  });
}
