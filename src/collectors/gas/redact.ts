// Keeps secret values out of text that leaves the collector (error messages, log lines,
// finding details). Every token, refresh token, client secret and private key the collector
// reads or is given is registered here first; anything shown to people goes through redact().
export const REDACTED = '[redacted]';

/** Shorter values are not secrets worth the false matches (and no real token is this short). */
const MIN_SECRET_LENGTH = 8;

export class Redactor {
  private readonly secrets = new Set<string>();

  add(value: string | undefined | null): void {
    if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) return;
    this.secrets.add(value);
    // A private key also travels without its PEM line breaks, and a token URL-encoded.
    const encoded = encodeURIComponent(value);
    if (encoded !== value) this.secrets.add(encoded);
  }

  redact(text: string): string {
    let out = text;
    // Longest first, so a secret that contains another is removed whole.
    for (const s of [...this.secrets].sort((a, b) => b.length - a.length)) out = out.split(s).join(REDACTED);
    // Bearer tokens of any kind, even ones never registered (say, echoed by a proxy).
    return out.replace(/\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi, `$1${REDACTED}`).replace(/\bya29\.[A-Za-z0-9._-]+/g, REDACTED);
  }

  /** Redacted, on one line, at most `max` characters: for messages built from foreign text. */
  brief(text: string, max = 300): string {
    const line = this.redact(text).replace(/\s+/g, ' ').trim();
    return line.length > max ? `${line.slice(0, max - 1)}…` : line;
  }
}
