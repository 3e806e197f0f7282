// Managed policies attached to (or bounding) the captured principals, each written once
// however many principals use it: its metadata, the document of its default version, and for
// the account's own (customer managed) policies every version IAM keeps (at most five), so a
// restore can make the version's default the default again instead of writing a new one, and
// knows which live versions the version never had. AWS managed policies (account "aws" in the
// ARN) are kept apart from the account's own, because their names are unique only within
// each owner; their versions are AWS's and are not archived.
import { GetPolicyCommand, GetPolicyVersionCommand, ListPolicyVersionsCommand, type Policy } from '@aws-sdk/client-iam';
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

/** One version of a customer managed policy, as archived. */
export interface PolicyVersionRecord {
  VersionId: string;
  IsDefaultVersion: boolean;
  CreateDate?: string | Date | undefined;
  /** parsed */
  Document?: unknown;
}

export interface ManagedPolicyRecord extends Omit<Policy, 'DefaultVersionId'> {
  DefaultVersionId?: string | undefined;
  Owner: PolicyOwner;
  /** the default version's document, parsed */
  Document?: unknown;
  /** customer managed policies: every version IAM keeps (absent in versions archived before, or when listing them was refused) */
  Versions?: PolicyVersionRecord[];
  /** principals captured in this version that use it, e.g. "role/orders-fn" */
  UsedBy: string[];
}

/** `refused(err)` is told when the versions may not be listed: they are left out of the record, and the caller records a finding. */
export async function readManagedPolicy(r: IamReader, arn: string, usedBy: string[], refused: (err: unknown) => boolean = () => false): Promise<ManagedPolicyRecord> {
  const opts = { abortSignal: r.signal };
  const policy = (await r.client.send(new GetPolicyCommand({ PolicyArn: arn }), opts)).Policy;
  if (!policy) throw new Error('GetPolicy returned no policy');
  const record: ManagedPolicyRecord = { ...policy, Owner: managedPolicyFolder(arn).owner, UsedBy: [...usedBy].sort() };
  if (policy.DefaultVersionId) {
    const version = (await r.client.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: policy.DefaultVersionId }), opts)).PolicyVersion;
    record.Document = parsePolicyDocument(version?.Document);
  }
  if (record.Owner === 'customer') {
    try {
      // IAM keeps at most five versions: one page. The list answers without documents.
      const listed = (await r.client.send(new ListPolicyVersionsCommand({ PolicyArn: arn }), opts)).Versions ?? [];
      const versions: PolicyVersionRecord[] = [];
      for (const v of listed) {
        if (!v.VersionId) continue;
        const document = v.VersionId === policy.DefaultVersionId ? record.Document : parsePolicyDocument((await r.client.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: v.VersionId }), opts)).PolicyVersion?.Document);
        versions.push({ VersionId: v.VersionId, IsDefaultVersion: v.IsDefaultVersion === true, CreateDate: v.CreateDate, Document: document });
      }
      record.Versions = versions;
    } catch (err) {
      if (!refused(err)) throw err;
    }
  }
  return record;
}
