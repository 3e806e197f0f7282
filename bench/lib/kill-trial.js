// Kill trials of `snap commit`, shared by the crash tests (test/e2e/crash.test.ts: a few exact
// points, in `npm test`) and the long randomized run (bench/crash.bench.js). Plain JS, run
// against the build, so both use exactly the same archive, leftovers and checks:
//   - an archive of a local folder (text files and binary payloads in the content store);
//   - what a killed commit left (inspect): locks, temporaries, a tag not yet on main, …;
//   - after a kill (checkAfterKill): stock `git fsck` passes, `snap verify --all` passes, main
//     is on a tagged commit, snap.config.json and .git/config are whole;
//   - after the re-run (checkClean): no leftover at all, every tag verifies with stock git,
//     `git status` is clean.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SNAP_BIN = join(root, 'bin', 'snap.js');
const baseEnv = { ...process.env, NO_COLOR: '1', AWS_EC2_METADATA_DISABLED: 'true' };
delete baseEnv.SNAP_TEST_CRASH_AT;

export function runSnap(dir, args, env = {}) {
  const r = spawnSync(process.execPath, [SNAP_BIN, ...args], { cwd: dir, env: { ...baseEnv, ...env }, encoding: 'utf8', timeout: 120_000, maxBuffer: 1 << 26 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

export function spawnSnap(dir, args, env = {}) {
  return spawn(process.execPath, [SNAP_BIN, ...args], { cwd: dir, env: { ...baseEnv, ...env }, stdio: 'ignore' });
}

export function git(dir, ...args) {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function tryGit(dir, ...args) {
  const r = spawnSync('git', args, { cwd: dir, encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

/** A fresh archive (through the CLI) of one local folder, with its first version v1.0. */
export function makeTrialArchive(work, options = {}) {
  const files = options.files ?? 30;
  mkdirSync(work, { recursive: true });
  const folder = join(work, 'estate');
  mkdirSync(join(folder, 'pages'), { recursive: true });
  for (let i = 0; i < files; i++) writeFileSync(join(folder, 'pages', `page-${i}.html`), `<p>page ${i}, round 0</p>\n`);
  writeFileSync(join(folder, 'logo.bin'), payload(0, options.payloadBytes));
  const dir = join(work, 'archive');
  const init = runSnap(work, ['init', dir]);
  if (init.status !== 0) throw new Error(`snap init failed: ${init.stderr}`);
  const configPath = join(dir, 'snap.config.json');
  const config = JSON.parse(readFileSync(configPath, 'utf8'));
  for (const id of Object.keys(config.collectors)) config.collectors[id].enabled = false;
  config.collectors.local = { enabled: true, paths: [{ name: 'estate', path: folder }] };
  writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`);
  // A remote the user set up: it must survive every kill (a config rewritten in place would lose it).
  git(dir, 'remote', 'add', 'backup', 'https://example.invalid/estate-archive.git');
  const first = runSnap(dir, ['commit', 'v1.0']);
  if (first.status !== 0) throw new Error(`snap commit v1.0 failed: ${first.stderr}`);
  return { dir, folder };
}

/** Binary, so it is kept in the content store (a pointer in the tree). */
function payload(round, bytes = 64 * 1024) {
  const b = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i += 4) b.writeUInt32LE((i * 2654435761 + round * 40503) >>> 0, i);
  b[0] = 0;
  return b;
}

/** Changes two pages and the payload: every commit after it has files to write. */
export function changeEstate(folder, round, options = {}) {
  writeFileSync(join(folder, 'pages', 'page-0.html'), `<p>page 0, round ${round}</p>\n`);
  writeFileSync(join(folder, 'pages', 'page-1.html'), `<p>page 1, round ${round}</p>\n`);
  writeFileSync(join(folder, 'logo.bin'), payload(round, options.payloadBytes));
}

function walk(dir, rel = '') {
  const out = [];
  for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const child = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...walk(dir, child));
    else out.push(child);
  }
  return out;
}

/** What a killed writer may have left in the archive. */
export function inspect(dir) {
  const gitdir = join(dir, '.git');
  const ls = (sub) => (existsSync(join(gitdir, sub)) ? readdirSync(join(gitdir, sub)) : []);
  const packs = ls('objects/pack');
  const tags = new Map(
    git(dir, 'for-each-ref', '--format=%(refname:short) %(*objectname)', 'refs/tags')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' ')),
  );
  const main = git(dir, 'rev-parse', 'main').trim();
  const firstParents = git(dir, 'rev-list', '--first-parent', 'main').trim().split('\n');
  const tagged = new Set(tags.values());
  return {
    archiveLock: existsSync(join(gitdir, 'snap', 'lock')),
    deadLockRecords: ls('snap').filter((n) => n.startsWith('lock.dead-') || n.startsWith('lock.new-') || n.startsWith('lock.claim-')),
    gitLocks: [...['index.lock', 'config.lock', 'HEAD.lock'].filter((n) => existsSync(join(gitdir, n))), ...walk(gitdir, 'refs').filter((p) => p.endsWith('.lock'))],
    packs: packs.filter((n) => /^pack-[0-9a-f]{40}\.idx$/.test(n)).length,
    tmpPacks: packs.filter((n) => n.startsWith('tmp_pack_snap_')),
    packsWithoutIndex: packs.filter((n) => n.endsWith('.pack') && !packs.includes(n.replace(/\.pack$/, '.idx'))),
    looseTemporaries: ls('objects').filter((d) => /^[0-9a-f]{2}$/.test(d)).flatMap((d) => ls(`objects/${d}`).filter((n) => n.startsWith('tmp_obj_snap_'))),
    staged: ls('snap/tmp'),
    // the content store's temporaries (a payload being written), wherever the store lives
    storeTemporaries: [...ls('lfs/objects/tmp'), ...ls('snap/store/tmp')],
    tags,
    main,
    // commits on main (first-parent) that no tag names, other than the `snap init` commit
    untaggedOnMain: firstParents.slice(0, -1).filter((c) => !tagged.has(c)),
  };
}

/** Leftovers that a completed re-run must have cleared. */
export function leftovers(state) {
  return [
    ...(state.archiveLock ? ['.git/snap/lock'] : []),
    ...state.deadLockRecords.map((n) => `.git/snap/${n}`),
    ...state.gitLocks.map((n) => `.git/${n}`),
    ...state.tmpPacks.map((n) => `.git/objects/pack/${n}`),
    ...state.packsWithoutIndex.map((n) => `.git/objects/pack/${n}`),
    ...state.looseTemporaries.map((n) => `loose ${n}`),
    ...state.staged.map((n) => `.git/snap/tmp/${n}`),
    ...state.storeTemporaries.map((n) => `store tmp/${n}`),
  ];
}

/** Everything that must hold right after a kill, before anything is re-run. Returns failures. */
export function checkAfterKill(dir) {
  const failures = [];
  const fsck = tryGit(dir, 'fsck', '--strict', '--no-dangling');
  if (!fsck.ok || /error|missing|corrupt/i.test(fsck.out.replace(/warning: garbage found.*|warning: no corresponding \.idx.*/g, ''))) failures.push(`git fsck: ${fsck.out.trim().slice(0, 400)}`);
  const verify = runSnap(dir, ['verify', '--all']);
  if (verify.status !== 0) failures.push(`snap verify --all exit ${verify.status}: ${`${verify.stdout}${verify.stderr}`.trim().slice(0, 600)}`);
  const state = inspect(dir);
  if (state.untaggedOnMain.length) failures.push(`main has commits no version names: ${state.untaggedOnMain.join(', ')}`);
  if (!existsSync(join(dir, 'snap.config.json'))) failures.push('snap.config.json is missing');
  const config = tryGit(dir, 'config', '--list', '--local');
  if (!config.ok || !/core\.repositoryformatversion=0/.test(config.out) || !/remote\.backup\.url=/.test(config.out)) failures.push(`.git/config lost settings: ${config.out.slice(0, 300)}`);
  return failures;
}

/** Everything that must hold after a re-run completed. Returns failures. */
export function checkClean(dir) {
  const failures = checkAfterKill(dir);
  const state = inspect(dir);
  const left = leftovers(state);
  if (left.length) failures.push(`leftovers: ${left.join(', ')}`);
  const tags = [...state.tags.keys()];
  const verifyTags = tryGit(dir, 'verify-tag', ...tags);
  if (!verifyTags.ok) failures.push(`git verify-tag: ${verifyTags.out.slice(0, 300)}`);
  if (!tags.some((t) => state.tags.get(t) === state.main)) failures.push('main is not on a version');
  const status = git(dir, 'status', '--porcelain');
  if (status !== '') failures.push(`git status is not clean: ${status.slice(0, 300)}`);
  if (git(dir, 'config', 'gpg.ssh.allowedSignersFile').trim() !== '.git/snap/allowed_signers') failures.push('gpg.ssh.allowedSignersFile is not the relative trusted copy');
  return failures;
}
