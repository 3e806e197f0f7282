// Restoring CloudFront (cloudfront/) to what a version holds: custom policies first (the
// distributions name them), then CloudFront Functions (the distributions associate them),
// then the distributions (restore-distribution.ts). origin_mappings.json is derived from the
// distributions and needs nothing of its own; origin access controls and identities are not
// restored (a missing one is noted).
//
// The selection names folders or files under cloudfront/: "distribution_configs/E1ABC.json",
// "functions/redirect-www", "cache_policies", …; empty means all of them.
import { CloudFrontClient, GetCloudFrontOriginAccessIdentityCommand, GetOriginAccessControlCommand } from '@aws-sdk/client-cloudfront';
import { classifyAwsError } from '../shared/errors.js';
import type { RestoreContext } from '../../../restore/types.js';
import type { CloudFrontConfig } from './config.js';
import { planFunctions, planPolicies, POLICY_FOLDERS } from './restore-catalog.js';
import { planDistributions } from './restore-distribution.js';

type Ctx = RestoreContext<CloudFrontConfig>;

/** Whether `path` is inside what the selection names (or the selection is empty). */
function selected(ctx: Ctx, path: string): boolean {
  if (!ctx.selection.length) return true;
  return ctx.selection.some((s) => {
    const sel = s.replace(/\/+$/, '');
    return path === sel || path.startsWith(`${sel}/`) || sel.startsWith(`${path}/`);
  });
}

/** Entries of a folder of the version (files or folders), as paths, when selected. */
async function entries(ctx: Ctx, folder: string, kind: 'file' | 'folder'): Promise<string[]> {
  const list = await ctx.version.list(folder);
  return list
    .filter((e) => (kind === 'folder' ? e.mode === '40000' : e.mode !== '40000' && e.name.endsWith('.json')))
    .map((e) => `${folder}/${e.name}`)
    .filter((p) => selected(ctx, p));
}

export async function restoreCloudFront(ctx: Ctx): Promise<void> {
  const client = ctx.aws.get(CloudFrontClient);
  const policies = (await Promise.all(POLICY_FOLDERS.map((f) => entries(ctx, f, 'file')))).flat();
  await planPolicies(ctx, client, policies);
  await planFunctions(ctx, client, await entries(ctx, 'functions', 'folder'));
  await planDistributions(ctx, client, await entries(ctx, 'distribution_configs', 'file'));
  await noteMissingAccess(ctx, client);
}

/**
 * Origin access controls and identities are not restored (a new one gets a new id, which the
 * distributions and bucket policies would not know): a missing one is noted.
 */
async function noteMissingAccess(ctx: Ctx, client: CloudFrontClient): Promise<void> {
  const kinds = [
    { folder: 'origin_access_controls', what: 'origin access control', get: (Id: string) => client.send(new GetOriginAccessControlCommand({ Id }), { abortSignal: ctx.signal }) },
    { folder: 'origin_access_identities', what: 'origin access identity', get: (Id: string) => client.send(new GetCloudFrontOriginAccessIdentityCommand({ Id }), { abortSignal: ctx.signal }) },
  ];
  for (const kind of kinds) {
    for (const path of await entries(ctx, kind.folder, 'file')) {
      const id = (await ctx.version.json<{ Id?: string }>(path))?.Id;
      if (!id) continue;
      try {
        await kind.get(id);
      } catch (err) {
        // Only a definite "not found" is reported; a refusal or an endpoint without the call says nothing.
        if (classifyAwsError(err) === 'not-found') ctx.cannot(`cloudfront ${kind.what} ${id}`, `missing live and not restored by snap: re-create it (${path} holds its settings), then point the distributions and bucket policies at the new id`);
      }
    }
  }
}
