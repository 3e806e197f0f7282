// What the runbook knows about each layer of an estate, as data: which collector's folder it
// is, what it must come after and why, how to name its resources from the version's tree
// (each resource's folder is its `snap restore` selector), and what of it the archive cannot
// give back (secret values, data that only AWS keeps) with where to get that instead.
//
// Layers are listed in RESTORE_ORDER, the order `snap restore` applies them in. Everything is
// read from the version's own files, tolerantly: a file that is missing or unreadable only
// leaves its detail out, it never stops a runbook (and so never a commit).
import { MODE_TREE } from '../git/objects.js';
import { joinPath } from '../archive/paths.js';
import { formatBytes } from '../util/log.js';
import type { RunbookSource } from './source.js';

export interface RunbookResource {
  /** the resource's folder or file in the version: what `snap restore` takes as a selector */
  selector: string;
  /** for people: "orders (us-east-1)" */
  name: string;
  /** "bucket", "role", "hosted zone", … */
  kind: string;
  /** one short line: region, size, aliases */
  detail?: string;
}

/** Something of a resource that is not in the archive, and where to get it. */
export interface Unrestorable {
  /** the resource's selector (or its layer's folder) */
  resource: string;
  what: string;
  where: string;
  /** secret values the restore can take from a --secrets file: scope and variable names */
  secrets?: { scope: string; names: string[] };
  /** commands that fetch or rebuild it outside snap (AWS CLI, git, clasp) */
  commands?: string[];
}

/** How commands name the version, and where the runbook has the user write what they copy out. */
export interface CommandWords {
  /** the version as a shell word: v1.1, or "$VERSION" */
  version: string;
  /** a folder for copies, outside the archive's working tree: ~/recovery */
  work: string;
  /** where `snap checkout` puts the version: ~/recovery/v1.1 */
  checkout: string;
}

/** Steps outside `snap restore` (copying out with snap cat or snap checkout, then a tool). */
export interface ManualStep {
  title: string;
  commands(words: CommandWords): string[];
}

export interface LayerContent {
  resources: RunbookResource[];
  unrestorable: Unrestorable[];
  manual: ManualStep[];
}

export interface LayerSpec {
  /** the collector that writes (and restores) this layer */
  collector: string;
  /** its folder at the root of a version */
  root: string;
  /** what people call the layer: "DNS", "storage" */
  layer: string;
  /** the AWS service or tool: "Route53 hosted zones" */
  service: string;
  /** layers (collector ids) that must be back before this one */
  dependsOn: string[];
  /** why it comes where it does in the order */
  why: string;
  read(folder: LayerFolder): Promise<LayerContent>;
}

/** Tolerant reading inside one layer's folder; selectors come out rooted at the version. */
export class LayerFolder {
  constructor(private readonly source: RunbookSource, readonly root: string) {}

  selector(...parts: string[]): string {
    return joinPath(this.root, ...parts);
  }

  private async entries(path: string) {
    try {
      return (await this.source.list(this.selector(path))).slice().sort((a, b) => byteOrder(a.name, b.name));
    } catch {
      return [];
    }
  }

  async folders(path = ''): Promise<string[]> {
    return (await this.entries(path)).filter((e) => e.mode === MODE_TREE).map((e) => e.name);
  }

  async files(path = '', suffix = ''): Promise<string[]> {
    return (await this.entries(path)).filter((e) => e.mode !== MODE_TREE && e.name.endsWith(suffix)).map((e) => e.name);
  }

  async json<T = Record<string, unknown>>(path: string): Promise<T | null> {
    try {
      return await this.source.json<T>(this.selector(path));
    } catch {
      return null;
    }
  }
}

export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

const EMPTY: LayerContent = { resources: [], unrestorable: [], manual: [] };

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

function get(value: unknown, ...path: string[]): unknown {
  let v = value;
  for (const p of path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
  return v;
}

function names(value: unknown): string[] {
  return value && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value).sort(byteOrder) : [];
}

function list(items: string[], max = 12): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

function withoutSuffix(name: string, suffix: string): string {
  return name.endsWith(suffix) ? name.slice(0, -suffix.length) : name;
}

// ---- the layers, in restore order ------------------------------------------------------------

const iam: LayerSpec = {
  collector: 'iam',
  root: 'iam',
  layer: 'IAM',
  service: 'IAM roles, users, groups and customer managed policies',
  dependsOn: [],
  why: 'First: every other layer runs as, or is guarded by, these roles and policies. A Lambda function cannot be created with an execution role that does not exist, and bucket or key policies naming a missing role are refused.',
  async read(f) {
    const resources: RunbookResource[] = [];
    const unrestorable: Unrestorable[] = [];
    for (const [folder, kind] of [['roles', 'role'], ['users', 'user'], ['groups', 'group'], ['policies/customer', 'customer managed policy']] as const) {
      for (const name of await f.folders(folder)) resources.push({ selector: f.selector(folder, name), name, kind });
    }
    for (const name of await f.folders('users')) {
      unrestorable.push({
        resource: f.selector('users', name),
        what: `the access keys, console password and MFA devices of user ${name}`,
        where: 'nowhere: they are never archived, and AWS never shows a secret key again. Create new ones and update whatever used the old ones.',
        commands: [`aws iam create-access-key --user-name ${shellWord(name)}`],
      });
    }
    return { resources, unrestorable, manual: [] };
  },
};

const s3: LayerSpec = {
  collector: 's3',
  root: 's3_buckets',
  layer: 'storage',
  service: 'S3 buckets',
  dependsOn: ['iam'],
  why: 'Before functions and the CDN: functions read and write these buckets, and CloudFront distributions use them as origins. After IAM, because bucket policies name roles.',
  async read(f) {
    const resources: RunbookResource[] = [];
    for (const folder of await f.folders()) {
      const record = await f.json(`${folder}/bucket.json`);
      const count = get(record, 'objects', 'count');
      const bytes = get(record, 'objects', 'bytes');
      const region = str(get(record, 'region'));
      const detail = [region, typeof count === 'number' ? `${count} object${count === 1 ? '' : 's'}${typeof bytes === 'number' ? ` (${formatBytes(bytes)})` : ''}` : undefined].filter(Boolean).join(', ');
      resources.push({ selector: f.selector(folder), name: str(get(record, 'name')) ?? folder, kind: 'bucket', ...(detail ? { detail } : {}) });
    }
    return { resources, unrestorable: [], manual: [] };
  },
};

const dynamodb: LayerSpec = {
  collector: 'dynamodb',
  root: 'dynamodb',
  layer: 'data',
  service: 'DynamoDB tables (schema, settings and items)',
  dependsOn: ['iam'],
  why: 'Before functions: functions read and write these tables, and their event source mappings need the tables (a re-created table has a new stream ARN, so mappings are restored after it).',
  async read(f) {
    const resources: RunbookResource[] = [];
    for (const region of await f.folders()) {
      for (const folder of await f.folders(region)) {
        const table = await f.json(`${region}/${folder}/table.json`);
        const name = str(get(table, 'TableName')) ?? folder;
        resources.push({ selector: f.selector(region, folder), name: `${name} (${region})`, kind: 'table' });
      }
    }
    return { resources, unrestorable: [], manual: [] };
  },
};

const lambda: LayerSpec = {
  collector: 'lambda',
  root: 'lambda_functions',
  layer: 'functions',
  service: 'Lambda functions (code, configuration, aliases, triggers)',
  dependsOn: ['iam', 's3', 'dynamodb'],
  why: 'After IAM (each function runs as an execution role), storage and data (what the functions use, and the tables their event source mappings read); before API Gateway and CloudFront, which invoke them.',
  async read(f) {
    const resources: RunbookResource[] = [];
    const unrestorable: Unrestorable[] = [];
    for (const folder of await f.folders()) {
      const selector = f.selector(folder);
      const config = await f.json(`${folder}/config.json`);
      const name = str(get(config, 'FunctionName')) ?? folder;
      const runtime = str(get(config, 'Runtime'));
      const packageType = str(get(config, 'PackageType'));
      resources.push({ selector, name, kind: 'function', ...(runtime || packageType === 'Image' ? { detail: runtime ?? 'container image' } : {}) });
      const variables = names(get(await f.json(`${folder}/environment_variables.json`), 'Variables'));
      if (variables.length) {
        unrestorable.push({
          resource: selector,
          what: `the values of its environment variables ${list(variables, 50)} (the archive keeps their names and keyed fingerprints only)`,
          where: 'the live function while it exists (a restore keeps a live value whose fingerprint matches the version), otherwise your secrets manager; give them to `snap restore` with --secrets FILE.',
          secrets: { scope: `lambda:${folder}`, names: variables },
        });
      }
      if (packageType === 'Image') {
        const code = await f.json(`${folder}/code.json`);
        const uri = str(get(code, 'imageUri')) ?? str(get(code, 'resolvedImageUri'));
        unrestorable.push({
          resource: selector,
          what: `its container image${uri ? ` ${uri}` : ''} (only the image's URI is archived)`,
          where: 'the ECR repository it names: keep it, or rebuild the image and push it there before restoring the function.',
        });
      }
      const layers = Array.isArray(get(config, 'Layers')) ? (get(config, 'Layers') as unknown[]).map((l) => str(get(l, 'Arn'))).filter((a): a is string => Boolean(a)) : [];
      if (layers.length) {
        unrestorable.push({
          resource: selector,
          what: `the content of its Lambda layer version${layers.length === 1 ? '' : 's'} ${list(layers)}`,
          where: 'the account that published it, while the layer version exists (download it); otherwise publish it again from its source.',
          commands: layers.map((arn) => `aws lambda get-layer-version-by-arn --arn ${shellWord(arn)} --query Content.Location`),
        });
      }
    }
    return { resources, unrestorable, manual: [] };
  },
};

const apigateway: LayerSpec = {
  collector: 'apigateway',
  root: 'apigateway',
  layer: 'API Gateway',
  service: 'API Gateway REST APIs and their stages',
  dependsOn: ['lambda'],
  why: 'After functions: integrations and authorizers call Lambda functions by ARN. Before CloudFront, which may use a stage as an origin.',
  async read(f) {
    const resources: RunbookResource[] = [];
    const unrestorable: Unrestorable[] = [];
    for (const region of await f.folders()) {
      for (const folder of await f.folders(region)) {
        const api = await f.json(`${region}/${folder}/api.json`);
        const name = str(get(api, 'name')) ?? folder;
        const stages = await f.folders(`${region}/${folder}/stages`);
        resources.push({ selector: f.selector(region, folder), name: `${name} (${region})`, kind: 'REST API', ...(stages.length ? { detail: `stages ${list(stages)}` } : {}) });
        for (const stage of stages) {
          const variables = names(get(await f.json(`${region}/${folder}/stages/${stage}/stage.json`), 'variables'));
          if (!variables.length) continue;
          unrestorable.push({
            resource: f.selector(region, folder, 'stages', stage),
            what: `the values of stage variables ${list(variables, 50)} of stage ${stage} (names and keyed fingerprints only)`,
            where: 'the live stage while it exists, otherwise your secrets manager; give them to `snap restore` with --secrets FILE.',
            secrets: { scope: `apigateway:${name}/${stage}`, names: variables },
          });
        }
      }
    }
    return { resources, unrestorable, manual: [] };
  },
};

const ses: LayerSpec = {
  collector: 'ses',
  root: 'ses',
  layer: 'email',
  service: 'SES sending identities and configuration sets',
  dependsOn: ['iam'],
  why: 'Sending identities the functions mail from. A re-created identity must be verified again through DNS records, which the DNS layer (later) publishes.',
  async read(f) {
    const resources: RunbookResource[] = [];
    const domains: string[] = [];
    for (const region of await f.folders()) {
      for (const folder of await f.folders(`${region}/identities`)) {
        const identity = await f.json(`${region}/identities/${folder}/identity.json`);
        const name = str(get(identity, 'IdentityName')) ?? folder;
        if (get(identity, 'IdentityType') !== 'EMAIL_ADDRESS' && !name.includes('@')) domains.push(name);
        resources.push({ selector: f.selector(region, 'identities', folder), name: `${name} (${region})`, kind: 'identity' });
      }
      for (const folder of await f.folders(`${region}/configuration_sets`)) {
        resources.push({ selector: f.selector(region, 'configuration_sets', folder), name: `${folder} (${region})`, kind: 'configuration set' });
      }
    }
    const unrestorable: Unrestorable[] = domains.length
      ? [{
          resource: f.selector(),
          what: `DKIM signing keys and the verification of ${list([...new Set(domains)].sort(byteOrder))}`,
          where: 'AWS, when an identity is created again: it gives new DKIM tokens; publish the CNAME records they name (in Route53) and wait for verification. A key you brought yourself (BYODKIM) comes from where you keep it.',
        }]
      : [];
    return { resources, unrestorable, manual: [] };
  },
};

const rds: LayerSpec = {
  collector: 'rds',
  root: 'rds',
  layer: 'database',
  service: 'RDS and Aurora databases (configuration only)',
  dependsOn: ['iam'],
  why: 'Independent of the layers above; restore it before CDN and DNS send traffic back to applications that need it. Only configuration is archived: the data comes from RDS itself.',
  async read(f) {
    const resources: RunbookResource[] = [];
    const unrestorable: Unrestorable[] = [];
    for (const region of await f.folders()) {
      for (const [folder, file, kind] of [['instances', 'instance.json', 'DB instance'], ['clusters', 'cluster.json', 'DB cluster']] as const) {
        for (const id of await f.folders(`${region}/${folder}`)) {
          const db = await f.json(`${region}/${folder}/${id}/${file}`);
          const engine = [str(get(db, 'Engine')), str(get(db, 'EngineVersion'))].filter(Boolean).join(' ');
          const selector = f.selector(region, folder, id);
          resources.push({ selector, name: `${id} (${region})`, kind, ...(engine ? { detail: engine } : {}) });
          const cluster = kind === 'DB cluster';
          unrestorable.push({
            resource: selector,
            what: `the data of ${kind} ${id} (only its configuration is archived)`,
            where: `RDS's own automated backups and snapshots in ${region}: restore one into a new ${cluster ? 'cluster' : 'instance'} (or to a point in time), then point the application at it.`,
            commands: cluster
              ? [
                  `aws rds describe-db-cluster-snapshots --region ${region} --db-cluster-identifier ${shellWord(id)}`,
                  `aws rds restore-db-cluster-to-point-in-time --region ${region} --source-db-cluster-identifier ${shellWord(id)} --db-cluster-identifier ${shellWord(`${id}-restored`)} --use-latest-restorable-time`,
                ]
              : [
                  `aws rds describe-db-snapshots --region ${region} --db-instance-identifier ${shellWord(id)}`,
                  `aws rds restore-db-instance-to-point-in-time --region ${region} --source-db-instance-identifier ${shellWord(id)} --target-db-instance-identifier ${shellWord(`${id}-restored`)} --use-latest-restorable-time`,
                ],
          });
          const user = str(get(db, 'MasterUsername'));
          const managed = str(get(db, 'MasterUserSecret', 'SecretArn'));
          if (user) {
            unrestorable.push({
              resource: selector,
              what: `the password of its master user ${user}`,
              where: managed ? `AWS Secrets Manager, secret ${managed} (RDS manages it).` : 'your secrets manager; set it on a new database with `aws rds modify-db-instance --master-user-password` (or the cluster equivalent).',
            });
          }
        }
      }
    }
    return { resources, unrestorable, manual: [] };
  },
};

const cloudfront: LayerSpec = {
  collector: 'cloudfront',
  root: 'cloudfront',
  layer: 'CDN',
  service: 'CloudFront distributions, functions and policies',
  dependsOn: ['s3', 'lambda', 'apigateway'],
  why: 'After storage, functions and API Gateway: its origins must exist first. A re-created distribution gets a new *.cloudfront.net domain name, which the DNS layer then points at.',
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

const route53: LayerSpec = {
  collector: 'route53',
  root: 'route53',
  layer: 'DNS',
  service: 'Route53 hosted zones, record sets and health checks',
  dependsOn: ['cloudfront', 'apigateway', 'ses'],
  why: 'Last of the AWS layers: records point at the distributions, APIs and mail identities restored above, so traffic moves only once everything behind it is back.',
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

const lightsail: LayerSpec = {
  collector: 'lightsail',
  root: 'lightsail',
  layer: 'servers',
  service: 'Lightsail instances (configuration) and their snapshots',
  dependsOn: [],
  why: "Independent of the layers above. The archive holds each instance's configuration; its disks come back from Lightsail instance snapshots, which live in AWS.",
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

const gas: LayerSpec = {
  collector: 'gas',
  root: 'gas_projects',
  layer: 'Apps Script',
  service: 'Google Apps Script projects',
  dependsOn: [],
  why: 'Outside AWS; restore it after functions and DNS when its scripts call the estate\'s endpoints.',
  async read(f) {
    const folders = await f.folders();
    const resources: RunbookResource[] = [];
    for (const folder of folders) {
      const project = await f.json(`${folder}/project.json`);
      const title = str(get(project, 'title'));
      resources.push({ selector: f.selector(folder), name: folder, kind: 'project', ...(title && title !== folder ? { detail: title } : {}) });
    }
    if (!folders.length) return EMPTY;
    return {
      resources,
      unrestorable: [{
        resource: f.selector(),
        what: 'script properties, triggers and the authorizations users granted',
        where: 'nowhere in the archive (the Apps Script API does not expose them): set them again in the script editor.',
      }],
      manual: [{
        title: 'Without snap restore: push each project with clasp from the copy made before you started (its folder holds its .clasp.json):',
        commands: (w) => folders.map((p) => `(cd ${w.checkout}/${shellWord(f.selector(p))} && clasp push)`),
      }],
    };
  },
};

const local: LayerSpec = {
  collector: 'local',
  root: 'local_repos',
  layer: 'local tools',
  service: 'local folders and git repositories',
  dependsOn: [],
  why: 'Deployment scripts and dashboards that live next to the estate. Nothing depends on them in AWS; copy them out first when the recovery itself uses them.',
  async read(f) {
    const resources: RunbookResource[] = [];
    const unrestorable: Unrestorable[] = [];
    const copies: { folder: string; target: string; bundle: boolean; files: boolean }[] = [];
    for (const folder of await f.folders()) {
      const repo = await f.json(`${folder}/repo.json`);
      const record = repo ?? (await f.json(`${folder}/folder.json`));
      resources.push({ selector: f.selector(folder), name: folder, kind: repo ? 'git repository' : 'folder', ...(str(get(record, 'path')) ? { detail: `from ${str(get(record, 'path'))}` } : {}) });
      // The file list, sharded under listing/ (a single files.json in versions before sharding).
      const files: unknown[] = [];
      for (const shard of (await f.folders(folder)).includes('listing') ? await f.files(`${folder}/listing`) : []) files.push(...((get(await f.json(`${folder}/listing/${shard}`), 'files') as unknown[] | undefined) ?? []));
      if (files.length === 0) files.push(...((get(await f.json(`${folder}/files.json`), 'files') as unknown[] | undefined) ?? []));
      copies.push({
        folder,
        target: str(get(record, 'path')) ?? folder,
        // A repository without commits has no bundle: only its files/ come back.
        bundle: Boolean(repo) && (await f.files(folder)).includes('bundle.git'),
        files: (await f.folders(folder)).includes('files'),
      });
      const secret = files.filter((r) => get(r, 'storage') === 'secret').map((r) => str(get(r, 'path'))).filter((p): p is string => Boolean(p)).sort(byteOrder);
      if (secret.length) {
        unrestorable.push({
          resource: f.selector(folder),
          what: `secret file${secret.length === 1 ? '' : 's'} ${list(secret, 20)} (only keyed fingerprints are archived)`,
          where: 'wherever you keep such files (a password manager, the service that issued them).',
        });
      }
      const remotes = get(repo, 'remotes');
      const withCredentials = names(remotes).filter((r) => str(get(remotes, r, 'credentials')));
      if (withCredentials.length) {
        unrestorable.push({
          resource: f.selector(folder),
          what: `the credentials in the URL of remote${withCredentials.length === 1 ? '' : 's'} ${withCredentials.join(', ')}`,
          where: 'your git host: make a new token.',
        });
      }
    }
    const manual: ManualStep[] = copies.length
      ? [{
          title: [
            'Without snap restore, each back at the path it was archived from (a relative path is relative to the',
            "archive's folder): a repository from its bundle (every ref), then its uncommitted files; a folder from",
            'its files, in the copy made before you started. Secret files are not among them.',
          ].join('\n'),
          commands: (w) => [
            ...copies.flatMap((c) => [
              ...(c.bundle ? [`snap cat ${w.version} ${shellWord(f.selector(c.folder, 'bundle.git'))} > ${w.work}/${shellWord(`${c.folder}.bundle`)}`, `git clone ${w.work}/${shellWord(`${c.folder}.bundle`)} ${pathWord(c.target)}`] : []),
              ...(c.files ? [`${c.bundle ? '' : `mkdir -p ${pathWord(c.target)} && `}cp -R ${w.checkout}/${shellWord(f.selector(c.folder, 'files'))}/. ${pathWord(c.target)}/`] : []),
            ]),
          ],
        }]
      : [];
    return { resources, unrestorable, manual };
  },
};

/** Every layer the runbook knows, in the order `snap restore` applies them (RESTORE_ORDER). */
export const LAYERS: readonly LayerSpec[] = [iam, s3, dynamodb, lambda, apigateway, ses, rds, cloudfront, route53, lightsail, gas, local];

// ---- shell words -------------------------------------------------------------------------

const PLAIN_WORD = /^[A-Za-z0-9._\/@%+=:,-][A-Za-z0-9._\/@%+=:,~-]*$/;

/** A path as a shell word, keeping a leading ~/ unquoted so the shell still expands it. */
export function pathWord(path: string): string {
  if (path === '~') return '~';
  return path.startsWith('~/') ? `~/${shellWord(path.slice(2))}` : shellWord(path);
}

/** A word the shell reads back unchanged: as is when plain, else in single quotes. */
export function shellWord(word: string): string {
  return PLAIN_WORD.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
