// snap verify [VERSION… | --all]
import { describeDrift, evaluateTrust, publishToGitQuietly, workingTreeDrift } from '../archive/trust.js';
import { checkVersionSpec, listVersions, resolveVersion } from '../archive/versions.js';
import { formatBytes, TerminalProgress } from '../util/log.js';
import { verifyVersions } from '../verify/verify.js';
import { checkVaultForReading, isVault } from '../vault/vault.js';
import { flag, type Command } from './command.js';
import { paint, paintErr } from './context.js';
import { corruptPayloadHint, missingStoreHint } from './store-hint.js';

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'prove versions are intact: signatures, git objects, payloads, manifest',
  help: `usage: snap verify [VERSION…] [--all] [--read-data] [--json]

Checks that a version is exactly what was sealed, and reports every problem found:
  - the tag's signature against the signers trusted before the version: those recorded
    outside the working tree in .git/snap/trust.json, as changed since by versions signed
    by a key trusted before them (\`snap signers\`). A version signed by any other key, or
    one that changes the signers without such a signature, is reported as tampering with
    the key and the version named. The working tree's .snap/allowed_signers is only a
    published copy and is never trusted;
  - that the tag was not moved or re-filed;
  - every git object the version reaches re-hashes to its id;
  - every payload its pointers name is in the content store, with the right size and
    sha256: re-hashed in a local store; in an S3 vault, compared with the SHA256 S3
    recorded for it, without downloading (--read-data downloads and re-hashes); with
    Object Lock, a payload whose retention ends within the margin is reported;
  - the manifest's counts agree with the tree.
With --all, every commit on main's history without a tag is either a version forgotten by
policy (\`snap forget\` filed a signed record of it: listed as forgotten) or a problem: its
tag was deleted some other way, or its record does not verify.
Without arguments the latest version is verified; --all verifies every version (each
payload is re-hashed once). Exit code 0 when everything is intact, 1 when any problem
was found.

options:
  --all        verify every version
  --read-data  in a vault: download every payload and re-hash it (as restic check --read-data)
  --json       {"ok": bool, "versions": [{"version", "ok", "signer", "files", "payloads",
               "payloadBytes", "problems": [{"kind", "where", "detail"}], "notes", and for
               a version forgotten by policy "forgotten": {"by", "signer", "at", "rule",
               "taken"}}]}
               kind: signature, signers, tag-mismatch, not-on-main, git-object,
               bad-pointer, missing-payload, corrupt-payload, manifest, tag-deleted,
               forget-record, …

examples:
  snap verify v1.1
  snap verify --all --json | jq '.versions[] | select(.ok | not)'`,
  options: { all: { type: 'boolean' }, 'read-data': { type: 'boolean' }, json: { type: 'boolean' } },
  positionals: [0, Infinity],
  exitCodes: { 0: 'every version checked is intact', 1: 'a problem was found (every one is listed)' },
  async run(ctx, args) {
    for (const n of args.positionals) checkVersionSpec(n);
    const archive = ctx.archive();
    const config = await archive.loadConfig();
    const names = flag(args, 'all') ? 'all' : await Promise.all((args.positionals.length ? args.positionals : ['latest']).map(async (n) => (await resolveVersion(archive.repo, n)).name));
    const warn = (m: string) => ctx.err(`${paint(ctx, 'yellow', 'warning:')} ${m}\n`);
    const chain = await evaluateTrust(archive, { notify: warn, versions: await listVersions(archive.repo).catch(() => undefined) });
    await publishToGitQuietly(archive, chain, warn);
    const drift = await workingTreeDrift(archive, chain.current);
    if (drift) warn(describeDrift(drift));
    // A terminal shows what is being checked, with counts and time left; elsewhere stderr stays quiet.
    const progress = ctx.progress();
    const store = archive.openStore(config);
    let verdicts;
    try {
      await checkVaultForReading(store, config);
      const policy = isVault(store) ? store.retention : null;
      verdicts = await verifyVersions(archive, store, names, {
        chain,
        readData: flag(args, 'read-data'),
        ...(policy ? { retainAtLeastUntil: new Date(Date.now() + policy.marginDays * 86_400_000) } : {}),
        ...(isVault(store) ? { concurrency: 32 } : {}),
        ...(progress instanceof TerminalProgress ? { progress } : {}),
      });
    } finally {
      progress.stop();
      store.close?.();
    }
    const ok = verdicts.every((v) => v.ok);
    const hint = verdicts.some((v) => v.problems.some((p) => p.kind === 'missing-payload')) ? missingStoreHint(archive, store) : null;
    if (hint) ctx.err(`${paintErr(ctx, 'yellow', 'hint:')} ${hint}\n`);
    const corrupt = verdicts.flatMap((v) => v.problems.filter((p) => p.kind === 'corrupt-payload').map((p) => /^sha256:([0-9a-f]{64})/.exec(p.detail)?.[1] ?? ''));
    const repair = corruptPayloadHint(archive, store, corrupt.filter(Boolean));
    if (repair) ctx.err(`${paintErr(ctx, 'yellow', 'hint:')} ${repair}\n`);
    if (flag(args, 'json')) {
      ctx.out(`${JSON.stringify({ ok, versions: verdicts }, null, 2)}\n`);
      return ok ? 0 : 1;
    }
    for (const v of verdicts) {
      if (v.forgotten) {
        ctx.out(`${paint(ctx, 'dim', 'forgotten')} ${v.version}: by policy (${v.forgotten.rule}) on ${v.forgotten.at.slice(0, 10)} by ${v.forgotten.by.replace(/ <[^>]*>$/, '')}; record signed by ${v.forgotten.signer}\n`);
        continue;
      }
      const what = `${v.files} files, ${v.payloads} payloads (${formatBytes(v.payloadBytes)})${v.payloadsBySizeOnly ? `, ${v.payloadsBySizeOnly} uploaded in parts compared by size only (--read-data re-hashes them)` : ''}`;
      if (v.ok) {
        if (!ctx.quiet) ctx.out(`${paint(ctx, 'green', 'ok')}  ${v.version}: signed by ${v.signer}; ${what} checked${v.notes.map((n) => `; ${n}`).join('')}\n`);
      } else {
        ctx.out(`${paint(ctx, 'red', 'BAD')} ${v.version}: ${v.problems.length} problem${v.problems.length > 1 ? 's' : ''} (${what})\n`);
        for (const p of v.problems) ctx.out(`      ${p.kind}: ${p.where}: ${p.detail}\n`);
      }
    }
    if (verdicts.length === 0) ctx.err('no versions to verify\n');
    return ok ? 0 : 1;
  },
};
