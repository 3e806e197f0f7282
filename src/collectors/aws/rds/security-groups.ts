// The VPC security groups RDS instances and clusters use, read from EC2 by id with their
// inbound and outbound rules. Asked for by a group-id filter rather than GroupIds, because
// EC2 does not paginate a GroupIds request and does not allow MaxResults with it.
import { EC2Client, paginateDescribeSecurityGroups, type SecurityGroup } from '@aws-sdk/client-ec2';

const IDS_PER_FILTER = 200; // EC2's limit on the values of one filter

export async function describeSecurityGroups(client: EC2Client, ids: readonly string[], signal: AbortSignal): Promise<SecurityGroup[]> {
  const out: SecurityGroup[] = [];
  for (let i = 0; i < ids.length; i += IDS_PER_FILTER) {
    const chunk = ids.slice(i, i + IDS_PER_FILTER);
    const pages = paginateDescribeSecurityGroups({ client, pageSize: 1000 }, { Filters: [{ Name: 'group-id', Values: [...chunk] }] }, { abortSignal: signal });
    for await (const page of pages) out.push(...(page.SecurityGroups ?? []));
  }
  return out;
}
