// Managed policies attached to (or bounding) the captured principals, each written once
// however many principals use it: its metadata and the document of its default version.
// AWS managed policies (account "aws" in the ARN) are kept apart from the account's own,
// because their names are unique only within each owner.
import { GetPolicyCommand, GetPolicyVersionCommand, type Policy } from '@aws-sdk/client-iam';
import { safeSegment } from '../../../archive/paths.js';
import type { IamReader } from './principals.js';
import { parsePolicyDocument } from './policy-document.js';

export type PolicyOwner = 'aws' | 'customer';

/** Where a managed policy's file lives, from its ARN alone (so a failed read can be carried over). */
export function managedPolicyFolder(arn: string): { owner: PolicyOwner; name: string; folder: string } {
  const parts = arn.split(':');
  const owner: PolicyOwner = parts[4] === 'aws' ? 'aws' : 'customer';
  const resource = parts.slice(5).join(':');
  const name = resource.slice(resource.lastIndexOf('/') + 1);
  return { owner, name, folder: `policies/${owner}/${safeSegment(name)}` };
}

export interface ManagedPolicyRecord extends Omit<Policy, 'DefaultVersionId'> {
  DefaultVersionId?: string | undefined;
  Owner: PolicyOwner;
  /** the default version's document, parsed */
  Document?: unknown;
  /** principals captured in this version that use it, e.g. "role/orders-fn" */
  UsedBy: string[];
}

export async function readManagedPolicy(r: IamReader, arn: string, usedBy: string[]): Promise<ManagedPolicyRecord> {
  const opts = { abortSignal: r.signal };
  const policy = (await r.client.send(new GetPolicyCommand({ PolicyArn: arn }), opts)).Policy;
  if (!policy) throw new Error('GetPolicy returned no policy');
  const record: ManagedPolicyRecord = { ...policy, Owner: managedPolicyFolder(arn).owner, UsedBy: [...usedBy].sort() };
  if (policy.DefaultVersionId) {
    const version = (await r.client.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: policy.DefaultVersionId }), opts)).PolicyVersion;
    record.Document = parsePolicyDocument(version?.Document);
  }
  return record;
}
