// The one secret filter for text that leaves snap: every log line, error message, finding and
// manifest problem that carries text from elsewhere (a server's error message, a child
// process's output) passes through a Redactor first. It is made once per command and passed
// in (the CLI context, then commit, status, restore, the collectors and the AWS clients), so
// every secret a command comes to hold is registered in the filter that guards that command:
//   - the AWS credentials in use (secret key, session token), as the credential chain resolves them;
//   - values given to `restore --secrets`, and the live secret values a restore compares;
//   - every value a snapshot fingerprints (Lambda environment values, stage variables, …);
//   - tokens and keys of other services (Apps Script OAuth tokens, service-account keys).
// Besides registered values it removes what is recognisably a credential in any text: bearer
// tokens, Google access tokens, the signature, credential and token parameters of presigned
// URLs and SigV4 Authorization headers (a server that echoes a request back echoes those).
export const REDACTED = '[redacted]';

/** Shorter values are not secrets worth the false matches (and no real token is this short). */
const MIN_SECRET_LENGTH = 8;
/** Longer values are not echoed whole by any server; keeping them would slow every message. */
const MAX_SECRET_LENGTH = 16 * 1024;

const PATTERNS: [RegExp, string][] = [
  // Bearer tokens of any kind, even ones never registered (say, echoed by a proxy).
  [/\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi, `$1${REDACTED}`],
  [/\bya29\.[A-Za-z0-9._-]+/g, REDACTED],
  // Presigned URLs and SigV4 headers: X-Amz-Signature=…, X-Amz-Security-Token=…, Signature=…
  [/\b(X-Amz-(?:Signature|Security-Token|Credential)=)[^&\s"'<>]+/gi, `$1${REDACTED}`],
  [/\b((?:x-amz-security-token|x-amz-signature)["']?\s*[:=]\s*["']?)[^\s"'<>,;]+/gi, `$1${REDACTED}`],
  [/\b(Signature=)[0-9a-f]{64}\b/gi, `$1${REDACTED}`],
];

export class Redactor {
  private readonly secrets = new Set<string>();
  private ordered: string[] | null = null;

  /** Registers a secret value; every later redact() removes it (also URL- and JSON-encoded). */
  add(value: string | Uint8Array | undefined | null): void {
    const text = typeof value === 'string' ? value : value instanceof Uint8Array && value.length <= MAX_SECRET_LENGTH ? Buffer.from(value).toString('utf8') : null;
    if (text === null || text.length < MIN_SECRET_LENGTH || text.length > MAX_SECRET_LENGTH || this.secrets.has(text)) return;
    const forms = new Set([text, text.trim(), encodeURIComponent(text), JSON.stringify(text).slice(1, -1)]);
    for (const form of forms) if (form.length >= MIN_SECRET_LENGTH) this.secrets.add(form);
    this.ordered = null;
  }

  /** The number of values registered (its forms included). */
  get size(): number {
    return this.secrets.size;
  }

  redact(text: string): string {
    // Longest first, so a secret that contains another is removed whole.
    this.ordered ??= [...this.secrets].sort((a, b) => b.length - a.length);
    let out = text;
    for (const s of this.ordered) if (out.includes(s)) out = out.split(s).join(REDACTED);
    for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
    return out;
  }

  /** Redacted, on one line, at most `max` characters: for messages built from foreign text. */
  brief(text: string, max = 300): string {
    const line = this.redact(text).replace(/\s+/g, ' ').trim();
    return line.length > max ? `${line.slice(0, max - 1)}…` : line;
  }
}
