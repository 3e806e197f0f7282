// Running the built `snap` binary as a user would, in a folder, with its exit code and output.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const SNAP_BIN = join(process.cwd(), 'bin', 'snap.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
}

export function snapCli(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): CliRun {
  if (!existsSync(join(process.cwd(), 'dist', 'bundle', 'main.js'))) throw new Error('dist/bundle/ is missing: run `npm run build` (npm test does it first)');
  const r = spawnSync(process.execPath, [SNAP_BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', ...env }, maxBuffer: 1 << 28, timeout: 180_000, killSignal: 'SIGKILL' });
  return { code: r.status ?? -1, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8'), stdoutBytes: r.stdout };
}

/**
 * As snapCli, without blocking this process while the binary runs: for tests that serve
 * something the CLI talks to (a counting proxy, a stand-in) from this same process.
 */
export function snapCliAsync(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  if (!existsSync(join(process.cwd(), 'dist', 'bundle', 'main.js'))) throw new Error('dist/bundle/ is missing: run `npm run build` (npm test does it first)');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SNAP_BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const stdoutBytes = Buffer.concat(out);
      resolve({ code: code ?? -1, stdout: stdoutBytes.toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), stdoutBytes });
    });
  });
}
