// What the recovery runbook says about this service (Collector.runbook, see src/runbook/spec.ts).
import { get, shellWord, str, type RunbookSpec, type RunbookResource, type Unrestorable } from '../../../runbook/spec.js';

export const rdsRunbook: RunbookSpec = {
  layer: 'database',
  service: 'RDS and Aurora databases (configuration only)',
  dependsOn: ['iam'],
  why: 'Independent of the layers above; restore it before CDN and DNS send traffic back to applications that need it. Only configuration is archived: the data comes from RDS itself.',
  limits: {
    restore: [
      "the archive holds each database's configuration only; its data comes back from RDS snapshots (commands below)",
    ],
  },
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
