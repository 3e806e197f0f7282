// One place where AWS SDK clients are made: per service class and region, from the standard
// credential chain (environment, shared config and credentials files, SSO, instance roles)
// or a named profile, honouring a custom endpoint (snap.config.json aws.endpoint or the
// standard AWS_ENDPOINT_URL) with path-style S3 addressing, which S3-compatible servers and
// local emulators need. Retries with backoff on throttling and 5xx are the SDK's standard
// retry strategy; the attempt count comes from config.
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { NodeHttpHandler } from '@smithy/node-http-handler';

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

export class AwsClients {
  private readonly clients = new Map<string, { client: unknown; ctor: unknown }>();
  private handler: NodeHttpHandler | null = null;

  constructor(readonly settings: AwsSettings) {}

  get endpoint(): string | undefined {
    return this.settings.endpoint ?? process.env.AWS_ENDPOINT_URL ?? undefined;
  }

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
        ...options,
      };
      if (this.settings.profile) config.profile = this.settings.profile;
      const endpoint = this.endpoint;
      if (endpoint) {
        config.endpoint = endpoint;
        config.forcePathStyle = true;
      }
      entry = { client: new ctor(config), ctor };
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
