// The RDS collector's declared rules and connection strings, as must-appear / must-not-appear
// checks: status transitions and restore times dropped, configuration (pending changes
// included) kept, rule lists of security groups sorted, never a password.
import { describe, expect, it } from 'vitest';
import { connectionString } from '../../src/collectors/aws/rds/connection.js';
import { clusterRules, instanceRules, parameterGroupRules, securityGroupRules } from '../../src/collectors/aws/rds/rules.js';
import { normalize } from '../../src/normalize/rules.js';

describe('RDS rules', () => {
  it('drops status, restore times and transitional membership states of an instance', () => {
    const out = normalize(
      {
        DBInstanceIdentifier: 'db',
        DBInstanceStatus: 'backing-up',
        LatestRestorableTime: 't',
        PendingModifiedValues: { DBInstanceClass: 'db.r6g.large', MasterUserPassword: '****' },
        VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-2', Status: 'active' }, { VpcSecurityGroupId: 'sg-1', Status: 'adding' }],
        DBParameterGroups: [{ DBParameterGroupName: 'pg', ParameterApplyStatus: 'pending-reboot' }],
        MasterUserSecret: { SecretArn: 'arn:aws:secretsmanager:us-east-1:1:secret:x', SecretStatus: 'rotating' },
        TagList: [{ Key: 'b', Value: '1' }, { Key: 'a', Value: '2' }],
      },
      instanceRules,
    ) as any;
    expect(out).toEqual({
      DBInstanceIdentifier: 'db',
      PendingModifiedValues: { DBInstanceClass: 'db.r6g.large' },
      VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-1' }, { VpcSecurityGroupId: 'sg-2' }],
      DBParameterGroups: [{ DBParameterGroupName: 'pg' }],
      MasterUserSecret: { SecretArn: 'arn:aws:secretsmanager:us-east-1:1:secret:x' },
      TagList: [{ Key: 'a', Value: '2' }, { Key: 'b', Value: '1' }],
    });
  });

  it('drops cluster status and backtrack counters, sorts members', () => {
    const out = normalize({ DBClusterIdentifier: 'c', Status: 'available', Capacity: 4, EarliestBacktrackTime: 't', DBClusterMembers: [{ DBInstanceIdentifier: 'b', IsClusterWriter: false, DBClusterParameterGroupStatus: 'in-sync' }, { DBInstanceIdentifier: 'a', IsClusterWriter: true }] }, clusterRules) as any;
    expect(out).toEqual({ DBClusterIdentifier: 'c', DBClusterMembers: [{ DBInstanceIdentifier: 'a', IsClusterWriter: true }, { DBInstanceIdentifier: 'b', IsClusterWriter: false }] });
  });

  it('keeps parameter settings, not the engine documentation', () => {
    const out = normalize({ Parameters: [{ ParameterName: 'b', ParameterValue: '2', Description: 'doc', AllowedValues: '0-9', ApplyMethod: 'immediate' }, { ParameterName: 'a', ParameterValue: '1' }] }, parameterGroupRules) as any;
    expect(out.Parameters).toEqual([{ ParameterName: 'a', ParameterValue: '1' }, { ParameterName: 'b', ParameterValue: '2', ApplyMethod: 'immediate' }]);
  });

  it('sorts security group rules and their sources', () => {
    const out = normalize(
      {
        IpPermissions: [
          { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, IpRanges: [{ CidrIp: '10.1.0.0/16' }, { CidrIp: '10.0.0.0/16' }], UserIdGroupPairs: [{ GroupId: 'sg-b' }, { GroupId: 'sg-a' }] },
          { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, Ipv6Ranges: [{ CidrIpv6: '::/0' }] },
        ],
        IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      },
      securityGroupRules,
    ) as any;
    expect(out.IpPermissions.map((p: any) => p.FromPort)).toEqual([443, 5432]);
    expect(out.IpPermissions[1].IpRanges.map((r: any) => r.CidrIp)).toEqual(['10.0.0.0/16', '10.1.0.0/16']);
    expect(out.IpPermissions[1].UserIdGroupPairs.map((r: any) => r.GroupId)).toEqual(['sg-a', 'sg-b']);
  });

  it('builds connection strings by engine, never with a password part', () => {
    expect(connectionString({ engine: 'aurora-postgresql', user: 'app', host: 'h', port: 5432, database: 'main' })).toBe('postgresql://app@h:5432/main');
    expect(connectionString({ engine: 'mariadb', user: 'a b', host: 'h', port: 3306, database: undefined })).toBe('mysql://a%20b@h:3306/');
    expect(connectionString({ engine: 'sqlserver-se', user: 'admin', host: 'h', port: 1433, database: undefined })).toBe('sqlserver://admin@h:1433/');
    expect(connectionString({ engine: 'postgres', user: 'u', host: undefined, port: undefined, database: 'x' })).toBeNull();
    expect(connectionString({ engine: 'oracle-ee', user: 'u:p', host: 'h', port: 1521, database: 'ORCL' })).toBe('oracle://u%3Ap@h:1521/ORCL');
  });
});
