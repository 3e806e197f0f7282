// Ref names as git accepts them (git-check-ref-format(1)), checked before any ref is read or
// written. A ref is a file under .git named by its name, so a name that is not a valid ref
// ("refs/tags/../../snap/signing-key.pem") would be a path to any file in .git: snap never
// builds a path from a ref name that fails this check.

/** Why `name` is not a valid full ref name ("refs/…" or "HEAD"), or null when it is. */
export function refNameProblem(name: string): string | null {
  if (name === 'HEAD') return null;
  if (!name.startsWith('refs/')) return 'does not start with refs/';
  if (name.length > 1024) return 'longer than 1024 characters';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f~^:?*[\\]/.test(name)) return 'contains a space, control character, or one of ~ ^ : ? * [ \\';
  if (name.includes('..')) return 'contains ".."';
  if (name.includes('@{')) return 'contains "@{"';
  if (name.endsWith('/') || name.includes('//')) return 'has an empty path component';
  if (name.endsWith('.')) return 'ends with "."';
  for (const part of name.split('/')) {
    if (part.startsWith('.')) return 'has a component starting with "."';
    if (part.endsWith('.lock')) return 'has a component ending with ".lock"';
  }
  return null;
}

/** Why `name` cannot be a tag (refs/tags/<name>), or null when it can. */
export function tagNameProblem(name: string): string | null {
  if (name.length === 0) return 'empty';
  if (name === '@') return 'is "@"';
  if (name.startsWith('/')) return 'starts with "/"';
  if (name.startsWith('-')) return 'starts with "-"';
  return refNameProblem(`refs/tags/${name}`);
}

/** A loose ref's content: an object id, or "ref: <name>" naming another valid ref. */
export function parseRefValue(text: string): { oid: string } | { symref: string } | null {
  const value = text.trim();
  if (/^[0-9a-f]{40}$/.test(value)) return { oid: value };
  if (value.startsWith('ref: ')) {
    const target = value.slice(5).trim();
    return refNameProblem(target) === null ? { symref: target } : null;
  }
  return null;
}
