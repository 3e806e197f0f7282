// The version manifest, in two forms written into every version: .snap/manifest.json for
// programs (verify checks its counts against the tree) and MANIFEST.md for people. It says
// what each collector did (status, counts, bytes, duration), and what was found but not
// collected and why (coverage). It is the only part of a version that changes between two
// snapshots of an unchanged estate, because it records time.
import type { AwsTarget } from '../collectors/aws/shared/target.js';
import type { CoverageFinding } from '../collectors/types.js';
import { formatBytes, formatDuration } from '../util/log.js';
import { payloadTotals, type WriterStats } from './tree-writer.js';

export const MANIFEST_PATH = '.snap/manifest.json';
export const MANIFEST_MD_PATH = 'MANIFEST.md';
export const MANIFEST_FORMAT = 'snap-manifest/1';

export type CollectorStatus = 'ok' | 'partial' | 'failed' | 'stale';

export interface CollectorReport {
  id: string;
  title: string;
  root: string;
  status: CollectorStatus;
  startedAt: string;
  durationMs: number;
  /** what the collector's folder holds in this version (carried-over parts included) */
  stats: WriterStats;
  /** collector-specific counts: buckets, objects, functions, … */
  counts: Record<string, number>;
  /** for failed/stale/partial: what went wrong, one line each, no secret values */
  errors: { resource: string; message: string }[];
  /** for stale: the version whose folder was carried over */
  staleFrom?: string;
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  version: string;
  createdAt: string;
  snapVersion: string;
  status: 'complete' | 'partial';
  durationMs: number;
  /**
   * The AWS estate this version was read from (STS account id, normalized endpoint), when the
   * snapshot asked; `snap restore-test` refuses to write to it. Absent in older versions.
   */
  source?: AwsTarget;
  collectors: CollectorReport[];
  coverage: (CoverageFinding & { collector: string })[];
  totals: WriterStats;
}

/**
 * "320 payloads in the content store (1.2 GiB): 3 behind pointer files, 317 listed in
 * manifests (S3 objects)": every payload the version needs, by how the tree refers to it.
 */
export function describePayloads(stats: WriterStats): string {
  const p = payloadTotals(stats);
  const listed = stats.listed ?? 0;
  const parts = [...(stats.pointers ? [`${stats.pointers} behind pointer files`] : []), ...(listed ? [`${listed} listed in manifests (S3 objects)`] : [])];
  const how = stats.listed === undefined ? ' behind pointer files (this older version did not count the S3 objects listed in manifests)' : parts.length ? `: ${parts.join(', ')}` : '';
  return `${p.payloads} payload${p.payloads === 1 ? '' : 's'} in the content store (${formatBytes(p.bytes)})${how}`;
}

export function renderManifestMarkdown(m: Manifest): string {
  const lines: string[] = [];
  lines.push(`# Snapshot ${m.version}`, '');
  lines.push(`Taken ${m.createdAt} by snap ${m.snapVersion} in ${formatDuration(m.durationMs)}.`);
  lines.push(m.status === 'complete' ? 'Every collector completed.' : '**Partial snapshot**: some collectors failed; see below.', '');
  lines.push('| collector | folder | status | files | payloads | counts | time |', '|---|---|---|---:|---:|---|---:|');
  for (const c of m.collectors) {
    const counts = Object.entries(c.counts)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    const status = c.status === 'stale' ? `stale (from ${c.staleFrom})` : c.status;
    const p = payloadTotals(c.stats);
    lines.push(`| ${c.title} | \`${c.root}/\` | ${status} | ${c.stats.files} | ${p.payloads} (${formatBytes(p.bytes)}) | ${counts || '–'} | ${formatDuration(c.durationMs)} |`);
  }
  lines.push('', `Total: ${m.totals.files} files in the tree; ${describePayloads(m.totals)}.`, '');
  const problems = m.collectors.filter((c) => c.errors.length > 0);
  if (problems.length) {
    lines.push('## Problems', '');
    for (const c of problems) for (const e of c.errors) lines.push(`- **${c.id}** ${e.resource}: ${e.message}`);
    lines.push('');
  }
  lines.push('## Coverage', '');
  if (m.coverage.length === 0) lines.push('Everything found was collected.');
  else {
    lines.push('Found but not (fully) collected:', '', '| collector | resource | reason | detail |', '|---|---|---|---|');
    for (const f of m.coverage) lines.push(`| ${f.collector} | ${f.resource} | ${f.reason} | ${(f.detail ?? '').replace(/\|/g, '\\|')} |`);
  }
  lines.push('');
  return lines.join('\n');
}
