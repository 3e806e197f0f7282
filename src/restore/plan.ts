// Planning and applying a restore. Selectors name services or resources by their folder in
// the archive (`s3_buckets/queenofsandiego-prod`, `route53`, `lambda_functions/update_dashboard`;
// a collector id such as `s3` names its whole folder). Before anything is planned, the AWS
// target is identified (target.ts): the account and endpoint the plan will write to are part
// of the plan, and a restore-test refuses a target that is the estate. Each selected collector
// then plans its changes against the live service; nothing is changed until applyPlan().
import { readFile } from 'node:fs/promises';
import type { Archive } from '../archive/archive.js';
import { MANIFEST_PATH, type Manifest } from '../archive/manifest.js';
import { awsClientsFor } from '../archive/snapshot.js';
import { VersionReader } from '../archive/version-reader.js';
import { resolveVersion, type VersionInfo } from '../archive/versions.js';
import type { AwsClients } from '../collectors/aws/shared/clients.js';
import type { AwsTarget } from '../collectors/aws/shared/target.js';
import { loadCollectors } from '../collectors/lazy.js';
import { collectors as registered } from '../collectors/registry.js';
import type { AnyCollector, CollectorBaseConfig, Platform } from '../collectors/types.js';
import type { SnapConfig } from '../config/schema.js';
import { describeError, SnapError, UsageError } from '../errors.js';
import type { Logger } from '../util/log.js';
import { guardedClientsFor, identify, refuseEstates, withTarget, type Estate } from './target.js';
import { Redactor } from '../util/redact.js';
import { RESTORE_ORDER, type PlannedChange, type SecretValues } from './types.js';

export interface RestoreRequest {
  /** a version name, or the version already resolved (and its seal checked) by the caller, so the plan restores exactly that one */
  version: string | VersionInfo;
  selectors: string[];
  prune: boolean;
  rename: Map<string, string>;
  /** JSON file: { "<scope>": { "<NAME>": "<value>" } }, scope e.g. "lambda:update_dashboard" */
  secretsFile?: string;
  /** restore into another endpoint or account than the configured one */
  endpoint?: string;
  profile?: string;
  collectors?: readonly AnyCollector[];
  /** only services on these platforms (a restore-test restores AWS services only) */
  platforms?: readonly Platform[];
  /** estates the target must not be (a restore-test's); every request to them is refused too */
  refuse?: (version: VersionInfo, config: SnapConfig) => Promise<Estate[]>;
}

export interface Finding {
  resource: string;
  message: string;
}

export interface ServicePlan {
  collector: AnyCollector;
  selection: string[];
  changes: PlannedChange[];
  /** differences this plan cannot put right (ctx.cannot): the restore ends incomplete */
  undone: Finding[];
  notes: Finding[];
  /** planning failed for this service: nothing of it will be applied */
  error?: string;
}

export interface RestorePlan {
  version: VersionInfo;
  services: ServicePlan[];
  /** where the plan writes (null when it restores no AWS service) */
  target: AwsTarget | null;
  /** the estate the version was taken from, when the version recorded it */
  source: AwsTarget | null;
  /** restorable services left out because of their platform (a restore-test's Apps Script) */
  skipped: { collector: AnyCollector; why: string }[];
  /** releases the clients the plan will apply its changes with */
  close(): void;
  /** the secret filter the plan's messages pass through */
  redactor: Redactor;
}

export interface AppliedChange {
  service: string;
  change: PlannedChange;
  error?: string;
}

async function loadSecrets(file: string | undefined): Promise<SecretValues> {
  if (!file) return { get: () => undefined };
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`cannot read the secrets file ${file}: ${(err as NodeJS.ErrnoException).code ?? 'not valid JSON'}`);
  }
  // Every problem is named by where it is, never by the value there: it is a secret.
  const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`);
  const example = '{"lambda:orders-fn": {"STRIPE_SECRET_KEY": "…"}}';
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw new UsageError(`the secrets file ${file} holds ${kind(data)}; it must hold a JSON object of scopes, each an object of names and string values, e.g. ${example}`);
  const problems: string[] = [];
  for (const [scope, names] of Object.entries(data)) {
    if (!names || typeof names !== 'object' || Array.isArray(names)) problems.push(`${JSON.stringify(scope)} is ${kind(names)}, not an object of names and values`);
    else for (const [name, value] of Object.entries(names)) if (typeof value !== 'string') problems.push(`${JSON.stringify(scope)}.${JSON.stringify(name)} is ${kind(value)}, not a string`);
  }
  if (problems.length) throw new UsageError(`the secrets file ${file} is not in the expected form (${example}): ${problems.slice(0, 10).join('; ')}${problems.length > 10 ? `; and ${problems.length - 10} more` : ''}`);
  const scopes = data as Record<string, Record<string, string>>;
  return {
    get: (scope, name) => {
      const v = scopes[scope]?.[name];
      return typeof v === 'string' ? v : undefined;
    },
  };
}

const PLATFORM_WORDS: Record<Platform, string> = { aws: 'AWS', 'apps-script': 'Apps Script', local: 'this machine' };

/** Which collectors, and which parts of their folders, the selectors name. */
export function selectServices(selectors: string[], available: readonly AnyCollector[], inVersion: Set<string>, platforms?: readonly Platform[]): { collector: AnyCollector; selection: string[] }[] {
  const restorable = available.filter((c) => c.restore);
  const names = restorable.map((c) => c.root).join(', ');
  const allowed = (c: AnyCollector) => !platforms || platforms.includes(c.platform);
  if (selectors.length === 0) return restorable.filter((c) => inVersion.has(c.root) && allowed(c)).map((collector) => ({ collector, selection: [] }));
  const chosen = new Map<AnyCollector, string[] | null>();
  for (const raw of selectors) {
    const sel = raw.replace(/^\/+|\/+$/g, '');
    const [top, ...rest] = sel.split('/');
    const collector = restorable.find((c) => c.root === top || c.id === top);
    if (!collector) {
      const known = available.find((c) => c.root === top || c.id === top);
      throw new UsageError(known ? `${top} cannot be restored by snap yet (restorable: ${names}); \`snap runbook\` gives the steps to put it back by hand` : `unknown service or folder "${top}" (restorable: ${names})`);
    }
    if (!allowed(collector)) {
      throw new UsageError(`${collector.root} cannot be restore-tested: it lives in ${PLATFORM_WORDS[collector.platform]}, and a restore-test can redirect only AWS services to a scratch endpoint or account`);
    }
    const current = chosen.get(collector);
    if (rest.length === 0) chosen.set(collector, null);
    else if (current !== null) chosen.set(collector, [...(current ?? []), rest.join('/')]);
  }
  return [...chosen.entries()].map(([collector, selection]) => ({ collector, selection: selection ?? [] }));
}

function sections(config: SnapConfig): Record<string, CollectorBaseConfig> {
  return config.collectors as unknown as Record<string, CollectorBaseConfig>;
}

/** The clients the plan writes with and the target they reach, identified before any plan is made. */
async function openTarget(config: SnapConfig, version: VersionInfo, request: RestoreRequest, signal: AbortSignal, redactor: Redactor): Promise<{ aws: AwsClients; target: AwsTarget }> {
  const settings = withTarget(config, request);
  const probe = awsClientsFor(settings, redactor);
  let target: AwsTarget;
  try {
    target = await identify(probe, signal);
  } catch (err) {
    probe.destroy();
    const where = probe.endpoint ? `at ${probe.endpoint}` : 'on AWS';
    throw new SnapError('TARGET_UNIDENTIFIED', `cannot tell whom a restore would write to ${where} (STS GetCallerIdentity: ${describeError(err, redactor)}); nothing was changed. Check the credentials${request.profile ? ` of profile ${request.profile}` : ''} and the endpoint`, { endpoint: probe.endpoint ?? null });
  }
  if (!request.refuse) return { aws: probe, target };
  let guarded: string[];
  try {
    guarded = await refuseEstates(target, await request.refuse(version, config));
  } finally {
    probe.destroy();
  }
  return { aws: guardedClientsFor(settings, guarded, redactor), target };
}

export async function planRestore(archive: Archive, request: RestoreRequest, options: { log: Logger; signal?: AbortSignal; redactor?: Redactor }): Promise<RestorePlan> {
  const redactor = options.redactor ?? new Redactor();
  const config = await archive.loadConfig();
  const version = typeof request.version === 'string' ? await resolveVersion(archive.repo, request.version) : request.version;
  const root = new VersionReader(archive.repo, version.treeOid);
  const inVersion = new Set((await root.list()).map((e) => e.name));
  const available = await loadCollectors(request.collectors ?? registered);
  const chosen = selectServices(request.selectors, available, inVersion, request.platforms);
  for (const { collector, selection } of chosen) {
    if (!inVersion.has(collector.root)) throw new UsageError(`${version.name} holds no ${collector.root}/ to restore`);
    for (const s of selection) if (!(await root.entry(`${collector.root}/${s}`))) throw new UsageError(`${version.name} holds no ${collector.root}/${s}`);
  }
  const skipped = request.platforms && request.selectors.length === 0
    ? available.filter((c) => c.restore && inVersion.has(c.root) && !request.platforms!.includes(c.platform)).map((collector) => ({ collector, why: `lives in ${PLATFORM_WORDS[collector.platform]}: a restore-test redirects only AWS services to a scratch target` }))
    : [];
  const secrets = await loadSecrets(request.secretsFile);
  const signal = options.signal ?? new AbortController().signal;
  const manifest = await root.json<Manifest>(MANIFEST_PATH).catch(() => null);
  const touchesAws = chosen.some((c) => c.collector.platform === 'aws');
  const { aws, target } = touchesAws ? await openTarget(config, version, request, signal, redactor) : { aws: awsClientsFor(withTarget(config, request), redactor), target: null };
  const store = archive.openStore(config);
  const fingerprint = await archive.fingerprinter();
  const services: ServicePlan[] = [];
  try {
    for (const { collector, selection } of chosen.sort((a, b) => RESTORE_ORDER.indexOf(a.collector.id) - RESTORE_ORDER.indexOf(b.collector.id))) {
      const plan: ServicePlan = { collector, selection, changes: [], undone: [], notes: [] };
      try {
        await collector.restore!({
          config: sections(config)[collector.id] ?? (collector.configSchema.parse({}) as CollectorBaseConfig),
          version: root.scope(collector.root),
          versionName: version.name,
          archiveDir: archive.dir,
          selection,
          rename: request.rename,
          prune: request.prune,
          aws,
          target,
          store,
          fingerprint,
          secrets,
          redactor,
          log: options.log.child(collector.id),
          signal,
          plan: (change) => plan.changes.push(change),
          cannot: (resource, message) => plan.undone.push({ resource, message }),
          note: (resource, message) => plan.notes.push({ resource, message }),
        });
      } catch (err) {
        if (err instanceof SnapError && (err.code === 'USAGE' || err.code === 'TARGET_REFUSED')) throw err;
        plan.error = describeError(err, redactor);
        plan.changes = [];
      }
      services.push(plan);
    }
  } catch (err) {
    aws.destroy();
    throw err;
  }
  return { version, services, target, source: manifest?.source ?? null, skipped, close: () => aws.destroy(), redactor };
}

/** Applies every planned change, service by service in dependency order; failures do not stop the others. */
export async function applyPlan(plan: RestorePlan, onDone?: (applied: AppliedChange) => void): Promise<AppliedChange[]> {
  const results: AppliedChange[] = [];
  try {
    for (const service of plan.services) {
      for (const change of service.changes) {
        let result: AppliedChange;
        try {
          await change.apply();
          result = { service: service.collector.id, change };
        } catch (err) {
          result = { service: service.collector.id, change, error: describeError(err, plan.redactor) };
        }
        results.push(result);
        onDone?.(result);
      }
    }
  } finally {
    plan.close();
  }
  return results;
}
