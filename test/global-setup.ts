// Starts one moto server per test worker (each worker runs its files one at a time, and every
// file resets its server first: clean state per file without paying a server start per file).
import type { TestProject } from 'vitest/node';
import { startMoto, type MotoServer } from '../src/emulator/moto.js';

declare module 'vitest' {
  export interface ProvidedContext {
    motoEndpoints: string[];
  }
}

const servers: MotoServer[] = [];

export async function setup(project: TestProject): Promise<void> {
  const workers = Number(project.config.maxWorkers) || 2;
  const started = await Promise.all(Array.from({ length: workers }, () => startMoto()));
  servers.push(...started);
  project.provide('motoEndpoints', started.map((s) => s.endpoint));
}

export async function teardown(): Promise<void> {
  await Promise.all(servers.map((s) => s.stop()));
}
