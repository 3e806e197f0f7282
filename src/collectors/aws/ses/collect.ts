// The SES collector (ses/): in each configured region, every sending identity (domain or
// address) with its verification and DKIM status, mail-from settings, sending-authorization
// policies and tags, and every configuration set with its event destinations. Read through
// the SES v2 API, which sees the identities and configuration sets made through v1 too.
//
//   ses/<region>/identities/<identity>/identity.json
//   ses/<region>/configuration_sets/<name>/configuration_set.json
//
// A refused list is a coverage finding; a list or an identity that fails otherwise is
// carried over from the previous version.
// (Not read: v1-only settings with no v2 API — receipt rule sets for incoming mail and an
// identity's SNS feedback topics — and account-level sending quotas, which move constantly.)
import {
  GetConfigurationSetCommand,
  GetConfigurationSetEventDestinationsCommand,
  GetEmailIdentityCommand,
  paginateListConfigurationSets,
  paginateListEmailIdentities,
  SESv2Client,
  type IdentityInfo,
} from '@aws-sdk/client-sesv2';
import { safeSegment } from '../../../archive/paths.js';
import { mapLimit } from '../../../util/limiter.js';
import type { Collector, CollectContext } from '../../types.js';
import { collectorRegions } from '../shared/config.js';
import { classifyAwsError, optionalConfig, recordRefusal } from '../shared/errors.js';
import { parsePolicyDocument } from '../iam/policy-document.js';
import { sesConfigSchema, type SesConfig } from './config.js';
import { configurationSetRules, identityRules } from './rules.js';
import { sesRunbook } from './runbook.js';

export interface SesCollectorOptions {
  /** PageSize of the SES list calls (1–1000); tests lower it to exercise pagination */
  pageSize?: number;
}

const field = (value: unknown, key: string) => String((value as Record<string, unknown> | null)?.[key] ?? '?');

export function createSesCollector(options: SesCollectorOptions = {}): Collector<SesConfig> {
  const pageSize = options.pageSize ?? 1000;
  return {
    id: 'ses',
    title: 'SES identities and configuration sets',
    root: 'ses',
    platform: 'aws',
    configSchema: sesConfigSchema,
    enabledByDefault: true,
    runbook: sesRunbook,
    resources: [
      { pattern: '*/identities/*/identity.json', kind: 'SES identity', rules: identityRules, label: (v) => field(v, 'IdentityName') },
      { pattern: '*/configuration_sets/*/configuration_set.json', kind: 'SES configuration set', rules: configurationSetRules, label: (v) => field(v, 'ConfigurationSetName') },
    ],
    collect: (ctx) => collectSes(ctx, pageSize),
  };
}

export const sesCollector = createSesCollector();

/** A list call of a region: null when refused (a finding) or failed (carried over). */
async function regionList<T>(ctx: CollectContext<SesConfig>, region: string, folder: string, what: string, read: () => Promise<T[]>): Promise<T[] | null> {
  try {
    return await read();
  } catch (err) {
    if (recordRefusal(ctx, `ses:${region}/${what}`, err)) return null;
    ctx.partial(`ses/${folder}`, err);
    await ctx.carryOver(folder);
    return null;
  }
}

async function collectSes(ctx: CollectContext<SesConfig>, pageSize: number): Promise<void> {
  const opts = { abortSignal: ctx.signal };
  for (const region of collectorRegions(ctx.config, ctx.aws.settings)) {
    ctx.progress.phase(region);
    const client = ctx.aws.get(SESv2Client, region);

    const identities = await regionList(ctx, region, `${region}/identities`, 'identities', async () => {
      const out: IdentityInfo[] = [];
      for await (const page of paginateListEmailIdentities({ client, pageSize }, {}, opts)) out.push(...(page.EmailIdentities ?? []));
      return out;
    });
    await mapLimit(identities ?? [], ctx.config.concurrency, async (info) => {
      const name = info.IdentityName ?? '';
      const folder = `${region}/identities/${safeSegment(name)}`;
      try {
        const { $metadata: _m, ...identity } = await client.send(new GetEmailIdentityCommand({ EmailIdentity: name }), opts);
        const policies = Object.fromEntries(Object.entries(identity.Policies ?? {}).map(([k, v]) => [k, parsePolicyDocument(v)]));
        const record = { IdentityName: name, SendingEnabled: info.SendingEnabled, ...identity, Policies: policies };
        ctx.out.json(`${folder}/identity.json`, record, identityRules);
        ctx.count('identities');
      } catch (err) {
        if (skippable(ctx, `ses/${folder}`, err)) return;
        ctx.partial(`ses/${folder}`, err);
        await ctx.carryOver(folder);
      }
    });

    const sets = await regionList(ctx, region, `${region}/configuration_sets`, 'configuration_sets', async () => {
      const out: string[] = [];
      for await (const page of paginateListConfigurationSets({ client, pageSize }, {}, opts)) out.push(...(page.ConfigurationSets ?? []));
      return out;
    });
    await mapLimit(sets ?? [], ctx.config.concurrency, async (name) => {
      const folder = `${region}/configuration_sets/${safeSegment(name)}`;
      try {
        const { $metadata: _m, ...set } = await client.send(new GetConfigurationSetCommand({ ConfigurationSetName: name }), opts);
        const destinations = await optionalConfig(ctx, `ses/${folder}/event_destinations`, async () =>
          // Not paginated: a configuration set has at most a handful of destinations.
          (await client.send(new GetConfigurationSetEventDestinationsCommand({ ConfigurationSetName: name }), opts)).EventDestinations ?? [],
        );
        const record = { ...set, ConfigurationSetName: set.ConfigurationSetName ?? name, ...(destinations ? { EventDestinations: destinations } : {}) };
        ctx.out.json(`${folder}/configuration_set.json`, record, configurationSetRules);
        ctx.count('configurationSets');
      } catch (err) {
        if (skippable(ctx, `ses/${folder}`, err)) return;
        ctx.partial(`ses/${folder}`, err);
        await ctx.carryOver(folder);
      }
    });
  }
}

/** Gone since it was listed (nothing to record), or refused (a finding). */
function skippable(ctx: CollectContext<SesConfig>, resource: string, err: unknown): boolean {
  if (classifyAwsError(err) === 'not-found') return true;
  return recordRefusal(ctx, resource, err);
}
