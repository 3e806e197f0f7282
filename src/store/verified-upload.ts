// An upload that can never complete with bytes other than the ones archived. A payload sent
// back into an estate (snap restore) streams from the local store or from the vault; either
// can hold other bytes than its name says (a disk error, a hand edit, an overwritten vault
// key). S3 checks the checksum a PutObject carries, but only one algorithm per request, and
// an archived object's own checksum (a CRC32, say) is not the sha256; an emulator or an
// S3-compatible server may not check at all. So the body streams through checkedBytes(), which
// holds its last chunk back until the whole sha256 and size are known: on a mismatch the request is
// aborted before its body is complete, so the server never has a whole object to store, and
// the upload fails with an IntegrityError naming the object.
import { Readable } from 'node:stream';
import { IntegrityError } from '../errors.js';
import { checkedBytes, describeMismatch } from './checked-bytes.js';

export interface VerifiedUploadOptions {
  /** the archived content: the body must hash to this */
  sha256: string;
  size: number;
  /** for messages: where the bytes came from and where they were going */
  label: string;
  signal?: AbortSignal | undefined;
}

/**
 * Runs `send` with a body that streams `source` through the sha256 check; `send` must pass the
 * signal it is given to the request. Throws IntegrityError (and the request is aborted before
 * its last byte) when the bytes are not the archived ones.
 */
export async function sendVerified<T>(source: AsyncIterable<Uint8Array>, options: VerifiedUploadOptions, send: (body: Readable, signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const outer = options.signal;
  const onAbort = () => controller.abort(outer?.reason);
  if (outer?.aborted) onAbort();
  outer?.addEventListener('abort', onAbort, { once: true });
  let refused: IntegrityError | null = null;
  const expected = { sha256: options.sha256, size: options.size };
  const checked = checkedBytes(source, expected, (m) => {
    refused = new IntegrityError(`${options.label}: the bytes are not the archived content (${describeMismatch(m, expected)}; the version holds sha256:${options.sha256}, ${options.size} bytes): nothing was written`, { expected: options.sha256, actual: m.actual, size: m.size });
    controller.abort(refused);
    return refused;
  });
  const body = Readable.from(checked, { objectMode: false });
  // The request's pipe does not listen for the body's errors; the refusal is thrown below.
  body.on('error', () => undefined);
  try {
    return await send(body, controller.signal);
  } catch (err) {
    if (refused) throw refused;
    throw err;
  } finally {
    outer?.removeEventListener('abort', onAbort);
    body.destroy();
  }
}
