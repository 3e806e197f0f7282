// What an AWS SDK error means, made into snap's own errors where the client is made, so every
// collector, restore and check meets the same typed errors (AwsClients installs this on each
// client). Decided on the error code the answer carries and the HTTP status, never on
// message text:
//
//   credentials refused, missing or expired; a signature    → SnapError AUTH_FAILED, a message naming the fix
//   the configured endpoint (or AWS) cannot be connected to → SnapError ENDPOINT_UNREACHABLE
//   a page that is not an AWS answer, status 404/405/501    → ServiceNotOfferedError (a coverage finding,
//     (or 500 from a custom endpoint, as emulators answer)     reason NotOffered; see runner.ts for a
//                                                              collector that meets nothing else)
//   HTTP 403 to a HEAD request (such answers have no body)  → AwsAnswerError "Forbidden"
//   an error document the SDK could not read in its own     → AwsAnswerError named by the code the document
//     protocol (an emulator answering in another format)       holds, so it is classified like any other
//   any other answer without a recognisable code            → AwsAnswerError "UnrecognizedAnswer" (a failure,
//                                                              never taken for AccessDenied)
//   everything else                                         → the SDK's error, its message filtered
//
// The code of an error answer is read from the raw answer when the SDK could not parse it:
// the x-amzn-ErrorType header, a JSON "__type"/"code", or an XML <Code>. Error answers are
// small; success bodies (object content) are never touched. Every message that quotes the
// server passes through the command's Redactor.
import type { Redactor } from '../../../util/redact.js';
import { SnapError } from '../../../errors.js';

/** Codes that say the credentials or the request's signature are not accepted. */
export const AUTH_CODES: ReadonlySet<string> = new Set([
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'InvalidAccessKeyId',
  'AuthFailure',
  'SignatureDoesNotMatch',
  'InvalidSignatureException',
  'IncompleteSignature',
  'IncompleteSignatureException',
  'AuthorizationHeaderMalformed',
  'ExpiredToken',
  'ExpiredTokenException',
  'TokenRefreshRequired',
  'InvalidToken',
  'MissingAuthenticationToken',
  'MissingAuthenticationTokenException',
  'RequestExpired',
  'RequestTimeTooSkewed',
  'CredentialsProviderError',
]);

/** Network errors that mean the endpoint cannot be reached at all (not a passing fault). */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);
const TLS_CODE = /^(CERT_|ERR_TLS_|UNABLE_TO_|SELF_SIGNED_|DEPTH_ZERO_SELF_SIGNED)/;

/** SDK error names that are not an answer's error code. */
const NOT_A_CODE = new Set(['Error', 'Unknown', 'UnknownError', 'SyntaxError', 'TypeError', 'RangeError', 'TimeoutError']);

const ERROR_BODY_LIMIT = 64 * 1024;

/** A readable name for a service id: "SES v2" for SESv2. */
const SERVICE_NAMES: Record<string, string> = { SESv2: 'SES v2', 'Route 53': 'Route53', 'API Gateway': 'API Gateway' };

/** An AWS answer made readable when the SDK could not read it (see the header). */
export class AwsAnswerError extends Error {
  readonly $metadata: { httpStatusCode?: number };
  constructor(
    /** the error code: the answer's own, or snap's name for an answer without one */
    readonly awsCode: string,
    message: string,
    readonly status: number | undefined,
  ) {
    super(message);
    this.name = awsCode;
    this.$metadata = { httpStatusCode: status };
  }
}

/** The endpoint answered with something that is not this AWS API at all. */
export class ServiceNotOfferedError extends AwsAnswerError {
  constructor(
    readonly service: string,
    readonly operation: string,
    status: number | undefined,
  ) {
    super('ServiceNotOffered', `the endpoint does not offer ${service} ${operation} (HTTP ${status ?? '?'} with a page that is not an AWS answer)`, status);
  }
}

export interface TranslationContext {
  /** the SDK's service id: "S3", "Lambda", "SESv2" */
  serviceId: string;
  region: string;
  /** the custom endpoint, when one is configured */
  endpoint: string | undefined;
  profile: string | undefined;
  redactor: Redactor;
}

interface RawAnswer {
  status: number;
  headers: Record<string, string | undefined>;
  text: string;
}

interface MiddlewareClient {
  middlewareStack: { add(middleware: unknown, options: { step: string; name: string; priority?: string }): void };
}

type Next = (args: unknown) => Promise<{ response?: unknown }>;
type Context = { commandName?: string; [key: symbol]: unknown };

const RAW_ANSWER = Symbol('snap.rawErrorAnswer');

/** Installs the translation on a client (once, where AwsClients makes it). */
export function translateErrors(client: MiddlewareClient, tc: TranslationContext): void {
  // Innermost: sees each raw answer before the SDK reads it, keeps an error answer's bytes.
  client.middlewareStack.add(
    (next: Next, context: Context) => async (args: unknown) => {
      const out = await next(args);
      const response = out.response as { statusCode?: number; headers?: Record<string, string>; body?: unknown } | undefined;
      if (response && (response.statusCode ?? 0) >= 300) {
        const bytes = await readSome(response.body);
        response.body = bytes;
        context[RAW_ANSWER] = { status: response.statusCode!, headers: response.headers ?? {}, text: Buffer.from(bytes).toString('utf8') } satisfies RawAnswer;
      }
      return out;
    },
    { step: 'deserialize', name: 'snapKeepErrorAnswer', priority: 'low' },
  );
  // Outermost: sees the final error, after the SDK's retries.
  client.middlewareStack.add(
    (next: Next, context: Context) => async (args: unknown) => {
      try {
        return await next(args);
      } catch (err) {
        throw translate(err, context.commandName ?? 'request', context[RAW_ANSWER] as RawAnswer | undefined, tc);
      }
    },
    { step: 'initialize', name: 'snapTranslateErrors', priority: 'high' },
  );
}

async function readSome(body: unknown): Promise<Uint8Array> {
  if (body instanceof Uint8Array) return body;
  if (!body || typeof (body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] !== 'function') return new Uint8Array();
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body as AsyncIterable<Uint8Array>) {
      chunks.push(Buffer.from(chunk));
      size += chunk.length;
      if (size >= ERROR_BODY_LIMIT) break;
    }
  } catch {
    // a body cut off: what arrived is all there is to read
  }
  (body as { destroy?: () => void }).destroy?.();
  return Buffer.concat(chunks).subarray(0, ERROR_BODY_LIMIT);
}

/** The error code an answer carries: header, JSON or XML. Null when it names none. */
export function codeOfAnswer(raw: RawAnswer): string | null {
  const header = raw.headers['x-amzn-errortype'] ?? raw.headers['X-Amzn-ErrorType'];
  if (header) return header.split(':')[0]!.split('#').pop()!.trim() || null;
  const text = raw.text.trim();
  if (text.startsWith('{')) {
    try {
      const doc = JSON.parse(text) as Record<string, unknown>;
      for (const v of [doc.__type, doc.code, doc.Code]) if (typeof v === 'string' && v) return v.split('#').pop()!.split(':')[0]!;
    } catch {
      return null;
    }
    return null;
  }
  const xml = /<Code>\s*([A-Za-z][A-Za-z0-9.]*)\s*<\/Code>/.exec(text);
  return xml ? xml[1]! : null;
}

function messageOfAnswer(raw: RawAnswer): string | null {
  const text = raw.text.trim();
  if (text.startsWith('{')) {
    try {
      const doc = JSON.parse(text) as Record<string, unknown>;
      for (const v of [doc.message, doc.Message]) if (typeof v === 'string') return v;
    } catch {
      return null;
    }
    return null;
  }
  const xml = /<Message>([\s\S]*?)<\/Message>/.exec(text);
  return xml ? xml[1]! : null;
}

function sdkCode(err: unknown): string | null {
  const e = err as { name?: unknown; Code?: unknown; code?: unknown };
  for (const v of [e?.Code, e?.name]) if (typeof v === 'string' && /^[A-Z][A-Za-z0-9.]*$/.test(v) && !NOT_A_CODE.has(v)) return v;
  return null;
}

function networkCode(err: unknown): string | null {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (UNREACHABLE_CODES.has(code) || TLS_CODE.test(code))) return code;
  }
  return null;
}

function serviceName(tc: TranslationContext): string {
  return SERVICE_NAMES[tc.serviceId] ?? tc.serviceId;
}

export function translate(err: unknown, command: string, raw: RawAnswer | undefined, tc: TranslationContext): unknown {
  if (err instanceof SnapError || !(err instanceof Error)) return err;
  if (err.name === 'AbortError') return err;
  const operation = command.replace(/Command$/, '');
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? raw?.status;
  const where = `${serviceName(tc)} ${operation}`;

  if (err.name === 'CredentialsProviderError') return authError('CredentialsProviderError', where, status, tc);
  const net = status === undefined ? networkCode(err) : null;
  if (net) {
    // A regional host of AWS's own that does not exist: the service is not offered there.
    if (!tc.endpoint && net === 'ENOTFOUND') return new AwsAnswerError('NotAvailableInRegion', `${serviceName(tc)} has no endpoint in ${tc.region}`, undefined);
    return unreachableError(net, where, tc);
  }

  const code = sdkCode(err) ?? (raw ? codeOfAnswer(raw) : null);
  if (code && (AUTH_CODES.has(code) || (status === 401 && code !== 'UnauthorizedException'))) return authError(code, where, status, tc);
  if (!code && status === 401) return authError('HTTP 401', where, status, tc);

  if (!code && status !== undefined) {
    const isHead = /^Head/.test(operation);
    if (status === 403 && isHead && (!raw || raw.text.trim() === '')) {
      return new AwsAnswerError('Forbidden', `${where}: HTTP 403 (a HEAD answer carries no error code)`, status);
    }
    const page = !raw || isNotAnAwsAnswer(raw);
    if (page && (status === 404 || status === 405 || status === 501 || (tc.endpoint !== undefined && status === 500))) return new ServiceNotOfferedError(serviceName(tc), operation, status);
    const type = raw?.headers['content-type'] ? ` (${tc.redactor.brief(String(raw.headers['content-type']), 60)})` : '';
    return new AwsAnswerError('UnrecognizedAnswer', `${where} answered HTTP ${status}${type} without an AWS error code: not an answer of the AWS API (a proxy, a firewall or the wrong endpoint in between?)`, status);
  }

  if (code && code !== sdkCode(err)) {
    // The SDK could not read the answer in its protocol, but the answer names its error.
    const said = raw ? messageOfAnswer(raw) : null;
    return new AwsAnswerError(code, tc.redactor.brief(said ?? code, 500), status);
  }
  // The SDK's own error: its message is the server's text.
  try {
    err.message = tc.redactor.brief(err.message, 500);
  } catch {
    /* a read-only message stays as it is; describeError filters it again */
  }
  return err;
}

function isNotAnAwsAnswer(raw: RawAnswer): boolean {
  const type = String(raw.headers['content-type'] ?? '').toLowerCase();
  const text = raw.text.trimStart().slice(0, 200).toLowerCase();
  return type.includes('text/html') || text.startsWith('<!doctype') || text.startsWith('<html') || codeOfAnswer(raw) === null;
}

const AUTH_MEANING: Record<string, string> = {
  InvalidClientTokenId: 'the access key id is not known to the endpoint',
  UnrecognizedClientException: 'the access key id or session token is not known to the endpoint',
  InvalidAccessKeyId: 'the access key id is not known to the endpoint',
  AuthFailure: 'the credentials are not accepted',
  SignatureDoesNotMatch: 'the secret access key does not match the access key id',
  InvalidSignatureException: 'the secret access key does not match the access key id',
  IncompleteSignature: 'the request signature is incomplete',
  IncompleteSignatureException: 'the request signature is incomplete',
  AuthorizationHeaderMalformed: 'the request signature names the wrong region or is malformed',
  ExpiredToken: 'the session token has expired',
  ExpiredTokenException: 'the session token has expired',
  TokenRefreshRequired: 'the session token has expired',
  InvalidToken: 'the session token is not valid',
  MissingAuthenticationToken: 'the request carried no credentials',
  MissingAuthenticationTokenException: 'the request carried no credentials',
  RequestExpired: "the request's time is outside what the endpoint accepts",
  RequestTimeTooSkewed: "this machine's clock is too far off",
  CredentialsProviderError: 'no AWS credentials were found (environment, shared config and credentials files, SSO, instance role)',
};

function credentialSource(tc: TranslationContext): string {
  return tc.profile ? `profile ${tc.profile} (aws.profile)` : 'AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, AWS_PROFILE or aws.profile';
}

function authFix(code: string, tc: TranslationContext): string {
  if (code === 'ExpiredToken' || code === 'ExpiredTokenException' || code === 'TokenRefreshRequired') return `renew the session (aws sso login, or new temporary credentials for ${credentialSource(tc)})`;
  if (code === 'RequestExpired' || code === 'RequestTimeTooSkewed') return "set this machine's clock right (NTP)";
  if (code === 'AuthorizationHeaderMalformed') return `check aws.region and the regions in snap.config.json`;
  if (code === 'CredentialsProviderError') return `set credentials: ${credentialSource(tc)}`;
  return `check the credentials in ${credentialSource(tc)}${tc.endpoint ? ` for the endpoint ${tc.endpoint}` : ''}`;
}

function authError(code: string, where: string, status: number | undefined, tc: TranslationContext): SnapError {
  const meaning = AUTH_MEANING[code] ?? 'the credentials were refused';
  return new SnapError('AUTH_FAILED', `AWS refused the credentials (${code} from ${where}): ${meaning}; ${authFix(code, tc)}`, { awsCode: code, service: tc.serviceId, status });
}

function unreachableError(code: string, where: string, tc: TranslationContext): SnapError {
  const target = tc.endpoint ? `the endpoint ${tc.endpoint}` : `AWS (${serviceName(tc)} in ${tc.region})`;
  const fix = TLS_CODE.test(code)
    ? "its TLS certificate is not trusted; check the endpoint's address (aws.endpoint or AWS_ENDPOINT_URL) or trust its certificate authority (NODE_EXTRA_CA_CERTS)"
    : tc.endpoint
      ? 'check aws.endpoint (or AWS_ENDPOINT_URL) and that the server is running'
      : 'check the network connection, a proxy, and aws.region';
  return new SnapError('ENDPOINT_UNREACHABLE', `cannot reach ${target} (${code} on ${where}): ${fix}`, { networkCode: code, service: tc.serviceId, endpoint: tc.endpoint ?? null });
}
