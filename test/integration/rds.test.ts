// The RDS collector against moto: instances and Aurora clusters with endpoints and
// password-free connection strings, custom parameters, subnet groups, and the VPC security
// groups they use (from EC2). moto does not enforce IAM, so refusals come from the refusing
// proxy. moto pages the RDS describe calls (MaxRecords/Marker); pagination is shown on a
// us-west-2 fleet of parameter groups, because moto takes over a second to make each instance.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateDBClusterCommand,
  CreateDBClusterParameterGroupCommand,
  CreateDBInstanceCommand,
  CreateDBParameterGroupCommand,
  CreateDBSubnetGroupCommand,
  DeleteDBInstanceCommand,
  ModifyDBClusterParameterGroupCommand,
  ModifyDBParameterGroupCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Archive } from '../../src/archive/archive.js';
import { createRdsCollector } from '../../src/collectors/aws/rds/collect.js';
import { walkFiles } from '../../src/git/tree-walk.js';
import { collectorContract } from '../helpers/collector-contract.js';
import { makeArchive, readVersion, snapshot } from '../helpers/archive.js';
import { clientOptions, useMoto } from '../helpers/moto.js';
import { refusingProxy, type RequestInfo } from '../helpers/refusing-proxy.js';


const collector = createRdsCollector({ pageSize: 20 });
const INSTANCE_PASSWORD = 'planted-Master-Passw0rd-5150';
const CLUSTER_PASSWORD = 'planted-Aurora-Passw0rd-2112';
const FLEET = 21; // one more than a page (RDS's smallest MaxRecords is 20)
const GOLDEN = join(import.meta.dirname, '../golden/rds/tree.json');
const ids: Record<string, string> = {};

async function seed(endpoint: string): Promise<void> {
  const ec2 = new EC2Client(clientOptions(endpoint));
  const rds = new RDSClient(clientOptions(endpoint));
  ids.vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc!.VpcId!;
  ids.subnetA = (await ec2.send(new CreateSubnetCommand({ VpcId: ids.vpc, CidrBlock: '10.0.1.0/24', AvailabilityZone: 'us-east-1a' }))).Subnet!.SubnetId!;
  ids.subnetB = (await ec2.send(new CreateSubnetCommand({ VpcId: ids.vpc, CidrBlock: '10.0.2.0/24', AvailabilityZone: 'us-east-1b' }))).Subnet!.SubnetId!;
  ids.sg = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'orders-db', Description: 'database access', VpcId: ids.vpc }))).GroupId!;
  ids.appSg = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'orders-app', Description: 'app servers', VpcId: ids.vpc }))).GroupId!;
  await ec2.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: ids.sg,
      IpPermissions: [
        { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, IpRanges: [{ CidrIp: '192.168.0.0/24', Description: 'office' }, { CidrIp: '10.0.0.0/16', Description: 'vpc' }], UserIdGroupPairs: [{ GroupId: ids.appSg }] },
        { IpProtocol: 'tcp', FromPort: 3306, ToPort: 3306, IpRanges: [{ CidrIp: '10.0.0.0/16' }] },
      ],
    }),
  );
  await rds.send(new CreateDBSubnetGroupCommand({ DBSubnetGroupName: 'orders-subnets', DBSubnetGroupDescription: 'private subnets', SubnetIds: [ids.subnetB, ids.subnetA] }));
  await rds.send(new CreateDBParameterGroupCommand({ DBParameterGroupName: 'orders-pg16', DBParameterGroupFamily: 'postgres16', Description: 'orders tuning' }));
  await rds.send(
    new ModifyDBParameterGroupCommand({
      DBParameterGroupName: 'orders-pg16',
      Parameters: [
        { ParameterName: 'log_min_duration_statement', ParameterValue: '500', ApplyMethod: 'immediate' },
        { ParameterName: 'idle_in_transaction_session_timeout', ParameterValue: '60000', ApplyMethod: 'immediate' },
      ],
    }),
  );
  await rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: 'orders-db',
      DBInstanceClass: 'db.t3.micro',
      Engine: 'postgres',
      EngineVersion: '16.3',
      MasterUsername: 'orders_app',
      MasterUserPassword: INSTANCE_PASSWORD,
      AllocatedStorage: 20,
      DBName: 'orders',
      DBSubnetGroupName: 'orders-subnets',
      VpcSecurityGroupIds: [ids.sg],
      DBParameterGroupName: 'orders-pg16',
      Tags: [{ Key: 'team', Value: 'orders' }, { Key: 'env', Value: 'prod' }],
    }),
  );
  await rds.send(new CreateDBClusterParameterGroupCommand({ DBClusterParameterGroupName: 'analytics-cluster', DBParameterGroupFamily: 'aurora-postgresql16', Description: 'analytics' }));
  await rds.send(new ModifyDBClusterParameterGroupCommand({ DBClusterParameterGroupName: 'analytics-cluster', Parameters: [{ ParameterName: 'rds.force_ssl', ParameterValue: '1', ApplyMethod: 'pending-reboot' }] }));
  const cluster = await rds.send(
    new CreateDBClusterCommand({
      DBClusterIdentifier: 'analytics',
      Engine: 'aurora-postgresql',
      EngineVersion: '16.1',
      MasterUsername: 'analyst',
      MasterUserPassword: CLUSTER_PASSWORD,
      DatabaseName: 'warehouse',
      DBSubnetGroupName: 'orders-subnets',
      VpcSecurityGroupIds: [ids.sg],
      DBClusterParameterGroupName: 'analytics-cluster',
    }),
  );
  ids.clusterEndpoint = cluster.DBCluster!.Endpoint!.split('.')[1]!;
  ids.clusterReader = cluster.DBCluster!.ReaderEndpoint!.split('.')[1]!;

  const west = new RDSClient(clientOptions(endpoint, 'us-west-2'));
  for (let i = 0; i < FLEET; i++) {
    await west.send(new CreateDBParameterGroupCommand({ DBParameterGroupName: `fleet-${String(i).padStart(2, '0')}`, DBParameterGroupFamily: 'mysql8.0', Description: 'fleet' }));
  }
}

async function treeOf(archive: Archive, root: string): Promise<Record<string, unknown>> {
  const v = await readVersion(archive, 'latest');
  const oid = (await archive.repo.entryAt(v.treeOid, root))!.oid;
  const out: Record<string, unknown> = {};
  for await (const f of walkFiles(archive.repo, oid)) out[f.path] = JSON.parse(Buffer.from(await archive.repo.readBlob(f.oid)).toString('utf8'));
  return out;
}

/** Emulator-made values (random ids, times, maintenance windows) as placeholders. */
function masked(tree: Record<string, unknown>): unknown {
  let text = JSON.stringify(tree);
  // Subnets are sorted by their (random) ids: number them in that order, and leave out which
  // zone each is in, so the golden file does not depend on how the ids fell.
  const { subnetA, subnetB, ...others } = ids;
  [subnetA!, subnetB!].sort().forEach((id, i) => (text = text.replaceAll(id, `{subnet-${i + 1}}`)));
  text = text.replace(/"SubnetAvailabilityZone":\{"Name":"[^"]*"\}/g, '"SubnetAvailabilityZone":"<zone>"');
  for (const [name, id] of Object.entries(others)) text = text.replaceAll(id, `{${name}}`);
  text = text
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>')
    .replace(/"(DbiResourceId|DbClusterResourceId|HostedZoneId|PreferredBackupWindow|PreferredMaintenanceWindow)":"[^"]*"/g, '"$1":"<generated>"');
  return JSON.parse(text);
}

describe('RDS collector', () => {
  const { endpoint } = useMoto();
  let archive: Archive;
  const requests: RequestInfo[] = [];

  beforeAll(async () => {
    await seed(endpoint);
    const recorder = await refusingProxy(endpoint, (req) => {
      requests.push(req);
      return false;
    });
    archive = await makeArchive({ collectors: { rds: {} }, endpoint: recorder.endpoint, regions: ['us-east-1', 'us-west-2'] });
  });

  collectorContract({ archive: () => archive, collectors: [collector], root: 'rds', secrets: [INSTANCE_PASSWORD, CLUSTER_PASSWORD] });

  it('captures instances with endpoint, port and a connection string without password', async () => {
    const v = await readVersion(archive, 'latest', 'rds/us-east-1');
    const db = (await v.json<any>('instances/orders-db/instance.json'))!;
    expect(db).toMatchObject({ Engine: 'postgres', EngineVersion: '16.3', Endpoint: { Port: 5432 }, MasterUsername: 'orders_app' });
    expect(db.ConnectionString).toBe(`postgresql://orders_app@${db.Endpoint.Address}:5432/orders`);
    expect(db.VpcSecurityGroups).toEqual([{ VpcSecurityGroupId: ids.sg }]);
    expect(db.DBParameterGroups).toEqual([{ DBParameterGroupName: 'orders-pg16' }]);
    expect(db.TagList.map((t: any) => t.Key)).toEqual(['env', 'team']);
    for (const volatile of ['DBInstanceStatus', 'LatestRestorableTime', 'MasterUserPassword']) expect(db).not.toHaveProperty(volatile);
  });

  it('captures Aurora clusters with writer and reader connection strings', async () => {
    const v = await readVersion(archive, 'latest', 'rds/us-east-1');
    const cluster = (await v.json<any>('clusters/analytics/cluster.json'))!;
    expect(cluster.ConnectionStrings).toEqual({ writer: `postgresql://analyst@${cluster.Endpoint}:5432/warehouse`, reader: `postgresql://analyst@${cluster.ReaderEndpoint}:5432/warehouse` });
    expect(cluster).not.toHaveProperty('Status');
    expect(cluster).not.toHaveProperty('LatestRestorableTime');
  });

  it('captures custom parameters, subnet groups and the security groups in use with sorted rules', async () => {
    const v = await readVersion(archive, 'latest', 'rds/us-east-1');
    const pg = (await v.json<any>('parameter_groups/orders-pg16/parameter_group.json'))!;
    expect(pg.Parameters.map((p: any) => [p.ParameterName, p.ParameterValue])).toEqual([['idle_in_transaction_session_timeout', '60000'], ['log_min_duration_statement', '500']]);
    const cpg = (await v.json<any>('cluster_parameter_groups/analytics-cluster/parameter_group.json'))!;
    expect(cpg.Parameters.map((p: any) => p.ParameterName)).toEqual(['rds.force_ssl']);
    const subnets = (await v.json<any>('subnet_groups/orders-subnets/subnet_group.json'))!;
    expect(subnets.Subnets.map((s: any) => s.SubnetIdentifier)).toEqual([ids.subnetA, ids.subnetB].sort());
    const sg = (await v.json<any>(`security_groups/${ids.sg}/security_group.json`))!;
    expect(sg.IpPermissions.map((p: any) => p.FromPort)).toEqual([3306, 5432]);
    expect(sg.IpPermissions[1].IpRanges.map((r: any) => r.CidrIp)).toEqual(['10.0.0.0/16', '192.168.0.0/24']);
    expect(sg.IpPermissions[1].UserIdGroupPairs[0].GroupId).toBe(ids.appSg);
    // Only the groups databases use.
    expect(await v.entry(`security_groups/${ids.appSg}`)).toBeNull();
  });

  it('reads every page of a list longer than a page', async () => {
    const v = await readVersion(archive, 'latest', 'rds/us-west-2/parameter_groups');
    expect((await v.list()).length).toBe(FLEET);
    const pages = requests.filter((r) => r.service === 'rds' && r.region === 'us-west-2' && r.action === 'DescribeDBParameterGroups');
    expect(pages.some((r) => new URLSearchParams(r.body).get('Marker'))).toBe(true);
  });

  it('records refusals as coverage findings and keeps the rest', async () => {
    const proxy = await refusingProxy(endpoint, (req) => (req.region === 'us-west-2' && req.action === 'DescribeDBParameterGroups') || req.service === 'ec2');
    const refused = await makeArchive({ collectors: { rds: {} }, endpoint: proxy.endpoint, regions: ['us-east-1', 'us-west-2'] });
    const result = await snapshot(refused, 'v1.0', { collectors: [collector] });
    expect(result.partial).toBe(false);
    const found = result.manifest.coverage.map((f) => `${f.resource} ${f.reason}`);
    expect(found).toContain('rds:us-west-2/parameter_groups AccessDenied');
    expect(found).toContain('ec2:us-east-1/security_groups UnauthorizedOperation');
    const v = await readVersion(refused, 'v1.0', 'rds');
    expect(await v.entry('us-east-1/instances/orders-db/instance.json')).not.toBeNull();
    expect(await v.entry('us-east-1/security_groups')).toBeNull();
    expect(await v.entry('us-west-2/parameter_groups')).toBeNull();
  });

  it('matches the golden normalized output (UPDATE_GOLDEN=1 rewrites it)', async () => {
    const actual = masked(await treeOf(archive, 'rds/us-east-1'));
    if (process.env.UPDATE_GOLDEN === '1') {
      mkdirSync(dirname(GOLDEN), { recursive: true });
      writeFileSync(GOLDEN, `${JSON.stringify(actual, null, 2)}\n`);
    }
    expect(existsSync(GOLDEN), `${GOLDEN} missing: run with UPDATE_GOLDEN=1 once`).toBe(true);
    expect(actual).toEqual(JSON.parse(readFileSync(GOLDEN, 'utf8')));
  });

  it('drops a deleted instance from the next version', async () => {
    await new RDSClient(clientOptions(endpoint)).send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'orders-db', SkipFinalSnapshot: true }));
    await snapshot(archive, undefined, { collectors: [collector] });
    const v = await readVersion(archive, 'latest', 'rds/us-east-1');
    expect(await v.entry('instances/orders-db')).toBeNull();
    expect(await v.entry('clusters/analytics/cluster.json')).not.toBeNull();
  });
});
