// Who may sign a forget record: the signers the archive trusted when the record was made
// (archive/trust.ts: trust rooted in .git/snap, followed through the signed signer changes of
// main's history, each key with the window it was trusted in). A record signed by a key that
// was trusted then stays valid after that key is rotated out; one signed by a key that was
// never trusted, or only later, is refused, as a version would be.
import type { Archive } from '../archive/archive.js';
import { evaluateTrust, type TrustChain } from '../archive/trust.js';
import type { AllowedSigner } from '../git/ssh-signature.js';

/** The signers trusted at a moment, as an allowed-signers list. */
export type SignerSet = (at: Date) => AllowedSigner[];

export function signerSetOf(chain: TrustChain): SignerSet {
  return (at) =>
    chain.windows
      .filter((w) => (w.from === null || w.from.getTime() <= at.getTime()) && (w.until === null || at.getTime() <= w.until.getTime()))
      .map((w) => ({ principals: w.signer.principals.split(','), namespaces: ['git'], publicKey: w.signer.publicKey }));
}

/** The archive's signer set, evaluating trust unless the caller has the chain already. */
export async function recordSigners(archive: Archive, chain?: TrustChain): Promise<SignerSet> {
  return signerSetOf(chain ?? (await evaluateTrust(archive)));
}
