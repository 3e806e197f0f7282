// A local git repository: its refs, HEAD, remotes (credentials in URLs are fingerprinted,
// never stored), uncommitted and untracked files, and a `git bundle` of all refs kept in the
// content store, which `git clone bundle.git` restores. The bundle is made again only when
// the refs changed since the previous version; otherwise its pointer is reused, which also
// keeps unchanged snapshots identical.
import type { Ignore } from 'ignore';
import { run, spawnStream } from '../../util/exec.js';
import type { CollectContext } from '../types.js';
import type { LocalConfig } from './config.js';
import { archiveFile, type FileRecord } from './files.js';

export interface RepoRecord {
  kind: 'git';
  head: { ref: string } | { detached: string } | null;
  refs: Record<string, string>;
  remotes: Record<string, { url: string; credentials?: string; fetch: string[] }>;
  uncommitted: { path: string; status: string }[];
  bundle: { sha256: string; size: number } | null;
}

const git = (cwd: string, args: string[], allowFailure = false) => run('git', ['-c', 'core.quotepath=off', ...args], { cwd, allowFailure });

function scrubUrl(url: string, ctx: CollectContext<LocalConfig>): { url: string; credentials?: string } {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return { url };
    const secret = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
    u.username = '';
    u.password = '';
    return { url: u.toString(), credentials: ctx.fingerprint(secret) };
  } catch {
    return { url }; // scp-like "git@host:path" has no secret part
  }
}

export async function readRepo(ctx: CollectContext<LocalConfig>, path: string): Promise<Omit<RepoRecord, 'bundle' | 'uncommitted'> & { status: { path: string; status: string }[] }> {
  const refsOut = (await git(path, ['for-each-ref', '--format=%(objectname) %(refname)'])).stdout.toString('utf8');
  const refs: Record<string, string> = {};
  for (const line of refsOut.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp > 0) refs[line.slice(sp + 1)] = line.slice(0, sp);
  }
  const sym = await git(path, ['symbolic-ref', '-q', 'HEAD'], true);
  let head: RepoRecord['head'] = null;
  if (sym.code === 0) head = { ref: sym.stdout.toString('utf8').trim() };
  else {
    const rev = await git(path, ['rev-parse', '--verify', '-q', 'HEAD'], true);
    if (rev.code === 0) head = { detached: rev.stdout.toString('utf8').trim() };
  }
  const remotes: RepoRecord['remotes'] = {};
  const cfg = await git(path, ['config', '--get-regexp', '^remote\\..*\\.(url|fetch)$'], true);
  for (const line of cfg.stdout.toString('utf8').split('\n')) {
    const m = /^remote\.(.+)\.(url|fetch) (.*)$/.exec(line);
    if (!m) continue;
    const r = (remotes[m[1]!] ??= { url: '', fetch: [] });
    if (m[2] === 'url') Object.assign(r, scrubUrl(m[3]!, ctx));
    else r.fetch.push(m[3]!);
  }
  const st = await git(path, ['status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames']);
  const status: { path: string; status: string }[] = [];
  for (const item of st.stdout.toString('utf8').split('\0')) {
    if (item.length > 3) status.push({ status: item.slice(0, 2).trim(), path: item.slice(3) });
  }
  status.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { kind: 'git', head, refs, remotes, status };
}

export async function archiveRepo(ctx: CollectContext<LocalConfig>, name: string, path: string, secrets: Ignore): Promise<{ record: RepoRecord; files: FileRecord[] }> {
  const info = await readRepo(ctx, path);
  let bundle: RepoRecord['bundle'] = null;
  if (Object.keys(info.refs).length === 0) {
    ctx.finding({ resource: `local_repos/${name}`, reason: 'EmptyRepository', detail: 'no refs to bundle' });
  } else {
    const prev = await ctx.previous?.json<RepoRecord>(`${name}/repo.json`).catch(() => null);
    const prevPointer = await ctx.previous?.pointer(`${name}/bundle.git`);
    const sameRefs = prev && JSON.stringify(prev.refs) === JSON.stringify(info.refs) && JSON.stringify(prev.head) === JSON.stringify(info.head);
    if (sameRefs && prevPointer && (await ctx.out.store.has(prevPointer.oid))) {
      ctx.out.pointer(`${name}/bundle.git`, prevPointer);
      bundle = { sha256: prevPointer.oid, size: prevPointer.size };
      ctx.count('bundlesReused');
    } else {
      const proc = spawnStream('git', ['bundle', 'create', '--quiet', '-', '--all'], { cwd: path });
      const [pointer] = await Promise.all([ctx.out.blob(`${name}/bundle.git`, proc.stdout, { signal: ctx.signal }), proc.done]);
      bundle = { sha256: pointer.oid, size: pointer.size };
      ctx.progress.add(1, pointer.size);
    }
  }
  const files: FileRecord[] = [];
  for (const s of info.status) {
    if (s.status === 'D') continue;
    const rec = await archiveFile(ctx, path, s.path, `${name}/uncommitted`, secrets);
    if (rec) files.push(rec);
  }
  const { status, ...rest } = info;
  return { record: { ...rest, uncommitted: status, bundle }, files };
}
