// Forgery cases through the built CLI and stock git. Trust is rooted in .git/snap (recorded by
// snap init), and a change to the signers counts only in a version signed by a key trusted
// before it. So: an outsider's key in a version's .snap/allowed_signers, signed with that key;
// the key appended to the working-tree file; a tag re-signed by an outsider, or altered after
// signing; a key used before it was added: all reported as tampering by `snap verify` and
// `snap log`, naming the key and the version. What stock `git verify-tag` says is stated in
// each case: git is pointed at the trusted copy (.git/snap/allowed_signers, each key with the
// window it was trusted in), so it agrees except where only the order of versions can tell.
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DeleteObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { makeArchive } from '../helpers/archive.js';
import { archiveWithTools } from '../helpers/cli-archive.js';
import { snapCli } from '../helpers/cli.js';
import { useMoto } from '../helpers/moto.js';
import { createBucket, put } from '../helpers/s3-seed.js';

function keygen(path: string, comment: string): string {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path]);
  return readFileSync(`${path}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
}

function fingerprint(pubPath: string): string {
  return execFileSync('ssh-keygen', ['-l', '-f', pubPath], { encoding: 'utf8' }).split(/\s+/)[1]!;
}

/** Signs a tag with stock git and the given key (as an attacker, or a teammate, would). */
function signTag(dir: string, key: string, email: string, name: string, target: string, force = false): void {
  execFileSync('git', ['-c', 'gpg.format=ssh', '-c', `user.signingkey=${key}`, '-c', 'user.name=someone', '-c', `user.email=${email}`, 'tag', ...(force ? ['-f'] : []), '-s', '-m', `${name}: routine snapshot`, name, target], { cwd: dir, stdio: 'ignore' });
}

function gitVerifies(dir: string, tag: string): boolean {
  return spawnSync('git', ['verify-tag', tag], { cwd: dir }).status === 0;
}

function verifyJson(dir: string): { ok: boolean; versions: { version: string; ok: boolean; problems: { kind: string; detail: string }[] }[] } {
  return JSON.parse(snapCli(dir, ['verify', '--all', '--json']).stdout);
}

const problemsOf = (dir: string, version: string) => verifyJson(dir).versions.find((v) => v.version === version)!.problems;

function nextCommit(base: string, dir: string, version: string): void {
  appendFileSync(join(base, 'tools', 'release.py'), `# ${version}\n`);
  const r = snapCli(dir, ['commit', version]);
  expect(r.code, r.stderr).toBe(0);
}

describe('forged versions', () => {
  it('a version that adds an outsider key to its .snap/allowed_signers and is signed by it', () => {
    const { base, dir } = archiveWithTools();
    const outsider = keygen(join(base, 'outsider'), 'attacker');
    const fp = fingerprint(join(base, 'outsider.pub'));
    appendFileSync(join(dir, '.snap/allowed_signers'), `attacker@evil.example namespaces="git" ${outsider}\n`);
    execFileSync('git', ['-c', 'user.name=x', '-c', 'user.email=attacker@evil.example', 'commit', '-qam', 'v1.1: routine'], { cwd: dir });
    signTag(dir, join(base, 'outsider'), 'attacker@evil.example', 'v1.1', 'main');

    const problems = problemsOf(dir, 'v1.1');
    expect(problems).toContainEqual({ kind: 'signature', where: 'refs/tags/v1.1', detail: expect.stringContaining(`not a trusted signer (${fp}) at v1.1: tampering`) });
    expect(problems).toContainEqual({ kind: 'signers', where: 'refs/tags/v1.1', detail: expect.stringContaining(`v1.1 changes the trusted signers (adds attacker@evil.example ${fp}) but is not signed by a key trusted before it: tampering`) });
    expect(snapCli(dir, ['verify', '--all']).code).toBe(1);
    expect(snapCli(dir, ['log']).stdout).toMatch(new RegExp(`v1\\.1 .*TAMPERED: signed by untrusted key ${fp.replace(/[+/]/g, '\\$&')}; changes the signers`));
    expect(JSON.parse(snapCli(dir, ['log', '--json']).stdout.split('\n')[0]!)).toMatchObject({ name: 'v1.1', signature: 'untrusted-key', signer: null });
    // Stock git, pointed at the trusted copy, agrees: no principal matches the outsider's key.
    expect(gitVerifies(dir, 'v1.1')).toBe(false);
    // (Pointed at the tree's own file, as archives were before, git would accept the forgery:
    // that file is why git must never be given the published copy.)
    expect(spawnSync('git', ['-c', `gpg.ssh.allowedSignersFile=${join(dir, '.snap/allowed_signers')}`, 'verify-tag', 'v1.1'], { cwd: dir }).status).toBe(0);

    // A commit refuses to build on it (nothing runs); told --untrusted, the next legitimate
    // commit does not seal the outsider's line in, and restores the working tree's copy.
    const refused = snapCli(dir, ['commit', 'v1.2']);
    expect([refused.code, refused.stderr]).toEqual([2, expect.stringMatching(/^snap: v1\.1 is not sealed by a trusted signer: .*to build on it anyway, add --untrusted\n$/)]);
    expect(execFileSync('git', ['tag', '--list', 'v1.2'], { cwd: dir, encoding: 'utf8' })).toBe('');
    appendFileSync(join(base, 'tools', 'release.py'), '# v1.2\n');
    const forced = snapCli(dir, ['commit', 'v1.2', '--untrusted']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toMatch(/warning: v1\.1 is not sealed by a trusted signer .*building on it anyway \(--untrusted\)/);
    const sealed = execFileSync('git', ['show', 'v1.2:.snap/allowed_signers'], { cwd: dir, encoding: 'utf8' });
    expect(sealed).not.toContain(outsider.split(' ')[1]);
    expect(readFileSync(join(dir, '.snap/allowed_signers'), 'utf8')).toBe(sealed);
    const after = verifyJson(dir);
    expect(after.versions.filter((v) => !v.ok).map((v) => v.version)).toEqual(['v1.1']);
    expect(gitVerifies(dir, 'v1.2')).toBe(true);
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: dir, encoding: 'utf8' })).toBe('');
  }, 60_000);

  it('an outsider key appended to the working-tree file grants nothing, and is not sealed by the next commit', () => {
    const { base, dir } = archiveWithTools();
    const outsider = keygen(join(base, 'outsider'), 'attacker');
    appendFileSync(join(dir, '.snap/allowed_signers'), `attacker@evil.example namespaces="git" ${outsider}\n`);
    signTag(dir, join(base, 'outsider'), 'attacker@evil.example', 'v1.0-hotfix', 'main');
    const verify = snapCli(dir, ['verify', '--all']);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toMatch(/^BAD v1\.0-hotfix: /m);
    expect(verify.stdout).toMatch(/signature: refs\/tags\/v1\.0-hotfix: signed by a key that is not a trusted signer/);
    expect(verify.stderr).toMatch(/the working tree's \.snap\/allowed_signers lists attacker@evil\.example SHA256:\S+, not a trusted signer: that file is only a published copy and grants nothing/);
    expect(gitVerifies(dir, 'v1.0-hotfix')).toBe(false);

    const commit = snapCli(dir, ['commit', 'v1.1']);
    expect(commit.code).toBe(0);
    expect(commit.stderr).toMatch(/warning: the working tree's \.snap\/allowed_signers lists attacker@evil\.example/);
    expect(execFileSync('git', ['show', 'v1.1:.snap/allowed_signers'], { cwd: dir, encoding: 'utf8' })).not.toContain(outsider.split(' ')[1]);
    expect(readFileSync(join(dir, '.snap/allowed_signers'), 'utf8')).not.toContain(outsider.split(' ')[1]);
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: dir, encoding: 'utf8' })).toBe('');
    expect(verifyJson(dir).versions.filter((v) => !v.ok).map((v) => v.version)).toEqual(['v1.0-hotfix']);
  }, 60_000);

  it('a tag re-signed by an outsider, or altered after signing', () => {
    const { base, dir } = archiveWithTools();
    nextCommit(base, dir, 'v1.1');
    keygen(join(base, 'outsider'), 'attacker');
    signTag(dir, join(base, 'outsider'), 'attacker@evil.example', 'v1.0', 'v1.0^{commit}', true);
    expect(problemsOf(dir, 'v1.0')).toEqual([{ kind: 'signature', where: 'refs/tags/v1.0', detail: expect.stringContaining(`not a trusted signer (${fingerprint(join(base, 'outsider.pub'))}) at v1.0`) }]);
    expect(gitVerifies(dir, 'v1.0')).toBe(false);

    // v1.1's tag with its message changed and its signature kept.
    const raw = execFileSync('git', ['cat-file', 'tag', 'v1.1'], { cwd: dir, encoding: 'utf8' });
    const altered = raw.replace(/^v1\.1: .*$/m, 'v1.1: nothing changed, nothing to see');
    const oid = execFileSync('git', ['hash-object', '-t', 'tag', '-w', '--stdin'], { cwd: dir, input: altered, encoding: 'utf8' }).trim();
    execFileSync('git', ['update-ref', 'refs/tags/v1.1', oid], { cwd: dir });
    expect(problemsOf(dir, 'v1.1')).toContainEqual({ kind: 'signature', where: 'refs/tags/v1.1', detail: 'the signature does not match the tag: the tag was altered after signing' });
    expect(snapCli(dir, ['log']).stdout).toMatch(/v1\.1 .*TAMPERED: BAD SIGNATURE/);
    expect(gitVerifies(dir, 'v1.1')).toBe(false);
  }, 60_000);
});

describe('adding, removing and rotating signers', () => {
  it('takes effect only from the version that seals it, and stock git follows the windows', () => {
    const { base, dir } = archiveWithTools();
    const alice = keygen(join(base, 'alice'), 'alice');
    const aliceFp = fingerprint(join(base, 'alice.pub'));
    // A key is refused before it is added (and a malformed one at once, exit 2).
    signTag(dir, join(base, 'alice'), 'alice@example.com', 'v1.0-alice', 'v1.0^{commit}');
    expect(problemsOf(dir, 'v1.0-alice').map((p) => p.kind)).toEqual(['manifest', 'signature']);
    expect(snapCli(dir, ['signers', 'add', 'alice@example.com', 'ssh-ed25519 AAAAnotakey']).code).toBe(2);
    // An empty KEY (which names the current folder) and a folder: what KEY wants, exit 2.
    for (const [arg, why] of [['', 'KEY is empty'], [base, `KEY ${JSON.stringify(base)} is a folder, not a public key file`]] as const) {
      const r = snapCli(dir, ['signers', 'add', 'alice@example.com', arg]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toBe(`snap: snap signers add: ${why}; give the key line "ssh-ed25519 AAAA…" or a public key file such as ~/.ssh/id_ed25519.pub\n`);
    }

    const added = snapCli(dir, ['signers', 'add', 'alice@example.com', join(base, 'alice.pub')]);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain(`alice@example.com ${aliceFp} will be a trusted signer from the next version`);
    const pending = JSON.parse(snapCli(dir, ['signers', 'list', '--json']).stdout);
    expect(pending.pending).toMatchObject([{ action: 'add', signer: { principals: 'alice@example.com', publicKey: alice } }]);
    expect(problemsOf(dir, 'v1.0-alice').map((p) => p.kind)).toContain('signature'); // pending grants nothing yet
    nextCommit(base, dir, 'v1.1');
    expect(execFileSync('git', ['show', 'v1.1:.snap/allowed_signers'], { cwd: dir, encoding: 'utf8' })).toContain(`alice@example.com namespaces="git" ${alice}`);
    expect(snapCli(dir, ['log']).stdout).toMatch(/v1\.1 .*\(good\); signers \+alice@example\.com SHA256:/);

    // Alice's signature on a version after v1.1 verifies, in snap and in stock git.
    signTag(dir, join(base, 'alice'), 'alice@example.com', 'v1.1-alice', 'v1.1^{commit}');
    expect(problemsOf(dir, 'v1.1-alice').map((p) => p.kind)).toEqual(['manifest']); // its manifest names v1.1: only the name differs
    expect(gitVerifies(dir, 'v1.1-alice')).toBe(true);
    // Her tag on v1.0 made before she was trusted stays refused, by snap and by stock git (its
    // date is before her key's valid-after time).
    const early = problemsOf(dir, 'v1.0-alice').find((p) => p.kind === 'signature')!;
    expect(early.detail).toMatch(new RegExp(`not a trusted signer \\(${aliceFp.replace(/[+/]/g, '\\$&')}\\) at v1\\.0-alice \\(it became trusted only later: added as alice@example\\.com in v1\\.1\\)`));
    expect(gitVerifies(dir, 'v1.0-alice')).toBe(false);
    // One she signs now on v1.0's commit: snap, which follows the order of versions, refuses it
    // (she was not trusted before v1.0); stock git accepts it, as its date is after her key's
    // valid-after time and a date is all git can compare. This is where only snap can tell.
    signTag(dir, join(base, 'alice'), 'alice@example.com', 'v1.0-alice-late', 'v1.0^{commit}');
    expect(problemsOf(dir, 'v1.0-alice-late').map((p) => p.kind)).toContain('signature');
    expect(gitVerifies(dir, 'v1.0-alice-late')).toBe(true);

    // Removal: versions she signed before stay valid; none after.
    expect(snapCli(dir, ['signers', 'remove', 'alice@example.com']).code).toBe(0);
    nextCommit(base, dir, 'v1.2');
    execFileSync('sleep', ['1.1']); // a tag dated after the removal's valid-before second
    signTag(dir, join(base, 'alice'), 'alice@example.com', 'v1.2-alice', 'v1.2^{commit}');
    expect(problemsOf(dir, 'v1.2-alice').map((p) => p.kind)).toContain('signature');
    // Named as what it is: a key removed in v1.2, not one "trusted only later".
    const removed = problemsOf(dir, 'v1.2-alice').find((p) => p.kind === 'signature')!.detail;
    expect(removed).toMatch(new RegExp(`not a trusted signer \\(${aliceFp.replace(/[+/]/g, '\\$&')}\\) at v1\\.2-alice \\(it was removed in v1\\.2; trusted as alice@example\\.com from v1\\.1\\)`));
    expect(removed).not.toMatch(/only later/);
    expect(gitVerifies(dir, 'v1.2-alice')).toBe(false);
    expect(problemsOf(dir, 'v1.1-alice').map((p) => p.kind)).toEqual(['manifest']);
    expect(gitVerifies(dir, 'v1.1-alice')).toBe(true);

    // The archive's own key is rotated, not removed.
    const own = JSON.parse(snapCli(dir, ['signers', 'list', '--json']).stdout).trusted.find((t: { archiveKey: boolean }) => t.archiveKey);
    expect(snapCli(dir, ['signers', 'remove', own.fingerprint]).stderr).toMatch(/this archive's own signing key; to replace it, use `snap signers rotate`/);
    expect(snapCli(dir, ['signers', 'rotate']).code).toBe(0);
    nextCommit(base, dir, 'v1.3'); // signed by the old key, trusting the new one
    nextCommit(base, dir, 'v1.4'); // signed by the new key
    const after = JSON.parse(snapCli(dir, ['signers', 'list', '--json']).stdout);
    expect(after.trusted.find((t: { archiveKey: boolean }) => t.archiveKey).fingerprint).not.toBe(own.fingerprint);
    for (const v of ['v1.0', 'v1.1', 'v1.2', 'v1.3', 'v1.4']) {
      expect(verifyJson(dir).versions.find((x) => x.version === v)!.ok, v).toBe(true);
      expect(gitVerifies(dir, v), v).toBe(true);
    }
  }, 90_000);

  it('pending changes say what they do: a pending add removed is dropped, a key is never renamed in passing', () => {
    const { base, dir } = archiveWithTools();
    keygen(join(base, 'bob'), 'bob');
    keygen(join(base, 'alice'), 'alice');
    const pending = () => JSON.parse(snapCli(dir, ['signers', 'list', '--json']).stdout).pending as { action: string; signer?: { principals: string } }[];
    // Added, then removed before any commit: nothing is left pending (bob was never trusted).
    expect(snapCli(dir, ['signers', 'add', 'bob@example.com', join(base, 'bob.pub')]).code).toBe(0);
    const dropped = snapCli(dir, ['signers', 'remove', 'bob@example.com']);
    expect(dropped.code, dropped.stderr).toBe(0);
    expect(dropped.stdout).toMatch(/bob@example\.com SHA256:\S+ is no longer pending/);
    expect(pending()).toEqual([]);
    expect(snapCli(dir, ['signers']).stdout).not.toMatch(/Pending/);

    // The archive's own key under another name: refused, the trusted name kept.
    const own = JSON.parse(snapCli(dir, ['signers', 'list', '--json']).stdout).trusted.find((t: { archiveKey: boolean }) => t.archiveKey);
    const renamed = snapCli(dir, ['signers', 'add', 'maint2@example.com', own.publicKey]);
    expect(renamed.code).toBe(2);
    expect(renamed.stderr).toContain(`${own.fingerprint} is already trusted as ${own.principals} (this archive's own signing key)`);
    expect(pending()).toEqual([]);

    // A key pending under one name, added again under another: refused, with the way to do it.
    expect(snapCli(dir, ['signers', 'add', 'alice@example.com', join(base, 'alice.pub')]).code).toBe(0);
    const again = snapCli(dir, ['signers', 'add', 'alice2@example.com', join(base, 'alice.pub')]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/SHA256:\S+ is already pending as alice@example\.com; to add it as alice2@example\.com instead: snap signers remove alice@example\.com && snap signers add alice2@example\.com KEY/);
    expect(pending()).toMatchObject([{ action: 'add', signer: { principals: 'alice@example.com' } }]);
    nextCommit(base, dir, 'v1.1');
    // Trusted now: renaming is refused the same way, and says how.
    const trustedAgain = snapCli(dir, ['signers', 'add', 'alice2@example.com', join(base, 'alice.pub')]);
    expect(trustedAgain.code).toBe(2);
    expect(trustedAgain.stderr).toMatch(/is already trusted as alice@example\.com; to trust it as alice2@example\.com instead: snap signers remove alice@example\.com && snap signers add alice2@example\.com KEY/);
    // Removed, then added back before the commit: nothing is pending (she stays trusted).
    expect(snapCli(dir, ['signers', 'remove', 'alice@example.com']).code).toBe(0);
    expect(pending()).toMatchObject([{ action: 'remove' }]);
    expect(snapCli(dir, ['signers', 'add', 'alice@example.com', join(base, 'alice.pub')]).code).toBe(0);
    expect(pending()).toEqual([]);
  }, 60_000);

  it('an archive made before the trust record trusts its earliest version on first use, says so, and repoints git', () => {
    const { base, dir } = archiveWithTools();
    nextCommit(base, dir, 'v1.1');
    // As such an archive was: no record, git pointed (absolutely) at the working-tree file.
    unlinkSync(join(dir, '.git/snap/trust.json'));
    unlinkSync(join(dir, '.git/snap/allowed_signers'));
    execFileSync('git', ['config', 'gpg.ssh.allowedSignersFile', join(dir, '.snap/allowed_signers')], { cwd: dir });
    const log = snapCli(dir, ['log']);
    expect(log.code).toBe(0);
    expect(log.stderr).toMatch(/trusting on first use the signers of v1\.0, the earliest version: \S+ SHA256:\S+\. Recorded in .*trust\.json; check these fingerprints with your team/);
    expect(log.stderr).toMatch(/stock git now verifies tags against the trusted copy \.git\/snap\/allowed_signers/);
    expect(JSON.parse(readFileSync(join(dir, '.git/snap/trust.json'), 'utf8')).root).toMatchObject({ how: 'first-use', version: 'v1.0' });
    expect(execFileSync('git', ['config', 'gpg.ssh.allowedSignersFile'], { cwd: dir, encoding: 'utf8' }).trim()).toBe('.git/snap/allowed_signers');
    expect(snapCli(dir, ['log']).stderr).not.toMatch(/first use/); // said once, when recorded
    expect(snapCli(dir, ['verify', '--all']).code).toBe(0);

    // A fresh clone has no .git/snap: `snap signers` establishes trust there the same way.
    const clone = join(base, 'clone');
    execFileSync('git', ['clone', '-q', dir, clone]);
    expect(gitVerifies(clone, 'v1.0')).toBe(false); // git knows no signers yet
    const first = snapCli(clone, ['signers']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/trusting on first use the signers of v1\.0/);
    expect(first.stdout).toMatch(/trusted on first use/);
    for (const v of ['v1.0', 'v1.1']) expect(gitVerifies(clone, v), v).toBe(true);

    // The trusted copy is named relative to the archive: a moved archive still verifies.
    const moved = join(base, 'moved-estate');
    renameSync(dir, moved);
    for (const v of ['v1.0', 'v1.1']) expect(gitVerifies(moved, v), v).toBe(true);
    expect(snapCli(moved, ['verify', '--all']).code).toBe(0);
    writeFileSync(join(base, 'tools', 'release.py'), 'PRICE = 195\n');
    expect(snapCli(moved, ['commit', 'v1.2']).code).toBe(0);
  }, 60_000);
});

// A version that `snap verify` would not vouch for is never used in silence: the verbs that
// write to the estate refuse it before any request (unless told --untrusted), and the verbs
// that only read say so in one line on stderr and go on.
describe('a version whose seal does not hold', () => {
  const moto = useMoto();

  /** The forgery as an attacker with write access to the archive makes it: their key appended to the published file, signed by it. */
  function forge(base: string, dir: string, name: string): string {
    const outsider = keygen(join(base, 'outsider'), 'attacker');
    appendFileSync(join(dir, '.snap/allowed_signers'), `attacker@evil.example namespaces="git" ${outsider}\n`);
    execFileSync('git', ['add', '-A'], { cwd: dir });
    execFileSync('git', ['-c', 'user.name=x', '-c', 'user.email=attacker@evil.example', 'commit', '-qm', 'forged'], { cwd: dir });
    signTag(dir, join(base, 'outsider'), 'attacker@evil.example', name, 'main');
    return fingerprint(join(base, 'outsider.pub'));
  }

  it('restore and restore-test refuse it before any request, naming why and `snap verify`; --untrusted restores with a warning', async () => {
    const bucket = 'seal-site';
    const client = await createBucket(moto.endpoint, bucket, 'us-east-1');
    await put(client, bucket, 'index.html', '<h1>tickets $225</h1>\n');
    const archive = await makeArchive({ endpoint: moto.endpoint, regions: ['us-east-1'], collectors: { s3: {} } });
    const dir = archive.dir;
    const base = join(dir, '..');
    const commit = snapCli(dir, ['commit', 'v1.6']);
    expect(commit.code, commit.stderr).toBe(0);
    const fp = forge(base, dir, 'v1.7');
    expect(snapCli(dir, ['log']).stdout).toMatch(/^v1\.7 .*TAMPERED/m);
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'index.html' }));
    const gone = () => client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'index.html' })).then(() => false, () => true);

    const refused = snapCli(dir, ['restore', 'v1.7', `s3_buckets/${bucket}`, '--yes']);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toContain(`v1.7 is not sealed by a trusted signer: signed by a key that is not a trusted signer (${fp}) at v1.7`);
    expect(refused.stderr).toMatch(/nothing was changed; `snap verify v1\.7` shows why; to restore it anyway, add --untrusted/);
    expect(refused.stdout).toBe(''); // no plan: nothing was planned against the estate
    expect(await gone()).toBe(true);
    // Before any request: with an endpoint nothing listens on, the refusal is the same (planning would have failed on STS).
    for (const args of [['restore', 'v1.7', '--dry-run', '--endpoint', 'http://127.0.0.1:9'], ['restore-test', 'v1.7', '--endpoint', 'http://127.0.0.1:9']]) {
      const r = snapCli(dir, args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/v1\.7 is not sealed by a trusted signer: .*`snap verify v1\.7` shows why; to .* anyway, add --untrusted/);
    }
    // A sealed version restores as before, with no warning.
    const good = snapCli(dir, ['restore', 'v1.6', `s3_buckets/${bucket}`, '--dry-run']);
    expect(good.code, good.stderr).toBe(0);
    expect(good.stderr).not.toMatch(/trusted signer/);

    const forced = snapCli(dir, ['restore', 'v1.7', `s3_buckets/${bucket}`, '--yes', '--untrusted']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toMatch(/^warning: v1\.7 is not sealed by a trusted signer \(TAMPERED: signed by untrusted key .*\): restoring it anyway \(--untrusted\); `snap verify v1\.7` shows why$/m);
    expect(await gone()).toBe(false);
    for (const verb of ['restore', 'restore-test']) expect(snapCli(dir, [verb, '--help']).stdout).toMatch(/--untrusted/);
  }, 120_000);

  it('show, ls, cat, diff, export, checkout, runbook and status print one warning line and go on', () => {
    const { base, dir } = archiveWithTools();
    forge(base, dir, 'v1.7');
    // (The forged commit's manifest is v1.0's: it was made outside snap, on no version's snapshot.)
    const warning = /^warning: v1\.7 is not sealed by a trusted signer \(TAMPERED: signed by untrusted key SHA256:\S+; changes the signers; made on another version's commit\): `snap verify v1\.7` shows why$/m;
    const runs: [string[], number][] = [
      [['show', 'v1.7'], 0],
      [['show', 'latest', '--json'], 0],
      [['ls', 'v1.7'], 0],
      [['cat', 'v1.7', 'MANIFEST.md'], 0],
      [['diff', 'v1.0', 'v1.7'], 1],
      [['diff', 'v1.7', 'v1.0', '--stat'], 1],
      [['diff', 'v1.7', '--between', 'local_repos', 'local_repos'], 0],
      [['export', 'v1.7', '-o', join(base, 'v1.7.tar')], 0],
      [['checkout', 'v1.7', join(base, 'v1.7-out')], 0],
      [['runbook', 'v1.7'], 0],
      [['status'], 0],
    ];
    for (const [args, code] of runs) {
      const r = snapCli(dir, args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(code);
      expect(r.stderr.match(new RegExp(warning.source, 'gm')) ?? [], `${args.join(' ')}: ${r.stderr}`).toHaveLength(1);
      if (code === 1 || ['show', 'ls', 'cat', 'runbook'].includes(args[0]!)) expect(r.stdout.length, args.join(' ')).toBeGreaterThan(0); // scripts still get their output
    }
    // A sealed version reads without a word about trust.
    for (const args of [['show', 'v1.0'], ['ls', 'v1.0'], ['cat', 'v1.0', 'MANIFEST.md']]) expect(snapCli(dir, args).stderr, args.join(' ')).toBe('');
  }, 90_000);

  it('a tag re-filed under another name is reported by snap log as verify reports it, and is refused by restore', () => {
    const { base, dir } = archiveWithTools();
    nextCommit(base, dir, 'v1.1');
    execFileSync('git', ['tag', '-f', 'v1.43', 'v1.0'], { cwd: dir, stdio: 'ignore' }); // ref v1.43 → the tag object of v1.0
    expect(problemsOf(dir, 'v1.43')).toContainEqual({ kind: 'tag-mismatch', where: 'refs/tags/v1.43', detail: 'the tag object is version "v1.0", filed under "v1.43"' });
    const log = snapCli(dir, ['log']);
    expect(log.stdout).toMatch(/^v1\.43 .*TAMPERED: the tag object is version "v1\.0", filed under "v1\.43"/m);
    expect(log.stdout).not.toMatch(/^v1\.43 .*\(good\)/m);
    expect(log.stdout).toMatch(/^v1\.0 .*\(good\)/m);
    const json = snapCli(dir, ['log', '--json']).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(json.find((v) => v.name === 'v1.43')).toMatchObject({ signature: 'tag-mismatch' });
    expect(json.find((v) => v.name === 'v1.1')).toMatchObject({ signature: 'good' });
    const show = snapCli(dir, ['show', 'v1.43']);
    expect(show.code).toBe(0);
    expect(show.stderr).toMatch(/^warning: v1\.43 is not sealed by a trusted signer \(TAMPERED: the tag object is version "v1\.0", filed under "v1\.43"; made on another version's commit\): `snap verify v1\.43` shows why$/m);
    const restore = snapCli(dir, ['restore', 'v1.43', '--dry-run', '--endpoint', 'http://127.0.0.1:9']);
    expect(restore.code, restore.stderr).toBe(2);
    expect(restore.stderr).toMatch(/v1\.43 is not sealed by a trusted signer: the tag object is version "v1\.0", filed under "v1\.43"/);
    // A lightweight tag (made or moved outside snap) is not sealed either.
    execFileSync('git', ['tag', 'hotfix', 'v1.1^{commit}'], { cwd: dir });
    expect(snapCli(dir, ['log']).stdout).toMatch(/^hotfix .*NOT SIGNED/m);
    expect(snapCli(dir, ['show', 'hotfix']).stderr).toMatch(/^warning: hotfix is not sealed by a trusted signer \(NOT SIGNED; made on another version's commit\): `snap verify hotfix` shows why$/m);
  }, 60_000);
});
