// Whether an object also gets a readable copy in the tree: its content type or its key's
// extension must say text (so a binary that happens to be valid UTF-8 stays a payload), its
// Content-Encoding must not be a compression, and its bytes must pass isText() (strict UTF-8,
// no NUL). Size is checked by the caller against textMaxBytes.
import { isText } from '../../../util/text.js';

const TEXT_TYPES = new Set([
  'application/json',
  'application/ld+json',
  'application/manifest+json',
  'application/javascript',
  'application/ecmascript',
  'application/x-javascript',
  'application/xml',
  'application/xhtml+xml',
  'application/rss+xml',
  'application/atom+xml',
  'application/x-yaml',
  'application/yaml',
  'application/toml',
  'application/x-sh',
  'application/sql',
  'application/graphql',
  'application/x-httpd-php',
  'image/svg+xml',
]);

const TEXT_EXTENSIONS = new Set([
  'html', 'htm', 'xhtml', 'shtml', 'css', 'scss', 'less', 'js', 'mjs', 'cjs', 'jsx', 'ts', 'tsx', 'map',
  'json', 'jsonl', 'ndjson', 'geojson', 'webmanifest', 'xml', 'rss', 'atom', 'svg', 'txt', 'text', 'md',
  'markdown', 'rst', 'csv', 'tsv', 'yaml', 'yml', 'toml', 'ini', 'cfg', 'conf', 'properties', 'env',
  'sh', 'bash', 'py', 'rb', 'php', 'pl', 'go', 'rs', 'java', 'kt', 'c', 'h', 'cpp', 'hpp', 'cs', 'sql',
  'graphql', 'gql', 'ics', 'vtt', 'srt', 'tex', 'log', 'htaccess', 'tf', 'hcl', 'vue', 'svelte', 'liquid',
  'hbs', 'mustache', 'ejs', 'njk', 'twig', 'robots',
]);

const IDENTITY_ENCODINGS = new Set(['', 'identity', 'utf-8', 'utf8']);

export function textTypeHint(key: string, contentType: string | undefined, contentEncoding: string | undefined): boolean {
  if (!IDENTITY_ENCODINGS.has((contentEncoding ?? '').trim().toLowerCase())) return false;
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type.startsWith('text/') || TEXT_TYPES.has(type) || type.endsWith('+json') || type.endsWith('+xml')) return true;
  const base = key.slice(key.lastIndexOf('/') + 1).toLowerCase();
  const dot = base.lastIndexOf('.');
  if (dot < 0) return base === 'robots.txt' || base === 'license' || base === 'readme';
  return TEXT_EXTENSIONS.has(base.slice(dot + 1));
}

export function isReadableText(key: string, contentType: string | undefined, contentEncoding: string | undefined, bytes: Uint8Array): boolean {
  return textTypeHint(key, contentType, contentEncoding) && isText(bytes);
}
