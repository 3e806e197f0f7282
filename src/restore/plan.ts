// Planning and applying a restore. Selectors name services or resources by their folder in
// the archive (`s3_buckets/queenofsandiego-prod`, `route53`, `lambda_functions/update_dashboard`;
// a collector id such as `s3` names its whole folder). Each selected collector plans its
// changes against the live service; nothing is changed until applyPlan().
import { readFile } from 'node:fs/promises';
import type { Archive } from '../archive/archive.js';
import { awsClientsFor } from '../archive/snapshot.js';
import { VersionReader } from '../archive/version-reader.js';
import { resolveVersion, type VersionInfo } from '../archive/versions.js';
import { loadCollectors } from '../collectors/lazy.js';
import { collectors as registered } from '../collectors/registry.js';
import type { AnyCollector, CollectorBaseConfig } from '../collectors/types.js';
import type { SnapConfig } from '../config/schema.js';
import { describeError, SnapError, UsageError } from '../errors.js';
import type { Logger } from '../util/log.js';
import { Redactor } from '../util/redact.js';
import { RESTORE_ORDER, type PlannedChange, type SecretValues } from './types.js';

export interface RestoreRequest {
  version: string;
  selectors: string[];
  prune: boolean;
  rename: Map<string, string>;
  /** JSON file: { "<scope>": { "<NAME>": "<value>" } }, scope e.g. "lambda:update_dashboard" */
  secretsFile?: string;
  /** restore into another endpoint or account than the configured one */
  endpoint?: string;
  profile?: string;
  collectors?: readonly AnyCollector[];
}

export interface ServicePlan {
  collector: AnyCollector;
  selection: string[];
  changes: PlannedChange[];
  notes: { resource: string; message: string }[];
  /** planning failed for this service: nothing of it will be applied */
  error?: string;
}

export interface RestorePlan {
  version: VersionInfo;
  services: ServicePlan[];
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
  if (!data || typeof data !== 'object') throw new UsageError(`the secrets file ${file} must hold a JSON object of scopes`);
  const scopes = data as Record<string, Record<string, unknown>>;
  return {
    get: (scope, name) => {
      const v = scopes[scope]?.[name];
      return typeof v === 'string' ? v : undefined;
    },
  };
}

/** Which collectors, and which parts of their folders, the selectors name. */
export function selectServices(selectors: string[], available: readonly AnyCollector[], inVersion: Set<string>): { collector: AnyCollector; selection: string[] }[] {
  const restorable = available.filter((c) => c.restore);
  const names = restorable.map((c) => c.root).join(', ');
  if (selectors.length === 0) return restorable.filter((c) => inVersion.has(c.root)).map((collector) => ({ collector, selection: [] }));
  const chosen = new Map<AnyCollector, string[] | null>();
  for (const raw of selectors) {
    const sel = raw.replace(/^\/+|\/+$/g, '');
    const [top, ...rest] = sel.split('/');
    const collector = restorable.find((c) => c.root === top || c.id === top);
    if (!collector) {
      const known = available.find((c) => c.root === top || c.id === top);
      throw new UsageError(known ? `${top} cannot be restored by snap yet (restorable: ${names})` : `unknown service or folder "${top}" (restorable: ${names})`);
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

export async function planRestore(archive: Archive, request: RestoreRequest, options: { log: Logger; signal?: AbortSignal; redactor?: Redactor }): Promise<RestorePlan> {
  const redactor = options.redactor ?? new Redactor();
  const config = await archive.loadConfig();
  const version = await resolveVersion(archive.repo, request.version);
  const root = new VersionReader(archive.repo, version.treeOid);
  const inVersion = new Set((await root.list()).map((e) => e.name));
  const chosen = selectServices(request.selectors, await loadCollectors(request.collectors ?? registered), inVersion);
  for (const { collector, selection } of chosen) {
    if (!inVersion.has(collector.root)) throw new UsageError(`${version.name} holds no ${collector.root}/ to restore`);
    for (const s of selection) if (!(await root.entry(`${collector.root}/${s}`))) throw new UsageError(`${version.name} holds no ${collector.root}/${s}`);
  }
  const secrets = await loadSecrets(request.secretsFile);
  const aws = awsClientsFor({ ...config, aws: { ...config.aws, ...(request.endpoint ? { endpoint: request.endpoint } : {}), ...(request.profile ? { profile: request.profile } : {}) } }, redactor);
  const store = archive.openStore(config);
  const fingerprint = await archive.fingerprinter();
  const signal = options.signal ?? new AbortController().signal;
  const services: ServicePlan[] = [];
  for (const { collector, selection } of chosen.sort((a, b) => RESTORE_ORDER.indexOf(a.collector.id) - RESTORE_ORDER.indexOf(b.collector.id))) {
    const plan: ServicePlan = { collector, selection, changes: [], notes: [] };
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
        store,
        fingerprint,
        secrets,
        redactor,
        log: options.log.child(collector.id),
        signal,
        plan: (change) => plan.changes.push(change),
        note: (resource, message) => plan.notes.push({ resource, message }),
      });
    } catch (err) {
      if (err instanceof SnapError && err.code === 'USAGE') throw err;
      plan.error = describeError(err, redactor);
      plan.changes = [];
    }
    services.push(plan);
  }
  return { version, services, close: () => aws.destroy(), redactor };
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
