// The `endpoint_url` a shared-config profile names (~/.aws/config, or AWS_CONFIG_FILE):
//
//   [profile scratch]
//   endpoint_url = http://127.0.0.1:4566
//
// The SDK applies it only for the profile in AWS_PROFILE, never for a client made with a
// `profile` option (what `--profile` and aws.profile give), so such a client would go to AWS's
// own endpoints while the profile names another server. snap reads it itself, synchronously,
// because where a client sends its requests is decided, and recorded as the target, when the
// client is made. Only the profile-wide setting is read; a profile's `services` section of
// per-service endpoints is left to the SDK (for the AWS_PROFILE profile), and the restore
// guard still checks each request against what it is about to reach.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The endpoint_url of `profile` (default: AWS_PROFILE, else "default"), or undefined. */
export function profileEndpointUrl(profile: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const name = profile ?? env.AWS_PROFILE ?? 'default';
  let text: string;
  try {
    text = readFileSync(env.AWS_CONFIG_FILE ?? join(homedir(), '.aws', 'config'), 'utf8');
  } catch {
    return undefined;
  }
  let inSection = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)[;#].*$/, '').trim();
    const header = /^\[\s*(.+?)\s*\]$/.exec(line);
    if (header) {
      const section = header[1]!.replace(/\s+/g, ' ');
      inSection = section === `profile ${name}` || (name === 'default' && section === 'default');
      continue;
    }
    if (!inSection || /^\s/.test(raw)) continue; // an indented line is a sub-setting (services, s3 = …)
    const kv = /^endpoint_url\s*=\s*(\S+)$/.exec(line);
    if (kv) return kv[1];
  }
  return undefined;
}
