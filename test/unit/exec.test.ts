// spawnStream hands over every byte a program writes, even when the program has exited before
// the consumer starts reading (as `git bundle` of a small repository does while the store is
// still opening its file): Node drains the stdout of an exited child that nobody reads.
import { describe, expect, it } from 'vitest';
import { spawnStream } from '../../src/util/exec.js';

describe('spawnStream', () => {
  it('keeps the output of a program that exited before it was read', async () => {
    const proc = spawnStream('git', ['version']);
    await proc.done; // the program has exited and its stdout is closed: only now is it read
    const chunks: Buffer[] = [];
    for await (const c of proc.stdout) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toMatch(/^git version \d/);
  });

  it('streams a large output with backpressure, and reports a failing program', async () => {
    const proc = spawnStream(process.execPath, ['-e', 'process.stdout.write(Buffer.alloc(8 << 20, 97))']);
    let size = 0;
    for await (const c of proc.stdout) size += (c as Buffer).length;
    await proc.done;
    expect(size).toBe(8 << 20);
    await expect(spawnStream('git', ['no-such-git-command']).done).rejects.toMatchObject({ code: 'EXTERNAL_COMMAND' });
  });
});
