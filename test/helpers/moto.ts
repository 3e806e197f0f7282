// For test files that need the emulator: the moto server of this worker, reset before the
// file's tests run, with the credentials test/setup-env.ts set.
import { beforeAll, inject } from 'vitest';
import { resetMoto } from '../../src/emulator/moto.js';

export function motoEndpoint(): string {
  const endpoints = inject('motoEndpoints');
  const id = Number(process.env.VITEST_POOL_ID ?? '1');
  return endpoints[(id - 1) % endpoints.length]!;
}

/** Resets this worker's moto server before the file's tests; returns its endpoint. */
export function useMoto(): { endpoint: string; reset: () => Promise<void> } {
  const endpoint = motoEndpoint();
  beforeAll(async () => {
    await resetMoto(endpoint);
  });
  return { endpoint, reset: () => resetMoto(endpoint) };
}

/** SDK client options that point at the emulator. */
export function clientOptions(endpoint: string, region = 'us-east-1') {
  return {
    endpoint,
    region,
    forcePathStyle: true,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing', sessionToken: 'testing' },
  };
}
