// Running the built `snap` binary as a user would, in a folder, with its exit code and output.
import { spawnSync } from 'node:child_process';
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
