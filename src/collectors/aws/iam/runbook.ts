// What the recovery runbook says about this service (Collector.runbook, see src/runbook/spec.ts).
import { shellWord, type RunbookSpec, type RunbookResource, type Unrestorable } from '../../../runbook/spec.js';

export const iamRunbook: RunbookSpec = {
  layer: 'IAM',
  service: 'IAM roles, users, groups and customer managed policies',
  dependsOn: [],
  why: 'First: every other layer runs as, or is guarded by, these roles and policies. A Lambda function cannot be created with an execution role that does not exist, and bucket or key policies naming a missing role are refused.',
  limits: {
    restore: [
      'groups and their own policies (a restored user rejoins the groups that exist)',
      'access keys, passwords and MFA devices (never archived)',
      'the path of an existing role or user (IAM cannot change it)',
      'other names (--rename does not apply to IAM)',
    ],
  },
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
