// The RDS collector (rds/): in each configured region, every DB instance and cluster (RDS and
// Aurora) with its endpoint, port and a password-free connection string, engine version,
// parameter groups with their custom (user-set) parameters, subnet groups, and the VPC
// security groups the databases use, with their rules (from EC2).
//
//   rds/<region>/instances/<id>/instance.json
//   rds/<region>/clusters/<id>/cluster.json
//   rds/<region>/parameter_groups/<name>/parameter_group.json
//   rds/<region>/cluster_parameter_groups/<name>/parameter_group.json
//   rds/<region>/subnet_groups/<name>/subnet_group.json
//   rds/<region>/security_groups/<sg-id>/security_group.json
//
// Each list of a region stands alone: a refused one is a coverage finding, one that fails
// otherwise is carried over from the previous version, and so is a parameter group whose
// parameters cannot be read.
import {
  paginateDescribeDBClusterParameterGroups,
  paginateDescribeDBClusterParameters,
  paginateDescribeDBClusters,
  paginateDescribeDBInstances,
  paginateDescribeDBParameterGroups,
  paginateDescribeDBParameters,
  paginateDescribeDBSubnetGroups,
  RDSClient,
  type Parameter,
} from '@aws-sdk/client-rds';
import { EC2Client } from '@aws-sdk/client-ec2';
import { safeSegment } from '../../../archive/paths.js';
import { mapLimit } from '../../../util/limiter.js';
import type { Collector, CollectContext } from '../../types.js';
import { collectorRegions } from '../shared/config.js';
import { recordRefusal } from '../shared/errors.js';
import { rdsConfigSchema, type RdsConfig } from './config.js';
import { connectionString } from './connection.js';
import { clusterRules, instanceRules, parameterGroupRules, securityGroupRules, subnetGroupRules } from './rules.js';
import { describeSecurityGroups } from './security-groups.js';
import { rdsRunbook } from './runbook.js';

export interface RdsCollectorOptions {
  /** MaxRecords of the RDS describe calls (20–100); tests lower it to exercise pagination */
  pageSize?: number;
}

const field = (value: unknown, key: string) => String((value as Record<string, unknown> | null)?.[key] ?? '?');

export function createRdsCollector(options: RdsCollectorOptions = {}): Collector<RdsConfig> {
  const pageSize = Math.min(100, Math.max(20, options.pageSize ?? 100));
  return {
    id: 'rds',
    title: 'RDS and Aurora databases',
    root: 'rds',
    platform: 'aws',
    configSchema: rdsConfigSchema,
    enabledByDefault: true,
    runbook: rdsRunbook,
    resources: [
      { pattern: '*/instances/*/instance.json', kind: 'DB instance', rules: instanceRules, label: (v) => field(v, 'DBInstanceIdentifier') },
      { pattern: '*/clusters/*/cluster.json', kind: 'DB cluster', rules: clusterRules, label: (v) => field(v, 'DBClusterIdentifier') },
      { pattern: '*/parameter_groups/*/parameter_group.json', kind: 'DB parameter group', rules: parameterGroupRules, label: (v) => field(v, 'DBParameterGroupName') },
      { pattern: '*/cluster_parameter_groups/*/parameter_group.json', kind: 'DB cluster parameter group', rules: parameterGroupRules, label: (v) => field(v, 'DBClusterParameterGroupName') },
      { pattern: '*/subnet_groups/*/subnet_group.json', kind: 'DB subnet group', rules: subnetGroupRules, label: (v) => field(v, 'DBSubnetGroupName') },
      { pattern: '*/security_groups/*/security_group.json', kind: 'VPC security group', rules: securityGroupRules, label: (v) => `${field(v, 'GroupId')} (${field(v, 'GroupName')})` },
    ],
    collect: (ctx) => collectRds(ctx, pageSize),
  };
}

export const rdsCollector = createRdsCollector();

type Listed<T> = T[] | 'refused' | 'failed';

async function all<P, T>(pages: AsyncIterable<P>, items: (page: P) => T[] | undefined): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...(items(page) ?? []));
  return out;
}

/** One list of a region: refused → finding; failed → partial, its folder carried over. */
async function list<T>(ctx: CollectContext<RdsConfig>, region: string, folder: string, read: () => Promise<T[]>): Promise<Listed<T>> {
  try {
    return await read();
  } catch (err) {
    if (recordRefusal(ctx, `rds:${region}/${folder}`, err)) return 'refused';
    ctx.partial(`rds/${region}/${folder}`, err);
    await ctx.carryOver(`${region}/${folder}`);
    return 'failed';
  }
}

const items = <T>(l: Listed<T>): T[] => (Array.isArray(l) ? l : []);

async function collectRds(ctx: CollectContext<RdsConfig>, pageSize: number): Promise<void> {
  for (const region of collectorRegions(ctx.config, ctx.aws.settings)) {
    ctx.progress.phase(region);
    await collectRegion(ctx, region, pageSize);
  }
}

async function collectRegion(ctx: CollectContext<RdsConfig>, region: string, pageSize: number): Promise<void> {
  const rds = ctx.aws.get(RDSClient, region);
  const opts = { abortSignal: ctx.signal };
  const paging = { client: rds, pageSize };
  const securityGroupIds = new Set<string>();

  const instances = await list(ctx, region, 'instances', () => all(paginateDescribeDBInstances(paging, {}, opts), (p) => p.DBInstances));
  for (const db of items(instances)) {
    const id = db.DBInstanceIdentifier ?? '';
    const ConnectionString = connectionString({ engine: db.Engine, user: db.MasterUsername, host: db.Endpoint?.Address, port: db.Endpoint?.Port, database: db.DBName });
    ctx.out.json(`${region}/instances/${safeSegment(id)}/instance.json`, { ...db, ConnectionString }, instanceRules);
    for (const sg of db.VpcSecurityGroups ?? []) if (sg.VpcSecurityGroupId) securityGroupIds.add(sg.VpcSecurityGroupId);
    ctx.count('instances');
  }

  const clusters = await list(ctx, region, 'clusters', () => all(paginateDescribeDBClusters(paging, {}, opts), (p) => p.DBClusters));
  for (const cluster of items(clusters)) {
    const id = cluster.DBClusterIdentifier ?? '';
    const endpoint = (host: string | undefined) => connectionString({ engine: cluster.Engine, user: cluster.MasterUsername, host, port: cluster.Port, database: cluster.DatabaseName });
    const ConnectionStrings = { writer: endpoint(cluster.Endpoint), reader: endpoint(cluster.ReaderEndpoint) };
    ctx.out.json(`${region}/clusters/${safeSegment(id)}/cluster.json`, { ...cluster, ConnectionStrings }, clusterRules);
    for (const sg of cluster.VpcSecurityGroups ?? []) if (sg.VpcSecurityGroupId) securityGroupIds.add(sg.VpcSecurityGroupId);
    ctx.count('clusters');
  }

  // Parameter groups, with the parameters set by the user (Source "user"). Default groups
  // cannot be modified, so they have none and are not asked.
  const groups = await list(ctx, region, 'parameter_groups', () => all(paginateDescribeDBParameterGroups(paging, {}, opts), (p) => p.DBParameterGroups));
  await mapLimit(items(groups), ctx.config.concurrency, async (group) => {
    const name = group.DBParameterGroupName ?? '';
    const folder = `${region}/parameter_groups/${safeSegment(name)}`;
    try {
      const Parameters = name.startsWith('default.') ? [] : await all(paginateDescribeDBParameters(paging, { DBParameterGroupName: name, Source: 'user' }, opts), (p) => p.Parameters);
      ctx.out.json(`${folder}/parameter_group.json`, { ...group, Parameters: userSet(Parameters) }, parameterGroupRules);
      ctx.count('parameterGroups');
    } catch (err) {
      if (recordRefusal(ctx, `rds/${folder}`, err)) return;
      ctx.partial(`rds/${folder}`, err);
      await ctx.carryOver(folder);
    }
  });

  const clusterGroups = await list(ctx, region, 'cluster_parameter_groups', () => all(paginateDescribeDBClusterParameterGroups(paging, {}, opts), (p) => p.DBClusterParameterGroups));
  await mapLimit(items(clusterGroups), ctx.config.concurrency, async (group) => {
    const name = group.DBClusterParameterGroupName ?? '';
    const folder = `${region}/cluster_parameter_groups/${safeSegment(name)}`;
    try {
      const Parameters = name.startsWith('default.') ? [] : await all(paginateDescribeDBClusterParameters(paging, { DBClusterParameterGroupName: name, Source: 'user' }, opts), (p) => p.Parameters);
      ctx.out.json(`${folder}/parameter_group.json`, { ...group, Parameters: userSet(Parameters) }, parameterGroupRules);
      ctx.count('clusterParameterGroups');
    } catch (err) {
      if (recordRefusal(ctx, `rds/${folder}`, err)) return;
      ctx.partial(`rds/${folder}`, err);
      await ctx.carryOver(folder);
    }
  });

  const subnetGroups = await list(ctx, region, 'subnet_groups', () => all(paginateDescribeDBSubnetGroups(paging, {}, opts), (p) => p.DBSubnetGroups));
  for (const group of items(subnetGroups)) {
    ctx.out.json(`${region}/subnet_groups/${safeSegment(group.DBSubnetGroupName ?? '')}/subnet_group.json`, group, subnetGroupRules);
    ctx.count('subnetGroups');
  }

  // Security groups: only when both database lists were read, since a carried-over list
  // names groups this run did not see; otherwise the previous ones are carried over too.
  if (instances === 'failed' || clusters === 'failed') {
    await ctx.carryOver(`${region}/security_groups`);
    return;
  }
  if (securityGroupIds.size === 0) return;
  const ids = [...securityGroupIds].sort();
  try {
    const found = await describeSecurityGroups(ctx.aws.get(EC2Client, region), ids, ctx.signal);
    for (const sg of found) {
      ctx.out.json(`${region}/security_groups/${safeSegment(sg.GroupId ?? '')}/security_group.json`, sg, securityGroupRules);
      ctx.count('securityGroups');
    }
    const seen = new Set(found.map((sg) => sg.GroupId));
    for (const id of ids) if (!seen.has(id)) ctx.finding({ resource: `rds/${region}/security_groups/${id}`, reason: 'NotFound', detail: 'used by a database but not described by EC2' });
  } catch (err) {
    if (recordRefusal(ctx, `ec2:${region}/security_groups`, err)) return;
    ctx.partial(`rds/${region}/security_groups`, err);
    await ctx.carryOver(`${region}/security_groups`);
  }
}

/**
 * Only the parameters a user set: the Source filter asks RDS for exactly these, and the
 * check here keeps the file right should an answer include engine defaults anyway.
 */
function userSet(parameters: Parameter[]): Parameter[] {
  return parameters.filter((p) => p.Source === undefined || p.Source === 'user');
}
