// Reading live state while planning a restore, where "not there" is an answer and not an
// error: a function, alias, URL config, distribution, policy or API that is missing reads as
// null (the plan then creates it); a refusal or any other error still fails the plan. Shared
// by the Lambda, CloudFront, API Gateway and IAM restores.
import { classifyAwsError } from './errors.js';

/** The answer of `read`, or null when AWS says the thing does not exist. */
export async function unlessNotFound<T>(read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (err) {
    if (classifyAwsError(err) === 'not-found') return null;
    throw err;
  }
}
