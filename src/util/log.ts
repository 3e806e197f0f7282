// Logging and progress for long work. On a terminal, progress is one redrawn status line per
// running task on stderr, and one overall line when several run; elsewhere (CI, pipes, cron)
// output is quiet and line-oriented: a line when a task starts a phase and when it ends,
// never carriage returns. Log lines must
// never contain secret values; callers pass names, counts and codes.
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  child(prefix: string): Logger;
}

export interface TaskProgress {
  /** Adds finished work: items (objects, files, records) and bytes. */
  add(items: number, bytes?: number): void;
  /** Sets the expected totals when known, for rate and ETA. */
  expect(items: number | null, bytes?: number | null): void;
  phase(label: string): void;
  /**
   * Marks `label` (a bucket, a table) as being worked on now, until the returned function
   * is called: a terminal shows what is actually transferring, not what started last.
   */
  active(label: string): () => void;
}

export interface Progress {
  task(id: string): TaskProgress;
  /** The task is done; `summary` is printed as its line (nothing when ''). */
  end(id: string, summary: string): void;
  stop(): void;
}

function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
}
export { formatBytes };

function formatDuration(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}
export { formatDuration };

export function createLogger(stream: NodeJS.WritableStream, options: { quiet?: boolean; beforeWrite?: () => void; afterWrite?: () => void; redact?: (text: string) => string } = {}, prefix = ''): Logger {
  const write = (level: string, message: string) => {
    options.beforeWrite?.();
    const line = `${prefix ? `${prefix}: ` : ''}${message}`;
    stream.write(`${level}${options.redact ? options.redact(line) : line}\n`);
    options.afterWrite?.();
  };
  return {
    info: (m) => {
      if (!options.quiet) write('', m);
    },
    warn: (m) => write('warning: ', m),
    child: (p) => createLogger(stream, options, prefix ? `${prefix}/${p}` : p),
  };
}

interface TaskState {
  id: string;
  phase: string;
  items: number;
  bytes: number;
  totalItems: number | null;
  totalBytes: number | null;
  started: number;
  /** labels being worked on now, with how many holders each */
  active: Map<string, number>;
  /** recent (time, items, bytes), for rates over the last RATE_WINDOW_MS rather than since the start */
  samples: { at: number; items: number; bytes: number }[];
}

const RATE_WINDOW_MS = 10_000;

export interface TaskEstimate {
  /** items and bytes per second over the recent window; null before there is one */
  itemRate: number | null;
  byteRate: number | null;
  /** milliseconds left: the longer of what the items and the bytes still to go take at their rates; null when unknown */
  etaMs: number | null;
}

/**
 * Time left for work that is limited by items (a request per object) or by bytes (large
 * transfers), whichever takes longer at the rates just seen. Unknown without totals, or
 * while nothing has been done in the window.
 */
export function estimate(samples: readonly { at: number; items: number; bytes: number }[], left: { items: number | null; bytes: number | null }): TaskEstimate {
  const first = samples[0];
  const last = samples[samples.length - 1];
  if (!first || !last || last.at - first.at < 500) return { itemRate: null, byteRate: null, etaMs: null };
  const seconds = (last.at - first.at) / 1000;
  const itemRate = (last.items - first.items) / seconds;
  const byteRate = (last.bytes - first.bytes) / seconds;
  const parts: number[] = [];
  if (left.items !== null && left.items > 0) parts.push(itemRate > 0 ? (left.items / itemRate) * 1000 : Infinity);
  if (left.bytes !== null && left.bytes > 0) parts.push(byteRate > 0 ? (left.bytes / byteRate) * 1000 : Infinity);
  const eta = left.items === null && left.bytes === null ? null : parts.length ? Math.max(...parts) : 0;
  return { itemRate, byteRate, etaMs: eta === null || !Number.isFinite(eta) ? null : eta };
}

export interface TerminalProgressOptions {
  /** the clock (tests) */
  now?: () => number;
  /** redraw every so often (0: only when asked) */
  intervalMs?: number;
}

/**
 * Progress on a terminal: one redrawn line per running task (what it is doing, items and
 * bytes done of those expected, the recent rate, the time left, and what is transferring
 * right now), and, with more than one task, one overall line under them.
 */
export class TerminalProgress implements Progress {
  private readonly tasks = new Map<string, TaskState>();
  private drawnLines = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly now: () => number;
  private readonly intervalMs: number;

  constructor(private readonly stream: NodeJS.WritableStream & { columns?: number }, options: TerminalProgressOptions = {}) {
    this.now = options.now ?? Date.now;
    this.intervalMs = options.intervalMs ?? 200;
  }

  task(id: string): TaskProgress {
    const started = this.now();
    const state: TaskState = { id, phase: '', items: 0, bytes: 0, totalItems: null, totalBytes: null, started, active: new Map(), samples: [{ at: started, items: 0, bytes: 0 }] };
    this.tasks.set(id, state);
    if (this.intervalMs > 0) this.timer ??= setInterval(() => this.draw(), this.intervalMs).unref();
    return {
      add: (items, bytes = 0) => {
        state.items += items;
        state.bytes += bytes;
      },
      expect: (items, bytes = null) => {
        state.totalItems = items;
        state.totalBytes = bytes;
      },
      phase: (label) => {
        const changed = state.phase !== label;
        state.phase = label;
        if (changed && this.intervalMs > 0) this.draw(); // what a task does next is shown at once, not at the next tick
      },
      active: (label) => {
        state.active.set(label, (state.active.get(label) ?? 0) + 1);
        let released = false;
        return () => {
          if (released) return;
          released = true;
          const n = (state.active.get(label) ?? 1) - 1;
          if (n > 0) state.active.set(label, n);
          else state.active.delete(label);
        };
      },
    };
  }

  end(id: string, summary: string): void {
    this.clear();
    this.tasks.delete(id);
    if (summary) this.stream.write(`${summary}\n`);
    this.draw();
  }

  /** Erases the status lines so a log line can be printed above them. */
  clear(): void {
    if (this.drawnLines > 0) {
      this.stream.write(`\x1b[${this.drawnLines}A\x1b[J`);
      this.drawnLines = 0;
    }
  }

  /** The status lines as they would be drawn now. */
  lines(): string[] {
    const at = this.now();
    const width = Math.max(40, (this.stream.columns ?? 100) - 1);
    const lines: string[] = [];
    let etaAll: number | null = null;
    const sum = { items: 0, bytes: 0, totalItems: 0, totalBytes: 0, itemRate: 0, byteRate: 0, known: true };
    for (const t of this.tasks.values()) {
      t.samples.push({ at, items: t.items, bytes: t.bytes });
      while (t.samples.length > 2 && at - t.samples[1]!.at >= RATE_WINDOW_MS) t.samples.shift();
      const est = estimate(t.samples, { items: t.totalItems === null ? null : Math.max(0, t.totalItems - t.items), bytes: t.totalBytes === null ? null : Math.max(0, t.totalBytes - t.bytes) });
      const started = t.items > 0 || t.bytes > 0 || t.totalItems !== null;
      let line = `  ${t.id}:${t.phase ? ` ${t.phase}` : ''}${started ? ` ${describeWork(t.items, t.totalItems, t.bytes, t.totalBytes)}` : ''}`;
      if (est.byteRate && est.byteRate > 0) line += `, ${formatBytes(est.byteRate)}/s`;
      else if (est.itemRate && est.itemRate > 0) line += `, ${est.itemRate.toFixed(est.itemRate < 10 ? 1 : 0)} items/s`;
      if (est.etaMs !== null && est.etaMs > 0) line += `, ETA ${formatDuration(est.etaMs)}`;
      if (t.active.size) {
        const names = [...t.active.keys()];
        line += ` · now: ${names.slice(0, 3).join(', ')}${names.length > 3 ? ` +${names.length - 3} more` : ''}`;
      }
      lines.push(line.slice(0, width));
      sum.items += t.items;
      sum.bytes += t.bytes;
      sum.itemRate += est.itemRate ?? 0;
      sum.byteRate += est.byteRate ?? 0;
      if (t.totalItems === null) sum.known = false;
      else {
        sum.totalItems += t.totalItems;
        sum.totalBytes += t.totalBytes ?? 0;
      }
      // The tasks run side by side: all are done when the slowest is.
      if (est.etaMs !== null) etaAll = Math.max(etaAll ?? 0, est.etaMs);
    }
    if (this.tasks.size > 1) {
      const work = sum.known ? describeWork(sum.items, sum.totalItems, sum.bytes, sum.totalBytes) : describeWork(sum.items, null, sum.bytes, null);
      let line = `  all ${this.tasks.size} running: ${work}`;
      if (sum.byteRate > 0) line += `, ${formatBytes(sum.byteRate)}/s`;
      if (etaAll !== null && etaAll > 0) line += `, ETA ${formatDuration(etaAll)}`;
      lines.push(line.slice(0, width));
    }
    return lines;
  }

  draw(): void {
    this.clear();
    const lines = this.lines();
    if (lines.length) this.stream.write(`${lines.join('\n')}\n`);
    this.drawnLines = lines.length;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.clear();
  }
}

/** "120/286 items, 300.0 MiB/920.0 MiB" (totals when known). */
function describeWork(items: number, totalItems: number | null, bytes: number, totalBytes: number | null): string {
  return `${items}${totalItems !== null ? `/${totalItems}` : ''} items, ${formatBytes(bytes)}${totalBytes ? `/${formatBytes(totalBytes)}` : ''}`;
}

/** Non-terminal progress: only phase changes and task ends, one line each. */
export class LineProgress implements Progress {
  constructor(private readonly stream: NodeJS.WritableStream, private readonly quiet = false) {}

  task(id: string): TaskProgress {
    return {
      add: () => undefined,
      expect: () => undefined,
      phase: (label) => {
        if (!this.quiet && label) this.stream.write(`${id}: ${label}\n`);
      },
      active: () => () => undefined,
    };
  }

  end(_id: string, summary: string): void {
    if (!this.quiet && summary) this.stream.write(`${summary}\n`);
  }

  stop(): void {}
}

export const silentProgress: Progress = {
  task: () => ({ add: () => undefined, expect: () => undefined, phase: () => undefined, active: () => () => undefined }),
  end: () => undefined,
  stop: () => undefined,
};

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, child: () => silentLogger };
