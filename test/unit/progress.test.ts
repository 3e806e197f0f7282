// TerminalProgress on a fake terminal stream (isTTY, columns) and a fake clock: the time left
// comes from the items and the bytes still to go at the rates just seen (whichever takes
// longer), what is transferring now is named, several tasks get one overall line, and the
// lines are erased before anything else is printed. A real pseudo-terminal run of the CLI is
// in test/e2e/cli-hygiene.test.ts; this one pins the arithmetic.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { estimate, LineProgress, TerminalProgress } from '../../src/util/log.js';

function fakeTerminal() {
  const writes: string[] = [];
  const stream = Object.assign(
    new Writable({
      write(chunk, _enc, done) {
        writes.push(String(chunk));
        done();
      },
    }),
    { isTTY: true, columns: 160 },
  );
  return { stream, writes };
}

describe('progress estimates', () => {
  it('takes the longer of items and bytes still to go, at the recent rates', () => {
    // 10 items and 10 MiB in 10 s; 90 items and 10 MiB to go: the items decide (90 s)
    const samples = [
      { at: 0, items: 0, bytes: 0 },
      { at: 10_000, items: 10, bytes: 10 << 20 },
    ];
    expect(estimate(samples, { items: 90, bytes: 10 << 20 }).etaMs).toBe(90_000);
    // few items left but many bytes: the bytes decide (1 GiB at 1 MiB/s)
    expect(estimate(samples, { items: 1, bytes: 10 * 2 ** 30 }).etaMs).toBe(10 * 1024 * 1000);
    expect(estimate(samples, { items: null, bytes: null }).etaMs).toBeNull(); // no totals: unknown
    expect(estimate(samples, { items: 0, bytes: 0 }).etaMs).toBe(0);
    // nothing done lately while work is left: unknown, never a made-up figure
    expect(estimate([{ at: 0, items: 5, bytes: 5 }, { at: 10_000, items: 5, bytes: 5 }], { items: 5, bytes: 5 }).etaMs).toBeNull();
    expect(estimate([{ at: 0, items: 0, bytes: 0 }], { items: 5, bytes: 5 }).etaMs).toBeNull();
  });
});

describe('TerminalProgress', () => {
  it('draws one line per task with rate, ETA and what is transferring now, and one overall line', () => {
    let now = 1_000_000;
    const { stream } = fakeTerminal();
    const progress = new TerminalProgress(stream, { now: () => now, intervalMs: 0 });
    const s3 = progress.task('s3');
    const local = progress.task('local');
    s3.phase('buckets');
    s3.expect(100, 100 << 20);
    local.expect(10, 0);
    const prod = s3.active('site-prod');
    const logs = s3.active('site-logs');
    expect(progress.lines()[0]).toBe('  s3: buckets 0/100 items, 0 B/100.0 MiB · now: site-prod, site-logs');
    now += 5_000;
    s3.add(20, 20 << 20);
    local.add(5, 0);
    logs();
    const [s3Line, localLine, all] = progress.lines();
    // 80 items at 4/s = 20 s; 80 MiB at 4 MiB/s = 20 s
    expect(s3Line).toBe('  s3: buckets 20/100 items, 20.0 MiB/100.0 MiB, 4.0 MiB/s, ETA 20s · now: site-prod');
    expect(localLine).toBe('  local: 5/10 items, 0 B, 1.0 items/s, ETA 5.0s');
    expect(all).toBe('  all 2 running: 25/110 items, 20.0 MiB/100.0 MiB, 4.0 MiB/s, ETA 20s');
    prod();
    expect(progress.lines()[0]).not.toContain('now:');
    progress.end('local', 'local: ok');
    expect(progress.lines()).toHaveLength(1); // one task left: no overall line
  });

  it('erases its lines before a log line or the end, and writes nothing for an empty summary', () => {
    const { stream, writes } = fakeTerminal();
    const progress = new TerminalProgress(stream, { now: () => 0, intervalMs: 0 });
    progress.task('verify v1.0').phase('payloads');
    progress.draw();
    expect(writes.at(-1)).toBe('  verify v1.0: payloads\n'); // nothing counted or expected yet: no figures
    progress.clear();
    expect(writes.at(-1)).toBe('\x1b[1A\x1b[J');
    progress.draw();
    writes.length = 0;
    progress.end('verify v1.0', '');
    expect(writes).toEqual(['\x1b[1A\x1b[J']);
    progress.stop();
  });

  it('truncates lines to the terminal width', () => {
    const { stream } = fakeTerminal();
    stream.columns = 50;
    const progress = new TerminalProgress(stream, { now: () => 0, intervalMs: 0 });
    progress.task('s3').active('a-bucket-with-a-very-long-name-indeed');
    expect(progress.lines()[0]!.length).toBe(49);
  });
});

describe('LineProgress', () => {
  it('prints phases and summaries as lines, nothing with -q, and no line for an empty summary', () => {
    const { stream, writes } = fakeTerminal();
    const p = new LineProgress(stream);
    const t = p.task('s3');
    t.phase('buckets');
    t.active('x')();
    p.end('s3', 's3: ok');
    p.end('verify v1.0', '');
    expect(writes).toEqual(['s3: buckets\n', 's3: ok\n']);
    const quiet = fakeTerminal();
    const q = new LineProgress(quiet.stream, true);
    q.task('s3').phase('buckets');
    q.end('s3', 's3: ok');
    expect(quiet.writes).toEqual([]);
  });
});
