// The seal check every verb that reads a version runs (verify/seal.ts decides; this says it).
// A verb that writes to the estate (restore, restore-test) refuses a version whose seal does
// not hold before any request, unless told --untrusted; a verb that only reads says so in one
// line on stderr and goes on, so a script still gets its output and its exit code.
import type { Archive } from '../archive/archive.js';
import type { VersionInfo } from '../archive/versions.js';
import { SnapError } from '../errors.js';
import { sealContext, sealOf, type Seal, type SealContext } from '../verify/seal.js';
import { summarizeSeal } from '../verify/signature.js';
import { paintErr, type CliContext } from './context.js';

export const UNTRUSTED_OPTION = { untrusted: { type: 'boolean' } } as const;
/** The --untrusted entry of a verb's help, its text starting at column `column` as the verb's other options do. */
export function untrustedHelp(column: number): string {
  const words = 'go on with a version whose seal does not hold (not signed by a key trusted at that version, a tag moved or filed under another name, off main), with a warning; refused without it. `snap verify VERSION` says what is wrong'.split(' ');
  const lines: string[] = [];
  for (const w of words) {
    const last = lines.length - 1;
    if (last >= 0 && column + lines[last]!.length + 1 + w.length <= 90) lines[last] += ` ${w}`;
    else lines.push(w);
  }
  return `  ${'--untrusted'.padEnd(column - 2)}${lines.join(`\n${' '.repeat(column)}`)}`;
}

/** Checks the seals of the versions a verb reads; the trust chain is evaluated once per run. */
export class SealChecker {
  private context: Promise<SealContext> | null = null;

  constructor(private readonly ctx: CliContext, private readonly archive: Archive) {}

  async seal(v: VersionInfo): Promise<Seal> {
    const warn = (m: string) => this.ctx.err(`${paintErr(this.ctx, 'yellow', 'warning:')} ${m}\n`);
    this.context ??= sealContext(this.archive, { notify: warn });
    return sealOf(await this.context, v);
  }

  /** For a verb that only reads: one warning line when the seal does not hold. */
  async warn(v: VersionInfo): Promise<void> {
    const seal = await this.seal(v);
    if (!seal.ok) this.ctx.err(`${paintErr(this.ctx, 'yellow', 'warning:')} ${v.name} is not sealed by a trusted signer (${summarizeSeal(seal).text}): ${hint(v)}\n`);
  }

  /** For a verb that writes to the estate: refuses (exit 2, before any request), or with the override warns and goes on. */
  async require(v: VersionInfo, untrusted: boolean, verb: { doing: string; todo: string; fix?: string }): Promise<void> {
    const seal = await this.seal(v);
    if (seal.ok) return;
    if (untrusted) {
      this.ctx.err(`${paintErr(this.ctx, 'yellow', 'warning:')} ${v.name} is not sealed by a trusted signer (${summarizeSeal(seal).text}): ${verb.doing} it anyway (--untrusted); ${hint(v)}\n`);
      return;
    }
    throw new SnapError(
      'UNTRUSTED_VERSION',
      `${v.name} is not sealed by a trusted signer: ${seal.problems.map((p) => p.detail).join('; ')}. Refused: nothing was changed; ${hint(v)}${verb.fix ? `; ${verb.fix}` : ''}; to ${verb.todo} it anyway, add --untrusted`,
      { version: v.name, problems: seal.problems.map((p) => p.kind) },
    );
  }
}

function hint(v: VersionInfo): string {
  return v.untagged ? '`snap log --all` shows what became of its tag' : `\`snap verify ${v.name}\` shows why`;
}
