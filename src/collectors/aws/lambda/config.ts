// collectors.lambda in snap.config.json: which regions, how many requests in flight, and how
// code packages are archived (downloaded at all, unpacked into the tree for line diffs, and
// which published versions keep their own package).
import { z } from 'zod';
import { DEFAULT_SECRET_FILES } from '../../local/config.js';
import { awsCollectorSchema } from '../shared/config.js';

export const lambdaCodeSchema = z
  .object({
    /** download code packages into the content store (off: configuration only) */
    download: z.boolean().default(true),
    /** unpack the text files of a package into lambda_functions/<name>/code/ */
    unpack: z.boolean().default(true),
    /** files larger than this stay only inside code.zip */
    maxFileBytes: z.number().int().min(0).default(1024 * 1024),
    /** at most this many files of one package are unpacked (in path order) */
    maxFiles: z.number().int().min(0).default(5000),
    /** unpacking stops once this many bytes of files are in the tree (in path order) */
    maxUnpackedBytes: z.number().int().min(0).default(64 * 1024 * 1024),
    /** packages larger than this are streamed to the store and not unpacked */
    maxUnpackPackageBytes: z.number().int().min(0).default(256 * 1024 * 1024),
    /** published versions that keep their own code.zip: none, those an alias points to, or all */
    publishedVersions: z.enum(['none', 'aliased', 'all']).default('aliased'),
    /** gitignore-style patterns of packaged files recorded by name and fingerprint only */
    secretFiles: z.array(z.string().min(1)).default(DEFAULT_SECRET_FILES),
  })
  .strict();

export const lambdaConfigSchema = awsCollectorSchema(
  {
    code: lambdaCodeSchema.prefault({}),
    /** archive the account's Lambda layers (every version, its content and permissions) */
    layers: z.boolean().default(true),
  },
  { concurrency: 4 },
);

export type LambdaConfig = z.infer<typeof lambdaConfigSchema>;
export type LambdaCodeConfig = z.infer<typeof lambdaCodeSchema>;
