// What the recovery runbook says about this service (Collector.runbook, see src/runbook/spec.ts).
import { get, list, shellWord, str, withoutSuffix, type RunbookSpec, type RunbookResource, type Unrestorable } from '../../../runbook/spec.js';

export const cloudfrontRunbook: RunbookSpec = {
  layer: 'CDN',
  service: 'CloudFront distributions, functions and policies',
  dependsOn: ['s3', 'lambda', 'apigateway'],
  why: 'After storage, functions and API Gateway: its origins must exist first. A re-created distribution gets a new *.cloudfront.net domain name, which the DNS layer then points at.',
  limits: {
    restore: [
      'origin access controls (re-create them, then point the distributions at them)',
      'TLS certificates and their keys',
    ],
    restoreTest: [
      'references to a re-created custom cache or origin-request policy: it has a new id in the scratch account',
    ],
  },
  async read(f) {
    const resources: RunbookResource[] = [];
    const unrestorable: Unrestorable[] = [];
    for (const file of await f.files('distribution_configs', '.json')) {
      const d = await f.json(`distribution_configs/${file}`);
      const id = str(get(d, 'Id')) ?? withoutSuffix(file, '.json');
      const aliases = (get(d, 'DistributionConfig', 'Aliases', 'Items') as unknown[] | undefined)?.filter((a): a is string => typeof a === 'string') ?? [];
      const selector = f.selector('distribution_configs', file);
      resources.push({ selector, name: id, kind: 'distribution', ...(aliases.length ? { detail: list(aliases, 6) } : {}) });
      const acm = str(get(d, 'DistributionConfig', 'ViewerCertificate', 'ACMCertificateArn'));
      const iamCert = str(get(d, 'DistributionConfig', 'ViewerCertificate', 'IAMCertificateId'));
      if (acm || iamCert) {
        unrestorable.push({
          resource: selector,
          what: `the TLS certificate ${acm ?? iamCert}${aliases.length ? ` for ${list(aliases, 6)}` : ''} (certificates and their private keys are never archived)`,
          where: acm
            ? 'AWS Certificate Manager in us-east-1: keep it, or request a new certificate, validate it through DNS and use its ARN in the distribution.'
            : 'IAM server certificates: upload it again from where its key is kept.',
          ...(acm && aliases.length ? { commands: [`aws acm request-certificate --region us-east-1 --validation-method DNS --domain-name ${shellWord(aliases[0]!)}${aliases.length > 1 ? ` --subject-alternative-names ${aliases.slice(1).map(shellWord).join(' ')}` : ''}`] } : {}),
        });
      }
    }
    for (const name of await f.folders('functions')) resources.push({ selector: f.selector('functions', name), name, kind: 'CloudFront function' });
    return { resources, unrestorable, manual: [] };
  },
};
