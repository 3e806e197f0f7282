// Names in the archive tree. Collectors turn foreign names (S3 keys, function names, record
// names, file names from disk) into tree paths only through safeSegment()/foreignPath(): the
// mapping is injective (two different names never share a path), never yields '.', '..',
// '.git' or an empty segment, keeps segments short enough for every filesystem, and leaves
// ordinary names readable. The exact foreign name is always kept in the data beside it, so
// nothing has to be decoded from a path. TreeWriter checks every path with assertSafeTreePath().
import { createHash } from 'node:crypto';
import { SnapError } from '../errors.js';

export const MAX_SEGMENT_BYTES = 200;
const KEEP_BYTES = 150;

// Characters that are unsafe in a path segment on some filesystem, or that the escape
// itself uses ('%' and '~'), are written as %XX of their UTF-8 bytes.
const UNSAFE = /[\u0000-\u001f\u007f%~/\\<>:"|?*]/gu;

function percentEncode(ch: string): string {
  return [...Buffer.from(ch, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
}

export function safeSegment(name: string): string {
  if (name === '') return '%EMPTY';
  let out = name.replace(UNSAFE, percentEncode);
  if (out === '.' || out === '..') out = out.replace(/\./g, '%2E');
  else if (out.toLowerCase() === '.git') out = `%2E${out.slice(1)}`;
  // Trailing dots and spaces are dropped silently by Windows filesystems.
  out = out.replace(/[. ]$/, (c) => percentEncode(c));
  if (Buffer.byteLength(out, 'utf8') > MAX_SEGMENT_BYTES) {
    let cut = out.slice(0, KEEP_BYTES);
    while (Buffer.byteLength(cut, 'utf8') > KEEP_BYTES) cut = cut.slice(0, -1);
    cut = cut.replace(/%[0-9A-F]?$/, ''); // never cut an escape in half
    const digest = createHash('sha256').update(name, 'utf8').digest('hex').slice(0, 16);
    out = `${cut}~${digest}`;
  }
  return out;
}

/** A foreign slash-separated name (an S3 key) as a tree path, segment by segment. */
export function foreignPath(name: string): string {
  return name.split('/').map(safeSegment).join('/');
}

export function assertSafeTreePath(path: string): void {
  const bad = (why: string) => new SnapError('UNSAFE_PATH', `unsafe archive path ${JSON.stringify(path.slice(0, 200))}: ${why}`, { path, why });
  if (path.length === 0) throw bad('empty');
  for (const seg of path.split('/')) {
    if (seg === '') throw bad('empty segment');
    if (seg === '.' || seg === '..') throw bad('dot segment');
    if (seg.toLowerCase() === '.git') throw bad('.git segment');
    if (/[\u0000\\]/.test(seg)) throw bad('NUL or backslash');
    if (Buffer.byteLength(seg, 'utf8') > 255) throw bad('segment longer than 255 bytes');
  }
}

export function joinPath(...parts: string[]): string {
  return parts.filter((p) => p.length > 0).join('/');
}
