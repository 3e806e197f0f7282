// Git object encoding: object ids, tree entries (with git's sort order), commit and tag
// texts. Pure functions over bytes; no I/O. Everything that writes git objects goes through
// here so that stock git always agrees with what snap writes (checked by `git fsck` in tests).
import { createHash } from 'node:crypto';

export type ObjectType = 'blob' | 'tree' | 'commit' | 'tag';

export const MODE_FILE = '100644';
export const MODE_EXEC = '100755';
export const MODE_SYMLINK = '120000';
export const MODE_TREE = '40000';

export type BlobMode = typeof MODE_FILE | typeof MODE_EXEC | typeof MODE_SYMLINK;

export interface TreeEntry {
  name: string;
  mode: BlobMode | typeof MODE_TREE;
  oid: string;
}

export function hashObject(type: ObjectType, content: Uint8Array): string {
  return createHash('sha1').update(`${type} ${content.length}\0`).update(content).digest('hex');
}

/** Git orders tree entries by name bytes, comparing a subtree's name as if it ended in '/'. */
export function compareTreeEntries(a: TreeEntry, b: TreeEntry): number {
  const ka = Buffer.from(a.mode === MODE_TREE ? `${a.name}/` : a.name, 'utf8');
  const kb = Buffer.from(b.mode === MODE_TREE ? `${b.name}/` : b.name, 'utf8');
  return Buffer.compare(ka, kb);
}

export function encodeTree(entries: TreeEntry[]): Buffer {
  const sorted = [...entries].sort(compareTreeEntries);
  const parts: Buffer[] = [];
  for (const e of sorted) {
    parts.push(Buffer.from(`${e.mode} ${e.name}\0`, 'utf8'), Buffer.from(e.oid, 'hex'));
  }
  return Buffer.concat(parts);
}

export function decodeTree(content: Uint8Array): TreeEntry[] {
  const buf = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  const out: TreeEntry[] = [];
  let i = 0;
  while (i < buf.length) {
    const space = buf.indexOf(0x20, i);
    const nul = buf.indexOf(0, space);
    if (space < 0 || nul < 0 || nul + 21 > buf.length) throw new Error('malformed tree object');
    let mode = buf.toString('latin1', i, space);
    if (mode === '040000') mode = MODE_TREE;
    const name = buf.toString('utf8', space + 1, nul);
    const oid = buf.toString('hex', nul + 1, nul + 21);
    out.push({ name, mode: mode as TreeEntry['mode'], oid });
    i = nul + 21;
  }
  return out;
}

export interface Identity {
  name: string;
  email: string;
  /** seconds since the epoch */
  timestamp: number;
  /** minutes east of UTC */
  timezoneOffset: number;
}

export function formatIdentity(id: Identity): string {
  const sign = id.timezoneOffset < 0 ? '-' : '+';
  const abs = Math.abs(id.timezoneOffset);
  const tz = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
  const clean = (s: string) => s.replace(/[<>\n]/g, '').trim();
  return `${clean(id.name)} <${clean(id.email)}> ${id.timestamp} ${tz}`;
}

export function parseIdentity(text: string): Identity {
  const m = /^(.*) <(.*)> (\d+) ([+-])(\d\d)(\d\d)$/.exec(text);
  if (!m) throw new Error(`malformed identity line: ${text.slice(0, 120)}`);
  const offset = Number(m[5]) * 60 + Number(m[6]);
  return { name: m[1]!, email: m[2]!, timestamp: Number(m[3]), timezoneOffset: m[4] === '-' ? -offset : offset };
}

function ensureTrailingNewline(message: string): string {
  return message.endsWith('\n') ? message : `${message}\n`;
}

export function encodeCommit(c: { tree: string; parents: string[]; author: Identity; committer: Identity; message: string }): Buffer {
  let text = `tree ${c.tree}\n`;
  for (const p of c.parents) text += `parent ${p}\n`;
  text += `author ${formatIdentity(c.author)}\ncommitter ${formatIdentity(c.committer)}\n\n${ensureTrailingNewline(c.message)}`;
  return Buffer.from(text, 'utf8');
}

/** The tag text a signature covers: header, blank line, message (no signature yet). */
export function encodeTagPayload(t: { object: string; type: ObjectType; tag: string; tagger: Identity; message: string }): string {
  return `object ${t.object}\ntype ${t.type}\ntag ${t.tag}\ntagger ${formatIdentity(t.tagger)}\n\n${ensureTrailingNewline(t.message)}`;
}

export interface ParsedCommit {
  tree: string;
  parents: string[];
  author: Identity;
  committer: Identity;
  message: string;
}

function splitHeaders(text: string): { headers: [string, string][]; body: string } {
  const end = text.indexOf('\n\n');
  const head = end < 0 ? text : text.slice(0, end);
  const body = end < 0 ? '' : text.slice(end + 2);
  const headers: [string, string][] = [];
  for (const line of head.split('\n')) {
    if (line.startsWith(' ') && headers.length) headers[headers.length - 1]![1] += `\n${line.slice(1)}`;
    else {
      const sp = line.indexOf(' ');
      headers.push([line.slice(0, sp), line.slice(sp + 1)]);
    }
  }
  return { headers, body };
}

export function decodeCommit(content: Uint8Array): ParsedCommit {
  const { headers, body } = splitHeaders(Buffer.from(content).toString('utf8'));
  const get = (k: string) => headers.find(([h]) => h === k)?.[1];
  return {
    tree: get('tree') ?? '',
    parents: headers.filter(([h]) => h === 'parent').map(([, v]) => v),
    author: parseIdentity(get('author') ?? ''),
    committer: parseIdentity(get('committer') ?? ''),
    message: body,
  };
}

export interface ParsedTag {
  object: string;
  type: ObjectType;
  tag: string;
  tagger: Identity | null;
  message: string;
  /** armored signature appended to the message, if any */
  signature: string | null;
  /** exactly the bytes the signature covers */
  payload: string;
}

const SIGNATURE_STARTS = ['-----BEGIN SSH SIGNATURE-----', '-----BEGIN PGP SIGNATURE-----', '-----BEGIN PGP MESSAGE-----', '-----BEGIN SIGNED MESSAGE-----'];

export function decodeTag(content: Uint8Array): ParsedTag {
  const text = Buffer.from(content).toString('utf8');
  // As git does: the signature starts at the last line that opens an armored signature.
  let sigAt = -1;
  let pos = 0;
  while (pos < text.length) {
    if (SIGNATURE_STARTS.some((s) => text.startsWith(s, pos))) sigAt = pos;
    const nl = text.indexOf('\n', pos);
    if (nl < 0) break;
    pos = nl + 1;
  }
  const payload = sigAt >= 0 ? text.slice(0, sigAt) : text;
  const { headers, body } = splitHeaders(payload);
  const get = (k: string) => headers.find(([h]) => h === k)?.[1];
  const tagger = get('tagger');
  return {
    object: get('object') ?? '',
    type: (get('type') ?? 'commit') as ObjectType,
    tag: get('tag') ?? '',
    tagger: tagger ? parseIdentity(tagger) : null,
    message: body,
    signature: sigAt >= 0 ? text.slice(sigAt) : null,
    payload,
  };
}
