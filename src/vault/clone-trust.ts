// Trust in an archive rebuilt from its vault (`snap clone`): the one place that decides it, so
// it follows the archive's trust model (src/archive/trust.ts). The signers a recovered version
// may be signed by are the ones its history trusted: the earliest version's signers as the
// root, and every change since made by a version signed by a key trusted before it. The
// signing key itself is never in the vault, so the clone makes a new one and this machine's
// trust record grants it trust for the versions after the newest one recovered, as `snap init`
// trusts the key it makes: the person who holds the vault's credentials is the one recovering
// the archive. The next version publishes it in .snap/allowed_signers like any other signer
// (README: recovery from nothing; bringing the old key back instead).
import { join } from 'node:path';
import { ALLOWED_SIGNERS_PATH, type Archive } from '../archive/archive.js';
import { formatSigners, publishToGit, recordCloneTrust, sameKey } from '../archive/trust.js';
import { writeFileAtomic } from '../git/atomic-file.js';
import { keyFingerprint } from '../git/ssh-signature.js';

export interface CloneTrust {
  /** signers the history trusted (principal and key fingerprint) */
  historic: { principal: string; fingerprint: string }[];
  /** the new key made for this machine */
  added: { principal: string; fingerprint: string };
}

export async function trustAfterClone(archive: Archive, newKey: { principal: string; publicKey: string }, newestVersion: string): Promise<CloneTrust> {
  const chain = await recordCloneTrust(archive, { principals: newKey.principal, publicKey: newKey.publicKey, comment: 'snap-clone-key' }, newestVersion, () => undefined);
  // The working tree's published copy shows what the next version will publish.
  await writeFileAtomic(join(archive.dir, ALLOWED_SIGNERS_PATH), formatSigners(chain.next));
  await publishToGit(archive, chain);
  const historic = chain.current.filter((s) => !sameKey(s.publicKey, newKey.publicKey)).map((s) => ({ principal: s.principals, fingerprint: keyFingerprint(s.publicKey) }));
  return { historic, added: { principal: newKey.principal, fingerprint: keyFingerprint(newKey.publicKey) } };
}
