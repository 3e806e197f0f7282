// Small pieces the S3 vault shares: reading the SDK's errors by name and status, the SHA256 S3
// records for an object, and the one header S3 wants on a write that carries a retention date.
interface Stack {
  add(middleware: never, options: { step: 'build'; name: string; override?: boolean }): void;
}

export function s3ErrorName(err: unknown): string {
  // An error the clients translated (credentials refused: shared/sdk-errors.ts) keeps AWS's code.
  const translated = (err as { data?: { awsCode?: unknown } })?.data?.awsCode;
  if (typeof translated === 'string') return translated;
  const e = err as { name?: unknown; Code?: unknown };
  for (const v of [e?.name, e?.Code]) if (typeof v === 'string' && v && v !== 'Error') return v;
  return 'Error';
}

export function s3Status(err: unknown): number | undefined {
  const e = err as { $metadata?: { httpStatusCode?: number }; data?: { status?: unknown } };
  return e?.$metadata?.httpStatusCode ?? (typeof e?.data?.status === 'number' ? e.data.status : undefined);
}

/** A full-object ChecksumSHA256 as hex; null for none or a checksum of parts (multipart). */
export function sha256FromChecksum(out: { ChecksumSHA256?: string | undefined; ChecksumType?: string | undefined }): string | null {
  const b64 = out.ChecksumSHA256;
  if (!b64 || out.ChecksumType === 'COMPOSITE' || b64.includes('-')) return null;
  const hex = Buffer.from(b64, 'base64').toString('hex');
  return hex.length === 64 ? hex : null;
}

/** S3 allows at most 10,000 parts per multipart upload. */
const MAX_PARTS = 10_000;

/** The part size snap uploads or copies `size` bytes in: `partBytes`, or larger when that would need more than MAX_PARTS parts. */
export function partBytesFor(size: number, partBytes: number): number {
  return Math.max(partBytes, Math.ceil(size / MAX_PARTS));
}

/** The number of parts a multipart object's ETag ("…-N") names; null for a single-part object's. */
export function partsOfEtag(etag: string | undefined): number | null {
  const m = /-(\d+)"?$/.exec(etag ?? '');
  return m ? Number(m[1]) : null;
}

export function toBase64Sha256(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64');
}

/**
 * S3 refuses a write that sets a retention date (x-amz-object-lock-*) unless the request names
 * a checksum of itself: Content-MD5 or x-amz-sdk-checksum-algorithm. The SDK sends the latter
 * with PutObject's checksum, but not with CopyObject or CreateMultipartUpload, whose bytes S3
 * checksums itself; so it is added here for those.
 */
export function addLockChecksumHeader(stack: Stack): void {
  const middleware = (next: (args: { request?: unknown }) => Promise<unknown>) => async (args: { request?: unknown }) => {
    const headers = (args.request as { headers?: Record<string, string> } | undefined)?.headers;
    if (headers && (headers['x-amz-object-lock-mode'] || headers['x-amz-object-lock-retain-until-date']) && !headers['content-md5'] && !headers['x-amz-sdk-checksum-algorithm']) {
      headers['x-amz-sdk-checksum-algorithm'] = 'SHA256';
    }
    return next(args);
  };
  stack.add(middleware as never, { step: 'build', name: 'snapLockHeadersNeedChecksum', override: true });
}

/** CopySource of an object: "bucket/key" with the key URL-encoded as S3 wants it, pinned to a version when given. */
export function copySource(bucket: string, key: string, versionId?: string): string {
  const encoded = key.split('/').map(encodeURIComponent).join('/');
  return `${bucket}/${encoded}${versionId !== undefined && versionId !== 'null' ? `?versionId=${encodeURIComponent(versionId)}` : ''}`;
}
