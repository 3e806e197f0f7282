// SSH signatures (OpenSSH "SSHSIG", the format `ssh-keygen -Y sign` writes and git ≥ 2.34
// verifies with gpg.format=ssh) for ed25519 keys, done with node:crypto so signing needs no
// external program. Stock `git verify-tag` checks these against the allowed-signers file git
// is pointed at (the trusted copy snap writes in .git/snap); snap's own verifier
// (verifySshSignature) is given the signers trusted at each version (archive/trust.ts).
// Format: https://github.com/openssh/openssh-portable/blob/master/PROTOCOL.sshsig
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { SnapError } from '../errors.js';

const MAGIC = Buffer.from('SSHSIG');
const NAMESPACE = 'git';
const HASH = 'sha512';
const KEY_TYPE = 'ssh-ed25519';
const ARMOR_BEGIN = '-----BEGIN SSH SIGNATURE-----';
const ARMOR_END = '-----END SSH SIGNATURE-----';

function sshString(data: Buffer | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([len, body]);
}

class Reader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}
  bytes(n: number): Buffer {
    if (this.pos + n > this.buf.length) throw new Error('truncated');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  uint32(): number {
    return this.bytes(4).readUInt32BE(0);
  }
  string(): Buffer {
    return this.bytes(this.uint32());
  }
  get done(): boolean {
    return this.pos === this.buf.length;
  }
}

export interface SigningKey {
  privateKey: KeyObject;
  /** "ssh-ed25519 AAAA…" */
  publicKey: string;
}

function rawPublicKey(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' }) as { x?: string; crv?: string };
  if (jwk.crv !== 'Ed25519' || !jwk.x) throw new SnapError('SIGNING', 'signing key must be an ed25519 key');
  return Buffer.from(jwk.x, 'base64url');
}

function publicKeyBlob(raw: Buffer): Buffer {
  return Buffer.concat([sshString(KEY_TYPE), sshString(raw)]);
}

export function generateSigningKey(): { privatePem: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const blob = publicKeyBlob(rawPublicKey(publicKey));
  return { privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), publicKey: `${KEY_TYPE} ${blob.toString('base64')}` };
}

export function loadSigningKey(privatePem: string): SigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(privatePem);
  } catch (err) {
    throw new SnapError('SIGNING', 'the archive signing key cannot be read (expected an ed25519 PKCS#8 PEM key)', {}, { cause: err });
  }
  const blob = publicKeyBlob(rawPublicKey(createPublicKey(privateKey)));
  return { privateKey, publicKey: `${KEY_TYPE} ${blob.toString('base64')}` };
}

/** "SHA256:…" as `ssh-keygen -l` prints it. */
export function keyFingerprint(publicKey: string): string {
  const b64 = publicKey.trim().split(/\s+/)[1] ?? '';
  return `SHA256:${createHash('sha256').update(Buffer.from(b64, 'base64')).digest('base64').replace(/=+$/, '')}`;
}

function signedData(message: Buffer | string): Buffer {
  const digest = createHash(HASH).update(message).digest();
  return Buffer.concat([MAGIC, sshString(NAMESPACE), sshString(''), sshString(HASH), sshString(digest)]);
}

export function signSsh(message: Buffer | string, key: SigningKey): string {
  const pubBlob = Buffer.from(key.publicKey.split(' ')[1]!, 'base64');
  const sig = sign(null, signedData(message), key.privateKey);
  const version = Buffer.alloc(4);
  version.writeUInt32BE(1);
  const blob = Buffer.concat([MAGIC, version, sshString(pubBlob), sshString(NAMESPACE), sshString(''), sshString(HASH), sshString(Buffer.concat([sshString(KEY_TYPE), sshString(sig)]))]);
  const b64 = blob.toString('base64');
  const lines = b64.match(/.{1,70}/g) ?? [];
  return `${ARMOR_BEGIN}\n${lines.join('\n')}\n${ARMOR_END}\n`;
}

export interface AllowedSigner {
  principals: string[];
  namespaces: string[] | null;
  publicKey: string; // "type base64"
  /** text after the key on its line */
  comment?: string;
}

/** Parses an allowed-signers file (ssh-keygen(1) "ALLOWED SIGNERS"); unknown lines are skipped. */
export function parseAllowedSigners(text: string): AllowedSigner[] {
  const out: AllowedSigner[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const tokens = line.match(/(?:[^\s"]+|"[^"]*")+/g) ?? [];
    if (tokens.length < 3) continue;
    const principals = tokens[0]!.split(',');
    let i = 1;
    let namespaces: string[] | null = null;
    if (!/^(ssh-|ecdsa-|sk-)/.test(tokens[1]!)) {
      for (const opt of tokens[1]!.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/)) {
        const m = /^namespaces="([^"]*)"$/i.exec(opt);
        if (m) namespaces = m[1]!.split(',');
      }
      i = 2;
    }
    if (tokens.length < i + 2) continue;
    const comment = tokens.slice(i + 2).join(' ');
    out.push({ principals, namespaces, publicKey: `${tokens[i]} ${tokens[i + 1]}`, ...(comment ? { comment } : {}) });
  }
  return out;
}

export function formatAllowedSigner(principal: string, publicKey: string, comment = '', options: string[] = []): string {
  return `${principal} ${['namespaces="git"', ...options].join(',')} ${publicKey}${comment ? ` ${comment}` : ''}\n`;
}

/** The key's type and base64 body only ("ssh-ed25519 AAAA…"), from a key line or a .pub file's text. */
export function normalizePublicKey(text: string): string | null {
  const m = /(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(?:256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com)\s+([A-Za-z0-9+/]+={0,2})/.exec(text);
  if (!m) return null;
  const blob = Buffer.from(m[2]!, 'base64');
  // the blob starts with its own type name: a pasted key that was cut short or altered fails here
  try {
    const r = new Reader(blob);
    if (r.string().toString('utf8') !== m[1]) return null;
    r.string();
  } catch {
    return null;
  }
  return `${m[1]} ${m[2]}`;
}

export type SignatureCheck =
  | { ok: true; principal: string; fingerprint: string }
  | { ok: false; reason: 'malformed' | 'unsupported' | 'bad-signature' | 'untrusted-key' | 'wrong-namespace'; fingerprint?: string; detail?: string };

export function verifySshSignature(message: Buffer | string, armored: string, allowed: AllowedSigner[]): SignatureCheck {
  let blob: Buffer;
  let pub: Buffer;
  let namespace: string;
  let hashAlg: string;
  let sigType: string;
  let sigBytes: Buffer;
  try {
    const body = armored.trim();
    if (!body.startsWith(ARMOR_BEGIN) || !body.endsWith(ARMOR_END)) return { ok: false, reason: 'malformed' };
    blob = Buffer.from(body.slice(ARMOR_BEGIN.length, -ARMOR_END.length).replace(/\s+/g, ''), 'base64');
    const r = new Reader(blob);
    if (!r.bytes(6).equals(MAGIC) || r.uint32() !== 1) return { ok: false, reason: 'malformed' };
    pub = Buffer.from(r.string());
    namespace = r.string().toString('utf8');
    r.string(); // reserved
    hashAlg = r.string().toString('utf8');
    const sr = new Reader(Buffer.from(r.string()));
    sigType = sr.string().toString('utf8');
    sigBytes = Buffer.from(sr.string());
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const keyText = `${new Reader(pub).string().toString('utf8')} ${pub.toString('base64')}`;
  const fingerprint = keyFingerprint(keyText);
  if (namespace !== NAMESPACE) return { ok: false, reason: 'wrong-namespace', fingerprint };
  if (sigType !== KEY_TYPE || (hashAlg !== 'sha512' && hashAlg !== 'sha256')) return { ok: false, reason: 'unsupported', fingerprint, detail: `${sigType}/${hashAlg}` };
  const pr = new Reader(pub);
  pr.string();
  const raw = Buffer.from(pr.string());
  const keyObject = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
  const digest = createHash(hashAlg).update(message).digest();
  const data = Buffer.concat([MAGIC, sshString(namespace), sshString(''), sshString(hashAlg), sshString(digest)]);
  if (!verify(null, data, keyObject, sigBytes)) return { ok: false, reason: 'bad-signature', fingerprint };
  const signer = allowed.find((a) => a.publicKey.split(' ')[1] === pub.toString('base64') && (a.namespaces === null || a.namespaces.includes(NAMESPACE)));
  if (!signer) return { ok: false, reason: 'untrusted-key', fingerprint };
  return { ok: true, principal: signer.principals[0]!, fingerprint };
}
