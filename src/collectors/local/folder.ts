// A plain folder (tools, dashboards): every file not excluded by the folder's .gitignore
// files, walked in a stable order, archived through archiveFile().
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import type { CollectContext } from '../types.js';
import type { LocalConfig } from './config.js';
import { archiveFile, type FileRecord } from './files.js';

/** Relative paths of the files to archive, honouring nested .gitignore files; sorted. */
export async function listFolder(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string, rules: { base: string; ig: Ignore }[]): Promise<void> => {
    const abs = join(root, rel);
    const entries = await readdir(abs, { withFileTypes: true });
    const names = new Set(entries.map((e) => e.name));
    let scoped = rules;
    if (names.has('.gitignore')) {
      scoped = [...rules, { base: rel, ig: ignore().add(await readFile(join(abs, '.gitignore'), 'utf8')) }];
    }
    const ignored = (path: string, dir: boolean) =>
      scoped.some(({ base, ig }) => {
        const sub = base ? path.slice(base.length + 1) : path;
        return ig.ignores(dir ? `${sub}/` : sub);
      });
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (e.name === '.git') continue;
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!ignored(path, true)) await walk(path, scoped);
      } else if (!ignored(path, false)) out.push(path);
    }
  };
  await walk('', []);
  return out;
}

export async function archiveFolder(ctx: CollectContext<LocalConfig>, name: string, root: string, secrets: Ignore): Promise<FileRecord[]> {
  const records: FileRecord[] = [];
  for (const rel of await listFolder(root)) {
    const rec = await archiveFile(ctx, root, rel, `${name}/files`, secrets);
    if (rec) records.push(rec);
  }
  return records;
}
