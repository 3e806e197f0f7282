// The shape of a verb: its help text and option spec (node:util parseArgs), and run().
// Parsing errors become UsageError (exit 2) with a pointer to the verb's --help.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../errors.js';
import type { CliContext } from './context.js';

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

export interface Command {
  name: string;
  /** one line for `snap --help` */
  summary: string;
  /** the full `snap <verb> --help` text */
  help: string;
  options: Options;
  /** positional arguments accepted: [min, max] (max Infinity for any) */
  positionals: [number, number];
  run(ctx: CliContext, args: Parsed): Promise<number>;
}

export function parseCommandArgs(cmd: Command, argv: string[]): Parsed {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...cmd.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`snap ${cmd.name}: ${(err as Error).message.split('\n')[0]} (see \`snap ${cmd.name} --help\`)`);
  }
  const [min, max] = cmd.positionals;
  if (!parsed.values.help) {
    if (parsed.positionals.length < min) throw new UsageError(`snap ${cmd.name}: missing argument (usage: ${usageLine(cmd)})`);
    if (parsed.positionals.length > max) throw new UsageError(`snap ${cmd.name}: unexpected argument ${JSON.stringify(parsed.positionals[max])} (usage: ${usageLine(cmd)})`);
  }
  return parsed as Parsed;
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
