// One `snap commit` of one bucket, in its own process so the benchmark can measure its wall
// time and memory: node bench/lib/snap-commit.js ARCHIVE VERSION BUCKET. It calls
// commitVersion(), the function `snap commit` runs, with the S3 collector limited to BUCKET
// (until the registry lists the S3 collector, its config section cannot be written in
// snap.config.json, so the limit is applied here). Prints the collector's report as JSON.
import { Archive } from '../../dist/archive/archive.js';
import { commitVersion } from '../../dist/archive/commit.js';
import { s3Collector } from '../../dist/collectors/aws/s3/collect.js';
import { silentLogger, silentProgress } from '../../dist/util/log.js';

const [dir, version, bucket] = process.argv.slice(2);
const scoped = { ...s3Collector, collect: (ctx) => s3Collector.collect({ ...ctx, config: { ...ctx.config, include: [bucket] } }) };
const result = await commitVersion(Archive.at(dir), { version, progress: silentProgress, log: silentLogger, collectors: [scoped] });
const report = result.manifest.collectors.find((c) => c.id === 's3');
process.stdout.write(`${JSON.stringify({ status: report.status, counts: report.counts, errors: report.errors.slice(0, 3), durationMs: report.durationMs })}\n`);
if (report.status !== 'ok') process.exitCode = 1;
