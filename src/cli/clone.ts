// snap clone s3://BUCKET/PREFIX DIR
import { resolve } from 'node:path';
import { cloneFromVault } from '../vault/clone.js';
import { str, type Command } from './command.js';
import { paintErr } from './context.js';

export const cloneCommand: Command = {
  name: 'clone',
  summary: 'rebuild an archive on a new machine from its S3 vault alone',
  help: `usage: snap clone s3://BUCKET/PREFIX DIR [--region REGION] [--profile NAME]

Rebuilds the archive whose vault is s3://BUCKET/PREFIX into DIR, with only the vault's
credentials: the history from the git bundles in PREFIX/history/ (every version, its
signed tag, the notes), the working tree at the newest version, snap.config.json's store
pointing at the vault (so payloads are read from it on demand), the fingerprint key from
the vault, and the trusted signers from the history.

The signing key is never in the vault: a new one is made for this archive and trusted
(added to .snap/allowed_signers, which the next version records). To keep signing with the
old key instead, copy its signing-key.pem into DIR/.git/snap/ (README: recovery from
nothing). Then \`snap verify --all\` checks every version against what the vault recorded.

options:
  --region REGION   the vault bucket's region (default: asked of S3)
  --profile NAME    credentials profile for the vault (written to store.profile)

example:
  snap clone s3://acme-estate-vault/snap ~/estate-archive && cd ~/estate-archive && snap verify --all`,
  options: { region: { type: 'string' }, profile: { type: 'string' } },
  positionals: [2, 2],
  exitCodes: { 0: 'cloned', 2: 'bad input, DIR not empty, or an unusable vault; nothing was written', 3: 'cloned, but newer versions in the vault are not sealed by a trusted signer: named, kept as evidence, main is the newest sealed version' },
  async run(ctx, args) {
    const [url, dir] = args.positionals as [string, string];
    const region = str(args, 'region');
    const profile = str(args, 'profile');
    const r = await cloneFromVault(url, resolve(ctx.cwd, dir), { ...(region ? { region } : {}), ...(profile ? { profile } : {}), onStep: (m) => (ctx.quiet ? undefined : ctx.err(`${m}\n`)) });
    // Said even with -q: a version someone planted in the vault is what a person must hear of.
    for (const name of r.unsealed) ctx.err(`${paintErr(ctx, 'yellow', 'warning:')} ${name} in the vault is not sealed by a signer its history trusts: kept as evidence, not checked out (\`snap verify ${name}\` says why); main is ${r.latest}\n`);
    if (r.unsealed.length) {
      const newest = r.unsealed[0]!;
      ctx.err(`  A version planted in the vault looks like this; so does one signed by a key an earlier recovery made (trusted only on the machine that made it). If \`snap verify ${newest}\` names a key you know, continue from it: git update-ref refs/heads/main ${newest}^{commit} && git reset -q --hard main && snap commit --untrusted\n`);
    }
    const code = r.unsealed.length ? 3 : 0;
    if (ctx.quiet) return code;
    ctx.out(`Cloned ${r.url} (${r.region}) into ${r.dir}\n`);
    ctx.out(`  ${r.versions.length} version${r.versions.length === 1 ? '' : 's'} (${r.versions.join(', ')}), newest ${r.latest}, from ${r.bundles} bundle${r.bundles === 1 ? '' : 's'}; ${r.indexed.toLocaleString('en-US')} objects in the vault\n`);
    ctx.out(`  trusted signers from the history: ${r.trust.historic.map((s) => `${s.principal} ${s.fingerprint}`).join(', ') || 'none'}\n`);
    ctx.out(`  new signing key ${r.trust.added.fingerprint} (${r.trust.added.principal}), trusted here; to sign with the old key, copy its signing-key.pem into .git/snap/\n`);
    ctx.out(`  fingerprint key ${r.fingerprintKey === 'from the vault' ? 'restored from the vault' : 'NOT in the vault: a new one was made, so every archived secret will show as changed'}\n`);
    ctx.out(`Next: cd ${r.dir} && snap verify --all\n`);
    return code;
  },
};
