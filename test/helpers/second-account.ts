// A second AWS account in the same moto server, for a vault "in another account". moto derives
// the account of a request from its access key (an access key created in account B signs as
// account B); the key is made in account B by sending the IAM calls with moto's
// x-moto-account-id header. One server is needed because a server-side copy between two moto
// servers is impossible. moto then keeps the accounts' buckets apart (each ListBuckets shows
// its own) and lets a principal of one account copy into a bucket of the other, as a bucket
// policy granting it would on AWS; moto evaluates a bucket policy's Deny statements, not its
// Allow statements for another account's principal, so what such a policy grants is not
// checked here (the IAM policies in the README are checked with moto's IAM enforcement).
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { clientOptions } from './moto.js';

export interface Account {
  accountId: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  s3(region?: string): S3Client;
}

export async function secondAccount(endpoint: string, accountId = '222222222222', user = 'vault-owner'): Promise<Account> {
  const iam = new IAMClient({ ...clientOptions(endpoint), region: 'us-east-1' });
  iam.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) request.headers['x-moto-account-id'] = accountId;
      return next(args);
    },
    { step: 'build', name: 'motoAccount' },
  );
  await iam.send(new CreateUserCommand({ UserName: user }));
  const key = await iam.send(new CreateAccessKeyCommand({ UserName: user }));
  iam.destroy();
  const credentials = { accessKeyId: key.AccessKey!.AccessKeyId!, secretAccessKey: key.AccessKey!.SecretAccessKey! };
  return {
    accountId,
    credentials,
    s3: (region = 'us-east-1') => new S3Client({ endpoint, region, forcePathStyle: true, credentials, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }),
  };
}

/** An AWS shared credentials file with a profile for the account (HOME-relative files are the SDK's default). */
export function credentialsProfile(name: string, account: Account): string {
  return `[${name}]\naws_access_key_id = ${account.credentials.accessKeyId}\naws_secret_access_key = ${account.credentials.secretAccessKey}\n`;
}
