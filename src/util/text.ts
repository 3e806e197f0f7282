// Deciding whether content is text a person can read in the tree and in a line diff: valid
// UTF-8 with no NUL bytes (the same test git uses for "binary", plus strict UTF-8).
const decoder = new TextDecoder('utf-8', { fatal: true });

/** The content as a string when it is text (as isText decides), else null: one decoding pass. */
export function decodeText(content: Uint8Array): string | null {
  if (content.includes(0)) return null;
  try {
    return decoder.decode(content);
  } catch {
    return null;
  }
}

export function isText(content: Uint8Array): boolean {
  return decodeText(content) !== null;
}
