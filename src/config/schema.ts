// The schema of snap.config.json. Each collector declares its own section (collectors.<id>)
// next to its code; this file assembles them with the archive-wide settings. Every object is
// strict, so a misspelt field is an error that names it rather than a setting silently ignored.
import { z } from 'zod';
import { collectors } from '../collectors/registry.js';
import { parseVaultUrl } from '../store/vault-url.js';

export const REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d+$/;
export const regionSchema = z.string().regex(REGION, 'expected an AWS region name such as us-east-1');

export const awsSchema = z
  .object({
    profile: z.string().min(1).optional(),
    region: regionSchema.default('us-east-1'),
    regions: z.array(regionSchema).min(1).optional(),
    endpoint: z.url().optional(),
    maxAttempts: z.number().int().min(1).max(20).default(6),
    maxSockets: z.number().int().min(1).max(1024).default(64),
  })
  .strict();

/**
 * Where payloads are kept: the local store at `path`, or, with `url`, an S3 vault
 * (s3://BUCKET/PREFIX) that keeps `path` as a cache of what passes through this machine.
 */
export const storeSchema = z
  .object({
    /** the local store (the cache when a vault is set); relative paths are relative to the archive folder */
    path: z
      .string()
      .min(1)
      .refine((p) => !/(^|[\\/])\.git[\\/]+lfs([\\/]|$)/i.test(p.replace(/^\.[\\/]+/, '')), {
        message: 'is inside .git/lfs, where `git lfs prune` deletes what no git-lfs pointer names: remove the field to use .git/snap/store (the default)',
      })
      .default('.git/snap/store'),
    fsync: z.boolean().default(true),
    /** an S3 vault, s3://BUCKET/PREFIX */
    url: z
      .string()
      .regex(/^s3:\/\/[^/]+(\/.*)?$/, 'expected s3://BUCKET/PREFIX')
      .refine((u) => {
        try {
          parseVaultUrl(u);
          return true;
        } catch {
          return false;
        }
      }, 'not a valid s3://BUCKET/PREFIX (bucket names are 3-63 lower-case letters, digits, dots and hyphens)')
      .optional(),
    /** the vault bucket's region (default: aws.region) */
    region: regionSchema.optional(),
    /** the credentials profile for the vault (default: the aws section's) */
    profile: z.string().min(1).optional(),
    /** with a vault: keep what passes through this machine (uploads) in the local store too */
    cache: z.boolean().default(true),
    /** every vault object is written with this Object Lock retention, kept ahead of need */
    objectLock: z
      .object({
        mode: z.enum(['governance', 'compliance']),
        days: z.number().int().min(1).max(36_500),
        /** objects whose retention ends within this many days are extended (default: a third of `days`) */
        marginDays: z.number().int().min(0).optional(),
      })
      .strict()
      .refine((l) => l.marginDays === undefined || l.marginDays < l.days, { message: 'marginDays must be less than days', path: ['marginDays'] })
      .optional(),
  })
  .strict()
  .refine((s) => s.url !== undefined || (s.region === undefined && s.profile === undefined && s.objectLock === undefined), { message: 'region, profile and objectLock describe a vault: set store.url (s3://BUCKET/PREFIX) too' });

const collectorSections = Object.fromEntries(collectors.map((c) => [c.id, (c.configSchema as z.ZodObject).prefault({})]));

export const configSchema = z
  .object({
    $schema: z.string().optional(),
    version: z.literal(1),
    aws: awsSchema.prefault({}),
    collectors: z.object(collectorSections).strict().prefault({}),
    store: storeSchema.prefault({}),
    /** how many collectors run at once */
    concurrency: z.number().int().min(1).max(64).default(6),
    /** a collector still running after this long is stopped and reported failed (its previous folder is carried over) */
    collectorTimeoutMinutes: z.number().min(1).max(24 * 60).default(120),
    /** name and email on commits and tags; default: git's user.name/user.email, else snap@<host> */
    identity: z.object({ name: z.string().min(1), email: z.string().min(3) }).strict().optional(),
  })
  .strict();

export type SnapConfig = z.infer<typeof configSchema>;
