// The snap command line: global options (before or after the verb, as git and restic take
// them), verb dispatch, help, and the one place errors become exit codes:
//   0 ok · 1 failed · 2 bad usage or input (nothing written) · 3 snapshot written but partial
// (what each verb means by them is declared with the verb: see command.ts).
//
// A closed output pipe (`snap log | head -1`) ends snap the way it ends git: at once, quietly,
// by SIGPIPE. Node ignores SIGPIPE and reports EPIPE as an error on stdout instead; run()
// turns that error back into the signal (see endOnClosedPipe).
import { resolve } from 'node:path';
import { ConfigError, describeError, exitCodeFor, isSnapError, UsageError } from '../errors.js';
import { Redactor } from '../util/redact.js';
import { SNAP_VERSION } from '../version.js';
import { catCommand } from './cat.js';
import { cloneCommand } from './clone.js';
import { checkoutCommand } from './checkout.js';
import { CLOSED_PIPE_EXIT, EXIT_CODES, GLOBAL_OPTIONS_HELP, helpText, parseCommandArgs, type Command } from './command.js';
import { commitCommand } from './commit.js';
import { createContext, type Io } from './context.js';
import { diffCommand, statusCommand } from './diff.js';
import { exportCommand } from './export.js';
import { forgetCommand } from './forget.js';
import { initCommand } from './init.js';
import { logCommand } from './log.js';
import { maintenanceCommand } from './maintenance.js';
import { pushCommand } from './push.js';
import { lsCommand } from './ls.js';
import { pruneCommand } from './prune.js';
import { restoreCommand, restoreTestCommand } from './restore.js';
import { runbookCommand } from './runbook.js';
import { showCommand } from './show.js';
import { signersCommand } from './signers.js';
import { statsCommand } from './stats.js';
import { verifyCommand } from './verify.js';

export const commands: Command[] = [initCommand, commitCommand, logCommand, showCommand, diffCommand, statusCommand, lsCommand, catCommand, verifyCommand, restoreCommand, restoreTestCommand, runbookCommand, exportCommand, checkoutCommand, pushCommand, cloneCommand, maintenanceCommand, signersCommand, forgetCommand, pruneCommand, statsCommand];

function mainHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return `usage: snap [-C DIR] [-q] [--no-color] <verb> [args]

snap keeps a git-backed, versioned, verifiable archive of a whole cloud estate.

verbs:
${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

${GLOBAL_OPTIONS_HELP}
  --version    print snap's version

exit codes: ${Object.entries(EXIT_CODES)
    .map(([c, m]) => `${c} ${m}`)
    .join(', ')}, 3 partial (where a verb says so), ${CLOSED_PIPE_EXIT} output pipe closed;
each verb's --help gives its own.

\`snap <verb> --help\` describes a verb.`;
}

/** An error that only says the reader of stdout went away. */
export function isClosedPipe(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED' || code === 'ERR_STREAM_PREMATURE_CLOSE';
}

export async function main(argv: string[], io: Io = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  let cwd = process.cwd();
  let quiet = false;
  let noColor = false;
  let i = 0;
  const redactor = new Redactor();
  try {
    for (; i < argv.length; i++) {
      const a = argv[i]!;
      if (a === '-C') {
        const dir = argv[++i];
        if (dir === undefined || dir === '') throw new UsageError('-C needs a folder: -C DIR (see `snap --help`)');
        cwd = resolve(cwd, dir);
      } else if (a.startsWith('-C') && a.length > 2) cwd = resolve(cwd, a.slice(2));
      else if (a === '-q' || a === '--quiet') quiet = true;
      else if (a === '--no-color') noColor = true;
      else if (a === '--version' || a === '-V') {
        io.stdout.write(`snap ${SNAP_VERSION}\n`);
        return 0;
      } else if (a === '-h' || a === '--help') {
        io.stdout.write(`${mainHelp()}\n`);
        return 0;
      } else if (a.startsWith('-')) throw new UsageError(`unknown option ${a} (see \`snap --help\`)`);
      else break;
    }
    let verb = argv[i];
    let rest = argv.slice(i + 1);
    if (verb === undefined) {
      io.stderr.write(`${mainHelp()}\n`);
      return 2;
    }
    if (verb === 'help') {
      verb = rest[0];
      if (verb === undefined) {
        io.stdout.write(`${mainHelp()}\n`);
        return 0;
      }
      rest = ['--help'];
    }
    const cmd = commands.find((c) => c.name === verb);
    if (!cmd) throw new UsageError(`unknown verb "${verb}" (see \`snap --help\`)`);
    const args = parseCommandArgs(cmd, rest);
    if (args.values.help) {
      io.stdout.write(`${helpText(cmd)}\n`);
      return 0;
    }
    for (const dir of args.dirs) cwd = resolve(cwd, dir);
    const ctx = createContext(io, cwd, { quiet: quiet || args.quiet, noColor: noColor || args.noColor, redactor });
    return await cmd.run(ctx, args);
  } catch (err) {
    if (isClosedPipe(err)) return CLOSED_PIPE_EXIT;
    io.stderr.write(`snap: ${describeError(err, redactor)}\n`);
    if (err instanceof ConfigError && err.issues.length > 1) for (const issue of err.issues) io.stderr.write(`  ${redactor.redact(`${issue.path}: ${issue.message}`)}\n`);
    if (!isSnapError(err) && io.env.SNAP_DEBUG) io.stderr.write(`${(err as Error).stack ?? ''}\n`);
    return exitCodeFor(err);
  }
}

/**
 * Ends the process as a closed pipe ends git: by SIGPIPE, with nothing printed. Node starts
 * with SIGPIPE ignored; a listener added and removed again gives the signal back its default
 * action, so the kill below ends the process. (Should it not, exit with the code a shell
 * would show for it.)
 */
function endOnClosedPipe(): void {
  process.on('SIGPIPE', () => undefined);
  process.removeAllListeners('SIGPIPE');
  process.kill(process.pid, 'SIGPIPE');
  process.exit(CLOSED_PIPE_EXIT);
}

/** The process entry point (bin/snap.js): main() with the process's streams and its exit code. */
export async function run(argv: string[]): Promise<void> {
  process.stdout.on('error', (err) => {
    if (isClosedPipe(err)) endOnClosedPipe();
    process.stderr.write(`snap: cannot write the output: ${describeError(err)}\n`);
    process.exit(1);
  });
  // Diagnostics to a closed stderr are lost, never a reason to stop work half-way.
  process.stderr.on('error', () => undefined);
  const code = await main(argv);
  if (code === CLOSED_PIPE_EXIT) endOnClosedPipe();
  process.exitCode = code;
}
