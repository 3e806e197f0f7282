// `snap init`: makes a new archive from archive-template/: a git repository on branch main,
// a default snap.config.json (every supported service on), the archive's README, RECOVERY.md
// skeleton and .gitattributes, a fresh ed25519 signing key and fingerprint key in .git/snap
// (never committed), the root of trust (.git/snap/trust.json: the archive's own key is its
// one trusted signer) with the trusted copy stock git verifies tags with, the published copy
// .snap/allowed_signers, and a first commit holding these files so the working tree starts clean.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SnapError } from '../errors.js';
import { collectors } from '../collectors/registry.js';
import { CONFIG_FILE } from '../config/load.js';
import { encodeCommit } from '../git/objects.js';
import { GitRepo } from '../git/repo.js';
import { writeFileAtomic } from '../git/atomic-file.js';
import { generateSigningKey } from '../git/ssh-signature.js';
import { checkoutTree } from '../git/worktree.js';
import { stableJson } from '../normalize/stable-json.js';
import { Archive, ALLOWED_SIGNERS_PATH, FINGERPRINT_KEY_FILE, RECOVERY_PATH, SIGNING_KEY_FILE, USER_FILES } from './archive.js';
import { localStore } from '../store/open-store.js';
import { TreeWriter } from './tree-writer.js';
import { evaluateTrust, formatSigners, publishToGit, recordInitialTrust, type Signer } from './trust.js';
import { MAIN_REF } from './versions.js';

// Two folders up from this code: src/archive/, dist/archive/ and the bundle's dist/bundle/
// (scripts/bundle.js keeps every chunk directly in it) all sit two levels below the package.
export const TEMPLATE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'archive-template');

export function defaultConfig(region: string, store?: Record<string, unknown>): Record<string, unknown> {
  return {
    version: 1,
    aws: { region },
    collectors: Object.fromEntries(collectors.map((c) => [c.id, c.id === 'local' ? { enabled: true, paths: [] } : { enabled: c.enabledByDefault }])),
    ...(store ? { store } : {}),
  };
}

/** The archive at `dir` or a folder above it, if any. */
function enclosingArchive(dir: string): string | null {
  for (let at = dir; ; at = dirname(at)) {
    if (Archive.isArchive(at)) return at;
    if (dirname(at) === at) return null;
  }
}

export interface InitResult {
  dir: string;
  signer: string;
  /** the archive's signing key, its one trusted signer */
  publicKey: string;
  created: string[];
}

/**
 * Refuses a folder that is already a git repository, or that is (inside) a snap archive:
 * snap run there would act on the enclosing archive. Checked before anything else is done.
 */
export function assertNewArchiveDir(dir: string): void {
  const enclosing = enclosingArchive(dir);
  if (enclosing) {
    const where = enclosing === dir ? `${dir} is already a snap archive` : `${dir} is inside the snap archive at ${enclosing}`;
    throw new SnapError('ALREADY_AN_ARCHIVE', `${where} (snap run there acts on it); choose a folder outside it`, { dir, archive: enclosing });
  }
  if (existsSync(join(dir, '.git'))) {
    throw new SnapError('ALREADY_AN_ARCHIVE', `${dir} is already a git repository${Archive.isArchive(dir) ? ' and a snap archive' : ''}, and an archive is a repository of its own; choose a folder that is not one (a new folder, or one of plain files)`, { dir });
  }
}

export interface InitOptions {
  region?: string;
  /** the config's store section (an S3 vault: url, region, profile, objectLock), checked by the caller */
  store?: Record<string, unknown>;
}

export async function initArchive(target: string, options: InitOptions = {}): Promise<InitResult> {
  const dir = resolve(target);
  assertNewArchiveDir(dir);
  await mkdir(dir, { recursive: true });
  const repo = await GitRepo.init(dir);
  const archive = Archive.at(dir);

  await mkdir(archive.privateDir, { recursive: true, mode: 0o700 });
  const key = generateSigningKey();
  await writeFile(join(archive.privateDir, SIGNING_KEY_FILE), key.privatePem, { mode: 0o600, flag: 'wx' });
  await writeFile(join(archive.privateDir, FINGERPRINT_KEY_FILE), randomBytes(32), { mode: 0o600, flag: 'wx' });

  const created: string[] = [];
  const place = async (rel: string, write: (path: string) => Promise<void>) => {
    const path = join(dir, rel);
    if (existsSync(path)) return; // never overwrite a file the user already has
    await mkdir(dirname(path), { recursive: true });
    await write(path);
    created.push(rel);
  };
  for (const name of await readdir(TEMPLATE_DIR)) await place(name, (p) => copyFile(join(TEMPLATE_DIR, name), p));
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  await place(CONFIG_FILE, (p) => writeFile(p, stableJson(defaultConfig(region, options.store))));
  const who = await archive.identity(null);
  const signers: Signer[] = [{ principals: who.email, publicKey: key.publicKey, comment: 'snap-archive-key' }];
  await recordInitialTrust(archive, signers);
  // The published copy is snap's, not the user's: written whatever the folder held.
  await mkdir(join(dir, dirname(ALLOWED_SIGNERS_PATH)), { recursive: true });
  await writeFileAtomic(join(dir, ALLOWED_SIGNERS_PATH), formatSigners(signers));
  created.push(ALLOWED_SIGNERS_PATH);
  await publishToGit(archive, await evaluateTrust(archive));

  const txn = repo.beginWrite();
  const tree = new TreeWriter({ objects: txn, store: localStore(dir, await archive.loadConfig()) });
  // The template's RECOVERY.md is committed as a placeholder until the first version brings its own.
  for (const rel of [...USER_FILES, ALLOWED_SIGNERS_PATH, RECOVERY_PATH]) {
    const path = join(dir, rel);
    if (existsSync(path)) tree.text(rel, await readFile(path));
  }
  const treeOid = tree.build()!;
  await txn.commit();
  const when = { timestamp: Math.floor(Date.now() / 1000), timezoneOffset: 0 };
  const commit = await repo.writeLooseObject('commit', encodeCommit({ tree: treeOid, parents: [], author: { ...who, ...when }, committer: { ...who, ...when }, message: 'snap init: new archive\n' }));
  await repo.updateRef(MAIN_REF, commit, null);
  await checkoutTree(repo, dir, null, treeOid);
  return { dir, signer: who.email, publicKey: key.publicKey, created };
}
