// Endpoints are compared by what they reach, not how they are spelled (src/collectors/aws/shared/target.ts).
import { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { AwsClients } from '../../src/collectors/aws/shared/clients.js';
import { identifyTarget, normalizeEndpoint, sameEndpoint } from '../../src/collectors/aws/shared/target.js';
import { useMoto } from '../helpers/moto.js';

describe('AWS target identity', () => {
  const moto = useMoto();

  it('writes one normal form per endpoint', () => {
    expect(normalizeEndpoint('HTTP://LocalHost:5000/')).toBe('http://localhost:5000');
    expect(normalizeEndpoint('https://s3.example.com')).toBe('https://s3.example.com:443');
    expect(normalizeEndpoint('http://127.0.0.1:80/prefix//')).toBe('http://127.0.0.1:80/prefix');
  });

  it('treats every spelling of the same server as the same endpoint', async () => {
    const port = new URL(moto.endpoint).port;
    // every address a connection to which lands on this machine: loopback in every notation,
    // the unspecified addresses, IPv4-mapped IPv6 (dotted and hex), and the machine's own interfaces
    const own = Object.values(networkInterfaces()).flatMap((l) => l ?? []).filter((i) => !i.internal).map((i) => (i.family === 'IPv6' ? `[${i.address.replace(/%.*$/, '')}]` : i.address));
    const spellings = [`http://127.0.0.1:${port}`, `http://127.0.0.1:${port}/`, `http://localhost:${port}`, `HTTP://LOCALHOST:${port}//`, `http://[::1]:${port}`, `http://127.0.0.2:${port}`];
    spellings.push(`http://0.0.0.0:${port}`, `http://[::]:${port}`, `http://[::ffff:127.0.0.1]:${port}`, `http://[::ffff:7f00:1]:${port}`, `http://[0:0:0:0:0:ffff:7f00:1]:${port}`, `http://[0000::1]:${port}`, `http://127.1:${port}`, `http://2130706433:${port}`, `http://0x7f000001:${port}`);
    for (const address of own) spellings.push(`http://${address}:${port}`);
    for (const spelling of spellings) expect(await sameEndpoint(moto.endpoint, spelling), spelling).toBe(true);
    expect(await sameEndpoint(moto.endpoint, `http://192.0.2.1:${port}`)).toBe(false); // another machine (TEST-NET-1, never contacted)
    expect(await sameEndpoint(moto.endpoint, `http://[2001:db8::1]:${port}`)).toBe(false);
    expect(await sameEndpoint(moto.endpoint, `http://127.0.0.1:${Number(port) + 1}`)).toBe(false);
    expect(await sameEndpoint(moto.endpoint, `https://127.0.0.1:${port}`)).toBe(false);
    expect(await sameEndpoint(null, undefined)).toBe(true);
    expect(await sameEndpoint(null, moto.endpoint)).toBe(false);
  });

  it('asks STS for the account behind the credentials', async () => {
    const clients = new AwsClients({ region: 'us-east-1', regions: ['us-east-1'], endpoint: moto.endpoint, maxAttempts: 2, maxSockets: 4 });
    try {
      const target = await identifyTarget(clients);
      expect(target.accountId).toMatch(/^\d{12}$/);
      expect(target.endpoint).toBe(normalizeEndpoint(moto.endpoint));
    } finally {
      clients.destroy();
    }
  });
});
