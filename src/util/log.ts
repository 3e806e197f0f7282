// Logging and progress for long work. On a terminal, progress is one redrawn status line per
// running task on stderr; elsewhere (CI, pipes, cron) output is quiet and line-oriented: a
// line when a task starts a phase and when it ends, never carriage returns. Log lines must
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
}

export interface Progress {
  task(id: string): TaskProgress;
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
}

export class TerminalProgress implements Progress {
  private readonly tasks = new Map<string, TaskState>();
  private drawnLines = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly stream: NodeJS.WriteStream) {}

  task(id: string): TaskProgress {
    const state: TaskState = { id, phase: '', items: 0, bytes: 0, totalItems: null, totalBytes: null, started: Date.now() };
    this.tasks.set(id, state);
    this.timer ??= setInterval(() => this.draw(), 200).unref();
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
        state.phase = label;
      },
    };
  }

  end(id: string, summary: string): void {
    this.clear();
    this.tasks.delete(id);
    this.stream.write(`${summary}\n`);
    this.draw();
  }

  /** Erases the status lines so a log line can be printed above them. */
  clear(): void {
    if (this.drawnLines > 0) {
      this.stream.write(`\x1b[${this.drawnLines}A\x1b[J`);
      this.drawnLines = 0;
    }
  }

  draw(): void {
    this.clear();
    const width = Math.max(40, (this.stream.columns ?? 100) - 1);
    const lines: string[] = [];
    for (const t of this.tasks.values()) {
      const elapsed = Date.now() - t.started;
      const rate = elapsed > 0 ? (t.bytes / elapsed) * 1000 : 0;
      let line = `  ${t.id}: ${t.phase} ${t.items}${t.totalItems !== null ? `/${t.totalItems}` : ''} items, ${formatBytes(t.bytes)}`;
      if (rate > 0) line += `, ${formatBytes(rate)}/s`;
      if (t.totalBytes && rate > 0 && t.totalBytes > t.bytes) line += `, ETA ${formatDuration(((t.totalBytes - t.bytes) / rate) * 1000)}`;
      lines.push(line.slice(0, width));
    }
    if (lines.length) this.stream.write(`${lines.join('\n')}\n`);
    this.drawnLines = lines.length;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.clear();
  }
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
    };
  }

  end(_id: string, summary: string): void {
    if (!this.quiet) this.stream.write(`${summary}\n`);
  }

  stop(): void {}
}

export const silentProgress: Progress = {
  task: () => ({ add: () => undefined, expect: () => undefined, phase: () => undefined }),
  end: () => undefined,
  stop: () => undefined,
};

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, child: () => silentLogger };
