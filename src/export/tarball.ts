// Writes a version's entries as a tar stream (tar-stream's ustar, with a pax header only for
// a name ustar cannot hold), optionally gzipped, into any writable. Deterministic: the same
// entries give the same bytes, because every header field is fixed or comes from the tree:
// mtime is the version's commit time, owner root:root (uid/gid 0), modes from the tree, no
// access or change times, and the entries come in the tree's own order.
//
// Streaming with backpressure end to end: an entry's bytes go into the pack only as fast as
// the output takes them (the pack holds at most its small buffer), and the next entry is
// opened only when the previous one is complete. Memory does not grow with a payload's size.
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar, { type Header as TarHeader, type Pack } from 'tar-stream';
import { isPayload, type VersionEntry } from './entries.js';
import { fixedGzipStages } from './gzip.js';

export interface TarOptions {
  /** every entry's mtime: the version's commit time */
  mtime: Date;
  /** a top folder for everything ("v1.1"), or '' for none */
  prefix: string;
  gzip: boolean;
  /** end the output when done (false for stdout) */
  end?: boolean;
  /** called after each entry is written */
  onEntry?(entry: VersionEntry): void;
}

export interface TarStats {
  files: number;
  directories: number;
  /** files whose bytes came from the content store (pointer files resolved, listed S3 objects) */
  payloads: number;
  payloadBytes: number;
  /** bytes of file content (payloads resolved), before tar framing and compression */
  bytes: number;
}

type Header = Partial<TarHeader> & Pick<TarHeader, 'name'>;

const OWNER = { uid: 0, gid: 0, uname: 'root', gname: 'root' } as const;

function header(name: string, fields: Partial<Header>, mtime: Date): Header {
  return { name, mtime, ...OWNER, ...fields };
}

/** Adds one entry and resolves when the pack has taken all of it. */
async function addEntry(pack: Pack, head: Header, body: (() => Promise<Readable>) | null): Promise<void> {
  let settle!: (err?: Error | null) => void;
  const added = new Promise<void>((resolve, reject) => (settle = (err) => (err ? reject(err) : resolve())));
  added.catch(() => undefined); // it may fail while the body is still being written: awaited below
  const sink = pack.entry(head, (err?: Error | null) => settle(err));
  sink.on('error', () => undefined); // reported through the entry's callback (settle) instead
  if (body) {
    try {
      const source = await body();
      for await (const chunk of source) {
        if (!sink.write(chunk as Buffer)) await drained(sink);
      }
      sink.end(undefined); // streamx's end() takes the last chunk; none here
    } catch (err) {
      sink.destroy(err as Error);
      throw err;
    }
  }
  await added;
}

/** Resolves on 'drain'; rejects when the entry (or the pack behind it) is torn down instead. */
function drained(sink: NodeJS.EventEmitter): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      sink.off('drain', onDrain);
      sink.off('close', onClose);
      sink.off('error', onError);
    };
    const onDrain = () => {
      cleanup();
      resolve();
    };
    const onClose = () => {
      cleanup();
      reject(new Error('the tarball was closed while an entry was written'));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    sink.on('drain', onDrain);
    sink.on('close', onClose);
    sink.on('error', onError);
  });
}

export async function writeTar(entries: AsyncIterable<VersionEntry>, out: Writable, options: TarOptions): Promise<TarStats> {
  const stats: TarStats = { files: 0, directories: 0, payloads: 0, payloadBytes: 0, bytes: 0 };
  const pack = tar.pack();
  pack.on('error', () => undefined); // reported through the pipeline and the producer instead
  const base = options.prefix ? `${options.prefix}/` : '';

  const produce = async (): Promise<void> => {
    if (base) await addEntry(pack, header(base, { type: 'directory', mode: 0o755 }, options.mtime), null);
    for await (const e of entries) {
      if (e.kind === 'directory') {
        await addEntry(pack, header(`${base}${e.path}/`, { type: 'directory', mode: e.mode }, options.mtime), null);
        stats.directories++;
      } else {
        await addEntry(pack, header(`${base}${e.path}`, { type: 'file', mode: e.mode, size: e.size }, options.mtime), e.open);
        stats.files++;
        stats.bytes += e.size;
        if (isPayload(e)) {
          stats.payloads++;
          stats.payloadBytes += e.size;
        }
      }
      options.onEntry?.(e);
    }
    pack.finalize();
  };

  // Readable.from pulls from the pack only as fast as the output drains.
  const tarBytes = Readable.from(pack as AsyncIterable<Buffer>, { objectMode: false });
  const end = options.end ?? true;
  const consuming = options.gzip ? pipeline(tarBytes, ...fixedGzipStages(), out, { end }) : pipeline(tarBytes, out, { end });
  // Whichever side fails first decides the error (a corrupt payload, a full disk, a closed
  // pipe); the other is then torn down, and its consequent error is not the one reported.
  let first: { error: unknown } | null = null;
  const fail = (err: unknown): never => {
    first ??= { error: err };
    pack.destroy(err instanceof Error ? err : new Error(String(err)));
    throw err;
  };
  await Promise.allSettled([produce().catch(fail), consuming.catch(fail)]);
  if (first) throw (first as { error: unknown }).error;
  return stats;
}
