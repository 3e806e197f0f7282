// Restoring Apps Script projects (gas_projects/<name>/) to what a version holds, through the
// collector's own API client and credentials (api.ts, credentials.ts, oauth.ts):
// projects.updateContent with the version's files, in the version's order (Apps Script runs
// the top level of script files in that order, so order is part of the project).
//
// updateContent replaces every file of a project, so a live file the version does not have
// would be deleted by it: such files are sent along unchanged (kept) unless ctx.prune is set.
// A project is planned only when its files differ; the plan line says which ("2 files differ:
// ~Code.gs +index.html"). Not restored: the project's title and container (Drive settings,
// not the Apps Script API), versions and deployments (not archived). A project that does not
// exist or cannot be read cannot be re-created under its id: that is noted.
//
// --rename jada-main=jada-staging restores the folder jada-main into the project configured
// as jada-staging (or into a script id given directly).
import type { RestoreContext } from '../../restore/types.js';
import { AppsScriptApi, type ApiFile } from './api.js';
import { DEFAULT_TOKEN_URL, isAllowedEndpoint, type GasConfig } from './config.js';
import { loadCredentials } from './credentials.js';
import { GasCredentialsError, GoogleApiError } from './errors.js';
import { PROJECT_FILE } from './layout.js';
import { accessTokenSource, SCRIPT_PROJECTS_SCOPE } from './oauth.js';

type Ctx = RestoreContext<GasConfig>;

interface ArchivedProject {
  name?: string;
  scriptId?: string;
  title?: string;
  files?: { name: string; type: string; path: string }[];
}

interface ProjectFile {
  name: string;
  type: string;
  source: string;
}

const key = (f: { name?: string | undefined; type?: string | undefined }) => `${f.type}:${f.name}`;

/** The client the collector would use, asking for the write scope where the credential type lets us choose. */
async function connect(ctx: Ctx): Promise<AppsScriptApi> {
  const redactor = ctx.redactor;
  // The archive's folder is where relative credential paths in the config are anchored.
  const archiveDir = ctx.archiveDir;
  const creds = await loadCredentials(ctx.config.credentials, archiveDir, redactor);
  // The same rule as collect.ts: a key file's token_uri must be https (or loopback http).
  if (creds.kind === 'serviceAccount' && creds.tokenUri && !isAllowedEndpoint(creds.tokenUri)) throw new GasCredentialsError(`${creds.file}: token_uri must be an https:// address`, creds.file);
  const tokenUrl = ctx.config.tokenUrl ?? (creds.kind === 'serviceAccount' ? creds.tokenUri : undefined) ?? DEFAULT_TOKEN_URL;
  const subject = ctx.config.credentials.type === 'serviceAccount' ? ctx.config.credentials.subject : undefined;
  const tokens = accessTokenSource(creds, { tokenUrl, redactor, subject, scope: SCRIPT_PROJECTS_SCOPE });
  return new AppsScriptApi({ apiUrl: ctx.config.apiUrl, tokens, redactor });
}

/** The version's files of a project, in its order; null (noted) when one is missing from the tree. */
async function archivedFiles(ctx: Ctx, folder: string, project: ArchivedProject): Promise<ProjectFile[] | null> {
  const out: ProjectFile[] = [];
  for (const f of project.files ?? []) {
    const source = await ctx.version.text(`${folder}/${f.path}`);
    if (source === null) {
      ctx.cannot(`gas_projects/${folder}`, `the version lists ${f.path} but holds no such file: the project is not restored`);
      return null;
    }
    out.push({ name: f.name, type: f.type, source });
  }
  return out;
}

/** "~Code.gs +index.html -old.gs, file order differs" */
export function describeFileChanges(want: ProjectFile[], have: ApiFile[], prune: boolean): { detail: string; count: number } {
  const live = new Map(have.map((f) => [key(f), f]));
  const named = new Set(want.map(key));
  const label = (f: { name?: string | undefined; type?: string | undefined }) => `${f.name}${f.type === 'SERVER_JS' ? '.gs' : f.type === 'HTML' ? '.html' : f.type === 'JSON' ? '.json' : ''}`;
  const parts: string[] = [];
  for (const f of want) {
    const current = live.get(key(f));
    if (!current) parts.push(`+${label(f)}`);
    else if ((current.source ?? '') !== f.source) parts.push(`~${label(f)}`);
  }
  if (prune) for (const f of have) if (!named.has(key(f))) parts.push(`-${label(f)}`);
  const count = parts.length;
  const liveOrder = have.filter((f) => named.has(key(f))).map(key);
  const wantOrder = want.filter((f) => live.has(key(f))).map(key);
  if (liveOrder.join('\n') !== wantOrder.join('\n')) parts.push('file order differs');
  if (!parts.length) return { detail: '', count: 0 };
  return { detail: `${count ? `${count} ${count === 1 ? 'file differs' : 'files differ'}: ` : ''}${parts.join(' ')}`, count };
}

function targetScriptId(ctx: Ctx, folder: string, scriptId: string): { scriptId: string; name: string } {
  const to = ctx.rename.get(folder) ?? ctx.rename.get(scriptId);
  if (!to) return { scriptId, name: folder };
  const configured = ctx.config.projects.find((p) => p.name === to);
  return configured ? { scriptId: configured.scriptId, name: configured.name } : { scriptId: to, name: to };
}

export async function restoreGas(ctx: Ctx): Promise<void> {
  const folders = ctx.selection.length ? [...new Set(ctx.selection.map((s) => s.split('/')[0]!))].sort() : (await ctx.version.list()).filter((e) => e.mode === '40000').map((e) => e.name);
  let api: AppsScriptApi | null = null;
  for (const folder of folders) {
    const project = await ctx.version.json<ArchivedProject>(`${folder}/${PROJECT_FILE}`);
    if (!project?.scriptId) {
      ctx.cannot(`gas_projects/${folder}`, `the version holds no ${PROJECT_FILE} for it: nothing to restore`);
      continue;
    }
    const want = await archivedFiles(ctx, folder, project);
    if (!want) continue;
    const target = targetScriptId(ctx, folder, project.scriptId);
    const label = `gas ${target.name}${target.name === folder ? '' : ` (from ${folder})`}`;
    api ??= await connect(ctx);
    let have: ApiFile[];
    let title: string | undefined;
    try {
      const [meta, content] = await Promise.all([api.getProject(target.scriptId, ctx.signal), api.getContent(target.scriptId, ctx.signal)]);
      have = content.files ?? [];
      title = meta.title;
    } catch (err) {
      if (err instanceof GoogleApiError && (err.status === 404 || err.status === 403)) {
        ctx.cannot(label, `project ${target.scriptId} cannot be read (HTTP ${err.status} ${err.reason}): Apps Script projects cannot be made under a given id; create one (clasp create), add it to collectors.gas.projects, and restore into it with --rename ${folder}=<its name>`);
        continue;
      }
      throw err;
    }
    if (project.title && title !== undefined && title !== project.title) {
      ctx.cannot(label, `the project's title is "${title}", the version's "${project.title}": titles are Drive settings, not restored by snap`);
    }
    const { detail } = describeFileChanges(want, have, ctx.prune);
    if (!detail) continue;
    const named = new Set(want.map(key));
    const kept = ctx.prune ? [] : have.filter((f) => !named.has(key(f)));
    if (kept.length) ctx.note(label, `live has ${kept.map((f) => f.name).join(', ')}, which the version does not: kept (--prune removes them)`);
    const files: ApiFile[] = [...want.map((f) => ({ name: f.name, type: f.type, source: f.source })), ...kept.map((f) => ({ name: f.name, type: f.type, source: f.source ?? '' }))];
    const client = api;
    ctx.plan({
      resource: label,
      action: 'update',
      detail,
      apply: async () => void (await client.updateContent(target.scriptId, files, ctx.signal)),
    });
  }
}
