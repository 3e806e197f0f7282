// snap verify catches each kind of damage and names it: a flipped byte in a stored payload,
// a deleted payload, a pointer edited in a new commit, a moved tag, a tag re-filed under
// another name, a tag signed with an untrusted key, manifest counts that lie, a corrupt pack.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Archive as ArchiveClass, type Archive } from '../../src/archive/archive.js';
import { encodeCommit, encodeTagPayload, encodeTree, decodeTree } from '../../src/git/objects.js';
import { signSsh } from '../../src/git/ssh-signature.js';
import { verifyVersions, type VersionVerdict } from '../../src/verify/verify.js';
import { git, makeArchive, snapshot, tempDir } from '../helpers/archive.js';
import { snapCli } from '../helpers/cli.js';

async function setUp(): Promise<{ archive: Archive; folder: string }> {
  const folder = join(tempDir(), 'tools');
  mkdirSync(folder);
  writeFileSync(join(folder, 'a.bin'), Buffer.concat([Buffer.alloc(1500, 0), Buffer.alloc(1500, 1)]));
  writeFileSync(join(folder, 'b.bin'), Buffer.concat([Buffer.alloc(10, 0), Buffer.alloc(4990, 2)]));
  writeFileSync(join(folder, 'notes.txt'), 'notes\n');
  const archive = await makeArchive({ collectors: { local: { paths: [{ name: 'tools', path: folder }] } } });
  await snapshot(archive, 'v1.0');
  writeFileSync(join(folder, 'b.bin'), Buffer.concat([Buffer.alloc(10, 0), Buffer.alloc(4990, 3)]));
  await snapshot(archive, 'v1.1');
  return { archive, folder };
}

/** Verifies as a new `snap verify` process would: nothing cached from before the damage. */
async function verify(damaged: Archive, names: string[] | 'all' = 'all'): Promise<VersionVerdict[]> {
  const archive = ArchiveClass.at(damaged.dir);
  return verifyVersions(archive, archive.openStore(await archive.loadConfig()), names);
}

const problemsOf = (verdicts: VersionVerdict[], version: string) => verdicts.find((v) => v.version === version)!.problems;

function payloadPath(archive: Archive, treePath: string): string {
  const pointer = git(archive.dir, 'show', `v1.1:${treePath}`);
  const oid = /oid sha256:([0-9a-f]{64})/.exec(pointer)![1]!;
  return join(archive.dir, '.git/snap/store', oid.slice(0, 2), oid.slice(2, 4), oid);
}

describe('snap verify', () => {
  it('passes an intact archive (and so does the CLI, exit 0)', async () => {
    const { archive } = await setUp();
    const verdicts = await verify(archive);
    expect(verdicts.map((v) => [v.version, v.ok, v.payloads])).toEqual([['v1.1', true, 2], ['v1.0', true, 2]]);
    const cli = snapCli(archive.dir, ['verify', '--all']);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/^ok  v1\.1: signed by /m);
  });

  it('names a flipped byte and a deleted payload, in every version that uses them', async () => {
    const { archive } = await setUp();
    const flipped = payloadPath(archive, 'local_repos/tools/files/a.bin');
    chmodSync(flipped, 0o644);
    const bytes = readFileSync(flipped);
    bytes[100] ^= 0x20;
    writeFileSync(flipped, bytes);
    unlinkSync(payloadPath(archive, 'local_repos/tools/files/b.bin'));
    const verdicts = await verify(archive);
    expect(problemsOf(verdicts, 'v1.1')).toEqual([
      { kind: 'corrupt-payload', where: 'local_repos/tools/files/a.bin', detail: expect.stringMatching(/re-hashes to sha256:[0-9a-f]{64} \(3000 bytes, expected 3000\)/) },
      { kind: 'missing-payload', where: 'local_repos/tools/files/b.bin', detail: expect.stringMatching(/is not in the content store/) },
    ]);
    expect(problemsOf(verdicts, 'v1.0').map((p) => p.kind)).toEqual(['corrupt-payload']);
    const cli = snapCli(archive.dir, ['verify', 'v1.1', '--json']);
    expect(cli.code).toBe(1);
    expect(JSON.parse(cli.stdout).versions[0].problems).toHaveLength(2);
  });

  it('catches a pointer edited in a new commit and a tag moved onto it', async () => {
    const { archive } = await setUp();
    const path = join(archive.dir, 'local_repos/tools/files/a.bin');
    writeFileSync(path, readFileSync(path, 'utf8').replace(/oid sha256:[0-9a-f]{64}/, `oid sha256:${'e'.repeat(64)}`));
    execFileSync('git', ['-c', 'user.name=x', '-c', 'user.email=x@x', 'commit', '-qam', 'tamper'], { cwd: archive.dir });
    execFileSync('git', ['tag', '-f', 'v1.1'], { cwd: archive.dir, stdio: 'ignore' });
    const problems = problemsOf(await verify(archive, ['v1.1']), 'v1.1');
    expect(problems).toContainEqual({ kind: 'signature', where: 'refs/tags/v1.1', detail: expect.stringMatching(/lightweight tag/) });
    expect(problems).toContainEqual({ kind: 'missing-payload', where: 'local_repos/tools/files/a.bin', detail: expect.stringContaining('e'.repeat(64)) });
  });

  it('catches a signed tag re-filed under another version name', async () => {
    const { archive } = await setUp();
    const v11 = git(archive.dir, 'rev-parse', 'refs/tags/v1.1').trim();
    execFileSync('git', ['update-ref', 'refs/tags/v1.0', v11], { cwd: archive.dir });
    expect(problemsOf(await verify(archive), 'v1.0')).toEqual([
      { kind: 'manifest', where: '.snap/manifest.json', detail: 'the manifest is for version "v1.1", not "v1.0"' },
      { kind: 'tag-mismatch', where: 'refs/tags/v1.0', detail: 'the tag object is version "v1.1", filed under "v1.0"' },
    ]);
  });

  it('catches a tag signed with a key that is not a trusted signer', async () => {
    const { archive } = await setUp();
    const dir = tempDir();
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'intruder')]);
    execFileSync('git', ['-c', 'gpg.format=ssh', '-c', `user.signingkey=${join(dir, 'intruder')}`, '-c', 'user.name=x', '-c', 'user.email=x@x', 'tag', '-f', '-s', '-m', 'v1.1: looks fine', 'v1.1', 'v1.1^{commit}'], { cwd: archive.dir, stdio: 'ignore' });
    expect(problemsOf(await verify(archive, ['v1.1']), 'v1.1')).toEqual([{ kind: 'signature', where: 'refs/tags/v1.1', detail: expect.stringMatching(/not a trusted signer \(SHA256:/) }]);
    // stock git agrees
    expect(() => execFileSync('git', ['verify-tag', 'v1.1'], { cwd: archive.dir, stdio: 'pipe' })).toThrow();
  });

  it('catches manifest counts that do not match the tree, even under a valid signature', async () => {
    const { archive } = await setUp();
    // An insider with the signing key drops a file from the tree but keeps the manifest.
    const repo = archive.repo;
    const head = (await repo.readCommit(git(archive.dir, 'rev-parse', 'v1.1^{commit}').trim()));
    const tools = (await repo.entryAt(head.tree, 'local_repos/tools/files'))!;
    const txn = repo.beginWrite();
    const files = decodeTree(await repo.readObject(tools.oid).then((o) => o.content)).filter((e) => e.name !== 'notes.txt');
    const filesOid = txn.write('tree', encodeTree(files));
    const toolsEntries = (await repo.readTree((await repo.entryAt(head.tree, 'local_repos/tools'))!.oid)).map((e) => (e.name === 'files' ? { ...e, oid: filesOid } : e));
    const toolsOid = txn.write('tree', encodeTree(toolsEntries));
    const localEntries = (await repo.readTree((await repo.entryAt(head.tree, 'local_repos'))!.oid)).map((e) => (e.name === 'tools' ? { ...e, oid: toolsOid } : e));
    const localOid = txn.write('tree', encodeTree(localEntries));
    const rootOid = txn.write('tree', encodeTree((await repo.readTree(head.tree)).map((e) => (e.name === 'local_repos' ? { ...e, oid: localOid } : e))));
    const commit = txn.write('commit', encodeCommit({ tree: rootOid, parents: [git(archive.dir, 'rev-parse', 'main').trim()], author: head.author, committer: head.committer, message: 'v1.2\n' }));
    const payload = encodeTagPayload({ object: commit, type: 'commit', tag: 'v1.2', tagger: head.committer, message: 'v1.2\n' });
    const tag = txn.write('tag', Buffer.from(payload + signSsh(payload, await archive.signingKey())));
    await txn.commit();
    await repo.updateRef('refs/heads/main', commit, undefined);
    await repo.updateRef('refs/tags/v1.2', tag, null);
    const problems = problemsOf(await verify(archive, ['v1.2']), 'v1.2');
    expect(problems).toContainEqual({ kind: 'manifest', where: 'local_repos/', detail: 'manifest says 5 files, the tree holds 4' });
    expect(problems).toContainEqual({ kind: 'manifest', where: '.snap/manifest.json', detail: 'the manifest is for version "v1.1", not "v1.2"' });
    expect(problems.some((p) => p.kind === 'signature')).toBe(false);
  });

  it('reports a corrupt pack as unreadable git objects instead of crashing', async () => {
    const { archive } = await setUp();
    const packDir = join(archive.dir, '.git/objects/pack');
    for (const name of readdirSync(packDir).filter((n) => n.endsWith('.pack'))) {
      const p = join(packDir, name);
      chmodSync(p, 0o644);
      const bytes = readFileSync(p);
      for (let i = 40; i < bytes.length - 40; i += 97) bytes[i] ^= 0xff;
      writeFileSync(p, bytes);
    }
    const verdicts = await verify(archive);
    expect(verdicts.every((v) => !v.ok)).toBe(true);
    expect(verdicts.flatMap((v) => v.problems).some((p) => p.kind === 'git-object')).toBe(true);
    rmSync(packDir, { recursive: true });
  });
});
