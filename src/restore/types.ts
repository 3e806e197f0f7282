// The restore contract. A collector that can put its service back implements
// Collector.restore(ctx): it reads what the version holds (ctx.version, its own folder),
// reads the live service, and plans one PlannedChange per difference: create what is
// missing, update what differs, and (only with ctx.prune) delete what the version does not
// name. Planning changes nothing; the runner prints the plan, asks, then applies it in
// dependency order. After an apply, a snapshot of the restored part equals the version,
// except for what the plan said it cannot do: a difference the restore cannot put right is
// declared with ctx.cannot(), listed at the end as left undone, and makes the restore end
// incomplete (exit code 3). ctx.note() is for what the user should know that leaves no
// difference behind (a re-created zone's new name servers, a user restored without keys).
import type { VersionReader } from '../archive/version-reader.js';
import type { AwsClients } from '../collectors/aws/shared/clients.js';
import type { AwsTarget } from '../collectors/aws/shared/target.js';
import type { CollectorBaseConfig } from '../collectors/types.js';
import type { Fingerprinter } from '../normalize/fingerprint.js';
import type { ContentStore } from '../store/types.js';
import type { Logger } from '../util/log.js';
import type { Redactor } from '../util/redact.js';

export interface PlannedChange {
  /** what is changed, for people: "s3://sailjada-prod/events/index.html", "route53 www.example.com. CNAME" */
  resource: string;
  action: 'create' | 'update' | 'delete';
  /** one line on what differs: "content 1.2 KiB → 1.1 KiB", "TTL 60 → 300" */
  detail: string;
  /** performs the change; must be safe to retry */
  apply(): Promise<void>;
}

/**
 * Values that the archive holds only as fingerprints (Lambda environment variables, API
 * Gateway stage variables). A restore keeps the live value when its fingerprint matches the
 * version's; otherwise it needs the value from the user (a file or the environment).
 */
export interface SecretValues {
  /** the value for `name` in `scope` (e.g. scope "lambda:update_dashboard"), if the user gave one */
  get(scope: string, name: string): string | undefined;
}

export interface RestoreContext<C extends CollectorBaseConfig = CollectorBaseConfig> {
  readonly config: C;
  /** the collector's folder in the version being restored */
  readonly version: VersionReader;
  readonly versionName: string;
  /** the archive's folder (relative paths in the config, such as credential files, are relative to it) */
  readonly archiveDir: string;
  /**
   * Folders or files inside the collector's folder to restore (e.g. ["sailjada-prod"] for
   * s3_buckets/sailjada-prod); empty means everything.
   */
  readonly selection: readonly string[];
  /** Restore a resource under another name: original name → target name (bucket, table, zone, function). */
  readonly rename: ReadonlyMap<string, string>;
  /** Delete live resources (objects, records, items) that the version does not name. */
  readonly prune: boolean;
  readonly aws: AwsClients;
  /**
   * Who and where the AWS clients write to (STS account, endpoint in normal form), resolved
   * before planning; null when the restore touches no AWS service.
   */
  readonly target: AwsTarget | null;
  readonly store: ContentStore;
  readonly fingerprint: Fingerprinter;
  readonly secrets: SecretValues;
  readonly log: Logger;
  /** the command's secret filter: secret values the restore holds are registered with it */
  readonly redactor: Redactor;
  readonly signal: AbortSignal;
  /** Adds a change to the plan. */
  plan(change: PlannedChange): void;
  /**
   * Records a difference between the live service and the version that this restore cannot
   * put right (a secret value it does not have, code the version lacks, a setting the API
   * cannot change): listed at the end as left undone; the restore ends incomplete.
   */
  cannot(resource: string, message: string): void;
  /** Records something the user should know that leaves no difference behind. */
  note(resource: string, message: string): void;
}

/** The order layers are restored in: what others depend on first. */
export const RESTORE_ORDER = ['iam', 's3', 'dynamodb', 'lambda', 'apigateway', 'ses', 'rds', 'cloudfront', 'route53', 'lightsail', 'gas', 'local'];
