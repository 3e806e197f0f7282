// Retention through the built CLI, on an archive of eleven versions taken over ten simulated
// weeks (commitVersion's injectable clock) of an estate on moto with every service it emulates
// enabled (S3 buckets, DynamoDB, Route53, IAM, Lambda, CloudFront, API Gateway, SES, RDS) and a
// local folder, whose large objects change:
//   - site-prod/big.bin is new every version; the local folder's build.bin is the previous
//     version's big.bin (a payload shared across services and versions);
//   - site-prod/logo.png and site-archive/logo-copy.png hold the same bytes (shared across
//     buckets), in every version;
//   - site-prod/report.pdf changes every third week; tools/const.bin never.
// The store then holds exactly the payloads the test wrote, so what prune must delete is known
// independently: the payloads only forgotten versions held.
//
// forget (each policy option, checked against restic's semantics by hand from the dates),
// the signed records (snap verify --all, snap log --all, stock git verify-tag), a tag deleted
// by hand and a record altered (both reported), stats, prune killed with SIGKILL midway (the
// kill proven) then run again: the store smaller by exactly the unreferenced payloads, every
// kept version verified, stock git agreeing; and a forget killed between its records and its
// tag deletions, completed by the next run.
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Archive } from '../../src/archive/archive.js';
import { commitVersion } from '../../src/archive/commit.js';
import type { SnapConfig } from '../../src/config/schema.js';
import type { FsContentStore } from '../../src/store/fs-store.js';
import { silentLogger, silentProgress } from '../../src/util/log.js';
import { expectStockGitAgrees, git, makeArchive, tempDir } from '../helpers/archive.js';
import { SNAP_BIN, snapCli } from '../helpers/cli.js';
import { clientOptions, useMoto } from '../helpers/moto.js';
import { createBucket, put } from '../helpers/s3-seed.js';

const moto = useMoto();
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const WEEK = 7 * 86_400_000;
const START = Date.UTC(2026, 0, 5, 3, 0, 0); // a Monday, ISO week 2

// v1.0 … v1.9 on ten Mondays at 03:00, v1.10 the same Monday as v1.9 at 15:00.
const DATES = [...Array.from({ length: 10 }, (_, i) => new Date(START + i * WEEK)), new Date(START + 9 * WEEK + 12 * 3_600_000)];
const NAMES = DATES.map((_, i) => `v1.${i}`);

describe('snap forget, prune and stats through the CLI', { timeout: 300_000 }, () => {
  let archive: Archive;
  let dir: string;
  const sizes = new Map<string, number>();
  /** the payloads each version holds, by sha256 */
  const holds = new Map<string, Set<string>>();
  const keep = (b: Buffer) => {
    sizes.set(sha(b), b.length);
    return b;
  };
  const BIG = Array.from({ length: 11 }, (_, i) => keep(randomBytes(200_000 + i * 1000)));
  const PRE = keep(randomBytes(150_000));
  const LOGO = keep(randomBytes(40_000));
  const CONST = keep(randomBytes(60_000));
  const REPORT = Array.from({ length: 4 }, () => keep(randomBytes(90_000)));
  let clients: { destroy(): void }[] = [];
  afterAll(() => clients.forEach((c) => c.destroy()));

  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => snapCli(dir, args, env);
  const json = (args: string[]) => {
    const r = cli(args);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout);
  };
  const tags = () => git(dir, 'tag', '--list').split('\n').filter(Boolean).sort();
  // Where the archive keeps its store (asked of the archive, never a fixed path).
  const storeRoot = () => (archive.openStore(config!) as FsContentStore).root;
  let config: SnapConfig | null = null;
  const storeObjects = () => {
    const out = new Map<string, number>();
    const root = storeRoot();
    for (const a of readdirSync(root).filter((n) => /^[0-9a-f]{2}$/.test(n))) for (const b of readdirSync(join(root, a))) for (const f of readdirSync(join(root, a, b))) out.set(f, statSync(join(root, a, b, f)).size);
    return out;
  };
  const union = (names: string[]) => new Set(names.flatMap((n) => [...holds.get(n)!]));

  beforeAll(async () => {
    const prod = await createBucket(moto.endpoint, 'site-prod', 'us-east-1');
    const arch = await createBucket(moto.endpoint, 'site-archive', 'us-east-1');
    const ddb = new DynamoDBClient(clientOptions(moto.endpoint));
    const r53 = new Route53Client(clientOptions(moto.endpoint));
    clients = [prod, arch, ddb, r53];
    await ddb.send(new CreateTableCommand({ TableName: 'events', BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }] }));
    await r53.send(new CreateHostedZoneCommand({ Name: 'sailjada.com.', CallerReference: 'retention' }));
    await put(arch, 'site-archive', 'logo-copy.png', LOGO);
    await put(prod, 'site-prod', 'logo.png', LOGO);
    const tools = join(tempDir(), 'tools');
    mkdirSync(tools);
    writeFileSync(join(tools, 'const.bin'), CONST);
    archive = await makeArchive({ endpoint: moto.endpoint, collectors: { s3: {}, dynamodb: {}, route53: {}, iam: {}, lambda: {}, cloudfront: {}, apigateway: {}, ses: {}, rds: {}, local: { paths: [{ name: 'tools', path: tools }] } } });
    dir = archive.dir;
    config = await archive.loadConfig();
    for (let i = 0; i < DATES.length; i++) {
      const report = REPORT[Math.floor(Math.min(i, 9) / 3)]!;
      await put(prod, 'site-prod', 'big.bin', BIG[i]!);
      await put(prod, 'site-prod', 'report.pdf', report);
      const build = i === 0 ? PRE : BIG[i - 1]!;
      writeFileSync(join(tools, 'build.bin'), build);
      await ddb.send(new PutItemCommand({ TableName: 'events', Item: { id: { S: 'week' }, n: { N: String(i) } } }));
      const r = await commitVersion(archive, { progress: silentProgress, log: silentLogger, now: () => DATES[i]! });
      expect(r.version).toBe(NAMES[i]);
      expect(r.partial).toBe(false);
      holds.set(NAMES[i]!, new Set([BIG[i]!, LOGO, report, build, CONST].map(sha)));
    }
    // Every payload in the store is one the test wrote: what prune must delete is known exactly.
    expect(new Set(storeObjects().keys())).toEqual(union(NAMES));
  });

  it('plans each policy option as restic would, changing nothing (--dry-run)', () => {
    const before = tags();
    const plan = (...args: string[]) => {
      const p = json(['forget', '--dry-run', '--json', ...args]);
      expect(p.dryRun).toBe(true);
      return { keep: p.keep.map((k: { version: string }) => k.version).sort(), reasons: Object.fromEntries(p.keep.map((k: { version: string; reasons: string[] }) => [k.version, k.reasons])) };
    };
    const sorted = (...n: string[]) => n.sort();
    expect(plan('--keep-last', '3').keep).toEqual(sorted('v1.10', 'v1.9', 'v1.8'));
    // restic's short options mean the same as the long ones.
    for (const [long, short, n] of [['--keep-last', '-l', '3'], ['--keep-hourly', '-H', '2'], ['--keep-daily', '-d', '2'], ['--keep-weekly', '-w', '3'], ['--keep-monthly', '-m', '2'], ['--keep-yearly', '-y', '2']] as const) {
      expect(plan(short, n).keep, short).toEqual(plan(long, n).keep);
    }
    // v1.9 and v1.10 share a day: the newest of it stays, v1.9 goes.
    expect(plan('--keep-daily', '2').keep).toEqual(sorted('v1.10', 'v1.8'));
    expect(plan('-H', '2').keep).toEqual(sorted('v1.10', 'v1.9'));
    expect(plan('--keep-weekly', '3').keep).toEqual(sorted('v1.10', 'v1.8', 'v1.7'));
    expect(plan('--keep-monthly', '2').keep).toEqual(sorted('v1.10', 'v1.7'));
    expect(plan('--keep-yearly', '1').keep).toEqual(['v1.10']);
    // Counts left at the oldest version: it is kept too.
    expect(plan('-y', '2').reasons).toEqual({ 'v1.10': ['newest version (never forgotten)', 'yearly'], 'v1.0': ['oldest yearly'] });
    expect(plan('--keep-monthly', 'unlimited').keep).toEqual(sorted('v1.10', 'v1.7', 'v1.3', 'v1.0')); // and the oldest, as counts are never used up
    // 14 days before the newest (9 March 15:00) is 23 February 15:00.
    expect(plan('--keep-within', '14d').keep).toEqual(sorted('v1.10', 'v1.9', 'v1.8'));
    // The newest version is never forgotten, whatever the policy.
    expect(plan('--keep-tag', 'v1.2').reasons).toEqual({ 'v1.10': ['newest version (never forgotten)'], 'v1.2': ['name matches v1.2'] });
    expect(plan('--keep-tag', 'v1.1*', '--keep-tag', 'v1.4').keep).toEqual(sorted('v1.1', 'v1.10', 'v1.4'));

    const text = cli(['forget', '--keep-weekly', '2', '--dry-run']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^policy: keep 2 weekly\nkeep 2 versions:\n  v1\.10 +2026-03-09 15:00 UTC  newest version \(never forgotten\), weekly\n  v1\.8 +2026-03-02 03:00 UTC  weekly\nwould forget 9 versions:\n  v1\.9 /);
    expect(text.stdout).toMatch(/dry run: nothing was forgotten\n$/);
    expect(tags()).toEqual(before);

    const empty = cli(['forget']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/needs a policy: at least one of --keep-last/);
    expect(cli(['forget', '--keep-last', 'many']).code).toBe(2);
    expect(cli(['forget', '--keep-within', '2w']).stderr).toMatch(/not a duration/);
    expect(tags()).toEqual(before);
  });

  let forgotten: string[] = [];
  let kept: string[] = [];

  it('forgets by policy with a signed record: hidden from log, shown by log --all, told apart by verify --all', () => {
    const r = cli(['forget', '--keep-last', '2', '--keep-weekly', '4', '--keep-tag', 'v1.0']);
    expect(r.code, r.stderr).toBe(0);
    kept = ['v1.10', 'v1.9', 'v1.8', 'v1.7', 'v1.6', 'v1.0'];
    forgotten = ['v1.1', 'v1.2', 'v1.3', 'v1.4', 'v1.5'];
    expect(r.stdout).toMatch(/forget 5 versions:/);
    expect(tags()).toEqual([...kept].sort());

    const log = cli(['log']);
    expect(log.stdout).not.toMatch(/^v1\.3 /m);
    expect(log.stderr).toMatch(/5 forgotten versions not shown \(snap log --all\)/);
    const all = cli(['log', '--all']);
    expect(all.stdout.match(/^v1\.\d+ /gm)!.map((s) => s.trim())).toEqual(['v1.10', 'v1.9', 'v1.8', 'v1.7', 'v1.6', 'v1.5', 'v1.4', 'v1.3', 'v1.2', 'v1.1', 'v1.0']);
    expect(all.stdout).toMatch(/^v1\.3 +2026-01-26 03:00 UTC  forgotten \d{4}-\d\d-\d\d by .* \(keep 2 last, 4 weekly, versions named v1\.0\)/m);
    const allJson = cli(['log', '--all', '--json']).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(allJson.filter((e) => e.forgotten).map((e) => e.name)).toEqual(['v1.5', 'v1.4', 'v1.3', 'v1.2', 'v1.1']);

    const verify = cli(['verify', '--all', '--json']);
    expect(verify.code, verify.stdout).toBe(0);
    const verdicts = JSON.parse(verify.stdout).versions as { version: string; ok: boolean; forgotten?: { rule: string; signer: string } }[];
    expect(verdicts.filter((v) => !v.forgotten).map((v) => v.version).sort()).toEqual([...kept].sort());
    expect(verdicts.filter((v) => v.forgotten).map((v) => [v.version, v.forgotten!.rule])).toEqual([...forgotten].reverse().map((n) => [n, 'keep 2 last, 4 weekly, versions named v1.0']));
    expect(cli(['verify', '--all']).stdout).toMatch(/^forgotten v1\.3: by policy \(keep 2 last, 4 weekly, versions named v1\.0\) on \d{4}-\d\d-\d\d by .*; record signed by /m);

    // Stock git: every kept tag verifies, fsck is clean, and a record is a signed tag object git can check.
    expectStockGitAgrees(dir);
    const v13 = git(dir, 'log', '--format=%H %s', 'main').split('\n').find((l) => l.includes(' v1.3: '))!.split(' ')[0]!;
    const note = git(dir, 'notes', '--ref=snap-forgotten', 'show', v13);
    expect(note).toMatch(/^object [0-9a-f]{40}\ntype commit\ntag forgotten\/v1\.3\ntagger /);
    const recordOid = execFileSync('git', ['hash-object', '-t', 'tag', '--stdin'], { cwd: dir, input: note, encoding: 'utf8' }).trim();
    execFileSync('git', ['hash-object', '-t', 'tag', '-w', '--stdin'], { cwd: dir, input: note });
    expect(spawnSync('git', ['verify-tag', recordOid], { cwd: dir, encoding: 'utf8' }).stderr).toMatch(/Good "git" signature/);

    // A forgotten name is no version any more, and is never given again.
    expect(cli(['show', 'v1.3']).stderr).toMatch(/v1\.3 was forgotten by policy \(keep 2 last, 4 weekly, versions named v1\.0\) on \d{4}-\d\d-\d\d/);
    const reuse = cli(['commit', 'v1.3']);
    expect(reuse.code).toBe(2);
    expect(reuse.stderr).toMatch(/v1\.3 was a version, forgotten by policy .* a name is never given twice/);
  });

  it('tells a tag deleted by hand and an altered record from forgetting by policy', () => {
    const tagOid = git(dir, 'rev-parse', 'refs/tags/v1.7').trim();
    git(dir, 'tag', '-d', 'v1.7');
    const verify = cli(['verify', '--all']);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toMatch(/BAD v1\.7: 1 problem[\s\S]*tag-deleted: commit [0-9a-f]{12}: v1\.7 is on main's history but has no tag and no forget record: its tag was deleted outside `snap forget`/);
    expect(cli(['log', '--all']).stdout).toMatch(/^v1\.7 .*NO TAG: deleted outside snap forget/m);
    // Its payloads are kept all the same: prune never takes what a version without a record held.
    const dry = json(['prune', '--dry-run', '--json']);
    expect(dry.objects.map((o: { oid: string }) => o.oid)).not.toContain(sha(BIG[7]!));
    git(dir, 'update-ref', 'refs/tags/v1.7', tagOid);

    // A record altered after signing (its policy text) is reported, not taken as forgetting.
    const notesHead = git(dir, 'rev-parse', 'refs/notes/snap-forgotten').trim();
    const v12 = git(dir, 'log', '--format=%H %s', 'main').split('\n').find((l) => l.includes(' v1.2: '))!.split(' ')[0]!;
    const note = git(dir, 'notes', '--ref=snap-forgotten', 'show', v12);
    execFileSync('git', ['-c', 'user.name=x', '-c', 'user.email=x@example.com', 'notes', '--ref=snap-forgotten', 'add', '-f', '-F', '-', v12], { cwd: dir, input: note.replace('keep 2 last', 'keep 3 last') });
    const altered = cli(['verify', '--all']);
    expect(altered.code).toBe(1);
    expect(altered.stdout).toMatch(/forget-record: refs\/notes\/snap-forgotten [0-9a-f]{12}: v1\.2 has no tag, and its forget record does not verify: the signature does not match the record/);
    git(dir, 'update-ref', 'refs/notes/snap-forgotten', notesHead);
    expect(cli(['verify', '--all']).code).toBe(0);
  });

  it('counts the archive: versions, store, bytes per service, dedup, what each version added, what prune frees', () => {
    const referenced = union(kept);
    const unreferenced = [...union(NAMES)].filter((o) => !referenced.has(o));
    // BIG[1..4] and the second report only forgotten versions held; BIG[5] stays (v1.6's local build.bin).
    expect(unreferenced.sort()).toEqual([BIG[1], BIG[2], BIG[3], BIG[4], REPORT[1]].map((b) => sha(b!)).sort());
    const bytes = (oids: Iterable<string>) => [...oids].reduce((n, o) => n + sizes.get(o)!, 0);
    const stats = json(['stats', '--json']);
    expect(stats.versions).toEqual({ kept: 6, forgotten: 5, newest: 'v1.10', oldest: 'v1.0' });
    expect(stats.store).toMatchObject({ objects: union(NAMES).size, bytes: bytes(union(NAMES)) });
    expect(stats.referenced).toEqual({ objects: referenced.size, bytes: bytes(referenced) });
    expect(stats.prune).toEqual({ objects: 5, bytes: bytes(unreferenced), forgottenVersions: 5, interruptedForget: [] });
    const s3Held = new Set(kept.flatMap((n) => { const i = NAMES.indexOf(n); return [BIG[i]!, LOGO, REPORT[Math.floor(Math.min(i, 9) / 3)]!].map(sha); }));
    const localHeld = new Set(kept.flatMap((n) => { const i = NAMES.indexOf(n); return [i === 0 ? PRE : BIG[i - 1]!, CONST].map(sha); }));
    expect(stats.services).toEqual(expect.arrayContaining([{ service: 's3_buckets', objects: s3Held.size, bytes: bytes(s3Held) }, { service: 'local_repos', objects: localHeld.size, bytes: bytes(localHeld) }]));
    // Each kept version refers to six payloads (the logo twice, in two buckets).
    const logical = kept.reduce((n, v) => n + bytes(holds.get(v)!) + LOGO.length, 0);
    expect(stats.logicalBytes).toBe(logical);
    expect(stats.dedupRatio).toBeCloseTo(logical / bytes(referenced), 2);
    expect(stats.recent.slice(0, 2)).toEqual([
      { version: 'v1.10', date: DATES[10]!.toISOString(), payloads: 6, bytes: bytes(holds.get('v1.10')!) + LOGO.length, added: { objects: 1, bytes: BIG[10]!.length } },
      { version: 'v1.9', date: DATES[9]!.toISOString(), payloads: 6, bytes: bytes(holds.get('v1.9')!) + LOGO.length, added: { objects: 2, bytes: BIG[9]!.length + REPORT[3]!.length } },
    ]);
    const text = cli(['stats', '--recent', '2']);
    expect(text.stdout).toMatch(/^versions: 6 kept \(v1\.0 … v1\.10\), 5 forgotten\n/);
    expect(text.stdout).toMatch(/what the 2 newest versions added to the store:\n  v1\.10 +2026-03-09  \+1 object/);
    expect(text.stdout).toMatch(/prune would free: 5 objects/);
    expect(cli(['stats', '--recent', 'x']).code).toBe(2);
  });

  it('prunes exactly the unreferenced payloads, killed midway (SIGKILL) and run again, every kept version verifying throughout', () => {
    const before = storeObjects();
    const referenced = union(kept);
    const unreferenced = [...before.keys()].filter((o) => !referenced.has(o));
    expect(unreferenced).toHaveLength(5);

    const dry = cli(['prune', '--dry-run']);
    expect(dry.stdout).toMatch(/would delete 5 payloads/);
    expect(dry.stdout).toMatch(/git: would drop 5 tag objects of forgotten versions; their 5 commits stay/);
    expect(storeObjects()).toEqual(before);

    // Killed right after its second deletion.
    const killed = spawnSync(process.execPath, [SNAP_BIN, 'prune'], { cwd: dir, env: { ...process.env, NO_COLOR: '1', SNAP_TEST_CRASH_AT: 'prune-deleted:2' }, encoding: 'utf8' });
    expect(killed.signal).toBe('SIGKILL');
    const mid = storeObjects();
    expect(before.size - mid.size).toBe(2);
    expect([...before.keys()].filter((o) => !mid.has(o)).every((o) => unreferenced.includes(o))).toBe(true);
    expect(existsSync(join(dir, '.git', 'snap', 'lock'))).toBe(true); // the dead prune's lock, taken over below
    const midVerify = cli(['verify', '--all']);
    expect(midVerify.code, midVerify.stdout).toBe(0);

    const again = cli(['prune']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/deleted 3 payloads/);
    const after = storeObjects();
    expect(new Set(after.keys())).toEqual(referenced);
    const freed = [...before.values()].reduce((n, s) => n + s, 0) - [...after.values()].reduce((n, s) => n + s, 0);
    expect(freed).toBe(unreferenced.reduce((n, o) => n + sizes.get(o)!, 0));

    const verify = cli(['verify', '--all']);
    expect(verify.code, verify.stdout).toBe(0);
    expect(verify.stdout.match(/^ok /gm)).toHaveLength(6);
    expectStockGitAgrees(dir);
    // The forgotten versions' tag objects are gone; their commits stay on main.
    const records = git(dir, 'notes', '--ref=snap-forgotten', 'list').trim().split('\n').map((l) => l.split(' ')[1]!);
    for (const commit of records) {
      const record = JSON.parse(git(dir, 'notes', '--ref=snap-forgotten', 'show', commit).split('\n\n').slice(2).join('\n\n').split('-----BEGIN')[0]!);
      expect(spawnSync('git', ['cat-file', '-e', record.tag], { cwd: dir }).status).not.toBe(0);
      expect(git(dir, 'cat-file', '-t', commit).trim()).toBe('commit');
    }
    const third = json(['prune', '--json']);
    expect(third.deleted).toEqual({ objects: 0, bytes: 0 });
    expect(cli(['-q', 'prune']).stdout).toBe('');
  });

  it('completes a forget killed between its records and its tag deletions', () => {
    const killed = spawnSync(process.execPath, [SNAP_BIN, 'forget', '--keep-last', '3'], { cwd: dir, env: { ...process.env, NO_COLOR: '1', SNAP_TEST_CRASH_AT: 'forget-recorded' }, encoding: 'utf8' });
    expect(killed.signal).toBe('SIGKILL');
    // Records filed, tags not yet deleted: still versions, and nothing is reported wrong.
    expect(tags()).toEqual([...kept].sort());
    expect(git(dir, 'notes', '--ref=snap-forgotten', 'list').trim().split('\n')).toHaveLength(8);
    expect(cli(['verify', '--all']).code).toBe(0);
    // A dry run and stats count what the real prune will do: complete the forget, then free its versions' payloads.
    const freed = [...union(kept)].filter((o) => !union(['v1.10', 'v1.9', 'v1.8']).has(o));
    expect(freed.length).toBeGreaterThan(0);
    const freedBytes = freed.reduce((n, o) => n + sizes.get(o)!, 0);
    const dry = cli(['prune', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/^would complete an interrupted forget: v1\.7, v1\.6, v1\.0 \(counted below as forgotten\)\n3 kept versions need .*; 8 forgotten versions\n/);
    expect(dry.stdout).toMatch(new RegExp(`would delete ${freed.length} payloads`));
    const dryJson = json(['prune', '--dry-run', '--json']);
    expect(dryJson.unreferenced).toEqual({ objects: freed.length, bytes: freedBytes });
    expect(dryJson.objects.map((o: { oid: string }) => o.oid).sort()).toEqual(freed.sort());
    const stats = json(['stats', '--json']);
    expect(stats.prune).toEqual({ objects: freed.length, bytes: freedBytes, forgottenVersions: 8, interruptedForget: ['v1.7', 'v1.6', 'v1.0'] });
    expect(cli(['stats']).stdout).toMatch(new RegExp(`prune would free: ${freed.length} objects, .*\n  counting v1\\.7, v1\\.6, v1\\.0 as forgotten: an interrupted forget recorded them`));
    expect(tags()).toEqual([...kept].sort()); // the dry run and stats changed nothing
    const prune = cli(['prune']);
    expect(prune.code, prune.stderr).toBe(0);
    expect(prune.stdout).toMatch(/^completed an interrupted forget: v1\.7, v1\.6, v1\.0\n/);
    expect(prune.stdout).toMatch(new RegExp(`deleted ${freed.length} payloads`));
    expect(tags()).toEqual(['v1.10', 'v1.8', 'v1.9']);
    const verify = cli(['verify', '--all']);
    expect(verify.code, verify.stdout).toBe(0);
    expect(verify.stdout.match(/^forgotten /gm)).toHaveLength(8);
    expect(new Set(storeObjects().keys())).toEqual(union(['v1.10', 'v1.9', 'v1.8']));
    expectStockGitAgrees(dir);
    // The next version is named after the highest name ever given.
    expect(cli(['-q', 'commit']).code).toBe(0);
    expect(tags()).toContain('v1.11');
  });

  it('keeps the records valid after the archive key is rotated, and never forgets the version that changed the signers', () => {
    expect(cli(['signers', 'rotate']).code).toBe(0);
    expect(cli(['-q', 'commit']).code).toBe(0); // v1.12: signed with the old key, trusts the new one instead
    expect(cli(['-q', 'commit']).code).toBe(0); // v1.13: signed with the new key
    const verify = cli(['verify', '--all']);
    expect(verify.code, verify.stdout).toBe(0);
    // The records were signed by the key rotated out: trusted when they were made, so still valid.
    expect(verify.stdout.match(/^forgotten /gm)).toHaveLength(8);
    const plan = json(['forget', '--keep-last', '1', '--dry-run', '--json']);
    expect(plan.keep.map((k: { version: string; reasons: string[] }) => [k.version, k.reasons])).toEqual([
      ['v1.13', ['newest version (never forgotten)', 'last']],
      ['v1.12', ['changes the trusted signers (kept so trust can be followed)']],
    ]);
    const forgot = cli(['forget', '--keep-last', '1']); // records now signed with the new key
    expect(forgot.code, forgot.stderr).toBe(0);
    const after = cli(['verify', '--all']);
    expect(after.code, after.stdout).toBe(0);
    expect(after.stdout.match(/^forgotten /gm)).toHaveLength(12); // v1.8-v1.11 too, by records signed with the new key
    expectStockGitAgrees(dir);
  });
});
