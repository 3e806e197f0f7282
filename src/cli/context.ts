// What every verb gets: where to act (-C), where to write, and how (terminal or not,
// colour, quiet). Verbs write results to stdout and progress/diagnostics to stderr, so
// `snap cat … > file` and `snap ls --json | jq` stay clean.
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
  quiet: boolean;
  color: boolean;
  out(text: string): void;
  err(text: string): void;
  archive(): Archive;
  progress(): Progress;
  logger(): Logger;
  /** this command's secret filter: every diagnostic on stderr passes through it */
  redactor: Redactor;
}

export function createContext(io: Io, cwd: string, options: { quiet: boolean; noColor: boolean; redactor?: Redactor }): CliContext {
  const color = !options.noColor && !io.env.NO_COLOR && Boolean(io.stdout.isTTY) && io.env.TERM !== 'dumb';
  let progress: Progress | null = null;
  const redactor = options.redactor ?? new Redactor();
  return {
    cwd,
    io,
    quiet: options.quiet,
    color,
    redactor,
    out: (text) => io.stdout.write(text),
    err: (text) => io.stderr.write(redactor.redact(text)),
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

export function paint(ctx: CliContext, style: Style, text: string): string {
  if (!ctx.color) return text;
  const [on, off] = CODES[style];
  return `\x1b[${on}m${text}\x1b[${off}m`;
}
