// Bytes that never come out whole unless they are the archived ones. A payload read back (snap
// cat, export, a restore's upload) streams from the local store or the vault, and either can
// hold other bytes than its name says; hashing as it streams only knows at the end. So the
// last chunk is held back until the whole sha256 and size are known: on a mismatch the stream
// fails instead of yielding it, and whoever consumes it (stdout, a file, a PutObject body)
// never has the whole corrupt payload. A source longer than the size fails as soon as it is.
import { createHash } from 'node:crypto';

export interface ExpectedBytes {
  sha256: string;
  size: number;
}

export interface Mismatch {
  /** the sha256 of what was read; null when reading stopped past the expected size */
  actual: string | null;
  /** bytes read (past the expected size: as far as reading went) */
  size: number;
}

/** "sha256:…, N bytes" or "more than N bytes", for messages about a mismatch. */
export function describeMismatch(m: Mismatch, expected: ExpectedBytes): string {
  return m.actual === null ? `more than ${expected.size} bytes` : `sha256:${m.actual}, ${m.size} bytes`;
}

/**
 * Yields `source`'s bytes, the last chunk only once the sha256 and size are those expected;
 * otherwise throws what `refuse` makes of the mismatch, before that last chunk.
 */
export async function* checkedBytes(source: AsyncIterable<Uint8Array | string>, expected: ExpectedBytes, refuse: (m: Mismatch) => Error): AsyncGenerator<Buffer> {
  const hash = createHash('sha256');
  let size = 0;
  let held: Buffer | null = null;
  for await (const chunk of source) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    hash.update(buf);
    size += buf.length;
    if (size > expected.size) throw refuse({ actual: null, size });
    if (held) yield held;
    held = buf;
  }
  const actual = hash.digest('hex');
  if (actual !== expected.sha256 || size !== expected.size) throw refuse({ actual, size });
  if (held) yield held;
}
