// The shape of a verb: its help text and option spec (node:util parseArgs), the exit codes
// special to it, and run(). Everything every verb shares lives here once: the global options
// (accepted before or after the verb, as git and restic accept theirs), the exit codes and
// their meanings (a verb declares only what differs), and the help text built from both.
// Parsing errors become UsageError (exit 2) with a pointer to the verb's --help.
//
// Option values are checked here too, for every verb alike: an option that takes a value and is
// given none (at the end, or followed by another option) is refused by name; a value that starts
// with a dash is the option's value (`--keep-last -1`), then judged by the option's rule: a whole
// number is a safe integer within its range, and no value may be empty unless the option says so.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../errors.js';
import type { CliContext } from './context.js';

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

/** How an option's value is checked (every option of type string; an option with no rule takes any text but ""). */
export type ValueRule =
  /** a whole number min … max (a safe integer), or one of `words` ("unlimited") */
  | { kind: 'count'; takes: string; min?: number; max?: number; words?: string[] }
  /** text; "" only when `empty` */
  | { kind: 'text'; takes: string; empty?: boolean };

/** What an exit code means for one verb; a verb declares only the codes it gives a meaning of its own. */
/** 3 and 4 only where a verb gives them a meaning (4: `snap commit --skip-unchanged` wrote a version). */
export type ExitCodes = Partial<Record<0 | 1 | 2 | 3 | 4, string>>;

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
  /** how the values of its string options are checked (see ValueRule) */
  values?: Record<string, ValueRule>;
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
  for (const code of [0, 1, 2, 3, 4] as const) {
    const meaning = cmd.exitCodes?.[code] ?? (code >= 3 ? undefined : EXIT_CODES[code as 0 | 1 | 2]);
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

/** Whole numbers an option may take at most, unless its rule says less. */
const MAX_COUNT = Number.MAX_SAFE_INTEGER;

function optionLabel(name: string, short: string | undefined): string {
  return short ? `-${short}/--${name}` : `--${name}`;
}

/**
 * argv with every value of a string option joined to it (`--keep-last=-1`), so a value that
 * starts with a dash reaches the option's own check instead of parseArgs' "ambiguous"; an option
 * with no value after it (the end, or another option) is refused by name.
 */
function joinValues(cmd: Command, options: Options, argv: string[]): string[] {
  const byToken = new Map<string, [string, Options[string]]>();
  for (const [name, spec] of Object.entries(options)) {
    byToken.set(`--${name}`, [name, spec]);
    if (spec.short) byToken.set(`-${spec.short}`, [name, spec]);
  }
  const isOption = (t: string) => byToken.has(t.includes('=') ? t.slice(0, t.indexOf('=')) : t) || /^-[A-Za-z]$/.test(t);
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const known = byToken.get(token);
    if (!known || known[1].type !== 'string') {
      out.push(token);
      continue;
    }
    const [name, spec] = known;
    const next = argv[i + 1];
    if (next === undefined || isOption(next)) {
      const rule = cmd.values?.[name];
      throw new UsageError(`snap ${cmd.name}: ${optionLabel(name, spec.short)} needs a value${rule ? `: ${rule.takes}` : ''} (see \`snap ${cmd.name} --help\`)`);
    }
    out.push(`--${name}=${next}`);
    i++;
  }
  return out;
}

function checkValue(cmd: Command, name: string, spec: Options[string], value: string): void {
  const rule = cmd.values?.[name];
  const refuse = (why: string) => new UsageError(`snap ${cmd.name}: ${optionLabel(name, spec.short)} takes ${why} (got ${JSON.stringify(value.slice(0, 40))}${value.length > 40 ? '…' : ''}; see \`snap ${cmd.name} --help\`)`);
  if (rule?.kind === 'count') {
    if (rule.words?.includes(value)) return;
    const min = rule.min ?? 0;
    const max = rule.max ?? MAX_COUNT;
    const n = /^\d{1,16}$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) throw refuse(rule.takes);
    return;
  }
  if (value === '' && !(rule?.kind === 'text' && rule.empty)) throw refuse(rule?.takes ?? 'a value that is not empty');
}

export function parseCommandArgs(cmd: Command, argv: string[]): ParsedWithGlobals {
  const options: Options = { ...cmd.options, ...GLOBAL_OPTIONS, help: { type: 'boolean', short: 'h' } };
  const args = joinValues(cmd, options, argv);
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`snap ${cmd.name}: ${(err as Error).message.split('\n')[0]} (see \`snap ${cmd.name} --help\`)`);
  }
  for (const [name, value] of Object.entries(parsed.values)) {
    for (const v of Array.isArray(value) ? value : [value]) if (typeof v === 'string') checkValue(cmd, name, options[name]!, v);
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
