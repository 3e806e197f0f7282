// `snap commit --lightsail-snapshot` requests snapshots for this run only (Lightsail stand-in: not in moto).
import { PassThrough } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { makeArchive, readVersion } from '../helpers/archive.js';
import { startLightsailStandin, type LightsailStandin } from '../helpers/lightsail-standin.js';

function io() {
  const out = new PassThrough();
  const err = new PassThrough();
  let text = '';
  out.on('data', (c) => (text += c));
  err.on('data', (c) => (text += c));
  return { io: { stdout: out, stderr: err, env: { NO_COLOR: '1' } }, text: () => text };
}

describe('snap commit --lightsail-snapshot', () => {
  let standin: LightsailStandin;
  beforeAll(async () => {
    standin = await startLightsailStandin();
    standin.addInstance('us-east-1', 'jada-agent');
  });

  it('requests a snapshot for this run only, and refuses when Lightsail is not enabled', async () => {
    const archive = await makeArchive({ collectors: { lightsail: { snapshotWaitSeconds: 0 } }, endpoint: standin.endpoint, regions: ['us-east-1'] });
    const a = io();
    expect(await main(['-C', archive.dir, 'commit', 'v1.0', '--lightsail-snapshot'], a.io as any), a.text()).toBe(0);
    expect(standin.callsOf('CreateInstanceSnapshot')).toHaveLength(1);
    expect(await (await readVersion(archive, 'v1.0', 'lightsail')).json<any>('requested-snapshots.json')).toMatchObject({ version: 'v1.0', snapshots: [{ instanceName: 'jada-agent', state: 'pending' }] });
    const b = io();
    expect(await main(['-C', archive.dir, 'commit', 'v1.1'], b.io as any)).toBe(0);
    expect(standin.callsOf('CreateInstanceSnapshot')).toHaveLength(1);
    expect(await (await readVersion(archive, 'v1.1', 'lightsail')).entry('requested-snapshots.json')).toBeNull();

    const off = await makeArchive({ collectors: { gas: { projects: [] } } });
    const c = io();
    expect(await main(['-C', off.dir, 'commit', '--lightsail-snapshot'], c.io as any)).toBe(2);
    expect(c.text()).toMatch(/lightsail collector is not enabled/);
  });
});
