// The shape of a verb: its help text and option spec (node:util parseArgs), the exit codes
// special to it, and run(). Everything every verb shares lives here once: the global options
// (accepted before or after the verb, as git and restic accept theirs), the exit codes and
// their meanings (a verb declares only what differs), and the help text built from both.
// Parsing errors become UsageError (exit 2) with a pointer to the verb's --help.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../errors.js';
import type { CliContext } from './context.js';

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

/** What an exit code means for one verb; a verb declares only the codes it gives a meaning of its own. */
export type ExitCodes = Partial<Record<0 | 1 | 2 | 3, string>>;

export interface Command {
  name: string;
  /** one line for `snap --help` */
  summary: string;
  /** the `snap <verb> --help` text: usage, description, options, examples (exit codes and global options are added) */
  help: string;
  options: Options;
  /** positional arguments accepted: [min, max] (max Infinity for any) */
  positionals: [number, number];
  /** meanings of exit codes special to this verb, over EXIT_CODES */
  exitCodes?: ExitCodes;
  run(ctx: CliContext, args: Parsed): Promise<number>;
}

/** The exit codes of every verb (README "Exit codes"); 3 only where a verb declares it. */
export const EXIT_CODES: Readonly<Record<0 | 1 | 2, string>> = {
  0: 'ok',
  1: 'failed',
  2: 'bad usage or input; nothing was written',
};

/**
 * What a closed output pipe gives (`snap log | head -1`): snap stops at once and quietly, ended
 * by SIGPIPE as git is, which a shell reports as 141.
 */
export const CLOSED_PIPE_EXIT = 141;

/** The global options, as parseArgs options (merged into every verb's, so they work after it too). */
export const GLOBAL_OPTIONS = {
  directory: { type: 'string', short: 'C', multiple: true },
  quiet: { type: 'boolean', short: 'q' },
  'no-color': { type: 'boolean' },
} as const satisfies Options;

export const GLOBAL_OPTIONS_HELP = `global options (before or after the verb):
  -C DIR       act on the archive in DIR instead of the current folder
  -q, --quiet  print nothing on success but what was asked for (listings, diffs, the
               manifest, file bytes); warnings and errors always
  --no-color   no colours (also: NO_COLOR=1); colour is used on a terminal only`;

export function exitCodesText(cmd: Pick<Command, 'exitCodes'>): string {
  const codes: [string, string][] = [];
  for (const code of [0, 1, 2, 3] as const) {
    const meaning = cmd.exitCodes?.[code] ?? (code === 3 ? undefined : EXIT_CODES[code]);
    if (meaning) codes.push([String(code), meaning]);
  }
  codes.push([String(CLOSED_PIPE_EXIT), 'the output pipe was closed before snap finished (as git: ended by SIGPIPE)']);
  return `exit codes:\n${codes.map(([c, m]) => `  ${c.padEnd(4)} ${m}`).join('\n')}`;
}

/** The full `snap <verb> --help`: the verb's own text, then its exit codes (before the examples) and the global options. */
export function helpText(cmd: Command): string {
  const tail = `${exitCodesText(cmd)}\n\n${GLOBAL_OPTIONS_HELP}`;
  const at = cmd.help.search(/\n\nexamples?:\n/);
  return at < 0 ? `${cmd.help}\n\n${tail}` : `${cmd.help.slice(0, at)}\n\n${tail}${cmd.help.slice(at)}`;
}

export interface ParsedWithGlobals extends Parsed {
  /** -C folders given after the verb, in order */
  dirs: string[];
  quiet: boolean;
  noColor: boolean;
}

export function parseCommandArgs(cmd: Command, argv: string[]): ParsedWithGlobals {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...cmd.options, ...GLOBAL_OPTIONS, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`snap ${cmd.name}: ${(err as Error).message.split('\n')[0]} (see \`snap ${cmd.name} --help\`)`);
  }
  const { directory, quiet, 'no-color': noColor, ...values } = parsed.values as Record<string, unknown>;
  const [min, max] = cmd.positionals;
  if (!values.help) {
    if (parsed.positionals.length < min) throw new UsageError(`snap ${cmd.name}: missing argument (usage: ${usageLine(cmd)})`);
    if (parsed.positionals.length > max) throw new UsageError(`snap ${cmd.name}: unexpected argument ${JSON.stringify(parsed.positionals[max])} (usage: ${usageLine(cmd)})`);
  }
  return { values: values as Parsed['values'], positionals: parsed.positionals, dirs: (directory as string[] | undefined) ?? [], quiet: quiet === true, noColor: noColor === true };
}

export function usageLine(cmd: Command): string {
  return cmd.help.split('\n')[0]!.replace(/^usage:\s*/i, '');
}

export function str(args: Parsed, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function flag(args: Parsed, name: string): boolean {
  return args.values[name] === true;
}
