// Downloads one object into the content store, checking it as it streams. Every object gets
// one end-to-end check against a hash S3 recorded when it was written, which the store
// computes in the same pass as its sha256, with Node's native hashes:
//   - ChecksumSHA256: the store's own hash, so no extra work;
//   - ChecksumCRC32 (zlib.crc32, ~0.3 s per GiB) or ChecksumSHA1;
//   - otherwise (no checksum, or only CRC32C/CRC64NVME, which Node cannot compute natively)
//     the MD5 that a single-part, non-KMS object's ETag is.
// The SDK's own response validation is off for the collector's client (collectClient): it
// wraps every body in a checksum stream of its own and would check the same thing a second
// time. S3 returns an object's checksums only when asked (x-amz-checksum-mode), and the SDK
// validates whenever its input asks, so the header is added below the SDK instead. Removing
// the SDK's middleware from the client's stack does not work: it is added to each command's
// own stack at send.
// The store also checks the size S3 announced. A mismatch is an IntegrityError: nothing is
// kept, and the entry is recorded as corrupt and never pointed at.
//
// The request is conditional (If-Match on the listed ETag, or the listed version id) so the
// bytes stored are the ones the listing described; if the object changed in between, it is
// read again unconditionally and the entry records what was actually read.
//
// A body cut off mid-transfer (a connection reset, a premature close) is asked for again from
// the byte it got to, with a Range request pinned to the same version or ETag, after a backoff,
// up to the configured attempts (shared/resumable.ts); the store sees one continuous stream.
import { GetObjectCommand, HeadObjectCommand, S3Client, type GetObjectCommandOutput, type HeadObjectCommandOutput } from '@aws-sdk/client-s3';
import { normalize } from '../../../normalize/rules.js';
import type { Json } from '../../../normalize/stable-json.js';
import type { ExpectedChecksum } from '../../../store/digests.js';
import type { ContentStore, PutOptions } from '../../../store/types.js';
import type { AwsClients } from '../shared/clients.js';
import { awsErrorName } from '../shared/errors.js';
import { resumableBody, type BodyPart } from '../shared/resumable.js';
import { SnapError } from '../../../errors.js';
import { unquoteEtag, type ListedObject } from './listing.js';
import { OBJECT_HEADER_RULES } from './normalize.js';
import { textTypeHint } from './text.js';
import { isText } from '../../../util/text.js';

export interface FetchedObject {
  sha256: string;
  size: number;
  etag: string;
  /** set when the object changed between listing and reading: the last-modified that was read */
  changedLastModified?: string;
  headers: { [name: string]: Json };
  /** the bytes, when a readable copy was wanted and the content is text */
  text?: Uint8Array;
}

export interface FetchOptions {
  client: S3Client;
  store: ContentStore;
  bucket: string;
  object: ListedObject;
  /** a readable copy is wanted (the key has a planned path): buffer small text to return it */
  wantText: boolean;
  textMaxBytes: number;
  signal?: AbortSignal;
  /** how many times in all a body cut off mid-transfer may be asked for (aws.maxAttempts) */
  attempts?: number;
}

export function objectLabel(bucket: string, key: string): string {
  const uri = `s3://${bucket}/${key}`;
  return JSON.stringify(uri.length > 300 ? `${uri.slice(0, 300)}…` : uri).slice(1, -1);
}

export function normalizeHeaders(out: GetObjectCommandOutput | HeadObjectCommandOutput): { [name: string]: Json } {
  // The body stream is taken out first: it is not data, and toPlain() must never walk it.
  const { Body: _body, $metadata: _envelope, ...headers } = out as GetObjectCommandOutput;
  return normalize(headers, OBJECT_HEADER_RULES) as { [name: string]: Json };
}

/** The expected MD5 (hex) when the ETag is one: single-part upload, not SSE-KMS, not SSE-C. */
export function md5FromEtag(etag: string, out: { ServerSideEncryption?: string; SSECustomerAlgorithm?: string }): string | null {
  if (!/^[0-9a-f]{32}$/.test(etag)) return null;
  if (out.SSECustomerAlgorithm || (out.ServerSideEncryption ?? '').startsWith('aws:kms')) return null;
  return etag;
}

/** A full-object ChecksumSHA256 as hex; null for none or a composite (multipart) checksum. */
export function sha256FromChecksum(out: { ChecksumSHA256?: string; ChecksumType?: string }): string | null {
  const b64 = out.ChecksumSHA256;
  if (!b64 || out.ChecksumType === 'COMPOSITE' || b64.includes('-')) return null;
  const hex = Buffer.from(b64, 'base64').toString('hex');
  return hex.length === 64 ? hex : null;
}

async function getObject(options: FetchOptions): Promise<{ out: GetObjectCommandOutput; changed: boolean }> {
  const { client, bucket, object } = options;
  const versioned = object.versionId !== undefined;
  const input = { Bucket: bucket, Key: object.key, ...(versioned ? { VersionId: object.versionId } : { IfMatch: `"${object.etag}"` }) };
  try {
    return { out: await client.send(new GetObjectCommand(input), { abortSignal: options.signal }), changed: false };
  } catch (err) {
    if (versioned || awsErrorName(err) !== 'PreconditionFailed') throw err;
    const { IfMatch: _drop, ...unconditional } = input as typeof input & { IfMatch?: string };
    return { out: await client.send(new GetObjectCommand(unconditional), { abortSignal: options.signal }), changed: true };
  }
}

/**
 * The S3 client the collector reads a region with: the SDK leaves response checksums to
 * snap, and every GetObject asks S3 for the object's checksums (see the header). Set up once
 * per client, where it is made, not on every download.
 */
export function collectClient(aws: AwsClients, region: string): S3Client {
  const client = aws.get(S3Client, region, { responseChecksumValidation: 'WHEN_REQUIRED' });
  if (!asking.has(client)) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const request = args.request as { headers?: Record<string, string> } | undefined;
        if (context.commandName === 'GetObjectCommand' && request?.headers) request.headers['x-amz-checksum-mode'] = 'ENABLED';
        return next(args);
      },
      { step: 'build', name: 'snapAskForChecksums' },
    );
    asking.add(client);
  }
  return client;
}

const asking = new WeakSet<S3Client>();

/**
 * What the store is to check besides the size: a full-object SHA256 is the store's own hash;
 * otherwise the one checksum it computes alongside (see the header).
 */
function expectations(out: GetObjectCommandOutput, etag: string): { sha256?: string; checksum?: ExpectedChecksum } {
  const sha256 = sha256FromChecksum(out);
  if (sha256) return { sha256 };
  const whole = (v: string | undefined): v is string => out.ChecksumType !== 'COMPOSITE' && Boolean(v) && !v!.includes('-');
  if (whole(out.ChecksumCRC32)) return { checksum: { algorithm: 'crc32', value: out.ChecksumCRC32, name: 'CRC32 checksum' } };
  if (whole(out.ChecksumSHA1)) return { checksum: { algorithm: 'sha1', value: out.ChecksumSHA1, name: 'SHA1 checksum' } };
  const md5Hex = md5FromEtag(etag, out);
  return md5Hex ? { checksum: { algorithm: 'md5', value: md5Hex, name: 'MD5 ETag' } } : {};
}

/** The rest of an object from byte `offset`, pinned to the version or ETag read first. */
async function getRest(options: FetchOptions, first: GetObjectCommandOutput, offset: number): Promise<BodyPart> {
  const { client, bucket, object } = options;
  const pin = object.versionId !== undefined ? { VersionId: object.versionId } : first.VersionId ? { VersionId: first.VersionId } : { IfMatch: first.ETag };
  let out: GetObjectCommandOutput;
  try {
    out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: object.key, Range: `bytes=${offset}-`, ...pin }), { abortSignal: options.signal });
  } catch (err) {
    if (awsErrorName(err) !== 'PreconditionFailed') throw err;
    throw new SnapError('COLLECTOR_FAILED', `${objectLabel(bucket, object.key)} changed while it was being read; it is read again by the next snapshot`, { bucket, key: object.key });
  }
  const start = /^bytes (\d+)-/.exec(out.ContentRange ?? '');
  return { body: (out.Body as AsyncIterable<Uint8Array> | undefined) ?? (async function* () {})(), start: start ? Number(start[1]) : 0 };
}

export async function fetchObject(options: FetchOptions): Promise<FetchedObject> {
  const { bucket, object, store } = options;
  const { out, changed } = await getObject(options);
  const etag = unquoteEtag(out.ETag);
  const size = out.ContentLength ?? object.size;
  const label = objectLabel(bucket, object.key);
  const body = out.Body
    ? resumableBody({ body: out.Body as AsyncIterable<Uint8Array>, start: 0 }, { resume: (offset) => getRest(options, out, offset), attempts: options.attempts ?? 1, label, size, ...(options.signal ? { signal: options.signal } : {}) })
    : undefined;
  const put: PutOptions = { expect: { size, label, ...expectations(out, etag) }, signal: options.signal };
  const headers = normalizeHeaders(out);
  const result = (pointer: { oid: string; size: number }, text?: Uint8Array): FetchedObject => ({
    sha256: pointer.oid,
    size: pointer.size,
    etag,
    headers,
    ...(changed && out.LastModified ? { changedLastModified: out.LastModified.toISOString() } : {}),
    ...(text ? { text } : {}),
  });

  if (!body) return result(await store.put(Buffer.alloc(0), put));
  if (options.wantText && size <= options.textMaxBytes && textTypeHint(object.key, out.ContentType, out.ContentEncoding)) {
    // Small and maybe text: read it whole, store it (which checks it), and hand the bytes back.
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    const bytes = Buffer.concat(chunks);
    const pointer = await store.put(bytes, put);
    return result(pointer, isText(bytes) ? bytes : undefined);
  }
  return result(await store.put(body, put));
}

export interface HeadResult {
  headers: { [name: string]: Json };
  /** a restored copy of an archived object can be read now */
  restored: boolean;
}

export async function headObject(client: S3Client, bucket: string, object: ListedObject, signal?: AbortSignal): Promise<HeadResult> {
  const out = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: object.key, ...(object.versionId !== undefined ? { VersionId: object.versionId } : {}) }), { abortSignal: signal });
  return { headers: normalizeHeaders(out), restored: /ongoing-request="false"/.test(out.Restore ?? '') };
}
