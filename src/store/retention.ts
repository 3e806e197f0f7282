// Object Lock retention for the vault, as configured (store.objectLock): every object snap
// writes there carries a retain-until date `days` ahead, and whatever a kept version needs is
// kept ahead of need: when a date falls within `marginDays` of now it is moved `days` ahead
// again (s3-store.ts keepRetentionAhead, during a commit and by `snap maintenance`). An
// unchanged re-commit therefore touches only the objects whose dates fall due, and they fall
// due together, in batches, because the objects of one commit share one date.
import { SnapError } from '../errors.js';

export interface RetentionPolicy {
  mode: 'GOVERNANCE' | 'COMPLIANCE';
  days: number;
  marginDays: number;
}

export interface ObjectLockConfig {
  mode: 'governance' | 'compliance';
  days: number;
  marginDays?: number | undefined;
}

const DAY_S = 86_400;

/** The margin when the config names none: a third of the period, at least a day, always less than the period. */
export function defaultMarginDays(days: number): number {
  return Math.min(days - 1, Math.max(1, Math.round(days / 3)));
}

export function retentionPolicy(config: ObjectLockConfig | undefined): RetentionPolicy | null {
  if (!config) return null;
  return { mode: config.mode === 'compliance' ? 'COMPLIANCE' : 'GOVERNANCE', days: config.days, marginDays: config.marginDays ?? defaultMarginDays(config.days) };
}

/** `governance:30` / `compliance:365` as typed on the command line. */
export function parseObjectLockFlag(value: string): ObjectLockConfig {
  const m = /^(governance|compliance):([1-9][0-9]{0,4})$/.exec(value.trim().toLowerCase());
  if (!m) throw new SnapError('USAGE', `--object-lock ${JSON.stringify(value)}: expected governance:DAYS or compliance:DAYS (e.g. governance:30)`, { value });
  return { mode: m[1] as ObjectLockConfig['mode'], days: Number(m[2]) };
}

/** The retain-until date for an object written or extended at `now` (whole seconds). */
export function retainUntil(policy: RetentionPolicy, now: Date): Date {
  return new Date((Math.floor(now.getTime() / 1000) + policy.days * DAY_S) * 1000);
}

/** True when an object retained until `until` (epoch seconds; 0 none) must be extended at `now`. */
export function retentionDue(policy: RetentionPolicy, until: number, now: Date): boolean {
  return until < Math.floor(now.getTime() / 1000) + policy.marginDays * DAY_S;
}
