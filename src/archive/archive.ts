// An archive on disk: a git repository (branch main) whose working tree holds
// snap.config.json, plus snap's private state in .git/snap (signing key, fingerprint key,
// lock) that is never committed. Archive.open() finds it from a folder the way git does,
// walking up; everything that needs the archive's paths, keys or store goes through here.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir, hostname, userInfo } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { SnapError } from '../errors.js';
import { CONFIG_FILE, loadConfig } from '../config/load.js';
import type { SnapConfig } from '../config/schema.js';
import { GitRepo } from '../git/repo.js';
import { loadSigningKey, parseAllowedSigners, type AllowedSigner, type SigningKey } from '../git/ssh-signature.js';
import { makeFingerprinter, type Fingerprinter } from '../normalize/fingerprint.js';
import { FsContentStore } from '../store/fs-store.js';

export const SNAP_DIR = 'snap';
export const SIGNING_KEY_FILE = 'signing-key.pem';
export const FINGERPRINT_KEY_FILE = 'fingerprint.key';
export const ALLOWED_SIGNERS_PATH = '.snap/allowed_signers';
/** Files at the root of every version that belong to the user: taken from the working tree. */
export const USER_FILES = [CONFIG_FILE, 'README.md', 'RECOVERY.md', '.gitattributes', ALLOWED_SIGNERS_PATH];

export class Archive {
  readonly repo: GitRepo;

  private constructor(readonly dir: string) {
    this.repo = new GitRepo(join(dir, '.git'));
  }

  get gitdir(): string {
    return this.repo.gitdir;
  }

  /** .git/snap: keys and lock; never part of any version. */
  get privateDir(): string {
    return join(this.gitdir, SNAP_DIR);
  }

  get configPath(): string {
    return join(this.dir, CONFIG_FILE);
  }

  get lockPath(): string {
    return join(this.privateDir, 'lock');
  }

  static isArchive(dir: string): boolean {
    return existsSync(join(dir, '.git', 'HEAD')) && existsSync(join(dir, CONFIG_FILE));
  }

  /** The archive at `start` or the nearest folder above it. */
  static open(start: string): Archive {
    let dir = resolve(start);
    for (;;) {
      if (Archive.isArchive(dir)) return new Archive(dir);
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
    throw new SnapError('NOT_AN_ARCHIVE', `not a snap archive: ${resolve(start)} (nor any folder above it holds .git and ${CONFIG_FILE}); create one with \`snap init\``, { dir: resolve(start) });
  }

  static at(dir: string): Archive {
    return new Archive(resolve(dir));
  }

  loadConfig(): Promise<SnapConfig> {
    return loadConfig(this.configPath);
  }

  openStore(config: SnapConfig): FsContentStore {
    const root = isAbsolute(config.store.path) ? config.store.path : join(this.dir, config.store.path);
    return new FsContentStore({ root, fsync: config.store.fsync });
  }

  async signingKey(): Promise<SigningKey> {
    const path = join(this.privateDir, SIGNING_KEY_FILE);
    let pem: string;
    try {
      pem = await readFile(path, 'utf8');
    } catch {
      throw new SnapError('SIGNING', `this archive has no signing key (${path}); versions can be read and verified here, but not written`, { path });
    }
    return loadSigningKey(pem);
  }

  async fingerprinter(): Promise<Fingerprinter> {
    const path = join(this.privateDir, FINGERPRINT_KEY_FILE);
    let key: Buffer;
    try {
      key = await readFile(path);
    } catch {
      throw new SnapError('SIGNING', `this archive has no fingerprint key (${path}); it is made by \`snap init\``, { path });
    }
    return makeFingerprinter(key);
  }

  /** The trusted signers: the archive's allowed-signers file as stock git is told to use it. */
  async allowedSigners(): Promise<AllowedSigner[]> {
    try {
      return parseAllowedSigners(await readFile(join(this.dir, ALLOWED_SIGNERS_PATH), 'utf8'));
    } catch {
      return [];
    }
  }

  /** Points stock git at the allowed-signers file (kept absolute: git resolves it from the cwd). */
  async configureGitVerification(): Promise<void> {
    await this.repo.writeConfigValue('gpg', 'format', 'ssh');
    await this.repo.writeConfigValue('gpg.ssh', 'allowedSignersFile', join(this.dir, ALLOWED_SIGNERS_PATH));
  }

  async identity(config: SnapConfig | null): Promise<{ name: string; email: string }> {
    if (config?.identity) return config.identity;
    const fromGit = await readGlobalGitIdentity();
    if (fromGit) return fromGit;
    let user = 'snap';
    try {
      user = userInfo().username || user;
    } catch {
      /* no passwd entry in some containers */
    }
    return { name: `snap (${user})`, email: `${user}@${hostname() || 'localhost'}` };
  }
}

async function readGlobalGitIdentity(): Promise<{ name: string; email: string } | null> {
  const files = [process.env.GIT_CONFIG_GLOBAL, join(homedir(), '.gitconfig'), join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'git', 'config')];
  for (const file of files) {
    if (!file) continue;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      continue;
    }
    let section = '';
    let name = '';
    let email = '';
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      const sec = /^\[([^\]\s"]+)/.exec(line);
      if (sec) section = sec[1]!.toLowerCase();
      else if (section === 'user') {
        const kv = /^(name|email)\s*=\s*(.*)$/i.exec(line);
        if (kv) (kv[1]!.toLowerCase() === 'name' ? (name = kv[2]!.replace(/^"|"$/g, '')) : (email = kv[2]!.replace(/^"|"$/g, '')));
      }
    }
    if (name && email) return { name, email };
  }
  return null;
}
