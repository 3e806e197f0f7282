// Reading Lightsail: every page of GetInstances and GetInstanceSnapshots (pageToken →
// nextPageToken), an instance's port states, and one snapshot by name (null when there is
// none). Plain functions of a client, so the collector and the snapshot request share them.
import {
  GetInstancePortStatesCommand,
  GetInstancesCommand,
  GetInstanceSnapshotCommand,
  GetInstanceSnapshotsCommand,
  type Instance,
  type InstancePortState,
  type InstanceSnapshot,
  type LightsailClient,
} from '@aws-sdk/client-lightsail';
import { SnapError } from '../../../errors.js';
import { awsErrorName } from '../shared/errors.js';

/** A page limit that only a service answering with the same token forever would reach. */
const MAX_PAGES = 100_000;

export async function readAllPages<T>(what: string, fetchPage: (pageToken: string | undefined) => Promise<{ items: T[] | undefined; next: string | undefined }>, signal: AbortSignal): Promise<T[]> {
  const all: T[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    signal.throwIfAborted();
    const { items, next } = await fetchPage(token);
    all.push(...(items ?? []));
    if (!next) return all;
    // A token seen before would loop forever: fail loudly rather than archive a partial list.
    if (seen.has(next)) throw new SnapError('COLLECTOR_FAILED', `${what}: the service repeated a page token`, { what });
    seen.add(next);
    token = next;
  }
  throw new SnapError('COLLECTOR_FAILED', `${what}: more than ${MAX_PAGES} pages`, { what });
}

export function listInstances(client: LightsailClient, signal: AbortSignal): Promise<Instance[]> {
  return readAllPages(
    'GetInstances',
    async (pageToken) => {
      const out = await client.send(new GetInstancesCommand({ pageToken }), { abortSignal: signal });
      return { items: out.instances, next: out.nextPageToken };
    },
    signal,
  );
}

export function listInstanceSnapshots(client: LightsailClient, signal: AbortSignal): Promise<InstanceSnapshot[]> {
  return readAllPages(
    'GetInstanceSnapshots',
    async (pageToken) => {
      const out = await client.send(new GetInstanceSnapshotsCommand({ pageToken }), { abortSignal: signal });
      return { items: out.instanceSnapshots, next: out.nextPageToken };
    },
    signal,
  );
}

export async function instancePortStates(client: LightsailClient, instanceName: string, signal: AbortSignal): Promise<InstancePortState[]> {
  const out = await client.send(new GetInstancePortStatesCommand({ instanceName }), { abortSignal: signal });
  return out.portStates ?? [];
}

export async function findInstanceSnapshot(client: LightsailClient, instanceSnapshotName: string, signal: AbortSignal): Promise<InstanceSnapshot | null> {
  try {
    const out = await client.send(new GetInstanceSnapshotCommand({ instanceSnapshotName }), { abortSignal: signal });
    return out.instanceSnapshot ?? null;
  } catch (err) {
    if (awsErrorName(err) === 'NotFoundException') return null;
    throw err;
  }
}
