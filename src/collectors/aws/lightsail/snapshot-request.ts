// Requesting a new instance snapshot named after the version being written (`snap commit
// --lightsail-snapshot`, or collectors.lightsail.createSnapshot). The name is
// <instance>-<version>-<yyyymmdd> (UTC), made to fit Lightsail's name pattern \w[\w\-]*\w, so
// "jada-agent" in v1.0 on 2026-05-09 gets "jada-agent-v1-0-20260509". A snapshot of that name
// that already exists (a retried commit) is recorded, not replaced.
//
// Snapshots take minutes. snap watches a requested one for a short, bounded time and records
// the state it saw (usually "pending"); the next version's listing shows it as it is by then.
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateInstanceSnapshotCommand, type LightsailClient } from '@aws-sdk/client-lightsail';
import { findInstanceSnapshot } from './read.js';

/** Tag put on every snapshot snap requests, so it can be traced back to its version. */
export const SNAP_VERSION_TAG = 'snap:version';
const MAX_NAME_LENGTH = 255;

export interface RequestedSnapshot {
  region: string;
  instanceName: string;
  snapshotName: string;
  /** the snapshot's state when snap stopped watching: pending, available, error; or not-requested */
  state: string;
  /** false when a snapshot of this name already existed and was kept as it is */
  requested: boolean;
  operationId?: string;
  operationStatus?: string;
  /** the error name when the request failed */
  error?: string;
}

export function requestedSnapshotName(instanceName: string, version: string, at: Date): string {
  const date = at.toISOString().slice(0, 10).replace(/-/g, '');
  const versionPart = version.replace(/[^A-Za-z0-9_]+/g, '-').replace(/^-+|-+$/g, '') || 'version';
  const suffix = `-${versionPart}-${date}`;
  const base = instanceName.replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, Math.max(1, MAX_NAME_LENGTH - suffix.length));
  return `${base}${suffix}`.slice(0, MAX_NAME_LENGTH).replace(/^[^A-Za-z0-9_]+|[^A-Za-z0-9_]+$/g, '');
}

/** Lightsail tag values allow letters, digits, spaces and + - = . _ : / @ only. */
function tagValue(version: string): string {
  return version.replace(/[^\p{L}\p{N} +\-=._:/@]/gu, '_').slice(0, 256);
}

export interface SnapshotRequestOptions {
  client: LightsailClient;
  region: string;
  version: string;
  waitSeconds: number;
  signal: AbortSignal;
  now?: () => Date;
}

export async function requestInstanceSnapshot(instanceName: string, options: SnapshotRequestOptions): Promise<RequestedSnapshot> {
  const { client, region, signal } = options;
  const snapshotName = requestedSnapshotName(instanceName, options.version, (options.now ?? (() => new Date()))());
  // A policy may allow creating snapshots but not reading them: then ask anyway, and let
  // CreateInstanceSnapshot itself refuse a name that is taken.
  const existing = await findInstanceSnapshot(client, snapshotName, signal).catch(() => null);
  if (existing) return { region, instanceName, snapshotName, state: existing.state ?? 'unknown', requested: false };

  const out = await client.send(
    new CreateInstanceSnapshotCommand({ instanceName, instanceSnapshotName: snapshotName, tags: [{ key: SNAP_VERSION_TAG, value: tagValue(options.version) }] }),
    { abortSignal: signal },
  );
  const operation = out.operations?.find((o) => o.resourceName === snapshotName) ?? out.operations?.[0];
  const state = await watchSnapshot(client, snapshotName, options.waitSeconds, signal);
  return {
    region,
    instanceName,
    snapshotName,
    state,
    requested: true,
    ...(operation?.id ? { operationId: operation.id } : {}),
    ...(operation?.status ? { operationStatus: operation.status } : {}),
  };
}

/**
 * Reads the snapshot until it leaves "pending" or the wait is over; returns the last state
 * seen. The request has been accepted by then, so a read that fails is not an error: the state
 * stays the last one seen, at first "pending", the state every new snapshot starts in.
 */
async function watchSnapshot(client: LightsailClient, name: string, waitSeconds: number, signal: AbortSignal): Promise<string> {
  const deadline = Date.now() + waitSeconds * 1000;
  const interval = Math.max(100, Math.min(2000, (waitSeconds * 1000) / 5));
  let state = 'pending';
  for (;;) {
    signal.throwIfAborted();
    const snapshot = await findInstanceSnapshot(client, name, signal).catch(() => null);
    if (snapshot?.state) state = snapshot.state;
    if (state !== 'pending' || Date.now() + interval > deadline) return state;
    await sleep(interval, undefined, { signal });
  }
}
