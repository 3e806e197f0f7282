// The snap command line: global options (-C DIR before the verb, as git does), verb
// dispatch, help, and the one place errors become exit codes:
//   0 ok · 1 failed · 2 bad usage or input (nothing written) · 3 snapshot written but partial
import { resolve } from 'node:path';
import { describeError, exitCodeFor, isSnapError, UsageError } from '../errors.js';
import { Redactor } from '../util/redact.js';
import { SNAP_VERSION } from '../version.js';
import { catCommand } from './cat.js';
import { cloneCommand } from './clone.js';
import { checkoutCommand } from './checkout.js';
import { parseCommandArgs, type Command } from './command.js';
import { commitCommand } from './commit.js';
import { createContext, type Io } from './context.js';
import { diffCommand, statusCommand } from './diff.js';
import { exportCommand } from './export.js';
import { initCommand } from './init.js';
import { logCommand } from './log.js';
import { maintenanceCommand } from './maintenance.js';
import { pushCommand } from './push.js';
import { lsCommand } from './ls.js';
import { restoreCommand, restoreTestCommand } from './restore.js';
import { runbookCommand } from './runbook.js';
import { showCommand } from './show.js';
import { signersCommand } from './signers.js';
import { verifyCommand } from './verify.js';

export const commands: Command[] = [initCommand, commitCommand, logCommand, showCommand, diffCommand, statusCommand, lsCommand, catCommand, verifyCommand, restoreCommand, restoreTestCommand, runbookCommand, exportCommand, checkoutCommand, pushCommand, cloneCommand, maintenanceCommand, signersCommand];

function mainHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return `usage: snap [-C DIR] [-q] [--no-color] <verb> [args]

snap keeps a git-backed, versioned, verifiable archive of a whole cloud estate.

verbs:
${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

global options:
  -C DIR       act on the archive in DIR instead of the current folder
  -q, --quiet  only warnings and results
  --no-color   no colours (also: NO_COLOR=1)
  --version    print snap's version

\`snap <verb> --help\` describes a verb.`;
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
        if (dir === undefined) throw new UsageError('-C needs a folder');
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
      io.stdout.write(`${cmd.help}\n`);
      return 0;
    }
    const ctx = createContext(io, cwd, { quiet, noColor, redactor });
    return await cmd.run(ctx, args);
  } catch (err) {
    io.stderr.write(`snap: ${describeError(err, redactor)}\n`);
    if (!isSnapError(err) && io.env.SNAP_DEBUG) io.stderr.write(`${(err as Error).stack ?? ''}\n`);
    return exitCodeFor(err);
  }
}
