// Reading and setting values in a git config file (.git/config) the way `git config` does,
// without rewriting what snap does not own: other sections, comments, the user's remotes and
// their layout stay byte for byte. The file is replaced under git's own config.lock, renamed
// into place (never rewritten in place, where a kill would leave it truncated), and only when
// a value actually changes. Written by hand because the one library at hand that edits git
// config (isomorphic-git) rewrites the file in place on every call.
// Syntax: https://git-scm.com/docs/git-config#_syntax
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { replaceUnderGitLock, type DeadWriter } from './locks.js';

interface Key {
  section: string; // lower case
  subsection: string | null; // case-sensitive
  name: string; // lower case
}

/** "gpg.ssh.allowedSignersFile" → section gpg, subsection ssh, name allowedsignersfile. */
export function parseKey(dotted: string): Key {
  const first = dotted.indexOf('.');
  const last = dotted.lastIndexOf('.');
  if (first <= 0 || last === dotted.length - 1) throw new Error(`invalid git config key ${JSON.stringify(dotted)}`);
  return { section: dotted.slice(0, first).toLowerCase(), subsection: first === last ? null : dotted.slice(first + 1, last), name: dotted.slice(last + 1).toLowerCase() };
}

interface Line {
  text: string;
  /** the section this line belongs to (for a header line: the one it opens) */
  section: { section: string; subsection: string | null } | null;
  header: boolean;
  /** for a variable line: its lower-case name and value */
  variable?: { name: string; value: string };
}

const HEADER = /^\s*\[\s*([A-Za-z0-9.-]+)(?:\s+"((?:[^"\\\n]|\\.)*)")?\s*\]/;
const VARIABLE = /^\s*([A-Za-z][A-Za-z0-9-]*)\s*(?:=(.*))?$/;

/** A value as git reads it: quotes removed, escapes applied, a trailing comment dropped. */
function parseValue(raw: string): string {
  let out = '';
  let quoted = false;
  let pendingSpace = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '\\' && i + 1 < raw.length) {
      const n = raw[++i]!;
      out += pendingSpace + ({ n: '\n', t: '\t', b: '\b', '"': '"', '\\': '\\' } as Record<string, string>)[n]!;
      pendingSpace = '';
      continue;
    }
    if (c === '"') {
      out += pendingSpace;
      pendingSpace = '';
      quoted = !quoted;
      continue;
    }
    if (!quoted && (c === '#' || c === ';')) break;
    if (!quoted && (c === ' ' || c === '\t')) {
      if (out.length > 0) pendingSpace += c;
      continue;
    }
    out += pendingSpace + c;
    pendingSpace = '';
  }
  return out;
}

function formatValue(value: string): string {
  const needsQuotes = /^\s|\s$|[#;"\\\n\t]/.test(value);
  if (!needsQuotes) return value;
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\t/g, '\\t')}"`;
}

function parseLines(text: string): Line[] {
  const raw = text.length === 0 ? [] : text.replace(/\n$/, '').split('\n');
  const lines: Line[] = [];
  let current: Line['section'] = null;
  for (let i = 0; i < raw.length; i++) {
    let text = raw[i]!;
    // a value continued on the next line with a trailing backslash stays one logical line
    while (/(^|[^\\])(\\\\)*\\$/.test(text) && i + 1 < raw.length) text += `\n${raw[++i]!}`;
    const h = HEADER.exec(text);
    if (h) {
      const name = h[1]!;
      const dot = name.indexOf('.');
      current =
        h[2] !== undefined
          ? { section: name.toLowerCase(), subsection: h[2].replace(/\\(.)/g, '$1') }
          : dot > 0
            ? { section: name.slice(0, dot).toLowerCase(), subsection: name.slice(dot + 1).toLowerCase() } // legacy [section.subsection]
            : { section: name.toLowerCase(), subsection: null };
      lines.push({ text, section: current, header: true });
      continue;
    }
    const v = VARIABLE.exec(text.replace(/\\\n/g, ''));
    if (v && current) lines.push({ text, section: current, header: false, variable: { name: v[1]!.toLowerCase(), value: v[2] === undefined ? 'true' : parseValue(v[2]) } });
    else lines.push({ text, section: current, header: false });
  }
  return lines;
}

const inSection = (line: Line, key: Key) => line.section !== null && line.section.section === key.section && line.section.subsection === key.subsection;

/** The value git would read for `key` (the last one set), or undefined. */
export function getConfigValue(text: string, dotted: string): string | undefined {
  const key = parseKey(dotted);
  let value: string | undefined;
  for (const line of parseLines(text)) if (line.variable && inSection(line, key) && line.variable.name === key.name) value = line.variable.value;
  return value;
}

/** `text` with `key` set to `value`, as `git config key value` would leave it. */
export function setConfigValue(text: string, dotted: string, value: string): string {
  const key = parseKey(dotted);
  const lines = parseLines(text);
  const keyName = dotted.slice(dotted.lastIndexOf('.') + 1);
  const assignment = `\t${keyName} = ${formatValue(value)}`;
  let lastVar = -1;
  let lastInSection = -1;
  lines.forEach((line, i) => {
    if (inSection(line, key)) {
      lastInSection = i;
      if (line.variable?.name === key.name) lastVar = i;
    }
  });
  const texts = lines.map((l) => l.text);
  if (lastVar >= 0) texts[lastVar] = assignment;
  else if (lastInSection >= 0) texts.splice(lastInSection + 1, 0, assignment);
  else {
    const sub = key.subsection === null ? '' : ` "${key.subsection.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
    texts.push(`[${key.section}${sub}]`, assignment);
  }
  return `${texts.join('\n')}\n`;
}

/**
 * Sets config values in `<gitdir>/config`; writes only when one changes. Returns whether it wrote.
 */
export async function updateGitConfig(gitdir: string, values: Record<string, string>, options: { deadWriters?: readonly DeadWriter[] } = {}): Promise<boolean> {
  const path = join(gitdir, 'config');
  const read = () => readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? '' : Promise.reject(err)));
  const differs = (text: string) => Object.entries(values).some(([k, v]) => getConfigValue(text, k) !== v);
  if (!differs(await read())) return false;
  let wrote = false;
  await replaceUnderGitLock(
    path,
    async () => {
      // Read again under the lock: a concurrent `git config` may have written meanwhile.
      let text = await read();
      for (const [k, v] of Object.entries(values)) if (getConfigValue(text, k) !== v) text = setConfigValue(text, k, v);
      wrote = true;
      return text;
    },
    { gitdir, what: 'the git config', deadWriters: options.deadWriters, crashPoint: 'config-locked' },
  );
  return wrote;
}
