// snap writes git objects itself (packs, trees, commits, tags, the index): stock git must agree.
import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeCommit, encodeTree, encodeTagPayload, hashObject, MODE_EXEC, MODE_FILE, MODE_TREE, decodeTag } from '../../src/git/objects.js';
import { GitRepo } from '../../src/git/repo.js';
import { diffTrees, walkFiles } from '../../src/git/tree-walk.js';
import { formatAllowedSigner, generateSigningKey, loadSigningKey, parseAllowedSigners, signSsh, verifySshSignature } from '../../src/git/ssh-signature.js';
import { git, tempDir } from '../helpers/archive.js';

const who = { name: 'Ops', email: 'ops@example.com', timestamp: 1_790_000_000, timezoneOffset: 0 };

async function newRepo() {
  const dir = join(tempDir(), 'repo');
  const repo = await GitRepo.init(dir);
  return { dir, repo };
}

describe('objects and packs', () => {
  it('hashes like git hash-object', async () => {
    const { dir } = await newRepo();
    writeFileSync(join(dir, 'f'), 'some content\n');
    expect(hashObject('blob', Buffer.from('some content\n'))).toBe(git(dir, 'hash-object', 'f').trim());
  });

  it('orders tree entries as git does (a tree sorts as if its name ended in "/")', async () => {
    const { dir, repo } = await newRepo();
    const txn = repo.beginWrite();
    const blob = txn.write('blob', Buffer.from('x'));
    const sub = txn.write('tree', encodeTree([{ name: 'x', mode: MODE_FILE, oid: blob }]));
    const tree = txn.write('tree', encodeTree([
      { name: 'a.txt', mode: MODE_FILE, oid: blob },
      { name: 'a', mode: MODE_TREE, oid: sub },
      { name: 'a-b', mode: MODE_EXEC, oid: blob },
    ]));
    await txn.commit();
    expect(git(dir, 'ls-tree', tree).split('\n').filter(Boolean).map((l) => l.split('\t')[1])).toEqual(['a-b', 'a.txt', 'a']);
    execFileSync('git', ['fsck', '--strict', '--no-dangling'], { cwd: dir });
  });

  it('writes packs that git verify-pack and fsck accept, and that isomorphic-git reads back', async () => {
    const { dir, repo } = await newRepo();
    const txn = repo.beginWrite();
    const blobs = Array.from({ length: 300 }, (_, i) => txn.write('blob', Buffer.from(`file ${i}\n`.repeat(i))));
    const big = txn.write('blob', Buffer.alloc(200_000, 65));
    const tree = txn.write('tree', encodeTree([...blobs.map((oid, i) => ({ name: `f${i}`, mode: MODE_FILE, oid } as const)), { name: 'big', mode: MODE_FILE, oid: big }]));
    const commit = txn.write('commit', encodeCommit({ tree, parents: [], author: who, committer: who, message: 'm' }));
    const pack = await txn.commit();
    expect(pack!.count).toBe(303); // 300 blobs, the big one, the tree, the commit
    const packs = readdirSync(join(dir, '.git/objects/pack'));
    expect(packs.filter((n) => n.endsWith('.pack'))).toHaveLength(1);
    execFileSync('git', ['verify-pack', '-v', pack!.indexPath], { cwd: dir });
    await repo.updateRef('refs/heads/main', commit, null);
    execFileSync('git', ['fsck', '--strict', '--no-dangling'], { cwd: dir });
    expect(Buffer.from(await repo.readBlob(blobs[7]!)).toString()).toBe('file 7\n'.repeat(7));
    expect((await repo.readBlob(big)).length).toBe(200_000);
    expect(git(dir, 'cat-file', '-p', `main:f299`)).toBe('file 299\n'.repeat(299));
  });

  it('does not write objects the repository already has', async () => {
    const { repo } = await newRepo();
    const t1 = repo.beginWrite();
    t1.write('blob', Buffer.from('once'));
    await t1.commit();
    const t2 = repo.beginWrite();
    t2.write('blob', Buffer.from('once'));
    expect(t2.written).toBe(0);
    expect(await t2.commit()).toBeNull();
  });

  it('diffs trees file by file and skips identical subtrees', async () => {
    const { repo } = await newRepo();
    const txn = repo.beginWrite();
    const b = (s: string) => txn.write('blob', Buffer.from(s));
    const same = txn.write('tree', encodeTree([{ name: 'k', mode: MODE_FILE, oid: b('k') }]));
    const t1 = txn.write('tree', encodeTree([{ name: 'same', mode: MODE_TREE, oid: same }, { name: 'x', mode: MODE_FILE, oid: b('1') }, { name: 'gone', mode: MODE_FILE, oid: b('g') }]));
    const t2 = txn.write('tree', encodeTree([{ name: 'same', mode: MODE_TREE, oid: same }, { name: 'x', mode: MODE_FILE, oid: b('2') }, { name: 'new', mode: MODE_FILE, oid: b('n') }]));
    await txn.commit();
    const changes = [];
    for await (const c of diffTrees(repo, t1, t2)) changes.push(`${c.status} ${c.path}`);
    expect(changes.sort()).toEqual(['added new', 'modified x', 'removed gone']);
    const files = [];
    for await (const f of walkFiles(repo, t2)) files.push(f.path);
    expect(files).toEqual(['new', 'same/k', 'x']);
  });
});

describe('SSH signatures', () => {
  it('signs tags that ssh-keygen -Y verify accepts, and verifies them itself', async () => {
    const key = generateSigningKey();
    const signing = loadSigningKey(key.privatePem);
    expect(signing.publicKey).toBe(key.publicKey);
    const payload = encodeTagPayload({ object: 'a'.repeat(40), type: 'commit', tag: 'v1.0', tagger: who, message: 'v1.0: first\n' });
    const sig = signSsh(payload, signing);
    const dir = tempDir();
    writeFileSync(join(dir, 'allowed'), formatAllowedSigner('ops@example.com', key.publicKey));
    writeFileSync(join(dir, 'msg'), payload);
    writeFileSync(join(dir, 'msg.sig'), sig);
    const out = execFileSync('sh', ['-c', 'ssh-keygen -Y verify -f allowed -I ops@example.com -n git -s msg.sig < msg'], { cwd: dir, encoding: 'utf8' });
    expect(out).toMatch(/Good "git" signature for ops@example.com/);

    const allowed = parseAllowedSigners(`# comment\n${formatAllowedSigner('ops@example.com', key.publicKey)}`);
    expect(verifySshSignature(payload, sig, allowed)).toMatchObject({ ok: true, principal: 'ops@example.com' });
    expect(verifySshSignature(payload.replace('first', 'frist'), sig, allowed)).toMatchObject({ ok: false, reason: 'bad-signature' });
    const stranger = generateSigningKey();
    expect(verifySshSignature(payload, sig, parseAllowedSigners(formatAllowedSigner('x@y', stranger.publicKey)))).toMatchObject({ ok: false, reason: 'untrusted-key' });
    expect(verifySshSignature(payload, '-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----\n', allowed)).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('finds the signature in a tag object as git does, and the exact signed payload', () => {
    const key = loadSigningKey(generateSigningKey().privatePem);
    const payload = encodeTagPayload({ object: 'b'.repeat(40), type: 'commit', tag: 'v2.0', tagger: who, message: 'line one\n\n-----BEGIN PGP SIGNATURE----- quoted in the message\n' });
    const tag = decodeTag(Buffer.from(payload + signSsh(payload, key)));
    expect(tag.payload).toBe(payload);
    expect(tag.tag).toBe('v2.0');
    expect(tag.signature).toMatch(/^-----BEGIN SSH SIGNATURE-----/);
  });
});

describe('reading what stock git packed', () => {
  it('reads delta-compressed packs made by git gc', async () => {
    const { dir, repo } = await newRepo();
    writeFileSync(join(dir, 'f.txt'), '');
    execFileSync('git', ['add', 'f.txt'], { cwd: dir });
    const blobs: string[] = [];
    let text = 'line\n'.repeat(200);
    for (let i = 0; i < 30; i++) {
      text = text.replace(/line\n/, `line ${i}\n`);
      writeFileSync(join(dir, 'f.txt'), text);
      blobs.push(git(dir, 'hash-object', '-w', 'f.txt').trim());
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qam', `v${i}`], { cwd: dir });
    }
    execFileSync('git', ['gc', '--aggressive', '-q'], { cwd: dir, env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } });
    const verbose = execFileSync('git', ['verify-pack', '-v', ...readdirSync(join(dir, '.git/objects/pack')).filter((n) => n.endsWith('.idx')).map((n) => join(dir, '.git/objects/pack', n))], { encoding: 'utf8' });
    expect(verbose).toMatch(/chain length = [1-9]/); // deltas are really there
    const fresh = new GitRepo(join(dir, '.git'));
    for (const oid of blobs) expect(Buffer.from(await fresh.readBlob(oid)).toString()).toBe(git(dir, 'cat-file', 'blob', oid));
    const head = await repo.resolveRef('refs/heads/main');
    expect((await fresh.readCommit(head!)).message).toBe('v29\n');
  });
});
