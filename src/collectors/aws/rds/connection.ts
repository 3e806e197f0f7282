// Connection strings for people and runbooks: scheme, user, host, port and database of an
// instance or cluster endpoint, in URL form. Built only from what RDS describes, so they can
// never hold a password: RDS does not return one, and no password part is ever written.
const SCHEMES: [RegExp, string][] = [
  [/^(aurora-)?postgres/, 'postgresql'],
  [/^(aurora-mysql|aurora|mysql|mariadb)/, 'mysql'],
  [/^sqlserver/, 'sqlserver'],
  [/^(custom-)?oracle/, 'oracle'],
  [/^(custom-)?db2/, 'db2'],
  [/^docdb/, 'mongodb'],
  [/^neptune/, 'wss'],
];

export interface Endpoint {
  engine: string | undefined;
  user: string | undefined;
  host: string | undefined;
  port: number | undefined;
  database: string | undefined;
}

/** The endpoint as `scheme://user@host:port/database`, or null when it has no address yet. */
export function connectionString(e: Endpoint): string | null {
  if (!e.host) return null;
  const scheme = SCHEMES.find(([re]) => re.test(e.engine ?? ''))?.[1] ?? (e.engine || 'db');
  const user = e.user ? `${encodeURIComponent(e.user)}@` : '';
  const port = e.port ? `:${e.port}` : '';
  const database = e.database ? encodeURIComponent(e.database) : '';
  return `${scheme}://${user}${e.host}${port}/${database}`;
}
