// DNS names as Route53 gives them, turned into what a zone file and a folder name need.
// Route53 returns every character outside a-z, 0-9, '-' and '_' as a three-digit *octal*
// escape (`\052` for '*'), while a BIND zone file reads `\DDD` as *decimal*: passing a name
// through unchanged would silently turn `\052` ('*') into '4'. So names are split into
// labels in their escaped form (an escaped label never holds a literal dot), decoded, and
// re-escaped the way the target wants. The archived JSON keeps the names exactly as AWS
// returned them; only derived views (the zone file, the sort order) use these helpers.

/** The labels of a Route53 name, decoded to their characters; the root's empty label dropped. */
export function route53Labels(name: string): string[] {
  const trimmed = name.endsWith('.') && !name.endsWith('\\.') ? name.slice(0, -1) : name;
  if (trimmed === '') return [];
  return trimmed.split('.').map(decodeRoute53Label);
}

export function decodeRoute53Label(label: string): string {
  return label.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

const BIND_PLAIN = /^[A-Za-z0-9_*-]$/;

/** One label in zone-file presentation form: plain characters as they are, others as \DDD (decimal). */
export function bindLabel(label: string): string {
  let out = '';
  for (const ch of label) {
    if (BIND_PLAIN.test(ch)) out += ch;
    else {
      // Route53 escapes stand for single bytes; anything wider is written as its UTF-8 bytes.
      const code = ch.codePointAt(0)!;
      const bytes = code < 256 ? [code] : [...Buffer.from(ch, 'utf8')];
      for (const byte of bytes) out += `\\${String(byte).padStart(3, '0')}`;
    }
  }
  return out;
}

/** An absolute name in zone-file form, with its trailing dot. */
export function bindAbsoluteName(name: string): string {
  const labels = route53Labels(name);
  return labels.length === 0 ? '.' : `${labels.map(bindLabel).join('.')}.`;
}

/**
 * The owner name of a record relative to the zone origin: '@' for the apex, the leading
 * labels for names inside the zone, the absolute name for anything else.
 */
export function bindOwnerName(name: string, origin: string): string {
  const labels = route53Labels(name).map(bindLabel);
  const originLabels = route53Labels(origin).map(bindLabel);
  const lower = (l: string[]) => l.map((s) => s.toLowerCase());
  const tail = lower(labels.slice(labels.length - originLabels.length));
  const inside = labels.length >= originLabels.length && tail.every((l, i) => l === lower(originLabels)[i]);
  if (!inside) return labels.length === 0 ? '.' : `${labels.join('.')}.`;
  const relative = labels.slice(0, labels.length - originLabels.length);
  return relative.length === 0 ? '@' : relative.join('.');
}

/** Code-point comparison (JavaScript's `<` compares UTF-16 units, which orders astral characters wrongly). */
export function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done && y.done ? 0 : x.done ? -1 : 1;
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (d !== 0) return d < 0 ? -1 : 1;
  }
}

/**
 * DNS canonical order (RFC 4034 §6.1): names compared label by label from the right,
 * case-insensitively, so a zone reads apex first and each subdomain next to its parent.
 */
export function compareDnsNames(a: string, b: string): number {
  const la = route53Labels(a).map((l) => l.toLowerCase()).reverse();
  const lb = route53Labels(b).map((l) => l.toLowerCase()).reverse();
  for (let i = 0; i < Math.min(la.length, lb.length); i++) {
    const c = compareCodePoints(la[i]!, lb[i]!);
    if (c !== 0) return c;
  }
  return la.length - lb.length;
}
