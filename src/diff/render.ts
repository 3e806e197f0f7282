// Renderings of a list of resource changes: the full text view (grouped by service, then by
// resource, with field paths, line diffs and content changes), --stat, --name-only, and the
// stable --json document (its schema is src/diff/schema.ts).
import { formatBytes } from '../util/log.js';
import type { ResourceChange } from './compare.js';
import type { FieldChange } from './json-diff.js';
import { DIFF_FORMAT, type DiffDocument, type UnreadService } from './schema.js';

export interface Painter {
  (style: 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'cyan', text: string): string;
}

const plain: Painter = (_s, t) => t;
const MARK = { added: '+', removed: '-', changed: '~' } as const;

function value(v: unknown): string {
  const text = JSON.stringify(v) ?? 'null';
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}

function renderField(f: FieldChange, paint: Painter): string {
  if (f.secret) return `${f.path}: ${paint('yellow', 'value changed')} (secret: only its fingerprint is archived)`;
  if (f.status === 'added') return paint('green', `+ ${f.path}: ${value(f.new)}`);
  if (f.status === 'removed') return paint('red', `- ${f.path}: ${value(f.old)}`);
  return `${f.path}: ${paint('red', value(f.old))} → ${paint('green', value(f.new))}`;
}

function shortHash(sha: string): string {
  return `sha256:${sha.slice(0, 12)}`;
}

/** Changes grouped by service, then by resource label, keeping path order. */
export function groupChanges(changes: ResourceChange[]): Map<string, Map<string, ResourceChange[]>> {
  const services = new Map<string, Map<string, ResourceChange[]>>();
  for (const c of changes) {
    const byLabel = services.get(c.service) ?? new Map<string, ResourceChange[]>();
    const list = byLabel.get(c.label) ?? [];
    list.push(c);
    byLabel.set(c.label, list);
    services.set(c.service, byLabel);
  }
  return services;
}

function resourceStatus(list: ResourceChange[]): ResourceChange['status'] {
  if (list.every((c) => c.status === 'added')) return 'added';
  if (list.every((c) => c.status === 'removed')) return 'removed';
  return 'changed';
}

/** For each linked folder, how many resources under it changed too. */
function relatedChanges(list: ResourceChange[], all: ResourceChange[]): string[] {
  const out: string[] = [];
  for (const folder of [...new Set(list.flatMap((c) => c.related ?? []))].sort()) {
    const hits = new Set(all.filter((c) => c.path === folder || c.path.startsWith(`${folder}/`)).map((c) => `${c.service}\u0000${c.label}`));
    if (hits.size) out.push(`${folder} (${hits.size} changed)`);
  }
  return out;
}

export function renderText(changes: ResourceChange[], paint: Painter = plain): string {
  const lines: string[] = [];
  for (const [service, byLabel] of groupChanges(changes)) {
    lines.push(paint('bold', service));
    for (const [label, list] of byLabel) {
      const status = resourceStatus(list);
      const colour = status === 'added' ? 'green' : status === 'removed' ? 'red' : 'yellow';
      const kinds = [...new Set(list.map((c) => c.kind))].join(', ');
      lines.push(`  ${paint(colour, `${MARK[status]} ${label}`)}  ${paint('dim', `(${kinds})`)}`);
      const linked = relatedChanges(list, changes);
      if (linked.length) lines.push(`    ${paint('cyan', '↔ related changes:')} ${linked.join(', ')}`);
      for (const c of list) {
        const detail = list.length > 1 || c.status !== status || (!c.fields && !c.text && !c.content) ? `    ${MARK[c.status]} ${c.path}` : null;
        if (detail) lines.push(paint('dim', detail));
        const indent = '      ';
        for (const f of c.fields ?? []) lines.push(`${indent}${renderField(f, paint)}`);
        if (c.text) {
          for (const l of c.text.replace(/\n$/, '').split('\n')) {
            lines.push(`${indent}${l.startsWith('+') ? paint('green', l) : l.startsWith('-') ? paint('red', l) : l.startsWith('@@') ? paint('cyan', l) : l}`);
          }
        }
        if (c.content) {
          const side = (r: typeof c.content.old) => (r ? `${formatBytes(r.size)} ${shortHash(r.sha256)}` : 'none');
          lines.push(`${indent}content: ${side(c.content.old)} → ${side(c.content.new)}`);
        }
      }
    }
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

export function renderNameOnly(changes: ResourceChange[]): string {
  return changes.map((c) => `${MARK[c.status]} ${c.path}\n`).join('');
}

export function renderStat(changes: ResourceChange[], paint: Painter = plain): string {
  const lines: string[] = [];
  let resources = 0;
  const grouped = groupChanges(changes);
  for (const [service, byLabel] of grouped) {
    const counts = { added: 0, removed: 0, changed: 0 };
    for (const list of byLabel.values()) counts[resourceStatus(list)]++;
    resources += byLabel.size;
    const parts = (['changed', 'added', 'removed'] as const).filter((k) => counts[k]).map((k) => `${counts[k]} ${k}`);
    lines.push(`${paint('bold', service.padEnd(24))} ${parts.join(', ')}`);
    for (const [label, list] of byLabel) {
      const fields = list.reduce((n, c) => n + (c.fields?.length ?? 0), 0);
      const lineCount = list.reduce((n, c) => n + (c.text?.split('\n').filter((l) => /^[+-]/.test(l)).length ?? 0), 0);
      const content = list.filter((c) => c.content).length;
      const measure = [fields ? `${fields} field${fields > 1 ? 's' : ''}` : '', lineCount ? `${lineCount} line${lineCount > 1 ? 's' : ''}` : '', content ? `${content} content` : ''].filter(Boolean).join(', ');
      lines.push(`  ${MARK[resourceStatus(list)]} ${label}${measure ? `  ${paint('dim', measure)}` : ''}`);
    }
  }
  if (resources) lines.push(`${resources} resource${resources > 1 ? 's' : ''} differ in ${grouped.size} service${grouped.size > 1 ? 's' : ''}`);
  return lines.length ? `${lines.join('\n')}\n` : '';
}

export function toDocument(from: string, to: string, changes: ResourceChange[], unread: UnreadService[] = []): DiffDocument {
  return { format: DIFF_FORMAT, from, to, changes, ...(unread.length ? { unread } : {}) };
}
