// snap init [DIR] [--store s3://BUCKET/PREFIX …]
import { resolve } from 'node:path';
import { assertNewArchiveDir, defaultConfig, initArchive } from '../archive/init.js';
import { keyFingerprint } from '../git/ssh-signature.js';
import { join } from 'node:path';
import { Archive } from '../archive/archive.js';
import { parseConfig } from '../config/load.js';
import { SnapError, UsageError } from '../errors.js';
import { openVault } from '../store/open-store.js';
import { parseObjectLockFlag } from '../store/retention.js';
import { parseVaultUrl } from '../store/vault-url.js';
import { checkVaultForWriting, discoverBucketRegion, ensureFingerprintKey, holdsHistory, isVault } from '../vault/vault.js';
import { str, type Command } from './command.js';

export const initCommand: Command = {
  name: 'init',
  summary: 'create a new archive (git repository, config, signing key)',
  help: `usage: snap init [DIR] [--region REGION] [--store s3://BUCKET/PREFIX [--store-region REGION]
                 [--store-profile NAME] [--object-lock governance|compliance:DAYS]]

Creates a snap archive in DIR (default: the current folder): a git repository on branch
main, snap.config.json collecting every supported service, README.md, RECOVERY.md,
.gitattributes, and a new ed25519 signing key kept in .git/snap (never committed). That key
is recorded as the archive's one trusted signer in .git/snap/trust.json, outside any
version; others are added with \`snap signers add\`. Stock git is set up to verify the
archive's signed tags (git verify-tag) against .git/snap/allowed_signers. DIR may be new,
empty, or hold files of your own: those are kept as they are (none is overwritten) and
become part of the archive's tree. A folder that is already a git repository, or inside a
snap archive, is refused: the archive is a repository of its own.

With --store, payloads go to an S3 vault (ideally in another account, with Object Lock):
S3 copies estate objects into it itself, and the vault alone is enough to rebuild the
archive on a new machine (\`snap clone\`). The vault is checked first (bucket, region,
Object Lock, write permission); nothing is created when it cannot be used.

options:
  --region REGION          home AWS region written into the config (default: $AWS_REGION or us-east-1)
  --store URL              the vault, s3://BUCKET/PREFIX (config: store.url)
  --store-region REGION    the vault bucket's region (default: asked of S3)
  --store-profile NAME     credentials profile for the vault (default: the estate's)
  --object-lock MODE:DAYS  write every vault object with Object Lock retention, kept ahead
                           of need (governance:30, compliance:365; config: store.objectLock)

examples:
  snap init ~/estate-archive && cd ~/estate-archive && snap commit v1.0
  snap init ~/estate-archive --store s3://acme-estate-vault/snap --object-lock governance:30`,
  options: { region: { type: 'string' }, store: { type: 'string' }, 'store-region': { type: 'string' }, 'store-profile': { type: 'string' }, 'object-lock': { type: 'string' } },
  positionals: [0, 1],
  exitCodes: { 0: 'created', 2: 'bad input, an unusable vault, or inside an archive; nothing was created' },
  async run(ctx, args) {
    const target = resolve(ctx.cwd, args.positionals[0] ?? '.');
    const region = str(args, 'region');
    const url = str(args, 'store');
    if (!url && (str(args, 'store-region') || str(args, 'store-profile') || str(args, 'object-lock'))) throw new UsageError('--store-region, --store-profile and --object-lock describe a vault: give --store s3://BUCKET/PREFIX too');
    let store: Record<string, unknown> | undefined;
    assertNewArchiveDir(target);
    if (url) store = await checkedVaultSection(target, region, url, str(args, 'store-region'), str(args, 'store-profile'), str(args, 'object-lock'));
    const result = await initArchive(target, { region, ...(store ? { store } : {}) });
    // -q prints nothing on success; the vault is set up all the same.
    const say = (text: string) => (ctx.quiet ? undefined : ctx.out(text));
    say(`Created snap archive in ${result.dir}\n`);
    say(`  signing key ${keyFingerprint(result.publicKey)} (${result.signer}), private part in .git/snap/; the one trusted signer\n`);
    say(`  config      ${join(result.dir, 'snap.config.json')}\n`);
    if (url) {
      const archive = Archive.at(result.dir);
      const config = await archive.loadConfig();
      const vault = archive.openStore(config);
      try {
        if (!isVault(vault)) throw new SnapError('CONFIG_INVALID', 'store.url did not open a vault', {});
        await vault.rebuildIndex();
        await ensureFingerprintKey(archive, vault);
        await vault.index.save();
        const lock = config.store.objectLock;
        say(`  vault       ${vault.url} (${vault.region})${lock ? `, Object Lock ${lock.mode} ${lock.days} days` : ''}\n`);
      } finally {
        vault.close?.();
      }
    }
    say(`Next: review snap.config.json, then run \`snap commit v1.0\` in that folder.\n`);
    return 0;
  },
};

/** The config's store section for a vault, after checking the vault can be used (nothing is created before). */
async function checkedVaultSection(target: string, region: string | undefined, url: string, storeRegion: string | undefined, profile: string | undefined, objectLock: string | undefined): Promise<Record<string, unknown>> {
  const location = parseVaultUrl(url);
  const section: Record<string, unknown> = { url, ...(storeRegion ? { region: storeRegion } : {}), ...(profile ? { profile } : {}), ...(objectLock ? { objectLock: parseObjectLockFlag(objectLock) } : {}) };
  const homeRegion = region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  let config = parseConfig(defaultConfig(homeRegion, section));
  if (!storeRegion) {
    const probe = openVault(config, { privateDir: join(target, '.git', 'snap'), cache: null });
    try {
      const found = await discoverBucketRegion(probe.client, location.bucket);
      if (found) section.region = found;
    } finally {
      probe.close();
    }
    config = parseConfig(defaultConfig(homeRegion, section));
  }
  const vault = openVault(config, { privateDir: join(target, '.git', 'snap'), cache: null });
  try {
    await checkVaultForWriting(vault, config);
    if (await holdsHistory(vault)) throw new SnapError('VAULT_UNUSABLE', `${url} already holds an archive's history: recover that archive with \`snap clone ${url} DIR\`, or choose another prefix for a new one`, { url });
  } finally {
    vault.close();
  }
  return section;
}
