// `snap cat` through the built binary on a payload corrupted in the content store (one byte
// changed in place, the size kept): it exits 1 naming the path, and stdout never holds the
// whole payload, since the last chunk is held back until the sha256 is known.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Archive } from '../../src/archive/archive.js';
import { resolveVersion } from '../../src/archive/versions.js';
import type { FsContentStore } from '../../src/store/fs-store.js';
import { parsePointer } from '../../src/store/pointer.js';
import { tempDir } from '../helpers/archive.js';
import { localFolderArchive } from '../helpers/cli-archive.js';
import { snapCli } from '../helpers/cli.js';

// Larger than two reads of the store's file (1 MiB each), so the payload streams in three chunks.
const PAYLOAD = Buffer.alloc(2.5 * 1024 * 1024 + 1);
for (let i = 0; i < PAYLOAD.length; i++) PAYLOAD[i] = (i * 7919) % 251;
const PATH = 'local_repos/tools/files/big.bin';

describe('snap cat (CLI)', { timeout: 120_000 }, () => {
  it('never writes a corrupt payload out whole, and exits 1 naming it', async () => {
    const base = tempDir();
    const tools = join(base, 'tools');
    mkdirSync(tools);
    writeFileSync(join(tools, 'big.bin'), PAYLOAD);
    const dir = localFolderArchive(base, tools);
    const commit = snapCli(dir, ['commit', 'v1.0']);
    expect(commit.code, commit.stderr).toBe(0);
    expect(snapCli(dir, ['cat', 'v1.0', PATH]).stdoutBytes.equals(PAYLOAD)).toBe(true);

    const archive = Archive.at(dir);
    const v = await resolveVersion(archive.repo, 'v1.0');
    const pointer = parsePointer(await archive.repo.readBlob((await archive.repo.entryAt(v.treeOid, PATH))!.oid))!;
    const file = (archive.openStore(await archive.loadConfig()) as FsContentStore).pathOf(pointer.oid);
    for (const at of [PAYLOAD.length - 1, 10]) {
      const bytes = readFileSync(file);
      bytes[at]! ^= 0xff; // in the last chunk, then (with that one restored) in the first
      if (at === 10) bytes[PAYLOAD.length - 1] = PAYLOAD[PAYLOAD.length - 1]!;
      chmodSync(file, 0o644);
      writeFileSync(file, bytes);
      const r = snapCli(dir, ['cat', 'v1.0', PATH]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`stored content of ${PATH} is corrupt: expected sha256:${pointer.oid} \\(${PAYLOAD.length} bytes\\), read sha256:[0-9a-f]{64} \\(${PAYLOAD.length} bytes\\)`));
      expect(r.stdoutBytes.length, `at ${at}`).toBeLessThan(PAYLOAD.length);
      // Streamed, not buffered: what came before the held-back chunk did come out.
      expect(r.stdoutBytes.length).toBe(2 * 1024 * 1024);
      expect(PAYLOAD.subarray(0, r.stdoutBytes.length).equals(r.stdoutBytes)).toBe(at !== 10);
    }
  });
});
