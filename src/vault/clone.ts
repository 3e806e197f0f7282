// `snap clone s3://BUCKET/PREFIX DIR`: rebuilds an archive on a new machine from its vault
// alone, with only the vault's credentials.
//   1. the vault is checked (reachable, its region asked of S3 when not given)
//   2. the history: every bundle under PREFIX/history/ is fetched with stock git into a new
//      repository, each once its prerequisites are there; main is the newest version
//   3. the working tree shows that version; snap.config.json's store section points at the
//      vault (its region, and the profile given)
//   4. keys: the fingerprint key comes back from the vault (secrets keep their fingerprints,
//      so nothing shows as changed); the signing key is not in the vault, so a new one is made
//      and trusted (clone-trust.ts); the README says how to bring the old one back
//   5. the local index of the vault is rebuilt from a listing
// Nothing is written to DIR until the vault is checked and holds a history.
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Archive, FINGERPRINT_KEY_FILE, SIGNING_KEY_FILE } from '../archive/archive.js';
import { listVersions, MAIN_REF } from '../archive/versions.js';
import { CONFIG_FILE } from '../config/load.js';
import { parseConfig } from '../config/load.js';
import type { VersionInfo } from '../archive/versions.js';
import { SnapError } from '../errors.js';
import { GitRepo } from '../git/repo.js';
import { generateSigningKey } from '../git/ssh-signature.js';
import { checkoutTree } from '../git/worktree.js';
import { stableJson } from '../normalize/stable-json.js';
import { openVault, VAULT_INDEX_FILE } from '../store/open-store.js';
import type { VaultStore } from '../store/s3-store.js';
import { VaultIndex } from '../store/vault-index.js';
import { completeInterruptedForgets } from '../retention/forget.js';
import { FINGERPRINT_KEY_REL, formatVaultUrl, HISTORY_DIR, parseVaultUrl } from '../store/vault-url.js';
import { run } from '../util/exec.js';
import { trustAfterClone, type CloneTrust } from './clone-trust.js';
import { checkVaultForReading, discoverBucketRegion } from './vault.js';
import { sealContext, sealOf } from '../verify/seal.js';

export interface CloneOptions {
  /** the vault bucket's region (default: asked of S3) */
  region?: string;
  /** the credentials profile for the vault */
  profile?: string;
  /** the home region of a config made for the probe (the recovered config keeps its own) */
  homeRegion?: string;
  onStep?: (message: string) => void;
}

export interface CloneResult {
  dir: string;
  url: string;
  region: string;
  versions: string[];
  latest: string;
  /** versions newer than `latest` whose seal does not hold: kept, never checked out */
  unsealed: string[];
  bundles: number;
  trust: CloneTrust;
  fingerprintKey: 'from the vault' | 'new';
  indexed: number;
}

interface Bundle {
  rel: string;
  file: string;
  prerequisites: string[];
  refs: { oid: string; ref: string }[];
}

export async function cloneFromVault(url: string, target: string, options: CloneOptions = {}): Promise<CloneResult> {
  const dir = resolve(target);
  const location = parseVaultUrl(url);
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new SnapError('ALREADY_AN_ARCHIVE', `${dir} exists and is not empty; clone into a new or empty folder`, { dir });
  const step = options.onStep ?? (() => undefined);

  // 1. The vault, checked before anything is written.
  const homeRegion = options.homeRegion ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const probeConfig = (region?: string) => parseConfig({ version: 1, aws: { region: homeRegion }, store: { url, ...(region ? { region } : {}), ...(options.profile ? { profile: options.profile } : {}) } });
  let region = options.region;
  if (!region) {
    const probe = openVault(probeConfig(), { privateDir: tmpdir(), cache: null });
    try {
      region = (await discoverBucketRegion(probe.client, location.bucket)) ?? homeRegion;
    } finally {
      probe.close();
    }
  }
  const config = probeConfig(region);
  const vault = openVault(config, { privateDir: tmpdir(), cache: null, index: VaultIndex.inMemory(formatVaultUrl(location)) });
  const work = await mkdtemp(join(tmpdir(), 'snap-clone-'));
  let created = false;
  try {
    await checkVaultForReading(vault, config);
    const bundles = await downloadBundles(vault, work);
    if (!bundles.some((b) => b.refs.some((r) => r.ref.startsWith('refs/tags/')))) {
      throw new SnapError('VAULT_UNUSABLE', `${formatVaultUrl(location)} holds no version history (no bundles under ${HISTORY_DIR}/): nothing to clone. Was \`snap push\` or \`snap commit\` ever run with this vault?`, { url });
    }
    step(`fetched ${bundles.length} history bundle${bundles.length === 1 ? '' : 's'}`);

    // 2. The history, into a new repository.
    await mkdir(dir, { recursive: true });
    created = true;
    const repo = await GitRepo.init(dir);
    await applyBundles(dir, bundles);
    const versions = await listVersionsWithoutMain(repo);
    const archive = Archive.at(dir);
    // Main is the newest version whose seal holds. Whoever may write PREFIX/* (the estate's
    // role) can plant a bundle; a version it brings is kept as evidence (verify and log name
    // it), never checked out or built on.
    const seals = await sealContext(archive, { versions });
    const unsealed: string[] = [];
    let latest: VersionInfo | undefined;
    for (const v of versions) {
      if ((await sealOf(seals, v)).ok) {
        latest = v;
        break;
      }
      unsealed.push(v.name);
    }
    if (!latest) throw new SnapError('VAULT_UNUSABLE', `no version in ${formatVaultUrl(location)} is sealed by a signer its history trusts (${unsealed.slice(0, 5).join(', ')}): nothing to recover from safely; \`snap verify\` in a copy of the history says why`, { url });
    if (latest !== versions[0]) await repo.updateRef(MAIN_REF, latest.commitOid, versions[0]!.commitOid);

    // 3. The working tree, and the config pointed at the vault.
    await checkoutTree(repo, dir, null, latest.treeOid);
    const configPath = join(dir, CONFIG_FILE);
    const recorded = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, any>;
    recorded.store = { ...(recorded.store ?? {}), url: formatVaultUrl(location), region, ...(options.profile ? { profile: options.profile } : {}) };
    parseConfig(recorded, configPath); // still a valid config
    await writeFile(configPath, stableJson(recorded));
    // Versions forgotten by policy are in the vault's bundles but, by their records (in the notes), no versions here.
    const forgotten = await completeInterruptedForgets(archive);

    // 4. Keys: the fingerprint key from the vault, a new signing key trusted here.
    await mkdir(archive.privateDir, { recursive: true, mode: 0o700 });
    const fingerprint = await vault.getKey(FINGERPRINT_KEY_REL);
    await writeFile(join(archive.privateDir, FINGERPRINT_KEY_FILE), fingerprint ?? randomBytes(32), { mode: 0o600, flag: 'wx' });
    const key = generateSigningKey();
    await writeFile(join(archive.privateDir, SIGNING_KEY_FILE), key.privatePem, { mode: 0o600, flag: 'wx' });
    const who = await archive.identity(parseConfig(recorded));
    const trust = await trustAfterClone(archive, { principal: who.email, publicKey: key.publicKey }, latest.name);

    // 5. What the vault holds, known here without asking it object by object.
    const index = VaultIndex.load(join(archive.privateDir, VAULT_INDEX_FILE), formatVaultUrl(location));
    const indexed = await indexInto(vault, index);
    await index.save();
    return { dir, url: formatVaultUrl(location), region, versions: versions.filter((v) => !forgotten.includes(v.name)).map((v) => v.name).reverse(), latest: latest.name, unsealed, bundles: bundles.length, trust, fingerprintKey: fingerprint ? 'from the vault' : 'new', indexed };
  } catch (err) {
    if (created) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  } finally {
    vault.close();
    await rm(work, { recursive: true, force: true });
  }
}

async function downloadBundles(vault: VaultStore, work: string): Promise<Bundle[]> {
  const out: Bundle[] = [];
  for await (const o of vault.list(`${HISTORY_DIR}/`)) {
    if (!o.rel.endsWith('.bundle')) continue;
    const bytes = await vault.getKey(o.rel);
    if (!bytes) continue;
    const file = join(work, `${out.length}.bundle`);
    const fh = await open(file, 'wx', 0o600);
    try {
      await fh.writeFile(bytes);
    } finally {
      await fh.close();
    }
    out.push({ rel: o.rel, file, ...parseBundleHeader(bytes) });
  }
  return out;
}

/** The prerequisites and refs a git bundle (v2 or v3) names in its header. */
export function parseBundleHeader(bytes: Buffer): { prerequisites: string[]; refs: { oid: string; ref: string }[] } {
  const end = bytes.indexOf('\n\n');
  const header = bytes.subarray(0, end < 0 ? Math.min(bytes.length, 65_536) : end).toString('utf8').split('\n');
  if (!/^# v[23] git bundle$/.test(header[0] ?? '')) throw new SnapError('GIT_OBJECT', 'not a git bundle', {});
  const prerequisites: string[] = [];
  const refs: { oid: string; ref: string }[] = [];
  for (const line of header.slice(1)) {
    if (line.startsWith('@')) continue; // v3 capabilities
    const pre = /^-([0-9a-f]{40})/.exec(line);
    if (pre) prerequisites.push(pre[1]!);
    const ref = /^([0-9a-f]{40}) (\S+)$/.exec(line);
    if (ref) refs.push({ oid: ref[1]!, ref: ref[2]! });
  }
  return { prerequisites, refs };
}

/** Fetches every bundle once its prerequisites are in the repository. */
async function applyBundles(dir: string, bundles: Bundle[]): Promise<void> {
  const have = new Set<string>();
  const hasCommit = async (oid: string) => have.has(oid) || (await run('git', ['cat-file', '-e', `${oid}^{commit}`], { cwd: dir, allowFailure: true })).code === 0;
  let pending = [...bundles];
  while (pending.length) {
    const ready: Bundle[] = [];
    for (const b of pending) if ((await Promise.all(b.prerequisites.map(hasCommit))).every(Boolean)) ready.push(b);
    if (ready.length === 0) {
      const missing = pending.flatMap((b) => b.prerequisites).filter((p) => !have.has(p));
      throw new SnapError('GIT_OBJECT', `the vault's history is incomplete: ${pending.map((b) => b.rel).join(', ')} need commits no bundle holds (${[...new Set(missing)].slice(0, 3).join(', ')})`, {});
    }
    for (const b of ready) {
      await run('git', ['bundle', 'verify', '--quiet', b.file], { cwd: dir });
      await run('git', ['fetch', '--quiet', '--no-write-fetch-head', b.file, ...b.refs.map((r) => `+${r.ref}:${r.ref}`)], { cwd: dir });
      for (const r of b.refs) have.add(r.oid);
      for (const r of b.refs) if (r.ref.startsWith('refs/tags/')) have.add((await run('git', ['rev-parse', `${r.oid}^{commit}`], { cwd: dir })).stdout.toString('utf8').trim());
    }
    pending = pending.filter((b) => !ready.includes(b));
  }
}

/** The versions, newest first, before main exists: the newest is the one whose history holds every other. */
async function listVersionsWithoutMain(repo: GitRepo): ReturnType<typeof listVersions> {
  const tags = await repo.listRefs('refs/tags/');
  let best: string | null = null;
  let bestDepth = -1;
  for (const oid of tags.values()) {
    let commit = oid;
    for (let i = 0; i < 3; i++) {
      const obj = await repo.readObject(commit);
      if (obj.type === 'commit') break;
      commit = /^object ([0-9a-f]{40})/.exec(Buffer.from(obj.content).toString('utf8'))?.[1] ?? commit;
    }
    let depth = 0;
    for (let c: string | null = commit; c; c = (await repo.readCommit(c)).parents[0] ?? null) depth++;
    if (depth > bestDepth) {
      bestDepth = depth;
      best = commit;
    }
  }
  await repo.updateRef(MAIN_REF, best!, null);
  return listVersions(repo);
}

async function indexInto(vault: VaultStore, index: VaultIndex): Promise<number> {
  let n = 0;
  for (const dir of ['objects/', 'history/', 'keys/']) {
    for await (const { rel, size } of vault.list(dir)) {
      index.set(rel, { size, until: null });
      n++;
    }
  }
  index.markComplete();
  return n;
}
