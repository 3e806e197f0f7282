// One place where AWS SDK clients are made: per service class and region, from the standard
// credential chain (environment, shared config and credentials files, SSO, instance roles)
// or a named profile, honouring a custom endpoint (snap.config.json aws.endpoint, the
// standard AWS_ENDPOINT_URL, or the profile's endpoint_url) with path-style S3 addressing, which S3-compatible servers and
// local emulators need. Retries with backoff on throttling and 5xx are the SDK's standard
// retry strategy; the attempt count comes from config.
//
// Every client's errors are translated into snap's (sdk-errors.ts: credentials refused,
// endpoint unreachable, a service the endpoint does not offer), with any server text they
// quote passed through the command's Redactor. The credential chain is resolved once for all
// clients, and the credentials it yields are registered with that Redactor, so a server that
// echoes a request back cannot put them in a message.
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Redactor } from '../../../util/redact.js';
import { profileEndpointUrl } from './profile-endpoint.js';
import { translateErrors } from './sdk-errors.js';

export interface AwsSettings {
  profile?: string | undefined;
  /** home region: used for global services and as the default for regional ones */
  region: string;
  /** regions for regional services unless a collector's config names its own */
  regions: string[];
  endpoint?: string | undefined;
  maxAttempts: number;
  /** upper bound on open connections per client */
  maxSockets: number;
}

type ClientClass<T> = new (config: Record<string, unknown>) => T;

interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}
type CredentialProvider = (options?: Record<string, unknown>) => Promise<Credentials>;


export interface AwsClientsOptions {
  /** the command's secret filter: credentials are registered with it, errors pass through it */
  redactor?: Redactor;
}

/**
 * The SDK's logger. Without one it writes some warnings to the console itself ("An error was
 * encountered in a non-retryable streaming request." on every cut-off upload, which snap sends
 * again with a fresh body): snap reports outcomes itself, through its own log and errors.
 */
const QUIET_SDK_LOGGER = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

export class AwsClients {
  private readonly clients = new Map<string, { client: unknown; ctor: unknown }>();
  private handler: NodeHttpHandler | null = null;
  private credentialProvider: CredentialProvider | null = null;
  readonly redactor: Redactor;

  constructor(
    readonly settings: AwsSettings,
    options: AwsClientsOptions = {},
  ) {
    this.redactor = options.redactor ?? new Redactor();
  }

  /** The standard credential chain, resolved once for every client; what it yields is registered as secret. */
  private credentials(): CredentialProvider {
    if (!this.credentialProvider) {
      const chain = defaultProvider({
        ...(this.settings.profile ? { profile: this.settings.profile } : {}),
        parentClientConfig: { region: this.settings.region },
        // The chain's notes (a profile named beside static keys in the environment: the profile
        // wins) are not a user's to see on every command; the credentials check says what matters.
        logger: QUIET_SDK_LOGGER,
      }) as CredentialProvider;
      this.credentialProvider = async (options) => {
        const found = await chain(options);
        this.redactor.add(found.secretAccessKey);
        this.redactor.add(found.sessionToken);
        this.redactor.add(found.accessKeyId);
        return found;
      };
    }
    return this.credentialProvider;
  }

  /** Where requests go: aws.endpoint, AWS_ENDPOINT_URL, the profile's endpoint_url; undefined for AWS. */
  get endpoint(): string | undefined {
    // An empty AWS_ENDPOINT_URL is unset, as the SDK reads it.
    return this.settings.endpoint || process.env.AWS_ENDPOINT_URL || (this.profileEndpoint ??= { url: profileEndpointUrl(this.settings.profile) }).url;
  }
  private profileEndpoint: { url: string | undefined } | null = null;

  private requestHandler(): NodeHttpHandler {
    this.handler ??= new NodeHttpHandler({
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets: this.settings.maxSockets }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: this.settings.maxSockets }),
      connectionTimeout: 10_000,
      requestTimeout: 300_000,
    });
    return this.handler;
  }

  /**
   * A client of `ctor` for `region` (default: the home region), made once and shared.
   * `options` are further client settings (a restore's S3 client sets its own checksums).
   */
  get<T>(ctor: ClientClass<T>, region?: string, options: Record<string, string | number | boolean> = {}): T {
    const r = region ?? this.settings.region;
    const key = `${ctor.name}:${r}:${JSON.stringify(options)}`;
    let entry = this.clients.get(key);
    if (!entry) {
      const config: Record<string, unknown> = {
        region: r,
        maxAttempts: this.settings.maxAttempts,
        requestHandler: this.requestHandler(),
        credentials: this.credentials(),
        logger: QUIET_SDK_LOGGER,
        ...options,
      };
      if (this.settings.profile) config.profile = this.settings.profile;
      const endpoint = this.endpoint;
      if (endpoint) {
        config.endpoint = endpoint;
        config.forcePathStyle = true;
      }
      const client = new ctor(config) as T & { middlewareStack: Parameters<typeof translateErrors>[0]['middlewareStack']; config: { serviceId?: string } };
      translateErrors(client, { serviceId: client.config.serviceId ?? ctor.name.replace(/Client$/, ''), region: r, endpoint, profile: this.settings.profile, redactor: this.redactor });
      entry = { client, ctor };
      this.clients.set(key, entry);
    }
    return entry.client as T;
  }

  destroy(): void {
    for (const { client } of this.clients.values()) (client as { destroy?: () => void }).destroy?.();
    this.clients.clear();
    this.handler?.destroy();
    this.handler = null;
  }
}
