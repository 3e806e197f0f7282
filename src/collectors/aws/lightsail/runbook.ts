// What the recovery runbook says about this service (Collector.runbook, see src/runbook/spec.ts).
import { get, shellWord, str, withoutSuffix, type RunbookSpec, type RunbookResource, type Unrestorable } from '../../../runbook/spec.js';

export const lightsailRunbook: RunbookSpec = {
  layer: 'servers',
  service: 'Lightsail instances (configuration) and their snapshots',
  dependsOn: [],
  why: "Independent of the layers above. The archive holds each instance's configuration; its disks come back from Lightsail instance snapshots, which live in AWS.",
  limits: {
    restore: [
      'instances come back from Lightsail instance snapshots (commands below)',
    ],
  },
  async read(f) {
    const resources: RunbookResource[] = [];
    const unrestorable: Unrestorable[] = [];
    const requested = (get(await f.json('requested-snapshots.json'), 'snapshots') as unknown[] | undefined) ?? [];
    for (const region of await f.folders()) {
      const snapshots: { name: string; from: string; bundle?: string }[] = [];
      for (const file of await f.files(`${region}/snapshots`, '.json')) {
        const s = await f.json(`${region}/snapshots/${file}`);
        snapshots.push({ name: str(get(s, 'name')) ?? withoutSuffix(file, '.json'), from: str(get(s, 'fromInstanceName')) ?? '', ...(str(get(s, 'fromBundleId')) ? { bundle: str(get(s, 'fromBundleId'))! } : {}) });
      }
      for (const file of await f.files(`${region}/instances`, '.json')) {
        const instance = await f.json(`${region}/instances/${file}`);
        const name = str(get(instance, 'name')) ?? withoutSuffix(file, '.json');
        const zone = str(get(instance, 'location', 'availabilityZone')) ?? `${region}a`;
        const bundle = str(get(instance, 'bundleId'));
        const selector = f.selector(region, 'instances', file);
        resources.push({ selector, name: `${name} (${region})`, kind: 'instance', ...(bundle ? { detail: bundle } : {}) });
        const own = snapshots.filter((s) => s.from === name).map((s) => s.name);
        // A snapshot this version asked for may still be pending, so not yet in the listing.
        const asked = requested
          .filter((r) => get(r, 'requested') === true && get(r, 'instanceName') === name && get(r, 'region') === region)
          .map((r) => str(get(r, 'snapshotName')))
          .filter((s): s is string => s !== undefined && !own.includes(s));
        const all = [...own, ...asked];
        unrestorable.push({
          resource: selector,
          what: `the disks of instance ${name}`,
          where: all.length
            ? `Lightsail instance snapshots in ${region}: ${all.join(', ')}. Create a new instance from one of them.`
            : `no Lightsail instance snapshot of ${name} was listed in this version: only its configuration can be put back (take snapshots with \`snap commit --lightsail-snapshot\`).`,
          ...(all.length ? { commands: [`aws lightsail create-instances-from-snapshot --region ${region} --instance-snapshot-name ${shellWord(all[all.length - 1]!)} --instance-names ${shellWord(name)} --availability-zone ${zone}${bundle ? ` --bundle-id ${bundle}` : ''}`] } : {}),
        });
      }
    }
    return { resources, unrestorable, manual: [] };
  },
};
