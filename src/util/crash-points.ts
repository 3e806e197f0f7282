// Test hook, inert unless SNAP_TEST_CRASH_AT is set: the crash tests (test/e2e/crash.test.ts)
// and the kill trials (bench/crash.bench.js) kill a real `snap commit` with SIGKILL at exact
// points of its work, to prove that no such point leaves the archive damaged.
//
//   SNAP_TEST_CRASH_AT=<point>[@<subject>][:<n>]   the process sends itself SIGKILL the n-th
//                      time (default 1st) it reaches <point> (about <subject>, when given: the
//                      working-tree path of a file being replaced)
//
// The points are named where they are placed (crashPoint('tag-created'), …); the list is in
// docs/design-notes.md. A point costs one environment lookup when the variable is not set.
let reached: Map<string, number> | null = null;

export function crashPoint(name: string, subject?: string): void {
  const spec = process.env.SNAP_TEST_CRASH_AT;
  if (!spec) return;
  const m = /^([^@:]+)(?:@([^:]*))?(?::(\d+))?$/.exec(spec);
  if (!m || m[1] !== name || (m[2] !== undefined && m[2] !== subject)) return;
  reached ??= new Map();
  const count = (reached.get(spec) ?? 0) + 1;
  reached.set(spec, count);
  if (count === Number(m[3] ?? 1)) process.kill(process.pid, 'SIGKILL');
}
