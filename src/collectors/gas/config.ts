// collectors.gas in snap.config.json: which Apps Script projects to archive (a folder name and
// the script id clasp's .clasp.json holds), and how to sign in. Credentials are named by file
// only (clasp's saved login, or a service-account key file): this file is committed to every
// version, so no token or key ever belongs in it.
import { z } from 'zod';

export const DEFAULT_API_URL = 'https://script.googleapis.com';
export const DEFAULT_TOKEN_URL = 'https://oauth2.googleapis.com/token';
export const DEFAULT_CLASPRC = '~/.clasprc.json';

/**
 * An HTTPS address, or plain HTTP on this machine only (the test stand-ins): a bearer token
 * or a signed token request must never cross a network in clear.
 */
export function isAllowedEndpoint(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === 'https:' || (u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname));
  } catch {
    return false;
  }
}

const endpointUrl = z.url().refine(isAllowedEndpoint, 'expected an https:// address (http:// only for 127.0.0.1, localhost or [::1])');

const claspCredentials = z
  .object({
    type: z.literal('clasp'),
    /** clasp's saved login: absolute, ~/…, or relative to the archive folder */
    path: z.string().min(1).default(DEFAULT_CLASPRC),
    /** clasp 3 keeps several logins by name (clasp --user NAME); older files have one */
    user: z.string().min(1).default('default'),
  })
  .strict();

const serviceAccountCredentials = z
  .object({
    type: z.literal('serviceAccount'),
    /** the service account's JSON key file: absolute, ~/…, or relative to the archive folder */
    keyFile: z.string().min(1),
    /**
     * The Workspace user to act as (domain-wide delegation). The Apps Script API does not
     * accept a service account acting as itself, so this is needed in practice.
     */
    subject: z.email().optional(),
  })
  .strict();

export const gasConfigSchema = z
  .object({
    enabled: z.boolean().default(false),
    projects: z
      .array(
        z
          .object({
            /** folder name under gas_projects/ */
            name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'expected a name of letters, digits, ".", "_" or "-"'),
            /** the script project's Drive id (scriptId in .clasp.json) */
            scriptId: z.string().regex(/^[A-Za-z0-9_-]{10,200}$/, 'expected an Apps Script id (letters, digits, "_" and "-")'),
          })
          .strict(),
      )
      .default([])
      .refine((list) => new Set(list.map((p) => p.name.toLowerCase())).size === list.length, 'each project needs a distinct name'),
    credentials: z.discriminatedUnion('type', [claspCredentials, serviceAccountCredentials]).prefault({ type: 'clasp' }),
    /** the Apps Script API (override for a stand-in) */
    apiUrl: endpointUrl.default(DEFAULT_API_URL),
    /** the OAuth token endpoint; default: the key file's token_uri, else Google's */
    tokenUrl: endpointUrl.optional(),
    /** extension of server-side script files: clasp pull writes .js by default, the editor shows .gs */
    scriptExtension: z.enum(['gs', 'js']).default('gs'),
    /** projects read at once */
    concurrency: z.number().int().min(1).max(16).default(4),
  })
  .strict();

export type GasConfig = z.infer<typeof gasConfigSchema>;
export type GasCredentialsConfig = GasConfig['credentials'];
