// Renders a version's runbook facts as RECOVERY.md. Pure: the same facts and options give the
// same bytes. It holds no time but the version's own (and that only when the version is
// named): the copy `snap commit` stores in every version names no version at all (its
// commands say "$VERSION"), so two snapshots of an unchanged estate keep identical trees.
import type { RunbookFacts, LayerFacts } from './facts.js';
import { shellWord, type CommandWords, type Unrestorable } from './spec.js';

export interface RenderOptions {
  /** the version the commands name; null for the copy stored inside the version itself */
  version: { name: string; commit: string; date: Date } | null;
}

/** How every command refers to the version, and where copies go (outside the archive's working tree). */
function commandWords(options: RenderOptions): CommandWords {
  const version = options.version ? shellWord(options.version.name) : '"$VERSION"';
  return { version, work: WORK, checkout: `${WORK}/${version}` };
}

const WORK = '~/recovery';

function code(text: string): string {
  if (!text.includes('`')) return `\`${text}\``;
  return `\`\` ${text} \`\``;
}

function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function block(lines: string[], lang = 'sh', indent = ''): string[] {
  return [`${indent}\`\`\`${lang}`, ...lines.map((l) => `${indent}${l}`), `${indent}\`\`\``];
}

function restorePair(v: string, selector: string): string[] {
  return [`snap restore ${v} ${shellWord(selector)} --dry-run`, `snap restore ${v} ${shellWord(selector)} --yes`];
}

function dependsOn(facts: RunbookFacts, layer: LayerFacts): string {
  const present = facts.layers.filter((l) => layer.spec.dependsOn.includes(l.collector.id)).map((l) => l.spec.layer);
  return present.length ? present.join(', ') : '–';
}

function secretsFile(facts: RunbookFacts): string | null {
  const scopes = facts.layers.flatMap((l) => l.unrestorable).filter((u): u is Unrestorable & { secrets: NonNullable<Unrestorable['secrets']> } => Boolean(u.secrets));
  if (!scopes.length) return null;
  const object: Record<string, Record<string, string>> = {};
  for (const u of scopes) object[u.secrets.scope] = Object.fromEntries(u.secrets.names.map((n) => [n, '…']));
  return JSON.stringify(object, null, 2);
}

export function renderRunbook(facts: RunbookFacts, options: RenderOptions): string {
  const words = commandWords(options);
  const v = words.version;
  const out: string[] = [];
  const para = (...lines: string[]) => out.push(...lines, '');

  para('# Recovery runbook');
  para(
    'How to put the estate back as this version holds it: the layers it contains in the order to',
    'restore them (what depends on what, and why), the exact snap commands with the names of its',
    'resources, and what the archive cannot give back and where to get it instead.',
  );
  if (options.version) {
    const { name, commit, date } = options.version;
    para(`This runbook is for version **${name}** (commit ${code(commit.slice(0, 12))}, taken ${date.toISOString().replace('.000Z', 'Z')}); every command below names it.`);
  } else {
    para(
      'This file is part of a version of the archive. Its commands name that version `$VERSION`:',
      'set it first. The version\'s name is the title of MANIFEST.md beside this file:',
    );
    out.push(...block([`VERSION=$(sed -n '1s/^# Snapshot //p' MANIFEST.md)`]), '');
    para('`snap runbook <version>` prints this runbook with the name filled in.');
  }

  const secrets = secretsFile(facts);
  para('## Before you start');
  para(
    "Run the commands in the archive's folder (or give snap `-C ARCHIVE`). What they copy out goes to",
    `${code(WORK)}, outside the archive's working tree.`,
  );
  para('1. Check that the version is intact and signed by a trusted key (exit code 0):');
  out.push(...block([`snap verify ${v}`], 'sh', '   '), '');
  para(
    '2. Read its manifest. A collector marked partial or stale there was not (fully) collected in',
    '   this version, and its Coverage section lists what was found but not collected.',
  );
  out.push(...block([`snap show ${v}`], 'sh', '   '), '');
  para(
    '3. Keep a copy that reads without snap, every payload included: a tarball, and a folder tree that',
    '   the steps below copy from.',
  );
  const tarball = options.version ? shellWord(`estate-${options.version.name}.tar.gz`) : 'estate-"$VERSION".tar.gz';
  out.push(...block([`mkdir -p ${WORK}`, `snap export ${v} -o ${WORK}/${tarball}`, `snap checkout ${v} ${words.checkout}`], 'sh', '   '), '');
  let step = 4;
  if (secrets) para(`${step++}. Gather the secret values listed under "Secrets to gather" below.`);
  para(
    `${step}. Restore layer by layer, in the order below. \`snap restore\` compares the live estate with the`,
    '   version and prints a plan; `--dry-run` stops there, `--yes` applies it. Nothing the version',
    '   does not name is deleted (unless `--prune`). Add `--endpoint URL` or `--profile NAME` to',
    '   restore into another account or an emulator, and `--rename OLD=NEW` to restore a bucket,',
    '   table, zone or function under another name (a staging copy). A layer that `snap restore` cannot',
    '   put back says so in its section, with the steps to put it back by hand. A restore that could not',
    '   do everything lists what it left undone and ends with exit code 3; `snap diff` of the version',
    '   against `live` shows what is left.',
  );

  para('## Restore order');
  if (!facts.layers.length) para('This version holds no layer that snap knows how to restore.');
  else {
    out.push('| # | layer | folder | what | resources | after | put back with |', '|--:|---|---|---|--:|---|---|');
    facts.layers.forEach((l, i) => out.push(`| ${i + 1} | ${l.spec.layer} | ${code(`${l.collector.root}/`)} | ${cell(l.spec.service)} | ${l.resources.length} | ${dependsOn(facts, l)} | ${l.restorable ? '`snap restore`' : 'the steps in its section'} |`));
    out.push('');
  }

  if (secrets) {
    para('## Secrets to gather');
    para(
      'The archive keeps these values by name and keyed fingerprint only, never the values. `snap restore`',
      'keeps a live value whose fingerprint matches this version; any other must come from a JSON file',
      'given with `--secrets FILE`, in this form:',
    );
    out.push(...block(secrets.split('\n'), 'json'), '');
  }

  facts.layers.forEach((l, i) => renderLayer(out, l, i + 1, facts, words));

  if (facts.otherFolders.length) {
    para('## Other folders');
    para(`These folders of the version have no restore procedure in snap; put them back by hand from the copy made before you started (${code(words.checkout)}):`);
    for (const f of facts.otherFolders) out.push(`- ${code(`${f}/`)}`);
    out.push('');
  }

  para('## Afterwards');
  para(
    '- `snap status` compares the live estate with the latest version: after a restore it shows no',
    '  drift for what was restored (when the restored version is the latest).',
    '- Take a new version, so the archive records the estate as it now is:',
  );
  out.push(...block([`snap commit -m ${options.version ? shellWord(`after restoring ${options.version.name}`) : '"after restoring $VERSION"'}`], 'sh', '  '), '');
  return `${out.join('\n').replace(/\n+$/, '')}\n`;
}

function renderLayer(out: string[], l: LayerFacts, n: number, facts: RunbookFacts, words: CommandWords): void {
  const { spec } = l;
  const root = l.collector.root;
  const v = words.version;
  out.push(`## ${n}. ${spec.layer}: ${code(`${root}/`)}`, '');
  out.push(`- **Holds:** ${spec.service}.`, `- **After:** ${dependsOn(facts, l)}`, `- **Why here:** ${spec.why}`);
  if (l.restorable) {
    out.push(`- **snap restore does not bring back:** ${spec.limits.restore.join('; ')}.`);
    if (spec.limits.restoreTest?.length) out.push(`- **snap restore-test's limits:** ${spec.limits.restoreTest.join('; ')}.`);
  } else {
    out.push(`- **snap restore cannot put this layer back:** ${spec.limits.restore.join('; ')}.`);
  }
  out.push('');
  if (l.resources.length) {
    out.push(`Resources in this version (${l.resources.length}):`, '');
    out.push(`| resource | kind | detail | ${l.restorable ? 'selector' : 'folder'} |`, '|---|---|---|---|');
    for (const r of l.resources) out.push(`| ${cell(r.name)} | ${r.kind} | ${cell(r.detail ?? '')} | ${cell(code(r.selector))} |`);
    out.push('');
  }
  if (l.restorable) {
    out.push('Restore the whole layer:', '', ...block(restorePair(v, root)), '');
    if (l.resources.length) out.push('Or one resource at a time:', '', ...block(l.resources.flatMap((r) => restorePair(v, r.selector))), '');
  } else {
    out.push(`Put it back by hand, from the copy made before you started (${code(`${words.checkout}/${root}/`)}) and with the commands below.`, '');
  }
  if (l.unrestorable.length) {
    out.push('Not in the archive, and where to get it:', '');
    for (const u of l.unrestorable) {
      out.push(`- ${code(u.resource)}: ${u.what}.`, `  Where: ${u.where}`);
      if (u.commands?.length) out.push('', ...block(u.commands, 'sh', '  '));
    }
    out.push('');
  }
  for (const m of l.manual) out.push(m.title, '', ...block(m.commands(words)), '');
}
