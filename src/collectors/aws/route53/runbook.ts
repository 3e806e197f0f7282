// What the recovery runbook says about this service (Collector.runbook, see src/runbook/spec.ts).
import { get, str, withoutSuffix, type RunbookSpec, type RunbookResource, type Unrestorable } from '../../../runbook/spec.js';

export const route53Runbook: RunbookSpec = {
  layer: 'DNS',
  service: 'Route53 hosted zones, record sets and health checks',
  dependsOn: ['cloudfront', 'apigateway', 'ses'],
  why: 'Last of the AWS layers: records point at the distributions, APIs and mail identities restored above, so traffic moves only once everything behind it is back.',
  limits: {
    restore: [
      'health checks (records that use one are restored when it exists)',
      'DNSSEC signing',
      'query logging configurations',
      'a private zone without a VPC in the version',
    ],
    restoreTest: [
      'the apex NS and SOA records of a re-created zone name its new name servers (in real AWS)',
    ],
  },
  async read(f) {
    const resources: RunbookResource[] = [];
    const unrestorable: Unrestorable[] = [];
    for (const folder of await f.folders('zones')) {
      const zone = await f.json(`zones/${folder}/zone.json`);
      const name = (str(get(zone, 'HostedZone', 'Name')) ?? folder.split('~')[0]!).replace(/\.$/, '');
      const isPrivate = get(zone, 'HostedZone', 'Config', 'PrivateZone') === true;
      const selector = f.selector('zones', folder);
      resources.push({ selector, name, kind: isPrivate ? 'private hosted zone' : 'hosted zone' });
      if (isPrivate) continue;
      const servers = ((get(zone, 'DelegationSet', 'NameServers') as unknown[] | undefined) ?? []).filter((s): s is string => typeof s === 'string');
      unrestorable.push({
        resource: selector,
        what: `the delegation of ${name}: a hosted zone created again gets new name servers${servers.length ? ` (this version's: ${servers.join(', ')})` : ''}`,
        where: "the domain's registrar: set the new zone's name servers there (with `aws route53domains update-domain-nameservers` when Route53 is the registrar).",
      });
    }
    for (const file of await f.files('health_checks', '.json')) resources.push({ selector: f.selector('health_checks', file), name: withoutSuffix(file, '.json'), kind: 'health check' });
    return { resources, unrestorable, manual: [] };
  },
};
