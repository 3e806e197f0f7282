// Running external programs (git for local repositories) without a shell: arguments are
// passed as an array, so paths and names are never interpreted. Output can be streamed.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { PassThrough, type Readable } from 'node:stream';
import { SnapError } from '../errors.js';

export interface RunResult {
  stdout: Buffer;
  stderr: string;
  code: number;
}

export function run(cmd: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; allowFailure?: boolean } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e) => reject(new SnapError('EXTERNAL_COMMAND', `cannot run ${cmd}: ${(e as NodeJS.ErrnoException).code ?? e.message}`, { cmd }, { cause: e })));
    child.on('close', (code) => {
      const result = { stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8'), code: code ?? 1 };
      if (result.code !== 0 && !options.allowFailure) {
        reject(new SnapError('EXTERNAL_COMMAND', `${cmd} ${args[0] ?? ''} failed (exit ${result.code}): ${result.stderr.trim().split('\n')[0] ?? ''}`, { cmd, code: result.code }));
      } else resolve(result);
    });
    // A program that exits without reading its input closes the pipe: not an error of ours.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/**
 * Starts a program whose stdout is consumed as a stream; `done` settles when it exits.
 *
 * stdout is handed on through a PassThrough piped at once. Node drains (resume()s) a child's
 * stdout that nobody is reading yet when the child exits, and the bytes are gone: a quick
 * program (git bundle of a small repository) could exit while the consumer was still
 * opening its file, and its whole output was lost (a 0-byte bundle, seen 1 run in 30 on a
 * busy machine). Piped at once, the stream is being read from the start; the PassThrough
 * keeps the consumer's backpressure.
 */
export function spawnStream(cmd: string, args: string[], options: { cwd?: string } = {}): { stdout: Readable; done: Promise<void> } {
  const child: ChildProcessByStdio<null, Readable, Readable> = spawn(cmd, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout = child.stdout.pipe(new PassThrough());
  child.stdout.on('error', (e) => stdout.destroy(e));
  const err: Buffer[] = [];
  child.stderr.on('data', (d: Buffer) => err.push(d));
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', (e) => reject(new SnapError('EXTERNAL_COMMAND', `cannot run ${cmd}: ${(e as NodeJS.ErrnoException).code ?? e.message}`, { cmd }, { cause: e })));
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new SnapError('EXTERNAL_COMMAND', `${cmd} ${args[0] ?? ''} failed (exit ${code}): ${Buffer.concat(err).toString('utf8').trim().split('\n')[0] ?? ''}`, { cmd, code }));
    });
  });
  return { stdout, done };
}
