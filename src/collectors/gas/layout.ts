// How an Apps Script project lies in the archive, the way `clasp pull` lays it out, so the
// folder can be read, diffed line by line, and pushed back with `clasp push` from inside it:
//
//   gas_projects/<name>/.clasp.json        { "scriptId": … }: what clasp needs to push it back
//   gas_projects/<name>/project.json       title, parent, creator, file list (PROJECT_RULES)
//   gas_projects/<name>/appsscript.json    the manifest (type JSON)
//   gas_projects/<name>/<file>.gs          server scripts (type SERVER_JS; .js if configured)
//   gas_projects/<name>/<file>.html        HTML files
//
// File names may hold "/" (clasp pushes sub-folders that way) and become sub-folders here;
// every segment goes through foreignPath(), so no name can leave the project's folder.
import { createHash } from 'node:crypto';
import { foreignPath } from '../../archive/paths.js';
import { SnapError } from '../../errors.js';
import type { ApiContent, ApiFile, ApiProject } from './api.js';

export const PROJECT_FILE = 'project.json';
export const CLASP_FILE = '.clasp.json';
const RESERVED = new Set([PROJECT_FILE, CLASP_FILE]);

const EXTENSION_OF_TYPE: Record<string, string> = { HTML: 'html', JSON: 'json' };

export function sourcePath(file: ApiFile, scriptExtension: 'gs' | 'js'): string {
  if (typeof file.name !== 'string' || file.name.length === 0) throw new SnapError('COLLECTOR_FAILED', 'the Apps Script API returned a file without a name', {});
  const type = file.type ?? 'ENUM_TYPE_UNSPECIFIED';
  const extension = type === 'SERVER_JS' ? scriptExtension : (EXTENSION_OF_TYPE[type] ?? type.toLowerCase().replace(/[^a-z0-9]+/g, '_'));
  return foreignPath(`${file.name}.${extension}`);
}

export interface ArchivedFile {
  name: string;
  type: string;
  /** where its source is, relative to the project's folder */
  path: string;
  sha256: string;
  bytes: number;
  source: string;
  meta: Omit<ApiFile, 'name' | 'type' | 'source'>;
}

/** The project's files as they will be written, in the project's order; names checked. */
export function projectFiles(content: ApiContent, scriptExtension: 'gs' | 'js'): ArchivedFile[] {
  const seen = new Set<string>();
  return (content.files ?? []).map((file) => {
    const path = sourcePath(file, scriptExtension);
    if (RESERVED.has(path) || seen.has(path)) throw new SnapError('UNSAFE_PATH', `two files of the project would both be written as ${path}`, { path });
    seen.add(path);
    const { name, type, source, ...meta } = file;
    const text = source ?? '';
    return { name: name!, type: type ?? 'ENUM_TYPE_UNSPECIFIED', path, sha256: createHash('sha256').update(text, 'utf8').digest('hex'), bytes: Buffer.byteLength(text, 'utf8'), source: text, meta };
  });
}

/** project.json before PROJECT_RULES: the API's project and, per file, everything but its source. */
export function projectRecord(name: string, scriptId: string, project: ApiProject, files: ArchivedFile[]): Record<string, unknown> {
  return {
    ...project,
    name,
    scriptId: project.scriptId ?? scriptId,
    files: files.map((f) => ({ ...f.meta, name: f.name, type: f.type, path: f.path, sha256: f.sha256, bytes: f.bytes })),
  };
}
