#!/usr/bin/env node
// `npm run demo`: the story a new user runs, against a local AWS emulator instead of AWS.
// Starts moto on a free loopback port, seeds a small estate shaped like the one snap was
// made for (three sites' buckets in two regions, a Lambda function, a CloudFront
// distribution, a DNS zone, a DynamoDB table, …), then runs the real `snap` binary:
// init → commit v1.0 → a bad deploy → commit v1.1 → log (→ diff, verify) and prints where
// the archive is. The emulator is stopped at the end, whatever happens.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMoto } from '../dist/emulator/moto.js';
import { seedEstate, deployMistakes } from './demo-estate.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const snapBin = join(root, 'bin', 'snap.js');

const env = {
  ...process.env,
  AWS_ACCESS_KEY_ID: 'demo',
  AWS_SECRET_ACCESS_KEY: 'demo',
  AWS_REGION: 'us-east-1',
  AWS_EC2_METADATA_DISABLED: 'true',
};
delete env.AWS_PROFILE;
delete env.AWS_SESSION_TOKEN;
env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'; // the pinned SDK supports Node 20
Object.assign(process.env, env);

/** Runs snap as a user would; exit codes other than `ok` end the demo. */
function snap(cwd, args, ok = [0]) {
  console.log(`\n$ snap ${args.map((a) => (/\s/.test(a) ? `"${a}"` : a)).join(' ')}`);
  const r = spawnSync(process.execPath, [snapBin, ...args], { cwd, env, stdio: 'inherit' });
  if (!ok.includes(r.status ?? 1)) throw new Error(`snap ${args[0]} exited with ${r.status}`);
  return r.status;
}

const verbs = spawnSync(process.execPath, [snapBin, '--help'], { env, encoding: 'utf8' }).stdout;
const has = (verb) => new RegExp(`^  ${verb} `, 'm').test(verbs);

const started = Date.now();
const moto = await startMoto();
let failed = false;
try {
  console.log(`local AWS emulator (moto) on ${moto.endpoint}`);
  const base = mkdtempSync(join(tmpdir(), 'snap-demo-'));
  const tools = join(base, 'tools');
  mkdirSync(tools);
  writeFileSync(join(tools, 'release.py'), '# deploys the three sites\nSITES = ["sailjada.com", "queenofsandiego.com", "salejada.com"]\n');
  writeFileSync(join(tools, 'update_dashboard.py'), 'def handler(event, context):\n    return {"ok": True}\n');

  await seedEstate(moto.endpoint);
  console.log('seeded a sample estate: buckets in us-east-1 and us-west-2, a function, a distribution, a zone, a table');

  const archive = join(base, 'estate-archive');
  snap(base, ['init', 'estate-archive']);
  const configPath = join(archive, 'snap.config.json');
  const config = JSON.parse(readFileSync(configPath, 'utf8'));
  config.aws.endpoint = moto.endpoint;
  config.aws.regions = ['us-east-1', 'us-west-2'];
  config.collectors.local = { enabled: true, paths: [{ name: 'tools', path: tools }] };
  // moto does not emulate Lightsail: on a real account it is collected like the others.
  config.collectors.lightsail = { enabled: false };
  writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`);
  console.log('\n(snap.config.json now points at the emulator and at a local tools folder)');

  // exit code 3 (written, but partial) is part of the story too: MANIFEST.md says why
  snap(archive, ['commit', 'v1.0', '-m', 'baseline'], [0, 3]);
  await deployMistakes(moto.endpoint);
  writeFileSync(join(tools, 'release.py'), '# deploys the three sites\nSITES = ["sailjada.com", "queenofsandiego.com"]\n');
  console.log('\n(a bad deploy: the Bob Dylan page on staging now says $195, a Lambda setting and a DNS record changed)');
  snap(archive, ['commit', '-m', 'after the spring deploy'], [0, 3]);
  snap(archive, ['log']);
  if (has('diff')) {
    snap(archive, ['diff', 'v1.0', 'v1.1', '--stat'], [0, 1]);
    snap(archive, ['diff', 'v1.0', 'v1.1'], [0, 1]);
  }
  if (has('verify')) snap(archive, ['verify', '--all']);
  console.log(`\nThe archive is in ${archive}`);
  console.log(`  cd ${archive} && git log --stat && git verify-tag v1.1`);
  console.log(`Demo finished in ${((Date.now() - started) / 1000).toFixed(1)}s.`);
} catch (err) {
  failed = true;
  console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
} finally {
  await moto.stop();
}
process.exitCode = failed ? 1 : 0;
