// `npm run bench`: runs every bench/*.bench.js, one after the other, each in its own node
// process (so one benchmark's memory and event loop never colour another's figures). A
// benchmark prints its own table; this runner only reports which failed. Name one or more
// files to run only those: `node bench/run.js s3`.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.js'))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();
if (files.length === 0) {
  console.error(`no benchmark matches ${only.join(' ')}`);
  process.exit(2);
}
const failed = [];
for (const f of files) {
  console.log(`\n=== ${f} ===`);
  const r = spawnSync(process.execPath, [join(here, f)], { stdio: 'inherit', env: { ...process.env, NODE_NO_WARNINGS: '1' } });
  if (r.status !== 0) failed.push(f);
}
if (failed.length) {
  console.error(`\nfailed: ${failed.join(', ')}`);
  process.exit(1);
}
