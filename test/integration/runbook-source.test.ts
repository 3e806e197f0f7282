// What the commit-time runbook stands on: an object transaction reads back the objects it has
// written before its pack is sealed (small and large, before and after a flush, falling back
// to the repository for everything else), and TreeFolder reads a tree that has no root
// object yet the way VersionReader reads a finished version.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GitRepo } from '../../src/git/repo.js';
import { encodeTree, MODE_EXEC, MODE_FILE, MODE_TREE } from '../../src/git/objects.js';
import { VersionReader } from '../../src/archive/version-reader.js';
import { TreeFolder } from '../../src/archive/tree-folder.js';
import { git, tempDir } from '../helpers/archive.js';
import { join } from 'node:path';

describe('object transaction read-back', () => {
  it('reads its own trees and blobs before the pack is sealed, and the repository\'s through it', async () => {
    const dir = join(tempDir(), 'repo');
    const repo = await GitRepo.init(dir);
    const first = repo.beginWrite();
    const old = first.write('blob', Buffer.from('already in the repository\n'));
    await first.commit();

    const txn = repo.beginWrite();
    const small = Buffer.from('{"Variables":{"STRIPE_KEY":"hmac-sha256:…"}}\n');
    const large = randomBytes(3 << 20); // beyond the writer's 1 MiB flush threshold
    const smallOid = txn.write('blob', small);
    const largeOid = txn.write('blob', large);
    const tree = txn.write('tree', encodeTree([{ name: 'a.json', mode: MODE_FILE, oid: smallOid }, { name: 'big', mode: MODE_EXEC, oid: largeOid }, { name: 'old', mode: MODE_FILE, oid: old }]));
    const last = txn.write('blob', Buffer.from('written last, still in the write buffer\n'));

    expect(repo.hasObject(smallOid)).toBe(false); // not visible to other readers yet
    expect(Buffer.from(await txn.readBlob(smallOid)).equals(small)).toBe(true);
    expect(Buffer.from(await txn.readBlob(largeOid)).equals(large)).toBe(true);
    expect(Buffer.from(await txn.readBlob(last)).toString()).toBe('written last, still in the write buffer\n');
    expect(Buffer.from(await txn.readBlob(old)).toString()).toBe('already in the repository\n');
    expect((await txn.readTree(tree)).map((e) => e.name)).toEqual(['a.json', 'big', 'old']);
    await expect(txn.readTree(smallOid)).rejects.toThrow(/is a blob, expected a tree/);

    // Reading in between writes leaves a pack stock git accepts.
    const more = txn.write('blob', Buffer.from('after a read\n'));
    await txn.commit();
    expect(repo.hasObject(more)).toBe(true);
    expect(git(dir, 'cat-file', '-p', last)).toBe('written last, still in the write buffer\n');
    git(dir, 'fsck', '--strict', '--no-dangling');
  });
});

describe('TreeFolder over a tree being built', () => {
  it('reads a tree without a root object the way VersionReader reads a version', async () => {
    const repo = await GitRepo.init(join(tempDir(), 'repo'));
    const txn = repo.beginWrite();
    const config = txn.write('blob', Buffer.from('{"FunctionName":"orders-api"}'));
    const fn = txn.write('tree', encodeTree([{ name: 'config.json', mode: MODE_FILE, oid: config }]));
    const lambda = txn.write('tree', encodeTree([{ name: 'orders-api', mode: MODE_TREE, oid: fn }]));
    const top = [{ name: 'lambda_functions', mode: MODE_TREE, oid: lambda } as const];
    const building = new TreeFolder(txn, top);
    expect((await building.list('')).map((e) => e.name)).toEqual(['lambda_functions']);
    expect((await building.list('lambda_functions')).map((e) => e.name)).toEqual(['orders-api']);
    expect(await building.json('lambda_functions/orders-api/config.json')).toEqual({ FunctionName: 'orders-api' });
    expect(await building.json('lambda_functions/missing.json')).toBeNull();
    expect(await building.list('lambda_functions/orders-api/config.json')).toEqual([]);

    const root = txn.write('tree', encodeTree([...top]));
    await txn.commit();
    const finished = new VersionReader(repo, root);
    for (const path of ['', 'lambda_functions', 'lambda_functions/orders-api', 'nothing']) expect(await finished.list(path)).toEqual(await building.list(path));
    expect(await finished.json('lambda_functions/orders-api/config.json')).toEqual(await building.json('lambda_functions/orders-api/config.json'));
  });
});
