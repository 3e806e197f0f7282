// CloudFront Functions (functions/<Name>/): the configuration of each stage a function has
// (DEVELOPMENT always, LIVE once published) in config.json, and each stage's code as
// development.js / live.js, so a code change is a line diff and an unpublished edit shows as
// the two files differing. Both stages are listed separately (ListFunctions with a Stage
// filter) so neither can hide behind the other.
import { GetFunctionCommand, ListFunctionsCommand, type CloudFrontClient, type FunctionSummary } from '@aws-sdk/client-cloudfront';
import { safeSegment } from '../../../archive/paths.js';
import { isText } from '../../../util/text.js';
import { mapLimit } from '../../../util/limiter.js';
import type { CollectContext } from '../../types.js';
import { classifyAwsError, recordRefusal } from '../shared/errors.js';
import { allPages } from '../lambda/paginate.js';
import { listOrFinding, type Send } from './catalog.js';
import type { CloudFrontConfig } from './config.js';
import { cloudfrontRules } from './rules.js';

const STAGES = ['DEVELOPMENT', 'LIVE'] as const;

export async function collectFunctions(ctx: CollectContext<CloudFrontConfig>, client: CloudFrontClient, send: Send): Promise<void> {
  const resource = 'cloudfront/functions';
  let summaries: FunctionSummary[] | null;
  try {
    summaries = await listOrFinding(ctx, resource, async () => {
      const all: FunctionSummary[] = [];
      for (const Stage of STAGES) {
        all.push(
          ...(await allPages(`${resource} (${Stage})`, async (Marker) => {
            const r = (await send((o) => client.send(new ListFunctionsCommand({ Stage, Marker, MaxItems: 100 }), o))).FunctionList;
            return { items: r?.Items, next: r?.NextMarker };
          })),
        );
      }
      return all;
    });
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    ctx.partial(resource, err);
    await ctx.carryOver('functions');
    return;
  }
  if (!summaries) return;

  const byName = new Map<string, FunctionSummary[]>();
  for (const s of summaries) {
    if (!s.Name) continue;
    const stages = byName.get(s.Name) ?? [];
    // The same stage listed twice (an unfiltered answer) is kept once.
    if (!stages.some((x) => x.FunctionMetadata?.Stage === s.FunctionMetadata?.Stage)) stages.push(s);
    byName.set(s.Name, stages);
  }
  const names = [...byName.keys()].sort();
  await mapLimit(names, ctx.config.concurrency, async (name) => {
    const folder = `functions/${safeSegment(name)}`;
    try {
      const stages = byName.get(name)!.sort((a, b) => ((a.FunctionMetadata?.Stage ?? '') < (b.FunctionMetadata?.Stage ?? '') ? -1 : 1));
      ctx.out.json(`${folder}/config.json`, { Name: name, Stages: stages }, cloudfrontRules.function);
      for (const s of stages) {
        const stage = s.FunctionMetadata?.Stage;
        if (stage !== 'DEVELOPMENT' && stage !== 'LIVE') continue;
        let code: Uint8Array | undefined;
        try {
          code = (await send((o) => client.send(new GetFunctionCommand({ Name: name, Stage: stage }), o))).FunctionCode;
        } catch (err) {
          if (classifyAwsError(err) === 'not-found') continue; // deleted or unpublished since listed
          throw err;
        }
        if (!code) continue;
        const path = `${folder}/${stage.toLowerCase()}.js`;
        if (isText(code)) ctx.out.text(path, code);
        else await ctx.out.blob(path, code, { signal: ctx.signal });
      }
      ctx.count('functions');
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      if (recordRefusal(ctx, `cloudfront/${folder}`, err)) return;
      ctx.partial(`cloudfront/${folder}`, err);
      await ctx.carryOver(folder);
    }
  });
}
