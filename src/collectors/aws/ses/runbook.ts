// What the recovery runbook says about this service (Collector.runbook, see src/runbook/spec.ts).
import { byteOrder, get, list, shellWord, str, type RunbookSpec, type RunbookResource, type Unrestorable } from '../../../runbook/spec.js';

export const sesRunbook: RunbookSpec = {
  layer: 'email',
  service: 'SES sending identities and configuration sets',
  dependsOn: ['iam'],
  why: 'Sending identities the functions mail from. A re-created identity must be verified again through DNS records, which the DNS layer (later) publishes.',
  limits: {
    restore: [
      'a sending identity must be created and verified again through DNS (new DKIM tokens), which needs the steps below',
    ],
  },
  async read(f) {
    const resources: RunbookResource[] = [];
    const domains: string[] = [];
    const identities: { name: string; region: string }[] = [];
    const sets: { name: string; region: string }[] = [];
    for (const region of await f.folders()) {
      for (const folder of await f.folders(`${region}/identities`)) {
        const identity = await f.json(`${region}/identities/${folder}/identity.json`);
        const name = str(get(identity, 'IdentityName')) ?? folder;
        if (get(identity, 'IdentityType') !== 'EMAIL_ADDRESS' && !name.includes('@')) domains.push(name);
        resources.push({ selector: f.selector(region, 'identities', folder), name: `${name} (${region})`, kind: 'identity' });
        identities.push({ name, region });
      }
      for (const folder of await f.folders(`${region}/configuration_sets`)) {
        resources.push({ selector: f.selector(region, 'configuration_sets', folder), name: `${folder} (${region})`, kind: 'configuration set' });
        sets.push({ name: folder, region });
      }
    }
    const unrestorable: Unrestorable[] = domains.length
      ? [{
          resource: f.selector(),
          what: `DKIM signing keys and the verification of ${list([...new Set(domains)].sort(byteOrder))}`,
          where: 'AWS, when an identity is created again: it gives new DKIM tokens; publish the CNAME records they name (in Route53) and wait for verification. A key you brought yourself (BYODKIM) comes from where you keep it.',
        }]
      : [];
    // Not restored by snap: each identity and configuration set is created again by hand.
    const manual = identities.length || sets.length
      ? [{
          title: 'Without snap restore: create the configuration sets and identities again (each file under the copy made before you started holds their settings), then publish the DKIM records each new identity names:',
          commands: () => [
            ...sets.map((s) => `aws sesv2 create-configuration-set --region ${s.region} --configuration-set-name ${shellWord(s.name)}`),
            ...identities.map((i) => `aws sesv2 create-email-identity --region ${i.region} --email-identity ${shellWord(i.name)}`),
          ],
        }]
      : [];
    return { resources, unrestorable, manual };
  },
};
