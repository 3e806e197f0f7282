// collectors.local in snap.config.json: the local folders and git repositories to archive.
import { z } from 'zod';

export const DEFAULT_SECRET_FILES = [
  '.env',
  '.env.*',
  '*.pem',
  '*.key',
  'id_rsa',
  'id_dsa',
  'id_ecdsa',
  'id_ed25519',
  '*.p12',
  '*.pfx',
  '*.jks',
  '*.keystore',
  '*.kdbx',
  'credentials',
  'credentials.json',
  '.netrc',
  '.npmrc',
  '.pypirc',
  '.clasprc.json',
  '*.tfvars',
  'secrets.*',
];

export const localConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    paths: z
      .array(
        z
          .object({
            /** folder name under local_repos/ */
            name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'expected a name of letters, digits, ".", "_" or "-"'),
            /** absolute, ~/…, or relative to the archive folder */
            path: z.string().min(1),
          })
          .strict(),
      )
      .default([])
      .refine((list) => new Set(list.map((p) => p.name.toLowerCase())).size === list.length, 'each path needs a distinct name'),
    /** files up to this size that are text are kept readable in the tree */
    textMaxBytes: z.number().int().min(0).default(1024 * 1024),
    /** gitignore-style patterns of files recorded by name and fingerprint only */
    secretFiles: z.array(z.string().min(1)).default(DEFAULT_SECRET_FILES),
  })
  .strict();

export type LocalConfig = z.infer<typeof localConfigSchema>;
