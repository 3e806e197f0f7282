// The Lightsail collector (lightsail/): per configured region, every instance (blueprint,
// bundle, hardware, IP addresses, firewall ports and their open/closed states, tags) and every
// instance snapshot, one file each; with createSnapshot, a new snapshot of each instance is
// requested first and what was asked for is recorded in the version that asked:
//
//   lightsail/<region>/instances/<instance>.json
//   lightsail/<region>/snapshots/<snapshot>.json
//   lightsail/requested-snapshots.json          (only in a version that requested snapshots, and found an instance)
//
// The request record lives only in its own version, so versions taken without the option are
// never made different by it; the requested snapshot itself is an ordinary snapshot in the
// listing from then on. Expected refusals (access denied, Lightsail not offered or still being
// set up in a region) are findings; any other error on a region, a listing or an instance is
// partial, and that part is carried over from the previous version instead of looking deleted.
import { LightsailClient, type Instance, type InstancePortState } from '@aws-sdk/client-lightsail';
import { safeSegment } from '../../../archive/paths.js';
import { mapLimit } from '../../../util/limiter.js';
import type { CollectContext, Collector } from '../../types.js';
import { collectorRegions } from '../shared/config.js';
import { awsErrorName } from '../shared/errors.js';
import { lightsailConfigSchema, type LightsailConfig } from './config.js';
import { instancePortStates, listInstances, listInstanceSnapshots } from './read.js';
import { lightsailRefusal, refusesWholeRegion } from './refusals.js';
import { INSTANCE_RULES, REQUESTED_RULES, SNAPSHOT_RULES } from './rules.js';
import { requestedSnapshotName, requestInstanceSnapshot, type RequestedSnapshot } from './snapshot-request.js';
import { lightsailRunbook } from './runbook.js';

export const REQUESTED_SNAPSHOTS_FILE = 'requested-snapshots.json';
const REGIONS_IN_FLIGHT = 4;

type Ctx = CollectContext<LightsailConfig>;

interface Run {
  ctx: Ctx;
  /** instances to snapshot: null when the option is off, 'all' when no list is configured */
  snapshotWanted: Set<string> | 'all' | null;
  requested: RequestedSnapshot[];
  instancesSeen: Set<string>;
}

export const lightsailCollector: Collector<LightsailConfig> = {
  id: 'lightsail',
  title: 'Lightsail instances and snapshots',
  root: 'lightsail',
  platform: 'aws',
  configSchema: lightsailConfigSchema,
  enabledByDefault: true,
  runbook: lightsailRunbook,
  resources: [
    {
      pattern: '*/instances/*.json',
      kind: 'Lightsail instance',
      rules: INSTANCE_RULES,
      label: (v) => {
        const i = v as Instance;
        return `${i.name} (${i.blueprintId ?? '?'}, ${i.bundleId ?? '?'})`;
      },
    },
    {
      pattern: '*/snapshots/*.json',
      kind: 'Lightsail instance snapshot',
      rules: SNAPSHOT_RULES,
      label: (v) => {
        const s = v as { name?: string; fromInstanceName?: string };
        return `${s.name} (from ${s.fromInstanceName ?? '?'})`;
      },
    },
    {
      pattern: REQUESTED_SNAPSHOTS_FILE,
      kind: 'instance snapshots requested by this version',
      rules: REQUESTED_RULES,
      label: (v) => `snapshots requested by ${(v as { version?: string }).version ?? '?'}`,
    },
  ],

  async collect(ctx: Ctx) {
    const cfg = ctx.config;
    const run: Run = {
      ctx,
      snapshotWanted: cfg.createSnapshot ? (cfg.snapshotInstances ? new Set(cfg.snapshotInstances) : 'all') : null,
      requested: [],
      instancesSeen: new Set(),
    };
    const regions = collectorRegions(cfg, ctx.aws.settings);
    await mapLimit(regions, REGIONS_IN_FLIGHT, async (region) => {
      try {
        await collectRegion(run, region);
      } catch (err) {
        ctx.partial(`lightsail/${region}`, err);
        await ctx.carryOver(region);
      }
    });

    if (run.snapshotWanted) {
      if (run.snapshotWanted !== 'all') {
        for (const name of [...run.snapshotWanted].sort()) {
          if (!run.instancesSeen.has(name)) ctx.finding({ resource: `lightsail/instances/${name}`, reason: 'NotFound', detail: 'named in snapshotInstances but in none of the regions read; no snapshot requested' });
        }
      }
      // Nothing asked for (no instance found, or no Lightsail at the endpoint): no record, so the
      // version does not claim a request it never made.
      if (run.requested.length) ctx.out.json(REQUESTED_SNAPSHOTS_FILE, { version: ctx.version, snapshots: run.requested }, REQUESTED_RULES);
      else ctx.log.info('--lightsail-snapshot: no Lightsail instance was found in the regions read, so no snapshot was requested');
    }
  },
};

async function collectRegion(run: Run, region: string): Promise<void> {
  const { ctx } = run;
  ctx.progress.phase(region);
  const client = ctx.aws.get(LightsailClient, region);

  let instances: Instance[] | null = null;
  try {
    instances = await listInstances(client, ctx.signal);
  } catch (err) {
    const refused = lightsailRefusal(ctx, `lightsail/${region}`, err);
    if (refused && refusesWholeRegion(refused.reason)) {
      ctx.finding(refused);
      return;
    }
    if (refused) ctx.finding({ ...refused, resource: `lightsail/${region}/instances` });
    else {
      ctx.partial(`lightsail/${region}/instances`, err);
      await ctx.carryOver(`${region}/instances`);
    }
  }

  if (instances) {
    const named = instances.filter((i): i is Instance & { name: string } => typeof i.name === 'string' && i.name.length > 0).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const i of named) run.instancesSeen.add(i.name);
    await mapLimit(named, ctx.config.concurrency, (instance) => archiveInstance(run, client, region, instance));
    if (run.snapshotWanted) {
      for (const instance of named) {
        if (run.snapshotWanted === 'all' || run.snapshotWanted.has(instance.name)) run.requested.push(await requestSnapshot(run, client, region, instance.name));
      }
    }
  }

  // Listed after any request, so a snapshot requested just now is in this version's listing.
  try {
    const snapshots = await listInstanceSnapshots(client, ctx.signal);
    for (const snapshot of snapshots) {
      if (!snapshot.name) continue;
      ctx.out.json(`${region}/snapshots/${safeSegment(snapshot.name)}.json`, snapshot, SNAPSHOT_RULES);
      ctx.count('snapshots');
    }
  } catch (err) {
    const refused = lightsailRefusal(ctx, `lightsail/${region}/snapshots`, err);
    if (refused) ctx.finding(refused);
    else {
      ctx.partial(`lightsail/${region}/snapshots`, err);
      await ctx.carryOver(`${region}/snapshots`);
    }
  }
}

async function archiveInstance(run: Run, client: LightsailClient, region: string, instance: Instance & { name: string }): Promise<void> {
  const { ctx } = run;
  const path = `${region}/instances/${safeSegment(instance.name)}.json`;
  let portStates: InstancePortState[] | null = null;
  try {
    portStates = await instancePortStates(client, instance.name, ctx.signal);
  } catch (err) {
    // Deleted between the listing and this read: it is simply not there any more.
    if (awsErrorName(err) === 'NotFoundException') return;
    const refused = lightsailRefusal(ctx, `lightsail/${region}/instances/${instance.name}`, err, 'port states not read');
    if (!refused) {
      ctx.partial(`lightsail/${path}`, err);
      await ctx.carryOver(path);
      return;
    }
    ctx.finding(refused);
  }
  ctx.out.json(path, portStates ? { ...instance, portStates } : instance, INSTANCE_RULES);
  ctx.count('instances');
  ctx.progress.add(1);
}

async function requestSnapshot(run: Run, client: LightsailClient, region: string, instanceName: string): Promise<RequestedSnapshot> {
  const { ctx } = run;
  const at = new Date();
  try {
    const record = await requestInstanceSnapshot(instanceName, { client, region, version: ctx.version, waitSeconds: ctx.config.snapshotWaitSeconds, signal: ctx.signal, now: () => at });
    if (record.requested) {
      ctx.count('snapshotsRequested');
      ctx.log.info(`requested instance snapshot ${record.snapshotName} of ${instanceName} in ${region} (${record.state})`);
    } else {
      ctx.log.info(`instance snapshot ${record.snapshotName} of ${instanceName} in ${region} already exists (${record.state}); kept as it is`);
    }
    return record;
  } catch (err) {
    const refused = lightsailRefusal(ctx, `lightsail/${region}/instances/${instanceName}`, err, 'instance snapshot not requested');
    if (refused) ctx.finding(refused);
    else ctx.partial(`lightsail/${region}/instances/${instanceName} (snapshot request)`, err);
    return { region, instanceName, snapshotName: requestedSnapshotName(instanceName, ctx.version, at), state: 'not-requested', requested: false, error: awsErrorName(err) };
  }
}

