// Sending one zone's planned record changes in as few ChangeResourceRecordSets calls as
// Route53 allows. The plan lists one change per record set (that is what people read and
// what applyPlan reports on), but Route53 allows five requests a second: so the first
// apply() of a zone sends every change of the zone that is still due, in batches, and each
// planned change then answers for its own record set.
//
// Route53's limits on one request: at most 1,000 ResourceRecord elements and at most 32,000
// characters in all Value elements together, an UPSERT counting twice for both. A batch is
// atomic (one invalid change fails it all), so a failed batch is sent again one change at a
// time: one bad record set then fails alone.
//
// Safe to re-run: UPSERTs are idempotent, and just before sending, the zone is read again so
// a DELETE is sent only for a record set that still exists, exactly as it is now.
import { ChangeResourceRecordSetsCommand, type Change, type ResourceRecordSet } from '@aws-sdk/client-route-53';
import { SnapError } from '../../../errors.js';
import { listRecordSets, type Send } from './listings.js';
import { recordKey } from './restore-records.js';

export const MAX_RECORDS_PER_BATCH = 1000;
export const MAX_VALUE_CHARS_PER_BATCH = 32_000;

export type PendingChange = { action: 'UPSERT'; record: (zoneId: string) => ResourceRecordSet } | { action: 'DELETE'; key: string };

/** What a change counts against the per-request limits. */
export function changeWeight(change: Change): { records: number; chars: number } {
  const factor = change.Action === 'UPSERT' ? 2 : 1;
  const values = change.ResourceRecordSet?.ResourceRecords ?? [];
  const chars = values.reduce((n, v) => n + (v.Value ?? '').length, 0);
  return { records: factor * Math.max(1, values.length), chars: factor * chars };
}

/** Splits changes, in order, into batches within Route53's per-request limits. */
export function batchChanges<T extends { change: Change }>(items: readonly T[]): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let records = 0;
  let chars = 0;
  for (const item of items) {
    const w = changeWeight(item.change);
    if (current.length && (records + w.records > MAX_RECORDS_PER_BATCH || chars + w.chars > MAX_VALUE_CHARS_PER_BATCH)) {
      batches.push(current);
      current = [];
      records = 0;
      chars = 0;
    }
    current.push(item);
    records += w.records;
    chars += w.chars;
  }
  if (current.length) batches.push(current);
  return batches;
}

export class ZoneChangeBatcher {
  private readonly pending = new Map<string, PendingChange>();
  /** per planned change: null when applied, the error when it failed */
  private readonly results = new Map<string, unknown>();
  private running: Promise<void> | null = null;

  /** @param zoneId the live zone's id, asked at apply time (a missing zone is created first) */
  constructor(
    private readonly send: Send,
    private readonly zoneId: () => Promise<string>,
    private readonly signal: AbortSignal,
  ) {}

  add(key: string, change: PendingChange): void {
    this.pending.set(key, change);
  }

  /** Applies the change planned under `key` (and, the first time, every other change of the zone still due). */
  async apply(key: string): Promise<void> {
    if (this.results.get(key) === null) return;
    if (this.results.has(key)) this.results.delete(key); // failed before: due again
    this.running ??= this.sendDue().finally(() => {
      this.running = null;
    });
    await this.running;
    const result = this.results.get(key);
    if (result !== null) throw result ?? new SnapError('COLLECTOR_FAILED', `the change of ${key} was not sent`, { key });
  }

  private async sendDue(): Promise<void> {
    const due = [...this.pending.keys()].filter((k) => !this.results.has(k));
    if (due.length === 0) return;
    let zoneId: string;
    let live: Map<string, ResourceRecordSet>;
    try {
      zoneId = await this.zoneId();
      live = new Map((await listRecordSets(this.send, zoneId)).map((r) => [recordKey(r), r]));
    } catch (err) {
      for (const k of due) this.results.set(k, err);
      return;
    }
    const items: { key: string; change: Change }[] = [];
    for (const key of due) {
      const p = this.pending.get(key)!;
      if (p.action === 'UPSERT') {
        items.push({ key, change: { Action: 'UPSERT', ResourceRecordSet: p.record(zoneId) } });
        continue;
      }
      const current = live.get(p.key);
      if (current) items.push({ key, change: { Action: 'DELETE', ResourceRecordSet: current } });
      else this.results.set(key, null); // already gone
    }
    // Deletions first: a record set the version does not name may stand in the way of one it
    // does (a CNAME cannot share its name with any other type).
    items.sort((a, b) => (a.change.Action === b.change.Action ? 0 : a.change.Action === 'DELETE' ? -1 : 1));
    for (const batch of batchChanges(items)) {
      try {
        await this.sendBatch(zoneId, batch.map((i) => i.change));
        for (const i of batch) this.results.set(i.key, null);
      } catch (err) {
        if (batch.length === 1) {
          this.results.set(batch[0]!.key, err);
          continue;
        }
        for (const i of batch) {
          try {
            await this.sendBatch(zoneId, [i.change]);
            this.results.set(i.key, null);
          } catch (one) {
            this.results.set(i.key, one);
          }
        }
      }
    }
  }

  private async sendBatch(zoneId: string, changes: Change[]): Promise<void> {
    await this.send((c, abortSignal) =>
      c.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Comment: 'snap restore', Changes: changes } }), { abortSignal: abortSignal ?? this.signal }),
    );
  }
}
