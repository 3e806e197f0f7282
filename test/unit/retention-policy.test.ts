// The retention policy against restic's documented semantics (restic doc/060_forget.rst,
// "Removing snapshots according to a policy"): each --keep-* option on its own, the examples
// the documentation works through, calendar boundaries (ISO weeks, UTC days), "unlimited", the
// oldest version kept while counts are left, --keep-within relative to the newest version, and
// name patterns in place of restic's tags.
import { describe, expect, it } from 'vitest';
import { applyPolicy, describePolicy, isEmptyPolicy, isoWeek, parseDuration, UNLIMITED, type RetentionPolicy } from '../../src/retention/policy.js';

const at = (s: string) => new Date(`${s.replace(' ', 'T')}Z`);

function versions(dates: string[]) {
  return dates.map((d, i) => ({ name: `v${i}`, date: at(d) }));
}

function kept(dates: string[], policy: RetentionPolicy, now = at('2100-01-01 00:00:00')) {
  return applyPolicy(versions(dates), policy, now)
    .filter((d) => d.keep)
    .map((d) => d.version.date.toISOString().slice(0, 16).replace('T', ' '));
}

function reasons(dates: string[], policy: RetentionPolicy) {
  return Object.fromEntries(applyPolicy(versions(dates), policy, at('2100-01-01 00:00:00')).filter((d) => d.keep).map((d) => [d.version.date.toISOString().slice(0, 16).replace('T', ' '), d.reasons]));
}

// The documentation's example: backups every weekday for two weeks, an extra one on Fridays,
// and no backup on the second Wednesday.
const WEEKDAYS = [
  '2025-04-21 11:00:00', '2025-04-22 11:00:00', '2025-04-23 11:00:00', '2025-04-24 11:00:00',
  '2025-04-25 11:00:00', '2025-04-25 23:00:00', '2025-04-28 11:00:00', '2025-04-29 11:00:00',
  '2025-05-01 11:00:00', '2025-05-02 11:00:00', '2025-05-02 23:00:00',
];

describe('retention policy (restic semantics)', () => {
  it('--keep-daily 5 keeps the newest of each of the last five days that have a version (the documentation example)', () => {
    // "this kept a snapshot from the previous Friday since you missed the Wednesday backup"
    expect(kept(WEEKDAYS, { daily: 5 })).toEqual(['2025-05-02 23:00', '2025-05-01 11:00', '2025-04-29 11:00', '2025-04-28 11:00', '2025-04-25 23:00']);
  });

  it('--keep-last n keeps the n newest, whatever their dates', () => {
    expect(kept(WEEKDAYS, { last: 3 })).toEqual(['2025-05-02 23:00', '2025-05-02 11:00', '2025-05-01 11:00']);
  });

  it('--keep-hourly n counts hours that have a version, the newest of each', () => {
    const dates = ['2025-01-01 10:05:00', '2025-01-01 10:55:00', '2025-01-01 11:00:00', '2025-01-01 11:59:59', '2025-01-01 14:30:00'];
    expect(kept(dates, { hourly: 2 })).toEqual(['2025-01-01 14:30', '2025-01-01 11:59']);
    expect(kept(dates, { hourly: 3 })).toEqual(['2025-01-01 14:30', '2025-01-01 11:59', '2025-01-01 10:55']);
  });

  it('--keep-weekly n works on ISO weeks, Monday 00:00 to Sunday 23:59', () => {
    // Sunday night and Monday morning are different weeks; Monday to Sunday one.
    const dates = ['2025-04-27 23:59:00', '2025-04-28 00:00:00', '2025-05-04 23:00:00', '2025-04-21 00:00:00'];
    expect(kept(dates, { weekly: 2 })).toEqual(['2025-05-04 23:00', '2025-04-27 23:59']);
    // Across a new year: 2020-12-31 and 2021-01-03 are both in week 53 of 2020.
    expect(isoWeek(at('2020-12-31 12:00:00'))).toBe(202053);
    expect(isoWeek(at('2021-01-03 12:00:00'))).toBe(202053);
    expect(isoWeek(at('2021-01-04 00:00:00'))).toBe(202101);
    expect(isoWeek(at('2024-12-30 00:00:00'))).toBe(202501);
    expect(kept(['2020-12-31 12:00:00', '2021-01-03 12:00:00', '2021-01-04 00:00:00'], { weekly: 2 })).toEqual(['2021-01-04 00:00', '2021-01-03 12:00']);
  });

  it('--keep-monthly and --keep-yearly keep the newest of each calendar month and year (UTC)', () => {
    const dates = ['2024-01-31 23:59:00', '2024-02-01 00:00:00', '2024-02-29 10:00:00', '2024-12-31 23:00:00', '2025-01-01 00:30:00', '2025-03-15 00:00:00'];
    expect(kept(dates, { monthly: 3 })).toEqual(['2025-03-15 00:00', '2025-01-01 00:30', '2024-12-31 23:00']);
    expect(kept(dates, { yearly: 2 })).toEqual(['2025-03-15 00:00', '2024-12-31 23:00']);
  });

  it('keeps the oldest version too when an option still has counts left ("oldest")', () => {
    // Only two years of history for --keep-yearly 5: the oldest version stays as well.
    const dates = ['2023-03-01 00:00:00', '2023-06-01 00:00:00', '2024-02-01 00:00:00', '2024-09-01 00:00:00'];
    expect(reasons(dates, { yearly: 5 })).toEqual({ '2024-09-01 00:00': ['yearly'], '2023-06-01 00:00': ['yearly'], '2023-03-01 00:00': ['oldest yearly'] });
    // With the counts used up before the oldest, it goes.
    expect(kept(dates, { yearly: 1 })).toEqual(['2024-09-01 00:00']);
  });

  it('"unlimited" keeps every period', () => {
    const dates = ['2020-01-10 00:00:00', '2020-01-20 00:00:00', '2021-05-01 00:00:00', '2023-07-07 00:00:00', '2023-07-08 00:00:00'];
    expect(kept(dates, { monthly: UNLIMITED })).toEqual(['2023-07-08 00:00', '2021-05-01 00:00', '2020-01-20 00:00', '2020-01-10 00:00']);
    expect(describePolicy({ monthly: UNLIMITED })).toBe('keep all monthly');
  });

  it('options are ORed: a version stays when any of them keeps it, with every reason named', () => {
    expect(reasons(WEEKDAYS, { last: 1, daily: 2, weekly: 2 })).toEqual({
      '2025-05-02 23:00': ['last', 'daily', 'weekly'],
      '2025-05-01 11:00': ['daily'],
      '2025-04-25 23:00': ['weekly'],
    });
  });

  it('the documentation example of daily backups for 100 years: 7 daily, 4 more weekly, 11 or 12 monthly, 74 or 75 yearly', () => {
    // "--keep-daily 7 --keep-weekly 5 --keep-monthly 12 --keep-yearly 75 would keep the most recent 7
    // daily snapshots and 4 last-day-of-the-week ones (since the 7 dailies already include 1 weekly).
    // Additionally, 12 or 11 last-day-of-the-month snapshots will be kept … 75 or 74 last-day-of-the-year."
    // The newest day is a Sunday, so the seven dailies are one ISO week.
    const days: string[] = [];
    for (let t = Date.UTC(1924, 0, 1, 2); t <= Date.UTC(2023, 11, 31, 2); t += 86_400_000) days.push(new Date(t).toISOString().slice(0, 19).replace('T', ' '));
    const decided = applyPolicy(versions(days), { daily: 7, weekly: 5, monthly: 12, yearly: 75 }, at('2100-01-01 00:00:00')).filter((d) => d.keep);
    const only = (r: string) => decided.filter((d) => d.reasons.includes(r) && d.reasons.every((x) => x === r)).length;
    expect(decided.filter((d) => d.reasons.includes('daily'))).toHaveLength(7);
    expect(only('weekly')).toBe(4);
    expect(only('monthly')).toBe(11);
    expect(only('yearly')).toBe(74);
    expect(decided).toHaveLength(7 + 4 + 11 + 74);
    // The weekly ones are Sundays, the monthly ones last days of months, the yearly ones 31 December.
    expect(decided.filter((d) => d.reasons.join() === 'weekly').every((d) => d.version.date.getUTCDay() === 0)).toBe(true);
    expect(decided.filter((d) => d.reasons.join() === 'yearly').every((d) => d.version.date.toISOString().slice(5, 10) === '12-31')).toBe(true);
  });

  it('--keep-within keeps everything newer than the newest version minus the duration, not relative to now', () => {
    // One month before the newest is 2024-11-30 12:00: a version exactly then is not newer, so it goes.
    const dates = ['2023-12-31 11:00:00', '2024-11-30 12:00:00', '2024-12-01 12:00:01', '2024-12-31 12:00:00'];
    expect(kept(dates, { within: parseDuration('1m') })).toEqual(['2024-12-31 12:00', '2024-12-01 12:00']);
    expect(kept(dates, { within: parseDuration('1y') })).toEqual(['2024-12-31 12:00', '2024-12-01 12:00', '2024-11-30 12:00']);
    expect(kept(dates, { within: parseDuration('1y1h') })).toEqual(['2024-12-31 12:00', '2024-12-01 12:00', '2024-11-30 12:00']);
    expect(kept(dates, { within: parseDuration('1y2h') })).toHaveLength(4);
    // A version dated in the future is not taken as the newest (it is kept by nothing here but itself being within).
    const future = [...dates, '2030-01-01 00:00:00'];
    expect(kept(future, { within: parseDuration('1m') }, at('2025-01-01 00:00:00'))).toEqual(['2030-01-01 00:00', '2024-12-31 12:00', '2024-12-01 12:00']);
    expect(parseDuration('2y5m7d3h')).toEqual({ years: 2, months: 5, days: 7, hours: 3 });
    expect(() => parseDuration('1w')).toThrow(/not a duration/);
  });

  it('--keep-tag keeps versions whose name matches a pattern; several patterns are ORed', () => {
    const list = [
      { name: 'v1.0', date: at('2024-01-01 00:00:00') },
      { name: 'release-spring', date: at('2024-03-01 00:00:00') },
      { name: 'v1.1', date: at('2024-04-01 00:00:00') },
      { name: 'v2.0', date: at('2024-05-01 00:00:00') },
    ];
    const kept = applyPolicy(list, { tags: ['v1.0', 'release-*'] }).filter((d) => d.keep);
    expect(kept.map((d) => [d.version.name, d.reasons])).toEqual([
      ['release-spring', ['name matches release-*']],
      ['v1.0', ['name matches v1.0']],
    ]);
    expect(applyPolicy(list, { tags: ['v?.?'] }).filter((d) => d.keep).map((d) => d.version.name)).toEqual(['v2.0', 'v1.1', 'v1.0']);
  });

  it('an empty policy is recognised (forget refuses it, as restic does), and a policy reads as words', () => {
    expect(isEmptyPolicy({})).toBe(true);
    expect(isEmptyPolicy({ tags: [] })).toBe(true);
    expect(isEmptyPolicy({ within: parseDuration('0d') })).toBe(true);
    expect(isEmptyPolicy({ weekly: 1 })).toBe(false);
    expect(describePolicy({ last: 4, weekly: 6, within: parseDuration('1y6m'), tags: ['v1.0'] })).toBe('keep 4 last, 6 weekly, all within 1y6m of the newest, versions named v1.0');
  });
});
