// A profile's endpoint_url, read from the shared config file as the SDK's own loader reads it
// (src/collectors/aws/shared/profile-endpoint.ts).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { profileEndpointUrl } from '../../src/collectors/aws/shared/profile-endpoint.js';
import { tempDir } from '../helpers/archive.js';

describe('profileEndpointUrl', () => {
  const file = join(tempDir(), 'config');
  writeFileSync(
    file,
    [
      '[default]',
      'endpoint_url = http://127.0.0.1:4000',
      '',
      '[profile scratch]   ; the restore drill',
      'region = eu-west-1',
      'endpoint_url = http://localhost:4566 # emulator',
      '',
      '[profile per-service]',
      'services = local',
      's3 =',
      '  endpoint_url = http://127.0.0.1:9000',
      '',
      '[services local]',
      'endpoint_url = http://127.0.0.1:9999',
      '',
    ].join('\n'),
  );
  const env = { AWS_CONFIG_FILE: file };

  it('reads the named profile, else AWS_PROFILE, else default', () => {
    expect(profileEndpointUrl('scratch', env)).toBe('http://localhost:4566');
    expect(profileEndpointUrl(undefined, { ...env, AWS_PROFILE: 'scratch' })).toBe('http://localhost:4566');
    expect(profileEndpointUrl(undefined, env)).toBe('http://127.0.0.1:4000');
  });

  it('leaves per-service settings and other sections to the SDK, and a missing file or profile gives none', () => {
    expect(profileEndpointUrl('per-service', env)).toBeUndefined();
    expect(profileEndpointUrl('nobody', env)).toBeUndefined();
    expect(profileEndpointUrl('scratch', { AWS_CONFIG_FILE: join(tempDir(), 'absent') })).toBeUndefined();
  });
});
