// Unpacking a code package into the tree, so that a code change shows as a line diff:
// text files go to <folder>/code/<path> (zip entry names become paths only through
// foreignPath, so "../x", "/abs" or "a\\b" can never leave the folder); binary files, files
// over the limits and files that look like secrets (.env, *.pem, …) stay only inside
// code.zip and are listed with their size, and a fingerprint for secrets. Limits apply in path
// order, so the same package always unpacks to the same files.
//
// The listing pass reads only the zip's central directory; contents are inflated in a second
// pass for the chosen entries, each bounded by its declared size.
import { createHash } from 'node:crypto';
import { unzipSync, type UnzipFileInfo } from 'fflate';
import ignore, { type Ignore } from 'ignore';
import { foreignPath, joinPath } from '../../../archive/paths.js';
import { isSnapError } from '../../../errors.js';
import { isText } from '../../../util/text.js';
import type { CollectContext } from '../../types.js';
import type { LambdaCodeConfig, LambdaConfig } from './config.js';

export type PackagedFileStorage = 'text' | 'binary' | 'secret' | 'too-large' | 'over-limit' | 'unsupported-compression' | 'path-conflict' | 'not-unpacked';

export interface PackagedFile {
  path: string;
  size: number;
  storage: PackagedFileStorage;
  sha256?: string;
  fingerprint?: string;
}

/** The unpack settings that decide the tree's content; a change means unpacking again. */
export function unpackSettingsDigest(code: LambdaCodeConfig): string {
  const relevant = { unpack: code.unpack, maxFileBytes: code.maxFileBytes, maxFiles: code.maxFiles, maxUnpackedBytes: code.maxUnpackedBytes, secretFiles: code.secretFiles };
  return createHash('sha256').update(JSON.stringify(relevant)).digest('hex').slice(0, 16);
}

/** Entries of a zip (directories left out), by name; reads only the central directory. */
export function listZip(zip: Uint8Array): Map<string, UnzipFileInfo> {
  const entries = new Map<string, UnzipFileInfo>();
  unzipSync(zip, {
    filter: (info) => {
      if (!info.name.endsWith('/')) entries.set(info.name, { ...info });
      return false;
    },
  });
  return entries;
}

const sha256Hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Matches a zip entry name against gitignore-style patterns; odd names ("../x", "/x") too. */
function looksSecret(patterns: Ignore, name: string): boolean {
  const rel = name.split(/[\\/]/).filter((s) => s !== '' && s !== '.' && s !== '..').join('/');
  return rel !== '' && patterns.ignores(rel);
}

/**
 * Lists every file of the package and writes the text ones under `treeFolder`. With
 * `unpack` false only the listing is made. Throws when the bytes are not a readable zip.
 */
export function unpackCode(ctx: CollectContext<LambdaConfig>, zip: Uint8Array, treeFolder: string, settings: LambdaCodeConfig): PackagedFile[] {
  const entries = listZip(zip);
  const names = [...entries.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const secrets = ignore().add(settings.secretFiles);
  const plan = new Map<string, PackagedFileStorage | 'extract'>();
  let files = 0;
  let bytes = 0;
  for (const name of names) {
    const info = entries.get(name)!;
    let decision: PackagedFileStorage | 'extract';
    if (!settings.unpack) decision = 'not-unpacked';
    else if (info.compression !== 0 && info.compression !== 8) decision = 'unsupported-compression';
    else if (info.originalSize > settings.maxFileBytes) decision = 'too-large';
    else if (files >= settings.maxFiles || bytes + info.originalSize > settings.maxUnpackedBytes) decision = 'over-limit';
    else {
      decision = 'extract';
      files++;
      bytes += info.originalSize;
    }
    plan.set(name, decision);
  }
  const wanted = new Set([...plan].filter(([, d]) => d === 'extract').map(([n]) => n));
  const contents = wanted.size ? unzipSync(zip, { filter: (info) => wanted.has(info.name) }) : {};

  const out: PackagedFile[] = [];
  let overLimit = 0;
  for (const name of names) {
    const info = entries.get(name)!;
    const decision = plan.get(name)!;
    if (decision !== 'extract') {
      if (decision === 'over-limit') overLimit++;
      out.push({ path: name, size: info.originalSize, storage: decision });
      continue;
    }
    const content = contents[name] ?? new Uint8Array(0);
    if (looksSecret(secrets, name)) {
      out.push({ path: name, size: content.length, storage: 'secret', fingerprint: ctx.fingerprint(content) });
      ctx.count('secretFiles');
      continue;
    }
    if (!isText(content)) {
      out.push({ path: name, size: content.length, storage: 'binary', sha256: sha256Hex(content) });
      continue;
    }
    try {
      ctx.out.text(joinPath(treeFolder, foreignPath(name)), content);
      out.push({ path: name, size: content.length, storage: 'text', sha256: sha256Hex(content) });
      ctx.count('codeFiles');
    } catch (err) {
      // "a" beside "a/b" in one zip: the second cannot be a tree path; it stays in code.zip.
      if (!isSnapError(err) || err.code !== 'UNSAFE_PATH') throw err;
      out.push({ path: name, size: content.length, storage: 'path-conflict', sha256: sha256Hex(content) });
    }
  }
  if (overLimit) ctx.log.info(`${treeFolder}: ${overLimit} files over the unpack limits stay only in code.zip`);
  return out;
}
