// What an AWS error means for a run, decided on codes and HTTP status (never message text):
// the translation every client gets (shared/sdk-errors.ts), the classification collectors use
// (shared/errors.ts), what stops a run (isRunFatal), and the one secret filter (util/redact.ts).
// The errors here are built as the SDK builds them; the same answers are met for real against
// moto and the fault proxy in test/integration/faults.test.ts and auth.test.ts.
import { describe, expect, it } from 'vitest';
import { awsErrorName, classifyAwsError, refusalFinding } from '../../src/collectors/aws/shared/errors.js';
import { codeOfAnswer, ServiceNotOfferedError, translate, type TranslationContext } from '../../src/collectors/aws/shared/sdk-errors.js';
import { describeError, isRunFatal, SnapError } from '../../src/errors.js';
import { diskFullError } from '../../src/util/disk-space.js';
import { REDACTED, Redactor } from '../../src/util/redact.js';

const sdkError = (name: string, status: number | undefined, message = 'server text', extra: Record<string, unknown> = {}) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status }, ...extra });
const tc = (over: Partial<TranslationContext> = {}): TranslationContext => ({ serviceId: 'Lambda', region: 'us-east-1', endpoint: undefined, profile: undefined, redactor: new Redactor(), ...over });
const raw = (status: number, text: string, headers: Record<string, string> = {}) => ({ status, headers, text });

describe('AWS error translation', () => {
  it.each([
    ['InvalidClientTokenId', 403],
    ['UnrecognizedClientException', 403],
    ['SignatureDoesNotMatch', 403],
    ['InvalidSignatureException', 403],
    ['ExpiredToken', 400],
    ['ExpiredTokenException', 403],
    ['InvalidAccessKeyId', 403],
    ['AuthFailure', 401],
    ['RequestTimeTooSkewed', 403],
  ])('%s (HTTP %i) stops the run with a message naming the fix', (code, status) => {
    const err = translate(sdkError(code, status, 'The security token included in the request is invalid.'), 'ListFunctionsCommand', undefined, tc());
    expect(err).toBeInstanceOf(SnapError);
    expect(err).toMatchObject({ code: 'AUTH_FAILED', data: { awsCode: code } });
    expect(classifyAwsError(err)).toBe('auth');
    expect(isRunFatal(err)).toBe(true);
    expect(describeError(err)).toMatch(new RegExp(`^AWS refused the credentials \\(${code} from Lambda ListFunctions\\): .+; (check|renew|set)`));
    expect(describeError(err)).not.toContain('security token included');
  });

  it('names missing credentials, and the profile when one is configured', () => {
    const none = translate(sdkError('CredentialsProviderError', undefined, 'Could not load credentials from any providers'), 'GetCallerIdentityCommand', undefined, tc({ serviceId: 'STS' }));
    expect(describeError(none)).toBe('AWS refused the credentials (CredentialsProviderError from STS GetCallerIdentity): no AWS credentials were found (environment, shared config and credentials files, SSO, instance role); set credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, AWS_PROFILE or aws.profile');
    const expired = translate(sdkError('ExpiredToken', 400), 'ListBucketsCommand', undefined, tc({ serviceId: 'S3', profile: 'prod' }));
    expect(describeError(expired)).toMatch(/the session token has expired; renew the session \(aws sso login, or new temporary credentials for profile prod \(aws\.profile\)\)$/);
  });

  it('reads the code from the answer when the SDK could not (an answer in another protocol)', () => {
    // moto answers a JSON-protocol service's auth failure in XML: the SDK sees a parse error.
    const parse = sdkError('SyntaxError', 403, "Unexpected token '<'");
    const xml = raw(403, '<?xml version="1.0"?><ErrorResponse><Error><Code>InvalidClientTokenId</Code><Message>bad</Message></Error></ErrorResponse>');
    expect(translate(parse, 'ListTablesCommand', xml, tc({ serviceId: 'DynamoDB' }))).toMatchObject({ code: 'AUTH_FAILED' });
    expect(codeOfAnswer(raw(400, '', { 'x-amzn-errortype': 'ThrottlingException:http://internal.amazon.com/' }))).toBe('ThrottlingException');
    expect(codeOfAnswer(raw(400, '{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"}'))).toBe('ResourceNotFoundException');
    expect(codeOfAnswer(raw(403, '<html><body>Forbidden</body></html>'))).toBeNull();
    const denied = translate(sdkError('Unknown', 403, 'UnknownError'), 'ListDistributionsCommand', raw(403, '<Error><Code>AccessDenied</Code><Message>no</Message></Error>'), tc({ serviceId: 'CloudFront' }));
    expect([awsErrorName(denied), classifyAwsError(denied)]).toEqual(['AccessDenied', 'access-denied']);
  });

  it('never takes a 403 without a recognisable code for AccessDenied, and never names it Unknown', () => {
    const page = translate(sdkError('Unknown', 403, 'UnknownError'), 'GetBucketPolicyCommand', raw(403, '<html><body>Request blocked</body></html>', { 'content-type': 'text/html' }), tc({ serviceId: 'S3' }));
    expect(classifyAwsError(page)).toBe('other');
    expect(awsErrorName(page)).toBe('UnrecognizedAnswer');
    expect(describeError(page)).toMatch(/^UnrecognizedAnswer: S3 GetBucketPolicy answered HTTP 403 \(text\/html\) without an AWS error code: not an answer of the AWS API/);
    expect(refusalFinding({ id: 's3' }, 's3_buckets/b', page)).toBeNull();
    // The SDK's own names for such answers are not refusals either.
    for (const name of ['Unknown', 'UnknownError', 'SyntaxError', '403']) expect(classifyAwsError(sdkError(name, 403))).not.toBe('access-denied');
    // A HEAD answer has no body at all: S3's 403 to HEAD is a refusal, named by what is known.
    const head = translate(sdkError('Unknown', 403, 'UnknownError'), 'HeadObjectCommand', raw(403, ''), tc({ serviceId: 'S3' }));
    expect([awsErrorName(head), classifyAwsError(head)]).toEqual(['Forbidden', 'access-denied']);
  });

  it('names a service the endpoint does not offer, instead of a parse error of its HTML page', () => {
    const html = raw(404, '<!doctype html><title>404 Not Found</title>', { 'content-type': 'text/html' });
    const ses = translate(sdkError('SyntaxError', 404, 'Unexpected token \'<\', "<!doctype "... is not valid JSON'), 'ListEmailIdentitiesCommand', html, tc({ serviceId: 'SESv2', endpoint: 'http://127.0.0.1:5000' }));
    expect(ses).toBeInstanceOf(ServiceNotOfferedError);
    expect(describeError(ses)).toBe('ServiceNotOffered: the endpoint does not offer SES v2 ListEmailIdentities (HTTP 404 with a page that is not an AWS answer)');
    expect(classifyAwsError(ses)).toBe('unavailable');
    expect(refusalFinding({ id: 'ses' }, 'ses:us-east-1/identities', ses)).toMatchObject({ reason: 'NotOffered', service: 'SES v2' });
    // An emulator answers an API it lacks with a 500 page; AWS's own 500 page is a failure to retry.
    const page500 = raw(500, '<!doctype html><title>500 Internal Server Error</title>', { 'content-type': 'text/html' });
    expect(translate(sdkError('SyntaxError', 500), 'GetInstancesCommand', page500, tc({ serviceId: 'Lightsail', endpoint: 'http://127.0.0.1:5000' }))).toBeInstanceOf(ServiceNotOfferedError);
    expect(awsErrorName(translate(sdkError('SyntaxError', 500), 'GetInstancesCommand', page500, tc({ serviceId: 'Lightsail' })))).toBe('UnrecognizedAnswer');
  });

  it('tells an unreachable endpoint from a region without the service', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED', $metadata: { attempts: 6 } });
    const down = translate(refused, 'ListBucketsCommand', undefined, tc({ serviceId: 'S3', endpoint: 'http://127.0.0.1:1' }));
    expect(down).toMatchObject({ code: 'ENDPOINT_UNREACHABLE' });
    expect(describeError(down)).toBe('cannot reach the endpoint http://127.0.0.1:1 (ECONNREFUSED on S3 ListBuckets): check aws.endpoint (or AWS_ENDPOINT_URL) and that the server is running');
    expect(isRunFatal(down)).toBe(true);
    const dns = Object.assign(new Error('getaddrinfo ENOTFOUND email.xx-south-9.amazonaws.com'), { code: 'ENOTFOUND' });
    const region = translate(dns, 'ListEmailIdentitiesCommand', undefined, tc({ serviceId: 'SESv2', region: 'xx-south-9' }));
    expect([awsErrorName(region), classifyAwsError(region), isRunFatal(region)]).toEqual(['NotAvailableInRegion', 'unavailable', false]);
  });

  it('keeps the SDK error for everything else, with the server text filtered', () => {
    const redactor = new Redactor();
    redactor.add('sk_live_registered_secret_value');
    const err = translate(sdkError('InvalidParameterValueException', 400, 'bad value sk_live_registered_secret_value\nfor X-Amz-Security-Token=FQoGZXIvYXdzEJr'), 'UpdateFunctionConfigurationCommand', undefined, tc({ redactor }));
    expect(awsErrorName(err)).toBe('InvalidParameterValueException');
    expect((err as Error).message).toBe(`bad value ${REDACTED} for X-Amz-Security-Token=${REDACTED}`);
    expect(classifyAwsError(sdkError('NoSuchKey', 404))).toBe('not-found');
    expect(classifyAwsError(sdkError('SlowDown', 503))).toBe('throttled');
  });
});

describe('run-fatal errors', () => {
  it('are refused credentials, an unreachable endpoint and a full disk; nothing else', () => {
    expect(isRunFatal(new SnapError('AUTH_FAILED', 'x'))).toBe(true);
    expect(isRunFatal(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }))).toBe(true);
    expect(isRunFatal(Object.assign(new Error('quota'), { code: 'EDQUOT' }))).toBe(true);
    expect(isRunFatal(new SnapError('COLLECTOR_FAILED', 'x'))).toBe(false);
    expect(isRunFatal(sdkError('AccessDenied', 403))).toBe(false);
  });

  it('a full disk names the space and the fix, and what the failure left', () => {
    const full = diskFullError(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }), { path: '/tmp', what: 's3://b/big.bin', needed: 5 * 1024 * 1024 });
    expect(full.message).toMatch(/^the disk is full \(ENOSPC\) writing s3:\/\/b\/big\.bin under \/tmp \([\d.]+ \w+ free; at least 5\.0 MiB more is needed\): free space on that disk, or move the archive or store\.path to a larger one, and run the command again$/);
    const said = diskFullError(full, { path: '/x', what: 'version v1.1', outcome: 'nothing was sealed and the archive is as it was' });
    expect(said.message).toMatch(/writing s3:\/\/b\/big\.bin under \/tmp .*; nothing was sealed and the archive is as it was: free space/);
  });
});

describe('the secret filter', () => {
  it('removes every registered value, in the forms it travels in, and credentials it recognises', () => {
    const r = new Redactor();
    r.add('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
    r.add('short');
    r.add('line "quoted" secret value');
    const text = [
      'secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY and wJalrXUtnFEMI%2FK7MDENG%2FbPxRfiCYEXAMPLEKEY',
      'json {"v":"line \\"quoted\\" secret value"} short',
      'Authorization: AWS4-HMAC-SHA256 Credential=AKIA/20240101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=' + 'a'.repeat(64),
      'x-amz-security-token: IQoJb3JpZ2luX2VjEJr//////////wEaCXVz',
      'https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIA%2F2024&X-Amz-Signature=abc123&X-Amz-Security-Token=tok',
      'Bearer ya29.a0AfH6SMBx',
    ].join('\n');
    const out = r.redact(text);
    expect(out).not.toMatch(/wJalrXUtnFEMI|quoted\\" secret|a{64}|IQoJb3JpZ2lu|abc123|=tok|a0AfH6SMBx/);
    expect(out).toContain('short'); // too short to be a secret worth the false matches
    expect(r.brief('a\n  b\tc', 300)).toBe('a b c');
  });
});
