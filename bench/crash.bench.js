// Randomized kill trials of `snap commit` (the long run; test/e2e/crash.test.ts runs a few
// exact points in `npm test`). Each trial changes the estate, starts a real commit and kills
// it with SIGKILL after a random delay (uniform over the length of an uninterrupted commit,
// measured first), with no hook in the process: where the kill lands is read afterwards from
// what it left. One trial in four also kills the re-run. After every kill: stock `git fsck`,
// `snap verify --all`, main on a tagged commit, snap.config.json and .git/config whole; after
// the final re-run: it completed, nothing is left behind, every tag verifies with stock git,
// `git status` is clean (bench/lib/kill-trial.js).
//
//   node bench/run.js crash                  # 100 trials
//   SNAP_CRASH_TRIALS=500 node bench/run.js crash
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { changeEstate, checkAfterKill, checkClean, inspect, leftovers, makeTrialArchive, runSnap, spawnSnap } from './lib/kill-trial.js';

const TRIALS = Number(process.env.SNAP_CRASH_TRIALS ?? 100);
const FILES = 2000;
const PAYLOAD = 4 << 20;
// `snap verify --all` after each kill re-hashes every version's payloads: a fresh archive every
// so many trials keeps each trial's cost flat.
const TRIALS_PER_ARCHIVE = 20;
const work = mkdtempSync(join(tmpdir(), 'snap-bench-crash-'));

function killAfter(dir, delayMs) {
  return new Promise((resolve) => {
    const child = spawnSnap(dir, ['commit']);
    const timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

/** Where a kill landed, from what it left. */
function phaseOf(before, after, dir) {
  const left = leftovers(after);
  const newTags = [...after.tags.keys()].filter((t) => !before.tags.has(t));
  if (newTags.length && after.main === before.main) return 'sealed, main not yet moved';
  if (after.gitLocks.some((l) => l.startsWith('refs/'))) return 'moving a ref';
  if (newTags.length && after.archiveLock) {
    const dirty = runGitStatus(dir);
    return dirty ? 'main moved, working tree half updated' : 'main moved, finishing';
  }
  if (after.packsWithoutIndex.length || after.tmpPacks.some((n) => n.endsWith('.idx'))) return 'sealing the pack';
  if (after.tmpPacks.length) return 'collecting';
  if (after.archiveLock) return 'locked, before or after writing';
  if (!left.length && !newTags.length) return 'before taking the lock';
  return `other (${left.join(', ') || `new tags ${newTags.join(', ')}`})`;
}

function runGitStatus(dir) {
  return execFileSync('git', ['status', '--porcelain'], { cwd: dir, encoding: 'utf8' }).trim() !== '';
}

let archiveNo = 0;
let { dir, folder } = makeTrialArchive(join(work, String(archiveNo)), { files: FILES, payloadBytes: PAYLOAD });
let round = 0;
// The length of an uninterrupted commit, on this machine now.
const durations = [];
for (let i = 0; i < 3; i++) {
  changeEstate(folder, ++round, { payloadBytes: PAYLOAD });
  const t0 = process.hrtime.bigint();
  const r = runSnap(dir, ['commit']);
  if (r.status !== 0) throw new Error(`commit failed: ${r.stderr}`);
  durations.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
const commitMs = Math.max(...durations);
// Kills before the process has started its work teach nothing: start the window at Node's start-up.
const t1 = process.hrtime.bigint();
runSnap(dir, ['--version']);
const startupMs = Number(process.hrtime.bigint() - t1) / 1e6;
console.log(`archive: ${FILES} files + a ${PAYLOAD >> 20} MiB payload changed per commit; an uninterrupted commit takes ${durations.map((d) => d.toFixed(0)).join(', ')} ms (start-up ${startupMs.toFixed(0)} ms); kills fall uniformly in ${(startupMs * 0.8).toFixed(0)}-${(commitMs * 1.05).toFixed(0)} ms`);

const phases = new Map();
const failures = [];
let killed = 0;
let finishedFirst = 0;
let doubleKills = 0;
const started = Date.now();
for (let t = 0; t < TRIALS; t++) {
  if (t > 0 && t % TRIALS_PER_ARCHIVE === 0) {
    if (failures.length === 0) rmSync(join(work, String(archiveNo)), { recursive: true, force: true });
    ({ dir, folder } = makeTrialArchive(join(work, String(++archiveNo)), { files: FILES, payloadBytes: PAYLOAD }));
  }
  changeEstate(folder, ++round, { payloadBytes: PAYLOAD });
  const before = inspect(dir);
  const delay = startupMs * 0.8 + Math.random() * (commitMs * 1.05 - startupMs * 0.8);
  const r = await killAfter(dir, delay);
  if (r.signal !== 'SIGKILL') {
    finishedFirst++;
    continue;
  }
  killed++;
  const after = inspect(dir);
  const phase = phaseOf(before, after, dir);
  phases.set(phase, (phases.get(phase) ?? 0) + 1);
  const afterKill = checkAfterKill(dir);
  const fail = (f) => {
    failures.push(f);
    console.log(`  FAILED trial ${f.trial} (${f.phase}, after ${f.after}): ${f.failures.join(' | ')}`);
  };
  if (afterKill.length) fail({ trial: t, delay: Math.round(delay), phase, after: 'kill', failures: afterKill });
  if (Math.random() < 0.25) {
    const again = await killAfter(dir, startupMs * 0.8 + Math.random() * (commitMs - startupMs * 0.8));
    if (again.signal === 'SIGKILL') {
      doubleKills++;
      const afterSecond = checkAfterKill(dir);
      if (afterSecond.length) fail({ trial: t, phase: 'killed re-run', after: 'second kill', failures: afterSecond });
    }
  }
  const rerun = runSnap(dir, ['commit']);
  const clean = rerun.status === 0 ? checkClean(dir) : [`re-run exit ${rerun.status}: ${rerun.stderr.slice(0, 400)}`];
  if (clean.length) fail({ trial: t, delay: Math.round(delay), phase, after: 're-run', failures: clean });
  if ((t + 1) % 25 === 0) console.log(`  ${t + 1}/${TRIALS} trials, ${failures.length} failures`);
}

console.log(`\n${TRIALS} trials in ${((Date.now() - started) / 1000).toFixed(0)} s: ${killed} commits killed (${doubleKills} re-runs killed too), ${finishedFirst} finished before the kill`);
console.log('where the kills landed:');
for (const [phase, n] of [...phases.entries()].sort((a, b) => b[1] - a[1])) console.log(`  ${String(n).padStart(5)}  ${phase}`);
console.log(`failures: ${failures.length}`);
if (failures.length === 0) rmSync(work, { recursive: true, force: true });
else console.log(`archive kept for inspection: ${dir}`);
process.exit(failures.length ? 1 : 0);
