// The declared normalization rules of the RDS files, as data (see normalize/rules.ts).
//
// Secrets: RDS never returns a master password, but a drop rule for MasterUserPassword at any
// depth stands guard all the same (PendingModifiedValues can name a pending password change).
// MasterUserSecret keeps its Secrets Manager ARN and KMS key: references, not the secret.
//
// Dropped, and why (each moves with no change to the configuration):
//   DBInstanceStatus, cluster Status   available / backing-up / modifying / …, daily with backups
//   LatestRestorableTime, EarliestRestorableTime, EarliestBacktrackTime,
//   BacktrackConsumedChangeRecords     move continuously with the transaction log
//   PercentProgress, StatusInfos, AutomaticRestartTime, ResumeFullAutomationModeTime,
//   IOOptimizedNextAllowedModificationTime, IsStorageConfigUpgradeAvailable
//                                      progress, replication health and AWS-side offers
//   Capacity                           current Aurora Serverless v1 capacity (scales on load)
//   the Status of each security group, parameter group (ParameterApplyStatus), option group,
//   domain, role and subnet membership, a cluster member's parameter-group status and the
//   master secret's rotation status     transitional states of an applied change
//   parameter Description, AllowedValues
//                                      the engine's documentation of a parameter, not its setting
// Kept on purpose: PendingModifiedValues (a change someone made that waits for the next
// maintenance window is configuration), creation times, endpoints, CA certificate details.
import type { NormalizationRules } from '../../../normalize/rules.js';

const TRANSITIONAL_STATUS = [
  'VpcSecurityGroups[].Status',
  'DBSecurityGroups[].Status',
  'DomainMemberships[].Status',
  'AssociatedRoles[].Status',
  'MasterUserSecret.SecretStatus',
  '**.MasterUserPassword',
];

export const instanceRules: NormalizationRules = {
  drop: [
    'DBInstanceStatus',
    'LatestRestorableTime',
    'StatusInfos',
    'PercentProgress',
    'AutomaticRestartTime',
    'ResumeFullAutomationModeTime',
    'IsStorageConfigUpgradeAvailable',
    'DBParameterGroups[].ParameterApplyStatus',
    'OptionGroupMemberships[].Status',
    'DBSubnetGroup.Subnets[].SubnetStatus',
    ...TRANSITIONAL_STATUS,
  ],
  sortBy: {
    VpcSecurityGroups: 'VpcSecurityGroupId',
    DBSecurityGroups: 'DBSecurityGroupName',
    DBParameterGroups: 'DBParameterGroupName',
    OptionGroupMemberships: 'OptionGroupName',
    'DBSubnetGroup.Subnets': 'SubnetIdentifier',
    TagList: 'Key',
    AssociatedRoles: ['RoleArn', 'FeatureName'],
    ReadReplicaDBInstanceIdentifiers: null,
    ReadReplicaDBClusterIdentifiers: null,
    EnabledCloudwatchLogsExports: null,
    ProcessorFeatures: 'Name',
    DomainMemberships: 'Domain',
  },
};

export const clusterRules: NormalizationRules = {
  drop: [
    'Status',
    'EarliestRestorableTime',
    'LatestRestorableTime',
    'EarliestBacktrackTime',
    'BacktrackConsumedChangeRecords',
    'PercentProgress',
    'AutomaticRestartTime',
    'IOOptimizedNextAllowedModificationTime',
    'Capacity',
    'DBClusterOptionGroupMemberships[].Status',
    'DBClusterMembers[].DBClusterParameterGroupStatus',
    ...TRANSITIONAL_STATUS,
  ],
  sortBy: {
    AvailabilityZones: null,
    VpcSecurityGroups: 'VpcSecurityGroupId',
    DBClusterMembers: 'DBInstanceIdentifier',
    DBClusterOptionGroupMemberships: 'DBClusterOptionGroupName',
    ReadReplicaIdentifiers: null,
    CustomEndpoints: null,
    TagList: 'Key',
    AssociatedRoles: ['RoleArn', 'FeatureName'],
    EnabledCloudwatchLogsExports: null,
    DomainMemberships: 'Domain',
  },
};

export const parameterGroupRules: NormalizationRules = {
  drop: ['Parameters[].Description', 'Parameters[].AllowedValues'],
  sortBy: { Parameters: 'ParameterName', 'Parameters[].SupportedEngineModes': null },
};

export const subnetGroupRules: NormalizationRules = {
  drop: ['Subnets[].SubnetStatus'],
  sortBy: { Subnets: 'SubnetIdentifier', SupportedNetworkTypes: null },
};

/** VPC security groups: every rule list is a set, and so is each rule's list of sources. */
export const securityGroupRules: NormalizationRules = {
  sortBy: {
    IpPermissions: ['IpProtocol', 'FromPort', 'ToPort'],
    IpPermissionsEgress: ['IpProtocol', 'FromPort', 'ToPort'],
    '*[].IpRanges': 'CidrIp',
    '*[].Ipv6Ranges': 'CidrIpv6',
    '*[].PrefixListIds': 'PrefixListId',
    '*[].UserIdGroupPairs': ['GroupId', 'UserId', 'VpcPeeringConnectionId'],
    Tags: 'Key',
  },
};
