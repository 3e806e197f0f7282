// The local collector (local_repos/): configured folders and git repositories on this machine,
// such as deployment scripts and dashboards that live next to the cloud estate. Each path is
// archived under local_repos/<name>/; a path that cannot be read is a partial failure, not
// the end of the snapshot. The list of its files (path, type, size, how each is kept) is
// sharded as listing/<shard>.json (see src/archive/shards.ts): a folder of 100,000 files
// with 10 changed rewrites and diffs at most 10 small files.
import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import ignore from 'ignore';
import { assignShards, shardFileName } from '../../archive/shards.js';
import type { Collector, CollectContext } from '../types.js';
import { localConfigSchema, type LocalConfig } from './config.js';
import type { FileRecord } from './files.js';
import { archiveFolder } from './folder.js';
import { archiveRepo } from './git-repo.js';
import { localRunbook } from './runbook.js';

/** "tools/deploy.py" for local_repos/tools/files/deploy.py. */
function localLabel(path: string, area: string): string {
  const [name, , ...rest] = path.split('/');
  return rest.length ? `${name}/${rest.join('/')}` : `${name} (${area})`;
}

export function resolveLocalPath(path: string, archiveDir: string): string {
  if (path === '~' || path.startsWith('~/')) return join(homedir(), path.slice(1));
  return isAbsolute(path) ? path : resolve(archiveDir, path);
}

/** Most file records in one listing shard. */
export const LISTING_SHARD_MAX = 1000;

function writeListing(ctx: CollectContext<LocalConfig>, name: string, files: FileRecord[]): void {
  for (const [shard, records] of assignShards(files, (f) => f.path, LISTING_SHARD_MAX)) {
    ctx.out.json(`${name}/listing/${shardFileName(shard)}`, { shard, files: records }, { sortBy: { files: 'path' } });
  }
}

export const localCollector: Collector<LocalConfig> = {
    id: 'local',
    title: 'local folders and repositories',
    root: 'local_repos',
    platform: 'local',
    configSchema: localConfigSchema,
    enabledByDefault: true,
    runbook: localRunbook,
  resources: [
    { pattern: '*/files/**', kind: 'file', label: (_v, path) => localLabel(path, 'files') },
    { pattern: '*/uncommitted/**', kind: 'uncommitted file', label: (_v, path) => localLabel(path, 'uncommitted') },
    {
      pattern: '*/listing/*.json',
      kind: 'file list',
      label: (_v, path) => path.split('/')[0]!,
      records: { array: 'files', key: ['path'], kind: 'file', label: (record, path) => `${path.split('/')[0]}/${(record as { path?: string }).path ?? '?'}` },
    },
    { pattern: '*/repo.json', kind: 'git repository', label: (_v, path) => path.split('/')[0]! },
    { pattern: '*/folder.json', kind: 'folder', label: (_v, path) => path.split('/')[0]! },
    { pattern: '*/bundle.git', kind: 'repository bundle', label: (_v, path) => path.split('/')[0]! },
  ],
    async collect(ctx: CollectContext<LocalConfig>) {
      const secrets = ignore().add(ctx.config.secretFiles);
      for (const entry of ctx.config.paths) {
        const abs = resolveLocalPath(entry.path, ctx.archiveDir);
        ctx.progress.phase(entry.name);
        try {
          const st = await stat(abs);
          if (!st.isDirectory()) throw Object.assign(new Error(`${entry.path} is not a folder`), { code: 'ENOTDIR' });
          const isRepo = await stat(join(abs, '.git')).then(() => true, () => false);
          if (isRepo) {
            const { record, files } = await archiveRepo(ctx, entry.name, abs, secrets);
            ctx.out.json(`${entry.name}/repo.json`, { path: entry.path, ...record });
            writeListing(ctx, entry.name, files);
            ctx.count('repositories');
          } else {
            const files = await archiveFolder(ctx, entry.name, abs, secrets);
            ctx.out.json(`${entry.name}/folder.json`, { kind: 'folder', path: entry.path });
            writeListing(ctx, entry.name, files);
            ctx.count('folders');
            ctx.count('files', files.length);
          }
        } catch (err) {
          ctx.partial(`local_repos/${entry.name}`, err);
          await ctx.carryOver(entry.name);
        }
      }
    },
};
