// Trust in an archive rebuilt from its vault (`snap clone`): the one place that decides it, so
// it follows the archive's trust model wherever that lives. The signers a recovered version
// may be signed by are the ones its history trusted (the allowed-signers file of the newest
// version, which every version carries). The signing key itself is never in the vault, so the
// clone makes a new one and trusts it here, on this machine, as `snap init` trusts the key it
// makes: the person who holds the vault's credentials is the one recovering the archive.
// The new key is added to the published allowed-signers file of the working tree, so the next
// version records it (README: recovery from nothing; bringing the old key back instead).
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ALLOWED_SIGNERS_PATH, type Archive } from '../archive/archive.js';
import { formatAllowedSigner, keyFingerprint, parseAllowedSigners } from '../git/ssh-signature.js';

export interface CloneTrust {
  /** signers the history trusted (principal and key fingerprint) */
  historic: { principal: string; fingerprint: string }[];
  /** the new key made for this machine */
  added: { principal: string; fingerprint: string };
}

export async function trustAfterClone(archive: Archive, newKey: { principal: string; publicKey: string }): Promise<CloneTrust> {
  const path = join(archive.dir, ALLOWED_SIGNERS_PATH);
  const text = await readFile(path, 'utf8').catch(() => '');
  const historic = parseAllowedSigners(text).map((s) => ({ principal: s.principals.join(','), fingerprint: keyFingerprint(s.publicKey) }));
  const line = formatAllowedSigner(newKey.principal, newKey.publicKey, 'snap-clone-key');
  await writeFile(path, `${text}${text && !text.endsWith('\n') ? '\n' : ''}${line}`);
  await archive.configureGitVerification();
  return { historic, added: { principal: newKey.principal, fingerprint: keyFingerprint(newKey.publicKey) } };
}
