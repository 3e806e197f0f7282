// A download body that survives being cut off. The SDK retries a request whose answer fails
// before it is read (5xx, throttling, a reset connection), and re-reads the whole answer of an
// API call cut off half-way; but a streamed body (an S3 object, a Lambda code package) is
// handed over as soon as its headers arrive, so a connection reset in the middle of it reaches
// the reader as an error, after the retries are over. resumableBody turns that stream into
// one that, when the transfer is interrupted, waits (exponential backoff with jitter), asks
// for the rest from the byte it got to (an HTTP Range request, pinned to the same content by
// ETag or version), and goes on, so what was already received is not downloaded again. The
// reader (the content store, hashing as it writes) sees one continuous stream.
//
// A Node stream is read as its data arrives (up to a bounded queue, then paused), not only when
// the reader asks: a stream that errors throws away what it had buffered, so a reader that is
// busy writing when the connection drops would otherwise lose bytes that did arrive and ask for
// them again.
//
// Uploads have the same gap the other way: the SDK re-sends a request only when it can replay
// its body (bytes, a string); a stream it has consumed makes "a non-retryable streaming
// request", so a connection cut while uploading ends the upload. resendWithFreshBody sends
// such a request again with a body opened anew.
//
// Only interruptions are retried (a reset, a premature close, a timeout mid-body); anything
// else (the content changed meanwhile, an integrity failure) is the reader's to report. After
// `attempts` interruptions of one body it gives up with an error naming the object, how far
// it got and why.
import { setTimeout as sleep } from 'node:timers/promises';
import { SnapError } from '../../../errors.js';
import { formatBytes } from '../../../util/log.js';

export interface BodyPart {
  body: AsyncIterable<Uint8Array>;
  /** the offset of the content the body starts at (0 when a server ignored the range) */
  start: number;
}

export interface ResumeOptions {
  /** asks for the content from byte `offset` on; `attempt` counts from 2 */
  resume(offset: number, attempt: number): Promise<BodyPart>;
  /** how many times in all the body may be asked for (the first request included) */
  attempts: number;
  /** for messages: "s3://bucket/key" */
  label: string;
  /** the whole content's size, when known (for messages) */
  size?: number;
  signal?: AbortSignal;
  /** first backoff in ms (doubles each time, full jitter, at most 10 s) */
  baseDelayMs?: number;
  onResume?(offset: number, attempt: number, cause: string): void;
}

const INTERRUPTED = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_SOCKET', 'ERR_HTTP2_STREAM_ERROR', 'BODY_STALLED']);

/** The network code of an interrupted transfer, or null when `err` is something else. */
export function interruptionOf(err: unknown): string | null {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && INTERRUPTED.has(code)) return code;
    const data = (e as { data?: { interruption?: unknown } }).data;
    if (typeof data?.interruption === 'string') return data.interruption;
    if ((e as { name?: unknown }).name === 'TimeoutError') return 'ETIMEDOUT';
  }
  return null;
}

/** Bytes queued ahead of the reader before a stream is paused, and the level it resumes at. */
const QUEUE_HIGH = 8 << 20;
const QUEUE_LOW = 1 << 20;

type NodeReadable = AsyncIterable<Uint8Array> & {
  on(event: string, fn: (arg: never) => void): unknown;
  pause(): unknown;
  resume(): unknown;
  destroy(): unknown;
  destroyed?: boolean;
  errored?: unknown;
  readableEnded?: boolean;
};

function isNodeReadable(body: unknown): body is NodeReadable {
  const b = body as Partial<NodeReadable>;
  return typeof b?.on === 'function' && typeof b.pause === 'function' && typeof b.resume === 'function';
}

const prematureClose = () => Object.assign(new Error('premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });

/**
 * The chunks of `body` as they arrive (see the header), then its end or its error. It starts
 * listening when called, not when first read: an answer whose connection drops before the
 * reader gets to it has said so already by then.
 */
function asArriving(body: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  if (!isNodeReadable(body)) return (async function* () {
    yield* body;
  })();
  const queue: Uint8Array[] = [];
  let queued = 0;
  let ended = Boolean(body.readableEnded);
  let failure: unknown = body.errored ?? (body.destroyed && !ended ? prematureClose() : null);
  let wake: (() => void) | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };
  body.on('data', ((chunk: Uint8Array) => {
    queue.push(chunk);
    queued += chunk.length;
    if (queued >= QUEUE_HIGH) body.pause();
    notify();
  }) as (arg: never) => void);
  body.on('end', (() => {
    ended = true;
    notify();
  }) as (arg: never) => void);
  body.on('error', ((err: unknown) => {
    failure ??= err;
    notify();
  }) as (arg: never) => void);
  body.on('close', (() => {
    // Closed before its end, with no error said: cut off all the same.
    if (!ended) failure ??= prematureClose();
    notify();
  }) as (arg: never) => void);
  return (async function* () {
    try {
      for (;;) {
        const chunk = queue.shift();
        if (chunk) {
          queued -= chunk.length;
          if (queued <= QUEUE_LOW) body.resume();
          yield chunk;
          continue;
        }
        if (failure) throw failure;
        if (ended) return;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      if (!ended || failure) body.destroy();
    }
  })();
}

export function backoffMs(attempt: number, base = 200): number {
  return Math.random() * Math.min(10_000, base * 2 ** Math.max(0, attempt - 1));
}

/**
 * Sends a request whose body is a stream, opening the body anew for each attempt (`send`
 * must), when the connection is interrupted (interruptionOf); anything else is thrown as is.
 * `attempts` counts every send (aws.maxAttempts).
 */
export async function resendWithFreshBody<T>(send: (attempt: number) => Promise<T>, options: { attempts: number; signal?: AbortSignal; baseDelayMs?: number }): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send(attempt);
    } catch (err) {
      if (attempt >= options.attempts || options.signal?.aborted || interruptionOf(err) === null) throw err;
      await sleep(backoffMs(attempt, options.baseDelayMs), undefined, options.signal ? { signal: options.signal } : undefined);
    }
  }
}

export function resumableBody(first: BodyPart, options: ResumeOptions): AsyncGenerator<Uint8Array> {
  return resumable({ chunks: asArriving(first.body), start: first.start }, options);
}

async function* resumable(first: { chunks: AsyncGenerator<Uint8Array>; start: number }, options: ResumeOptions): AsyncGenerator<Uint8Array> {
  let part = first;
  let offset = 0;
  let attempt = 1;
  for (;;) {
    const current = part;
    try {
      // A server that ignored the range starts again at 0: what was already read is skipped.
      let skip = offset - current.start;
      for await (const raw of current.chunks) {
        let chunk = raw;
        if (skip > 0) {
          if (chunk.length <= skip) {
            skip -= chunk.length;
            continue;
          }
          chunk = chunk.subarray(skip);
          skip = 0;
        }
        offset += chunk.length;
        yield chunk;
      }
      return;
    } catch (err) {
      if (options.signal?.aborted) throw options.signal.reason ?? err;
      const cause = interruptionOf(err);
      if (!cause) throw err;
      if (attempt >= options.attempts) {
        const of = options.size !== undefined ? ` of ${formatBytes(options.size)}` : '';
        // The label is in the error's data: the caller's report names the resource already.
        throw new SnapError('COLLECTOR_FAILED', `the download was cut off ${attempt} time${attempt === 1 ? '' : 's'} (${cause}); gave up after ${formatBytes(offset)}${of}`, { label: options.label, attempts: attempt, offset, cause }, { cause: err });
      }
      await sleep(backoffMs(attempt, options.baseDelayMs), undefined, options.signal ? { signal: options.signal } : undefined);
      attempt++;
      options.onResume?.(offset, attempt, cause);
      const next = await options.resume(offset, attempt);
      part = { chunks: asArriving(next.body), start: next.start };
    } finally {
      // The reader stopped early (an error of its own, an abort): the connection is let go.
      await current.chunks.return(undefined);
    }
  }
}
