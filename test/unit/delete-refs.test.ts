// Deleting tags as `git update-ref -d` does, checked with stock git: loose and packed refs
// (after `git pack-refs`, with their peeled lines), refs that moved are left alone, and a ref
// another writer holds is refused with the way out.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deleteRefs } from '../../src/git/delete-refs.js';
import { git, tempDir } from '../helpers/archive.js';

function repoWithTags(): { dir: string; gitdir: string; tags: Record<string, string> } {
  const dir = tempDir();
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '--allow-empty', '-m', 'one');
  for (const t of ['v1.0', 'v1.1', 'v1.2']) git(dir, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'tag', '-a', '-m', t, t);
  git(dir, 'tag', 'light');
  const tags = Object.fromEntries(git(dir, 'show-ref', '--tags').trim().split('\n').map((l) => l.split(' ')).map(([oid, ref]) => [ref!, oid!]));
  return { dir, gitdir: join(dir, '.git'), tags };
}

const refsOf = (dir: string) => git(dir, 'for-each-ref', '--format=%(refname)', 'refs/tags').trim().split('\n').filter(Boolean);

describe('deleteRefs', () => {
  it('deletes loose and packed tags, keeps the others, and stock git agrees', async () => {
    const { dir, gitdir, tags } = repoWithTags();
    git(dir, 'pack-refs', '--all'); // every ref now in packed-refs, annotated tags with a peeled line
    git(dir, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'tag', '-a', '-m', 'loose', 'v1.3'); // and one loose
    const v13 = git(dir, 'rev-parse', 'refs/tags/v1.3').trim();
    const r = await deleteRefs(gitdir, [
      { ref: 'refs/tags/v1.0', expected: tags['refs/tags/v1.0']! },
      { ref: 'refs/tags/light', expected: tags['refs/tags/light']! },
      { ref: 'refs/tags/v1.3', expected: v13 },
    ]);
    expect(r).toEqual({ deleted: ['refs/tags/v1.0', 'refs/tags/light', 'refs/tags/v1.3'], moved: [] });
    expect(refsOf(dir)).toEqual(['refs/tags/v1.1', 'refs/tags/v1.2']);
    expect(git(dir, 'show-ref', '--tags', '-d')).toMatch(/refs\/tags\/v1\.1\^\{\}/); // the peeled lines of the others stay
    expect(git(dir, 'fsck', '--no-dangling')).toBe('');
  });

  it('leaves a ref that moved, and refuses one whose lock another writer holds', async () => {
    const { dir, gitdir, tags } = repoWithTags();
    const r = await deleteRefs(gitdir, [{ ref: 'refs/tags/v1.1', expected: tags['refs/tags/v1.0']! }]);
    expect(r).toEqual({ deleted: [], moved: [{ ref: 'refs/tags/v1.1', found: tags['refs/tags/v1.1'] }] });
    writeFileSync(join(gitdir, 'refs', 'tags', 'v1.2.lock'), '');
    await expect(deleteRefs(gitdir, [{ ref: 'refs/tags/v1.2', expected: tags['refs/tags/v1.2']! }])).rejects.toMatchObject({ code: 'ARCHIVE_LOCKED', message: expect.stringMatching(/remove that file/) });
    expect(refsOf(dir)).toContain('refs/tags/v1.2');
    expect(refsOf(dir)).toContain('refs/tags/v1.1');
  });
});
