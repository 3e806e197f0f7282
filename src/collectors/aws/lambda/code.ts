// A function's code package: code.zip in the content store (a pointer in the tree), checked
// against the function's CodeSha256, its text files unpacked under code/, and code.json
// listing every packaged file. The content store is addressed by sha256 and CodeSha256 is
// the package's sha256, so a package is fetched only when the store does not hold it yet:
//
//   same CodeSha256 and unpack settings as the previous version → reuse its pointer, its
//                                                                 code/ subtree, code.json
//   the store already holds the package (another function,     → read it from the store,
//   a published version, changed unpack settings)                 unpack again
//   otherwise                                                   → fetch (CodeFetcher), check, store
//
// Published versions an alias points to (or all, by config) keep their own code.zip under
// versions/<n>/; they are immutable, so each is fetched at most once per archive.
import { createHash } from 'node:crypto';
import { IntegrityError } from '../../../errors.js';
import { safeSegment } from '../../../archive/paths.js';
import type { Pointer } from '../../../store/pointer.js';
import type { Limiter } from '../../../util/limiter.js';
import type { CollectContext } from '../../types.js';
import type { LambdaConfig } from './config.js';
import type { CodeFetcher, CodeRequest } from './fetch-code.js';
import { lambdaRules } from './rules.js';
import { unpackCode, unpackSettingsDigest, type PackagedFile } from './unpack.js';

export interface CodeRecord {
  packageType: string;
  /** as Lambda reports it (base64) */
  codeSha256?: string;
  /** hex: the content-store id of code.zip */
  sha256?: string;
  size?: number;
  imageUri?: string;
  resolvedImageUri?: string;
  /** why code.zip is absent, when it is */
  notArchived?: string;
  /** why the package was not unpacked, when it was not */
  notUnpacked?: string;
  /** digest of the unpack settings the files below were made with */
  unpackedWith?: string;
  files?: PackagedFile[];
}

export interface CodeDeps {
  fetchCode: CodeFetcher;
  /** the default fetcher follows Code.Location itself, so it must stay on a custom endpoint's host */
  stayOnEndpoint: boolean;
  /** bounds concurrent downloads (heavier than API calls) */
  downloads: Limiter;
}

export interface CodeTarget {
  folder: string;
  functionName: string;
  region: string;
  packageType: string;
  codeSha256: string | undefined;
  codeSize: number | undefined;
  location: string | undefined;
  imageUri?: string | undefined;
  resolvedImageUri?: string | undefined;
}

/** CodeSha256 (base64 of the 32-byte digest) as lower-case hex. */
export function codeShaToHex(codeSha256: string, functionName: string): string {
  const raw = Buffer.from(codeSha256, 'base64');
  if (raw.length !== 32 || raw.toString('base64') !== codeSha256) {
    throw new IntegrityError(`Lambda function ${functionName} reports a CodeSha256 that is not a base64 sha256`, { function: functionName });
  }
  return raw.toString('hex');
}

/** Reads a source into memory, refusing more than `limit` bytes (a package larger than it claims). */
export async function readAll(source: Uint8Array | AsyncIterable<Uint8Array>, limit: number, label: string): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of source) {
    total += chunk.length;
    if (total > limit) {
      (source as { destroy?: () => void }).destroy?.();
      throw new IntegrityError(`content of ${label} is larger than the ${limit} bytes expected`, { expected: limit, label });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/** The package from the content store, or null when absent or not what its id says. */
async function fromStore(ctx: CollectContext<LambdaConfig>, oid: string, size: number): Promise<Uint8Array | null> {
  if (!(await ctx.out.store.has(oid))) return null;
  const bytes = await readAll(await ctx.out.store.open(oid), size, 'stored package').catch(() => null);
  if (!bytes || createHash('sha256').update(bytes).digest('hex') !== oid) return null;
  return bytes;
}

/**
 * With a custom endpoint (an emulator, or a gateway), a code location on another host is not
 * followed: it would reach outside the endpoint the user chose (emulators name real AWS
 * hosts there). It is recorded as a finding instead.
 */
function outsideEndpoint(ctx: CollectContext<LambdaConfig>, deps: CodeDeps, location: string, folder: string): boolean {
  const endpoint = ctx.aws.endpoint;
  if (!endpoint || !deps.stayOnEndpoint) return false;
  let same = false;
  try {
    same = new URL(location).host === new URL(endpoint).host;
  } catch {
    same = false;
  }
  if (!same) ctx.finding({ resource: `lambda_functions/${folder}`, reason: 'CodeLocationOutsideEndpoint', detail: 'the code location is not on the configured endpoint, so it was not fetched' });
  return !same;
}

async function fetchPackage(ctx: CollectContext<LambdaConfig>, deps: CodeDeps, request: Omit<CodeRequest, 'signal'>): Promise<Uint8Array | AsyncIterable<Uint8Array>> {
  ctx.count('codeDownloads');
  return deps.fetchCode({ ...request, signal: ctx.signal, attempts: ctx.aws.settings.maxAttempts });
}

/** Archives the $LATEST package of a function; returns what code.json records. */
export async function archiveCode(ctx: CollectContext<LambdaConfig>, deps: CodeDeps, t: CodeTarget): Promise<CodeRecord> {
  const settings = ctx.config.code;
  const base = t.folder;
  if (t.packageType === 'Image') {
    ctx.finding({ resource: `lambda_functions/${t.folder}`, reason: 'ContainerImage', detail: 'the code is a container image in ECR; its URI is recorded, not its content' });
    return { packageType: 'Image', imageUri: t.imageUri, resolvedImageUri: t.resolvedImageUri, notArchived: 'container image' };
  }
  if (!t.codeSha256 || t.codeSize === undefined) {
    return { packageType: t.packageType, notArchived: 'no CodeSha256 reported' };
  }
  const sha256 = codeShaToHex(t.codeSha256, t.functionName);
  const record: CodeRecord = { packageType: t.packageType, codeSha256: t.codeSha256, sha256, size: t.codeSize };
  if (!settings.download) return { ...record, notArchived: 'code download is off (collectors.lambda.code.download)' };
  const digest = unpackSettingsDigest(settings);
  const pointer: Pointer = { oid: sha256, size: t.codeSize };

  // Unchanged since the previous version: nothing is downloaded or unpacked again.
  const prev = await ctx.previous?.json<CodeRecord>(`${base}/code.json`).catch(() => null);
  const prevPointer = prev ? await ctx.previous!.pointer(`${base}/code.zip`) : null;
  if (prev && prev.sha256 === sha256 && prev.unpackedWith === digest && prevPointer?.oid === sha256 && (await ctx.out.store.has(sha256))) {
    ctx.out.pointer(`${base}/code.zip`, pointer);
    await ctx.carryOver(`${base}/code`);
    ctx.count('codeReused');
    return prev;
  }

  let bytes = await fromStore(ctx, sha256, t.codeSize);
  if (bytes) ctx.count('codeFromStore');
  if (!bytes) {
    if (!t.location) return { ...record, notArchived: 'no code location reported' };
    if (outsideEndpoint(ctx, deps, t.location, base)) return { ...record, notArchived: 'code location outside the configured endpoint' };
    const request = { functionName: t.functionName, region: t.region, qualifier: null, location: t.location, sha256, size: t.codeSize };
    const label = `the code package of Lambda function ${t.functionName}`;
    if (t.codeSize > settings.maxUnpackPackageBytes) {
      // Too large to hold in memory for unpacking: streamed to the store, listed by size only.
      await deps.downloads(async () => ctx.out.blob(`${base}/code.zip`, await fetchPackage(ctx, deps, request), { expect: { sha256, size: t.codeSize, label }, signal: ctx.signal }));
      ctx.progress.add(0, t.codeSize);
      return { ...record, unpackedWith: digest, notUnpacked: `package larger than ${settings.maxUnpackPackageBytes} bytes (collectors.lambda.code.maxUnpackPackageBytes)` };
    }
    bytes = await deps.downloads(async () => readAll(await fetchPackage(ctx, deps, request), t.codeSize!, label));
    await ctx.out.blob(`${base}/code.zip`, bytes, { expect: { sha256, size: t.codeSize, label }, signal: ctx.signal });
    ctx.progress.add(0, bytes.length);
  } else {
    ctx.out.pointer(`${base}/code.zip`, pointer);
  }
  const files = unpackCode(ctx, bytes, `${base}/code`, settings);
  return { ...record, unpackedWith: digest, files };
}

export interface VersionCodeTarget {
  folder: string;
  functionName: string;
  region: string;
  version: string;
  codeSha256: string;
  codeSize: number;
  /** asks Lambda for the version's presigned location (only when it must be fetched) */
  location: () => Promise<string | undefined>;
}

/** Archives a published version's package under versions/<n>/code.zip; fetched at most once. */
export async function archiveVersionCode(ctx: CollectContext<LambdaConfig>, deps: CodeDeps, t: VersionCodeTarget): Promise<boolean> {
  const sha256 = codeShaToHex(t.codeSha256, t.functionName);
  const path = `${t.folder}/versions/${safeSegment(t.version)}/code.zip`;
  if (await ctx.out.store.has(sha256)) {
    ctx.out.pointer(path, { oid: sha256, size: t.codeSize });
    return true;
  }
  const location = await t.location();
  if (!location || outsideEndpoint(ctx, deps, location, t.folder)) return false;
  const label = `the code package of Lambda function ${t.functionName} version ${t.version}`;
  const request = { functionName: t.functionName, region: t.region, qualifier: t.version, location, sha256, size: t.codeSize };
  await deps.downloads(async () => ctx.out.blob(path, await fetchPackage(ctx, deps, request), { expect: { sha256, size: t.codeSize, label }, signal: ctx.signal }));
  ctx.progress.add(0, t.codeSize);
  return true;
}

/** Writes code.json with its declared rules. */
export function writeCodeRecord(ctx: CollectContext<LambdaConfig>, folder: string, record: CodeRecord): void {
  ctx.out.json(`${folder}/code.json`, record, lambdaRules.code);
}
