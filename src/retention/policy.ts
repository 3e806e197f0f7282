// Which versions a retention policy keeps, with restic's semantics (`restic forget --keep-*`,
// doc/060_forget.rst), so a rule a restic user already trusts means the same here:
//
//   - versions are taken newest first; each option keeps versions on its own and a version
//     stays when any option keeps it (the options are ORed);
//   - --keep-last N keeps the N newest;
//   - --keep-hourly/-daily/-weekly/-monthly/-yearly N: for the last N hours/days/weeks/months/
//     years that hold one or more versions, the newest version of each. Calendar boundaries are
//     natural ones (weeks are ISO weeks, Monday to Sunday), never relative to when forget runs;
//     periods without a version are not counted;
//   - when such an option still has counts left at the oldest version, the oldest version is
//     kept too ("oldest weekly"), which keeps as much history as the policy allows;
//   - "unlimited" keeps every period;
//   - --keep-within DURATION (1y5m7d3h) keeps every version newer than the newest one minus the
//     duration (versions dated in the future are not taken as the newest);
//   - --keep-tag PATTERN keeps the versions whose name matches (snap's versions are git tags, so
//     a restic tag list becomes a name pattern here: `*` matches any run of characters).
//
// Calendars are read in UTC, the time zone snap records versions in. This module only decides;
// forget.ts adds what snap itself never lets go of (the newest version, signer changes).

export type Count = number; // a positive number, or UNLIMITED

export const UNLIMITED = -1;

export interface Duration {
  years: number;
  months: number;
  days: number;
  hours: number;
}

export interface RetentionPolicy {
  last?: Count;
  hourly?: Count;
  daily?: Count;
  weekly?: Count;
  monthly?: Count;
  yearly?: Count;
  within?: Duration;
  /** version name patterns (glob: `*` any run of characters, `?` one character) */
  tags?: string[];
}

export interface PolicyVersion {
  name: string;
  date: Date;
}

export interface PolicyDecision<V extends PolicyVersion = PolicyVersion> {
  version: V;
  keep: boolean;
  /** why it stays: "daily", "oldest weekly", "within 1m", "name matches v1.*" */
  reasons: string[];
}

type Bucket = 'last' | 'hourly' | 'daily' | 'weekly' | 'monthly' | 'yearly';

const BUCKETS: readonly Bucket[] = ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'];

/** The ISO-8601 week of a UTC date, as year*100 + week (the week's year may differ from the date's). */
export function isoWeek(d: Date): number {
  const day = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const weekday = day.getUTCDay() || 7; // Monday 1 … Sunday 7
  day.setUTCDate(day.getUTCDate() + 4 - weekday); // the Thursday of this week decides its year
  const yearStart = Date.UTC(day.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((day.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return day.getUTCFullYear() * 100 + week;
}

function periodOf(bucket: Bucket, d: Date, index: number): number {
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + 1;
  switch (bucket) {
    case 'last':
      return index; // every version is a period of its own
    case 'hourly':
      return ((y * 100 + m) * 100 + d.getUTCDate()) * 100 + d.getUTCHours();
    case 'daily':
      return (y * 100 + m) * 100 + d.getUTCDate();
    case 'weekly':
      return isoWeek(d);
    case 'monthly':
      return y * 100 + m;
    case 'yearly':
      return y;
  }
}

/** Parses restic's duration form: a sequence of <n>y, <n>m (months), <n>d, <n>h, e.g. "1y6m", "7d", "36h". */
const MAX_DURATION_YEARS = 10_000;

export function parseDuration(text: string): Duration {
  const d: Duration = { years: 0, months: 0, days: 0, hours: 0 };
  if (!/^(\d+[ymdh])+$/.test(text)) throw new Error(`"${text}" is not a duration: use numbers with y (years), m (months), d (days), h (hours), e.g. 1y6m or 7d`);
  for (const [, n, unit] of text.matchAll(/(\d+)([ymdh])/g)) {
    const key = ({ y: 'years', m: 'months', d: 'days', h: 'hours' } as const)[unit as 'y' | 'm' | 'd' | 'h'];
    d[key] += Number(n);
  }
  // Past this, calendar arithmetic leaves the range of a date; no archive is that old.
  if (![d.years, d.months, d.days, d.hours].every(Number.isSafeInteger) || d.years + d.months / 12 + d.days / 366 + d.hours / 8784 > MAX_DURATION_YEARS) {
    throw new Error(`"${text.slice(0, 40)}" is longer than ${MAX_DURATION_YEARS} years`);
  }
  return d;
}

export function formatDuration(d: Duration): string {
  const parts = [d.years && `${d.years}y`, d.months && `${d.months}m`, d.days && `${d.days}d`, d.hours && `${d.hours}h`].filter(Boolean);
  return parts.length ? parts.join('') : '0h';
}

/** `date` minus a calendar duration (months and years as calendars count them, in UTC). */
function subtract(date: Date, d: Duration): Date {
  const out = new Date(date.getTime());
  out.setUTCFullYear(out.getUTCFullYear() - d.years, out.getUTCMonth() - d.months, out.getUTCDate() - d.days);
  out.setUTCHours(out.getUTCHours() - d.hours);
  return out;
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

export function isEmptyPolicy(p: RetentionPolicy): boolean {
  const within = p.within && (p.within.years || p.within.months || p.within.days || p.within.hours);
  return !within && !(p.tags && p.tags.length) && BUCKETS.every((b) => !p[b]);
}

/** The policy in words, as a record and a dry run show it: "keep 4 last, 6 weekly, versions named v1.*". */
export function describePolicy(p: RetentionPolicy): string {
  const counts = BUCKETS.filter((b) => p[b]).map((b) => (p[b] === UNLIMITED ? `all ${b}` : `${p[b]} ${b}`));
  const parts = [...counts];
  if (p.within && !isEmptyPolicy({ within: p.within })) parts.push(`all within ${formatDuration(p.within)} of the newest`);
  if (p.tags?.length) parts.push(`versions named ${p.tags.join(' or ')}`);
  return parts.length ? `keep ${parts.join(', ')}` : 'keep nothing';
}

/**
 * Decides every version: kept (with the reasons) or not. `versions` may come in any order;
 * decisions come back newest first. `now` only matters for versions dated in the future,
 * which are never taken as the newest for --keep-within.
 */
export function applyPolicy<V extends PolicyVersion>(versions: readonly V[], p: RetentionPolicy, now: Date = new Date()): PolicyDecision<V>[] {
  // Newest first; the sort is stable, so versions of the same second keep the caller's order.
  const list = [...versions].sort((a, b) => b.date.getTime() - a.date.getTime());
  if (list.length === 0) return [];
  const counters = new Map<Bucket, { left: number; last: number | null }>(BUCKETS.map((b) => [b, { left: p[b] ?? 0, last: null }]));
  let newest: Date | null = null;
  for (const v of list) if (v.date.getTime() <= now.getTime() && (newest === null || v.date > newest)) newest = v.date;
  const withinFrom = p.within && newest && !isEmptyPolicy({ within: p.within }) ? subtract(newest, p.within) : null;
  const patterns = (p.tags ?? []).map((t) => ({ text: t, re: globToRegExp(t) }));

  return list.map((v, index) => {
    const reasons: string[] = [];
    for (const t of patterns) if (t.re.test(v.name)) reasons.push(`name matches ${t.text}`);
    if (withinFrom && v.date.getTime() > withinFrom.getTime()) reasons.push(`within ${formatDuration(p.within!)}`);
    const oldest = index === list.length - 1;
    for (const b of BUCKETS) {
      const c = counters.get(b)!;
      if (c.left === 0) continue;
      const period = periodOf(b, v.date, index);
      if (period !== c.last || oldest) {
        reasons.push(period === c.last ? `oldest ${b}` : b);
        c.last = period;
        if (c.left > 0) c.left--;
      }
    }
    return { version: v, keep: reasons.length > 0, reasons };
  });
}
