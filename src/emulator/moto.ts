// Starting and stopping the moto server (the local AWS emulator from the Python package
// `moto`) on a free loopback port. Not used by snap itself: it serves `npm run demo`, the
// benchmarks and the tests, which all run the real AWS SDK against this emulator.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface MotoServer {
  endpoint: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export function assertMotoInstalled(): void {
  const probe = spawnSync('moto_server', ['--help'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      'moto_server was not found. The tests, demo and benchmarks need the local AWS emulator from the Python package `moto` with its server extra: pip install "moto[server]"',
    );
  }
}

export async function startMoto(): Promise<MotoServer> {
  assertMotoInstalled();
  const port = await freePort();
  // moto logs every request to stderr. A file, not a pipe: a pipe that this process does not
  // drain (while it waits synchronously on a child, say) fills up and stalls the server.
  const logDir = mkdtempSync(join(tmpdir(), 'snap-moto-'));
  const logFile = join(logDir, 'moto.log');
  const log = openSync(logFile, 'w');
  // Run in the log's folder: moto's request recorder writes `moto_recording` into its working
  // folder unless told otherwise, and that must never be the folder the caller stands in.
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { cwd: logDir, stdio: ['ignore', 'ignore', log], env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: 'false' } });
  closeSync(log);
  child.once('exit', () => rmSync(logDir, { recursive: true, force: true }));
  const tail = () => {
    try {
      return readFileSync(logFile, 'utf8').slice(-4000);
    } catch {
      return '';
    }
  };
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited at start (code ${child.exitCode}): ${tail()}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/`);
      if (res.ok || res.status < 500) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`moto_server did not answer on ${endpoint} within 30s: ${tail()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    endpoint,
    port,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}

/** Clears all emulated state. */
export async function resetMoto(endpoint: string): Promise<void> {
  const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
  if (!res.ok) throw new Error(`moto reset failed: HTTP ${res.status}`);
}
