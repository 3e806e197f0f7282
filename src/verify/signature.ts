// How a version's signature reads in `snap log` and `snap verify`: checked against the signers
// trusted before the version (archive/trust.ts), the same check `git verify-tag` makes with
// the trusted copy snap writes for it, plus what git cannot follow: whether a change to the
// signers was made by a signature that was trusted when it was made. summarizeSeal adds the
// rest of the seal (verify/seal.ts): a tag filed under another name, a commit off main.
import type { Signer, VersionTrust } from '../archive/trust.js';
import type { Seal } from './seal.js';
import { describeSigner } from '../archive/trust.js';
import { keyFingerprint } from '../git/ssh-signature.js';

const short = (s: Signer) => `${s.principals} ${keyFingerprint(s.publicKey).slice(0, 15)}…`;

export interface SignatureSummary {
  /** signed by a key trusted before the version, and any signer change it makes is valid */
  ok: boolean;
  /** "good", or what is wrong: untrusted-key, bad-signature, unsigned, untrusted-signers-change, tag-mismatch, other-version, not-on-main, … */
  status: string;
  signer: string | null;
  /** one line for the log's signature column */
  text: string;
}

export function summarizeSignature(vt: VersionTrust): SignatureSummary {
  const sig = vt.signature;
  const signersTampered = vt.problems.some((p) => p.kind === 'signers');
  if (sig.ok && !signersTampered) {
    const change = vt.accepted && vt.change ? `; signers ${[...vt.change.added.map((s) => `+${short(s)}`), ...vt.change.removed.map((s) => `-${short(s)}`)].join(', ')}` : '';
    return { ok: true, status: 'good', signer: sig.principal, text: `signed by ${sig.principal} (good)${change}` };
  }
  let text: string;
  let status: string;
  if (sig.ok) {
    status = 'untrusted-signers-change';
    text = `TAMPERED: changes the signers (${vt.change ? [...vt.change.added.map((s) => `+${describeSigner(s)}`), ...vt.change.removed.map((s) => `-${describeSigner(s)}`)].join(' ') : ''}) without a trusted signature`;
  } else {
    status = sig.reason;
    switch (sig.reason) {
      case 'unsigned':
        text = 'NOT SIGNED';
        break;
      case 'untrusted-key':
        text = `TAMPERED: signed by untrusted key ${sig.fingerprint ?? ''}`.trim();
        break;
      case 'bad-signature':
        text = 'TAMPERED: BAD SIGNATURE';
        break;
      default:
        text = `signature not verifiable (${sig.reason})`;
    }
    if (signersTampered) text += '; changes the signers';
  }
  return { ok: false, status, signer: null, text };
}

/** The whole seal in one summary: the signature's, then a tag filed under another name or made on another version's commit, then a commit off main. */
export function summarizeSeal(seal: Seal): SignatureSummary {
  const sig = summarizeSignature(seal.trust);
  if (seal.version.untagged) return { ok: false, status: 'untagged', signer: null, text: 'NO TAG: not a sealed version' };
  const mismatch = seal.problems.find((p) => p.kind === 'tag-mismatch');
  const elsewhere = seal.problems.find((p) => p.kind === 'manifest');
  const offMain = seal.problems.find((p) => p.kind === 'not-on-main');
  if (sig.ok && !mismatch && !elsewhere && !offMain) return sig;
  const rest = (from: 'mismatch' | 'elsewhere' | 'offMain') =>
    [from === 'mismatch' && elsewhere ? '; made on another version\'s commit' : '', from !== 'offMain' && offMain ? '; not on main' : ''].join('');
  if (!sig.ok) return { ...sig, text: `${sig.text}${mismatch ? '; filed under another name' : ''}${elsewhere ? "; made on another version's commit" : ''}${offMain ? '; not on main' : ''}` };
  if (mismatch) return { ok: false, status: 'tag-mismatch', signer: sig.signer, text: `TAMPERED: ${mismatch.detail}${rest('mismatch')}` };
  if (elsewhere) return { ok: false, status: 'other-version', signer: sig.signer, text: `TAMPERED: made on another version's commit (${elsewhere.detail})${rest('elsewhere')}` };
  return { ok: false, status: 'not-on-main', signer: sig.signer, text: `NOT ON MAIN: ${offMain!.detail}` };
}
