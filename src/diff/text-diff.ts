// Unified line diffs of text content (pages, code, zone files), through jsdiff: hunks only,
// without file headers, because the resource line above them already says what changed.
import { structuredPatch } from 'diff';

export function unifiedDiff(oldText: string, newText: string, context = 3): string {
  const patch = structuredPatch('a', 'b', oldText, newText, '', '', { context });
  const lines: string[] = [];
  for (const h of patch.hunks) {
    lines.push(`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`);
    lines.push(...h.lines);
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}
