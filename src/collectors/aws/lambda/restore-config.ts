// What of a Lambda function's configuration a restore sets, and how a version's config.json
// compares with the live configuration. Pure: config.json (as archived) and the live
// FunctionConfiguration in, the differing settings and the UpdateFunctionConfiguration /
// CreateFunction input out. Environment values are resolved apart (restore-secrets.ts);
// Architectures belong to the code (UpdateFunctionCode), so they are compared in restore.ts.
//
// Each setting is compared in the shape the update call takes, so a difference found here is
// exactly what the call changes: layers by ARN (their order is kept: it is the extraction
// order), VPC subnets and security groups as sets, SnapStart by ApplyOn only.
import type { FunctionConfiguration, UpdateFunctionConfigurationCommandInput } from '@aws-sdk/client-lambda';
import { stableKey } from '../../../normalize/stable-json.js';

type Settings = Omit<UpdateFunctionConfigurationCommandInput, 'FunctionName' | 'RevisionId' | 'Environment'>;
type SettingName = keyof Settings;

const sortedStrings = (v: readonly string[] | undefined) => [...(v ?? [])].sort();

/**
 * Each restorable setting: how to read it from a FunctionConfiguration (archived or live) in
 * the update call's shape, and the value that clears it when the version does not have it
 * (undefined: leave the live value alone).
 */
const SETTINGS: { name: SettingName; read(c: FunctionConfiguration): unknown; clear?: unknown }[] = [
  { name: 'Runtime', read: (c) => c.Runtime },
  { name: 'Handler', read: (c) => c.Handler },
  { name: 'Timeout', read: (c) => c.Timeout },
  { name: 'MemorySize', read: (c) => c.MemorySize },
  { name: 'Role', read: (c) => c.Role },
  { name: 'Description', read: (c) => c.Description, clear: '' },
  { name: 'Layers', read: (c) => (c.Layers ? c.Layers.map((l) => l.Arn ?? '') : undefined), clear: [] },
  {
    name: 'VpcConfig',
    read: (c) => {
      const v = c.VpcConfig;
      if (!v || (!v.SubnetIds?.length && !v.SecurityGroupIds?.length)) return undefined;
      return { SubnetIds: sortedStrings(v.SubnetIds), SecurityGroupIds: sortedStrings(v.SecurityGroupIds), ...(v.Ipv6AllowedForDualStack !== undefined ? { Ipv6AllowedForDualStack: v.Ipv6AllowedForDualStack } : {}) };
    },
    clear: { SubnetIds: [], SecurityGroupIds: [] },
  },
  { name: 'TracingConfig', read: (c) => (c.TracingConfig?.Mode ? { Mode: c.TracingConfig.Mode } : undefined) },
  { name: 'DeadLetterConfig', read: (c) => (c.DeadLetterConfig?.TargetArn ? { TargetArn: c.DeadLetterConfig.TargetArn } : undefined), clear: { TargetArn: '' } },
  { name: 'KMSKeyArn', read: (c) => c.KMSKeyArn || undefined, clear: '' },
  { name: 'EphemeralStorage', read: (c) => (c.EphemeralStorage?.Size ? { Size: c.EphemeralStorage.Size } : undefined) },
  { name: 'FileSystemConfigs', read: (c) => (c.FileSystemConfigs?.length ? [...c.FileSystemConfigs].map((f) => ({ Arn: f.Arn, LocalMountPath: f.LocalMountPath })).sort((a, b) => ((a.Arn ?? '') < (b.Arn ?? '') ? -1 : 1)) : undefined), clear: [] },
  { name: 'SnapStart', read: (c) => (c.SnapStart?.ApplyOn ? { ApplyOn: c.SnapStart.ApplyOn } : undefined) },
  { name: 'LoggingConfig', read: (c) => (c.LoggingConfig && Object.keys(c.LoggingConfig).length ? { ...c.LoggingConfig } : undefined) },
  { name: 'ImageConfig', read: (c) => c.ImageConfigResponse?.ImageConfig },
];

export interface SettingChange {
  name: SettingName;
  from: unknown;
  to: unknown;
}

/** The settings whose live value differs from the version's, with the value to set. */
export function configChanges(archived: FunctionConfiguration, live: FunctionConfiguration): SettingChange[] {
  const out: SettingChange[] = [];
  for (const s of SETTINGS) {
    const want = s.read(archived);
    const have = s.read(live);
    if (want === undefined) {
      // The version does not set it: clear a live value only where the API has a way to.
      if (have !== undefined && s.clear !== undefined && stableKey(have) !== stableKey(s.clear)) out.push({ name: s.name, from: have, to: s.clear });
      continue;
    }
    if (stableKey(want) !== stableKey(have ?? null)) out.push({ name: s.name, from: have, to: want });
  }
  return out;
}

/** Every setting the version has, in the create call's shape (for a function that is missing). */
export function allSettings(archived: FunctionConfiguration): Settings {
  const out: Record<string, unknown> = {};
  for (const s of SETTINGS) {
    const v = s.read(archived);
    if (v !== undefined) out[s.name] = v;
  }
  return out as Settings;
}

export function settingsInput(changes: readonly SettingChange[]): Settings {
  return Object.fromEntries(changes.map((c) => [c.name, c.to])) as Settings;
}

function short(value: unknown): string {
  if (value === undefined || value === null) return 'none';
  if (typeof value === 'string') return value.length > 40 ? `${value.slice(0, 20)}…${value.slice(-12)}` : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `${value.length} item${value.length === 1 ? '' : 's'}`;
  return 'set';
}

/** "Timeout 3 → 30, MemorySize 128 → 512, VpcConfig changed" */
export function describeConfigChanges(changes: readonly SettingChange[]): string {
  return changes
    .map((c) => {
      const scalar = (v: unknown) => v === undefined || v === null || typeof v !== 'object';
      if (scalar(c.from) && scalar(c.to)) return `${c.name} ${short(c.from)} → ${short(c.to)}`;
      if (Array.isArray(c.to) && (Array.isArray(c.from) || c.from === undefined)) return `${c.name} ${short(c.from ?? [])} → ${short(c.to)}`;
      return `${c.name} changed`;
    })
    .join(', ');
}

/** sha256 in hex, shortened for people: "ab12cd34…" */
export function shortSha(hex: string | undefined): string {
  return hex ? `${hex.slice(0, 8)}…` : 'none';
}
