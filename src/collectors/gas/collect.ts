// The Google Apps Script collector (gas_projects/): each configured project's files and
// metadata through the Apps Script API, laid out as `clasp pull` does (see layout.ts), signed
// in with the credentials a clasp user already has or a service account (see credentials.ts,
// oauth.ts). No token or key is ever written, logged or put in an error: they are kept in
// memory and registered with the command's Redactor, which every message passes through.
//
// A project the API refuses (403 with Google's status, e.g. PERMISSION_DENIED) or does not know
// (404) is a coverage finding; a 403 that names no status is not taken for a refusal. Any other
// error on a project is partial and its folder is carried over from the previous version.
// Credentials that do not work at all (missing, unreadable, revoked, refused after a renewal)
// are AUTH_FAILED: they stop the whole snapshot and nothing is written.
import { safeSegment } from '../../archive/paths.js';
import { mapLimit } from '../../util/limiter.js';
import type { CollectContext, Collector } from '../types.js';
import { AppsScriptApi } from './api.js';
import { DEFAULT_TOKEN_URL, gasConfigSchema, isAllowedEndpoint, type GasConfig } from './config.js';
import { loadCredentials } from './credentials.js';
import { GasCredentialsError, GoogleApiError, GoogleAuthError } from './errors.js';
import { CLASP_FILE, PROJECT_FILE, projectFiles, projectRecord } from './layout.js';
import { accessTokenSource } from './oauth.js';
import { restoreGas } from './restore.js';
import { PROJECT_RULES } from './rules.js';
import { gasRunbook } from './runbook.js';

type Ctx = CollectContext<GasConfig>;
type ProjectConfig = GasConfig['projects'][number];

export const gasCollector: Collector<GasConfig> = {
  id: 'gas',
  title: 'Google Apps Script projects',
  root: 'gas_projects',
  platform: 'apps-script',
  configSchema: gasConfigSchema,
  enabledByDefault: false,
  runbook: gasRunbook,
  resources: [
    {
      pattern: `*/${PROJECT_FILE}`,
      kind: 'Apps Script project',
      rules: PROJECT_RULES,
      label: (v) => {
        const p = v as { title?: string; scriptId?: string };
        return `${p.title ?? '?'} (${p.scriptId ?? '?'})`;
      },
    },
    { pattern: `*/${CLASP_FILE}`, kind: 'clasp project settings' },
    { pattern: '*/**', kind: 'Apps Script source file', label: (_v, path) => path },
  ],

  restore: restoreGas,

  async collect(ctx: Ctx) {
    const { projects } = ctx.config;
    if (projects.length === 0) return;
    const redactor = ctx.redactor;
    const creds = await loadCredentials(ctx.config.credentials, ctx.archiveDir, redactor);
    const tokenUrl = ctx.config.tokenUrl ?? (creds.kind === 'serviceAccount' ? checkedTokenUri(creds.tokenUri, creds.file) : undefined) ?? DEFAULT_TOKEN_URL;
    const subject = ctx.config.credentials.type === 'serviceAccount' ? ctx.config.credentials.subject : undefined;
    const tokens = accessTokenSource(creds, { tokenUrl, redactor, subject });
    const api = new AppsScriptApi({ apiUrl: ctx.config.apiUrl, tokens, redactor });

    ctx.progress.expect(projects.length);
    await mapLimit(projects, ctx.config.concurrency, async (project) => {
      const folder = safeSegment(project.name);
      try {
        await archiveProject(ctx, api, project, folder);
        ctx.count('projects');
      } catch (err) {
        ctx.out.remove(folder);
        if (err instanceof GoogleApiError && ((err.status === 403 && err.reason) || err.status === 404)) {
          ctx.finding({ resource: `gas_projects/${project.name}`, reason: err.reason || 'NOT_FOUND', detail: err.message });
          return;
        }
        if (credentialsFailed(err)) throw err;
        ctx.partial(`gas_projects/${project.name}`, err);
        await ctx.carryOver(folder);
      } finally {
        ctx.progress.add(1);
      }
    });
  },
};

async function archiveProject(ctx: Ctx, api: AppsScriptApi, project: ProjectConfig, folder: string): Promise<void> {
  const reading = ctx.progress.active(project.name); // projects are read side by side
  const [meta, content] = await Promise.all([api.getProject(project.scriptId, ctx.signal), api.getContent(project.scriptId, ctx.signal)]).finally(reading);
  const files = projectFiles(content, ctx.config.scriptExtension);
  for (const f of files) ctx.out.text(`${folder}/${f.path}`, f.source);
  ctx.out.json(`${folder}/${PROJECT_FILE}`, projectRecord(project.name, project.scriptId, meta, files), PROJECT_RULES);
  ctx.out.json(`${folder}/${CLASP_FILE}`, { scriptId: project.scriptId });
  ctx.count('files', files.length);
}

function credentialsFailed(err: unknown): boolean {
  return err instanceof GasCredentialsError || err instanceof GoogleAuthError || (err instanceof GoogleApiError && err.status === 401);
}

/** A key file's token_uri gets the same rule as the config's addresses: https, or loopback http. */
function checkedTokenUri(uri: string | undefined, file: string): string | undefined {
  if (uri && !isAllowedEndpoint(uri)) throw new GasCredentialsError(`${file}: token_uri must be an https:// address`, file);
  return uri;
}
