// The second digests a put() can check besides its sha256: the checksums S3 records for an
// object (CRC32, SHA1, and the MD5 a plain ETag is), each computed with Node's native code and
// given in the encoding S3 reports it in (base64 for checksums, hex for an ETag). The store
// computes one in the same pass as the sha256, so a download is read once.
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';

export type ChecksumAlgorithm = 'crc32' | 'sha1' | 'md5';

/** A checksum the payload must have, e.g. the CRC32 S3 recorded; named for error messages ("CRC32 checksum"). */
export interface ExpectedChecksum {
  algorithm: ChecksumAlgorithm;
  value: string;
  name: string;
}

export interface Digest {
  update(chunk: Uint8Array): void;
  result(): string;
}

export function createDigest(algorithm: ChecksumAlgorithm): Digest {
  if (algorithm === 'crc32') {
    let crc = 0;
    return {
      update: (chunk) => (crc = crc32(chunk, crc)),
      result: () => crc32Base64(crc),
    };
  }
  const h = createHash(algorithm);
  return { update: (chunk) => h.update(chunk), result: () => h.digest(algorithm === 'md5' ? 'hex' : 'base64') };
}

export function crc32Base64(crc: number): string {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(crc >>> 0);
  return b.toString('base64');
}
