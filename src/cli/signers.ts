// snap signers [list] · snap signers add PRINCIPAL KEY · snap signers remove WHO · snap signers rotate
// The supported way to change who may sign versions: each change waits in .git/snap/trust.json
// and is sealed into the next version, which the archive's own (already trusted) key signs.
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SIGNING_KEY_FILE } from '../archive/archive.js';
import { acquireArchiveLock } from '../archive/lock.js';
import {
  addPendingSigner,
  describeDrift,
  describeSigner,
  dropGrant,
  evaluateTrust,
  NEXT_KEY_FILE,
  publishToGitQuietly,
  recordPendingChanges,
  removePendingSigner,
  sameKey,
  workingTreeDrift,
  type Signer,
  type TrustChain,
} from '../archive/trust.js';
import { UsageError, SnapError } from '../errors.js';
import { writeFileAtomic } from '../git/atomic-file.js';
import { generateSigningKey, keyFingerprint, loadSigningKey, normalizePublicKey } from '../git/ssh-signature.js';
import { flag, type Command } from './command.js';
import { paint, type CliContext } from './context.js';

function sinceWhen(chain: TrustChain, s: Signer): string {
  const grant = chain.grants.find((g) => sameKey(g.signer.publicKey, s.publicKey));
  for (const vt of [...chain.versions.values()].filter((v) => v.onMain && v.accepted).reverse()) {
    if (vt.change?.added.some((a) => sameKey(a.publicKey, s.publicKey))) return `since ${vt.version.name}`;
  }
  if (grant) return `trusted on this machine${grant.after ? ` after ${grant.after}` : ''} (${grant.by})`;
  return chain.root.how === 'init' ? 'since snap init' : `trusted on first use${chain.root.version ? ` (${chain.root.version})` : ''}${chain.root.how === 'clone' ? ' by snap clone' : ''}`;
}

async function ownKey(ctx: CliContext): Promise<string | null> {
  return (await ctx.archive().signingKey().catch(() => null))?.publicKey ?? null;
}

async function list(ctx: CliContext, json: boolean): Promise<number> {
  const archive = ctx.archive();
  const warn = (m: string) => ctx.err(`${paint(ctx, 'yellow', 'warning:')} ${m}\n`);
  const chain = await evaluateTrust(archive, { notify: warn });
  await publishToGitQuietly(archive, chain, warn);
  const own = await ownKey(ctx);
  const nextKey = await readFile(join(archive.privateDir, NEXT_KEY_FILE), 'utf8').catch(() => null);
  if (json) {
    const entry = (s: Signer) => ({ principals: s.principals, publicKey: s.publicKey, fingerprint: keyFingerprint(s.publicKey), archiveKey: own !== null && sameKey(s.publicKey, own) });
    ctx.out(`${JSON.stringify({ root: chain.root, trusted: chain.current.map((s) => ({ ...entry(s), since: sinceWhen(chain, s) })), pending: chain.pending, grants: chain.grants, next: chain.next.map(entry), rotationPending: nextKey !== null }, null, 2)}\n`);
    return 0;
  }
  const root = chain.root.how === 'init' ? `recorded by snap init, ${chain.root.recordedAt.slice(0, 10)}` : `trusted on first use of ${chain.root.version ?? 'the first commit'}'s signers${chain.root.how === 'clone' ? ' by snap clone' : ''}, ${chain.root.recordedAt.slice(0, 10)}`;
  ctx.out(`${paint(ctx, 'bold', 'Trusted signers')} (root of trust in .git/snap/trust.json: ${root})\n`);
  for (const s of chain.current) ctx.out(`  ${describeSigner(s).padEnd(70)} ${sinceWhen(chain, s)}${own && sameKey(s.publicKey, own) ? ', this archive\'s signing key' : ''}\n`);
  if (chain.current.length === 0) ctx.out('  none: no version can verify\n');
  if (chain.pending.length) {
    ctx.out(`${paint(ctx, 'bold', 'Pending')} (sealed into the next version by \`snap commit\`):\n`);
    for (const p of chain.pending) ctx.out(`  ${p.action === 'add' ? `+ ${describeSigner(p.signer)}` : `- ${keyFingerprint(p.publicKey)}`}\n`);
  }
  if (nextKey !== null) ctx.out('A signing-key rotation is pending: the next version is signed with the current key and trusts the new one; versions after it are signed with the new key.\n');
  const drift = await workingTreeDrift(archive, chain.current);
  if (drift) warn(describeDrift(drift));
  return 0;
}

/** A confirmation: not printed with -q (nothing on success but what was asked for). */
function say(ctx: CliContext, text: string): void {
  if (!ctx.quiet) ctx.out(text);
}

async function readKeyArgument(ctx: CliContext, arg: string): Promise<string> {
  const wants = 'give the key line "ssh-ed25519 AAAA…" or a public key file such as ~/.ssh/id_ed25519.pub';
  if (!arg.trim()) throw new UsageError(`snap signers add: KEY is empty; ${wants}`);
  let text = arg;
  const path = resolve(ctx.cwd, arg);
  if (!/^(ssh-|ecdsa-|sk-)/.test(arg) && existsSync(path)) {
    if (statSync(path).isDirectory()) throw new UsageError(`snap signers add: KEY ${JSON.stringify(arg.slice(0, 200))} is a folder, not a public key file; ${wants}`);
    text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new UsageError(`snap signers add: cannot read the public key file ${JSON.stringify(arg.slice(0, 200))} (${err.code ?? err.message}); ${wants}`);
    });
  }
  const key = normalizePublicKey(text);
  if (!key) throw new UsageError(`snap signers add: ${JSON.stringify(arg.slice(0, 80))} is not an SSH public key (give the key line "ssh-ed25519 AAAA…" or a .pub file)`);
  if (!key.startsWith('ssh-ed25519 ')) throw new UsageError(`snap signers add: ${key.split(' ')[0]} keys are not supported; snap signs and verifies ed25519 keys (ssh-keygen -t ed25519)`);
  return key;
}

async function underLock<T>(ctx: CliContext, command: string, work: () => Promise<T>): Promise<T> {
  const archive = ctx.archive();
  const lock = await acquireArchiveLock(archive.lockPath, command);
  try {
    return await work();
  } finally {
    await lock.release();
  }
}

async function add(ctx: CliContext, principal: string, keyArg: string): Promise<number> {
  if (!/^[^\s"]+$/.test(principal)) throw new UsageError(`snap signers add: the principal ${JSON.stringify(principal)} must be one word (an e-mail address, as git's user.email)`);
  const key = await readKeyArgument(ctx, keyArg);
  const archive = ctx.archive();
  const warn = (m: string) => ctx.err(`${paint(ctx, 'yellow', 'warning:')} ${m}\n`);
  return underLock(ctx, 'snap signers add', async () => {
    const before = await evaluateTrust(archive, { notify: warn });
    if (before.next.some((s) => sameKey(s.publicKey, key) && s.principals === principal)) {
      ctx.err(`${principal} ${keyFingerprint(key)} is already ${before.current.some((s) => sameKey(s.publicKey, key)) ? 'trusted' : 'pending'}; nothing to do\n`);
      return 0;
    }
    await addPendingSigner(archive, { principals: principal, publicKey: key }, warn);
    if (before.current.some((s) => sameKey(s.publicKey, key))) say(ctx, `${principal} ${keyFingerprint(key)} stays a trusted signer: its pending removal is dropped\n`);
    else say(ctx, `${principal} ${keyFingerprint(key)} will be a trusted signer from the next version: \`snap commit\` seals the change, signed by this archive's key\n`);
    return 0;
  });
}

function matchSigners(signers: Signer[], who: string): Signer[] {
  const key = normalizePublicKey(who);
  return signers.filter((s) => (key ? sameKey(s.publicKey, key) : keyFingerprint(s.publicKey) === who || s.principals.split(',').includes(who)));
}

async function remove(ctx: CliContext, who: string): Promise<number> {
  const archive = ctx.archive();
  const warn = (m: string) => ctx.err(`${paint(ctx, 'yellow', 'warning:')} ${m}\n`);
  return underLock(ctx, 'snap signers remove', async () => {
    const chain = await evaluateTrust(archive, { notify: warn });
    const found = matchSigners(chain.next, who);
    if (found.length === 0) throw new UsageError(`snap signers remove: no trusted or pending signer matches ${JSON.stringify(who)} (see \`snap signers list\`)`);
    if (found.length > 1) throw new UsageError(`snap signers remove: ${JSON.stringify(who)} matches ${found.length} signers (${found.map(describeSigner).join(', ')}); name one by its fingerprint`);
    const target = found[0]!;
    const own = await ownKey(ctx);
    if (own && sameKey(own, target.publicKey)) throw new UsageError(`snap signers remove: ${describeSigner(target)} is this archive's own signing key; to replace it, use \`snap signers rotate\``);
    if (chain.next.length === 1) throw new UsageError('snap signers remove: that is the last trusted signer; no version could be verified after it');
    // Trusted by this machine's own grant (snap clone) and not used since: the grant is withdrawn.
    const grant = chain.grants.find((g) => sameKey(g.signer.publicKey, target.publicKey));
    const newest = [...chain.versions.values()].filter((v) => v.onMain).pop()?.version.name ?? null;
    if (grant && grant.after === newest) {
      await dropGrant(archive, target.publicKey, warn);
      say(ctx, `${describeSigner(target)} is no longer trusted on this machine (it had signed no version)\n`);
      return 0;
    }
    await removePendingSigner(archive, target.publicKey, warn);
    say(ctx, `${describeSigner(target)} ${chain.current.some((s) => sameKey(s.publicKey, target.publicKey)) ? 'will no longer be trusted from the next version: `snap commit` seals the change (versions it signed before stay valid)' : 'is no longer pending'}\n`);
    return 0;
  });
}

async function rotate(ctx: CliContext): Promise<number> {
  const archive = ctx.archive();
  const warn = (m: string) => ctx.err(`${paint(ctx, 'yellow', 'warning:')} ${m}\n`);
  return underLock(ctx, 'snap signers rotate', async () => {
    const nextPath = join(archive.privateDir, NEXT_KEY_FILE);
    const current = await archive.signingKey().catch(() => null);
    const who = await archive.identity(await archive.loadConfig().catch(() => null));
    if (!current) {
      const fresh = generateSigningKey();
      await writeFileAtomic(join(archive.privateDir, SIGNING_KEY_FILE), fresh.privatePem, { mode: 0o600, fsync: true });
      ctx.out(`This archive had no signing key; it has one now: ${keyFingerprint(fresh.publicKey)}. It signs nothing that verifies until a trusted signer, in an archive that has a trusted key, runs:\n  snap signers add ${who.email} '${fresh.publicKey}' && snap commit\n`);
      return 0;
    }
    const chain = await evaluateTrust(archive, { notify: warn });
    // A next key already made: pending (refuse), or left by a rotate that was stopped before it recorded the change (use it).
    let next = await readFile(nextPath, 'utf8').then((pem) => loadSigningKey(pem), () => null).catch(() => null);
    if (next && chain.pending.some((p) => p.action === 'add' && sameKey(p.signer.publicKey, next!.publicKey))) throw new SnapError('USAGE', 'a signing-key rotation is already pending: run `snap commit` to seal it', {});
    if (!next) {
      const fresh = generateSigningKey();
      await writeFileAtomic(nextPath, fresh.privatePem, { mode: 0o600, fsync: true });
      next = loadSigningKey(fresh.privatePem);
    }
    const principal = chain.current.find((s) => sameKey(s.publicKey, current.publicKey))?.principals ?? who.email;
    await recordPendingChanges(archive, [{ action: 'add', signer: { principals: principal, publicKey: next.publicKey, comment: 'snap-archive-key' } }, { action: 'remove', publicKey: current.publicKey }], warn);
    say(ctx, `New signing key ${keyFingerprint(next.publicKey)}. The next \`snap commit\` is signed with the current key ${keyFingerprint(current.publicKey)} and seals the change; versions after it are signed with the new key, and the current key is no longer trusted for them.\n`);
    return 0;
  });
}

export const signersCommand: Command = {
  name: 'signers',
  summary: 'list, add, remove or rotate the keys trusted to sign versions',
  help: `usage: snap signers [list] [--json]
       snap signers add PRINCIPAL KEY
       snap signers remove PRINCIPAL|FINGERPRINT|KEY
       snap signers rotate

Who may sign this archive's versions. Trust is rooted outside the working tree, in
.git/snap/trust.json: the archive's own key, recorded by snap init (an archive made before
snap kept this record trusts the signers of its earliest version on first use, and says so).
A change to the signers takes effect only in a version signed by a key trusted before it:
add, remove and rotate record the change as pending, and the next \`snap commit\` seals it
into the version it signs with the archive's (trusted) key. Editing .snap/allowed_signers
grants nothing: it is a published copy, replaced at each commit, and \`snap verify\` reports
a version signed by any other key, or changing the signers any other way, as tampering.

  list     the trusted signers (principal, fingerprint, since which version), pending
           changes, and whether a rotation is pending
  add      trust KEY (an ed25519 public key line "ssh-ed25519 AAAA…", or a .pub file) as
           PRINCIPAL (an e-mail address) from the next version on: a teammate's key, so
           tags they sign with stock git (gpg.format=ssh) verify
           (a key already trusted or pending under another name is refused: remove
           it first to rename it)
  remove   stop trusting a signer from the next version on (the versions it signed before
           stay valid); a signer only pending is simply dropped; not this archive's own
           key: rotate it instead
  rotate   make a new signing key for this archive: the next version is signed with the
           current key and trusts the new one instead; versions after it are signed with
           the new key

options:
  --json   (list) {"root", "trusted": [{principals, publicKey, fingerprint, archiveKey, since}],
           "pending", "next", "rotationPending"}

examples:
  snap signers
  snap signers add alice@example.com ~/.ssh/id_ed25519.pub && snap commit
  snap signers remove alice@example.com && snap commit
  snap signers rotate && snap commit`,
  options: { json: { type: 'boolean' } },
  positionals: [0, 3],
  exitCodes: { 0: 'listed, or the change recorded (sealed by the next snap commit)', 2: "bad input: not an ed25519 key, no such signer, the last signer, the archive's own key, or a key trusted or pending under another name; nothing was changed" },
  async run(ctx, args) {
    const [action = 'list', ...rest] = args.positionals;
    const want = (n: number, usage: string) => {
      if (rest.length !== n) throw new UsageError(`usage: snap signers ${usage}`);
    };
    switch (action) {
      case 'list':
        want(0, 'list [--json]');
        return list(ctx, flag(args, 'json'));
      case 'add':
        want(2, 'add PRINCIPAL KEY');
        return add(ctx, rest[0]!, rest[1]!);
      case 'remove':
        want(1, 'remove PRINCIPAL|FINGERPRINT|KEY');
        return remove(ctx, rest[0]!);
      case 'rotate':
        want(0, 'rotate');
        return rotate(ctx);
      default:
        throw new UsageError(`snap signers: unknown action ${JSON.stringify(action)} (list, add, remove, rotate; see \`snap signers --help\`)`);
    }
  },
};
