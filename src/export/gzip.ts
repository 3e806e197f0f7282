// Gzip with a fixed header, so the same tarball always compresses to the same bytes: no
// modification time, no file name, no "made on this OS" byte that differs by platform
// (RFC 1952). The body is node:zlib's raw deflate; the header and the trailer (CRC-32 and
// length of the uncompressed data) are written here. Used as pipeline stages:
//
//   pipeline(tar, ...fixedGzipStages(), output)
import { Transform, type TransformCallback } from 'node:stream';
import { constants, createDeflateRaw, crc32 } from 'node:zlib';

/** ID1 ID2 CM=deflate FLG=0 MTIME=0 XFL=0 OS=255 (unknown) */
export const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff]);

export function fixedGzipStages(level: number = constants.Z_DEFAULT_COMPRESSION): [Transform, Transform, (source: AsyncIterable<Buffer>) => AsyncGenerator<Buffer>] {
  let crc = 0;
  let size = 0;
  const measure = new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      crc = crc32(chunk, crc);
      size = (size + chunk.length) % 0x1_0000_0000;
      done(null, chunk);
    },
  });
  async function* frame(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    yield GZIP_HEADER;
    for await (const chunk of source) yield chunk;
    // The deflate stage ends only after it has consumed everything `measure` passed on.
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(crc >>> 0, 0);
    trailer.writeUInt32LE(size >>> 0, 4);
    yield trailer;
  }
  return [measure, createDeflateRaw({ level }), frame];
}
