// What every verb gets: where to act (-C), where to write, and how (terminal or not,
// colour, quiet). Verbs write results to stdout and progress/diagnostics to stderr, so
// `snap cat … > file` and `snap ls --json | jq` stay clean. Long listings write with
// write(), which waits while the reader is behind, so memory never grows with the output.
import { Archive } from '../archive/archive.js';
import { createLogger, LineProgress, TerminalProgress, type Logger, type Progress } from '../util/log.js';
import { Redactor } from '../util/redact.js';

export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
}

export interface CliContext {
  cwd: string;
  io: Io;
  /** -q: nothing on success but what the verb was asked to show */
  quiet: boolean;
  /** colour on stdout */
  color: boolean;
  /** colour on stderr */
  errColor: boolean;
  out(text: string): void;
  /** out(), resolving once stdout can take more (use it in loops over long listings) */
  write(text: string): Promise<void>;
  err(text: string): void;
  archive(): Archive;
  progress(): Progress;
  logger(): Logger;
  /** this command's secret filter: every diagnostic on stderr passes through it */
  redactor: Redactor;
}

/** Whether colour goes to a stream: a terminal, not turned off by --no-color, NO_COLOR or TERM=dumb. */
export function colorFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv, noColor: boolean): boolean {
  return !noColor && !env.NO_COLOR && Boolean(stream.isTTY) && env.TERM !== 'dumb';
}

export function createContext(io: Io, cwd: string, options: { quiet: boolean; noColor: boolean; redactor?: Redactor }): CliContext {
  let progress: Progress | null = null;
  const redactor = options.redactor ?? new Redactor();
  return {
    cwd,
    io,
    quiet: options.quiet,
    color: colorFor(io.stdout, io.env, options.noColor),
    errColor: colorFor(io.stderr, io.env, options.noColor),
    redactor,
    out: (text) => {
      io.stdout.write(text);
    },
    write: (text) => (io.stdout.write(text) ? Promise.resolve() : new Promise((resolve) => io.stdout.once('drain', resolve))),
    err: (text) => {
      io.stderr.write(redactor.redact(text));
    },
    archive: () => Archive.open(cwd),
    progress() {
      progress ??= io.stderr.isTTY && !options.quiet && io.env.TERM !== 'dumb' ? new TerminalProgress(io.stderr as NodeJS.WriteStream) : new LineProgress(io.stderr, options.quiet);
      return progress;
    },
    logger() {
      const p = this.progress();
      const terminal = p instanceof TerminalProgress ? p : null;
      return createLogger(io.stderr, { quiet: options.quiet, beforeWrite: () => terminal?.clear(), afterWrite: () => terminal?.draw(), redact: (text) => redactor.redact(text) });
    },
  };
}

const CODES = { bold: [1, 22], dim: [2, 22], red: [31, 39], green: [32, 39], yellow: [33, 39], cyan: [36, 39] } as const;
export type Style = keyof typeof CODES;

/** Text for stdout in a style (plain when colour is off). */
export function paint(ctx: CliContext, style: Style, text: string): string {
  return styled(ctx.color, style, text);
}

/** Text for stderr in a style (plain when colour is off there). */
export function paintErr(ctx: CliContext, style: Style, text: string): string {
  return styled(ctx.errColor, style, text);
}

function styled(on: boolean, style: Style, text: string): string {
  if (!on) return text;
  const [start, end] = CODES[style];
  return `\x1b[${start}m${text}\x1b[${end}m`;
}
