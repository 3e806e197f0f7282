// systemd-analyze for the tests that check the systemd unit examples. CI runs on a clean
// machine (`npm ci && npm test`), where it may be missing: it comes with Debian's systemd
// package, installed with apt-get (the tests run as root), and the test says so on stderr.
// Only when apt itself cannot install it (no network, no apt) do those checks skip, with the
// reason. systemd-analyze verify needs no running systemd: it loads and checks unit files.
import { spawnSync } from 'node:child_process';

let checked: { ok: true } | { ok: false; reason: string } | null = null;

function hasSystemdAnalyze(): boolean {
  return spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' }).status === 0;
}

export function ensureSystemdAnalyze(): { ok: true } | { ok: false; reason: string } {
  if (checked) return checked;
  if (hasSystemdAnalyze()) return (checked = { ok: true });
  process.stderr.write('systemd-analyze is not installed: installing it with `apt-get install -y systemd` to check the systemd unit examples\n');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let install = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'systemd'], { encoding: 'utf8', env, timeout: 300_000 });
  if (install.status !== 0) {
    spawnSync('apt-get', ['update'], { encoding: 'utf8', env, timeout: 300_000 });
    install = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'systemd'], { encoding: 'utf8', env, timeout: 300_000 });
  }
  if (install.status === 0 && hasSystemdAnalyze()) return (checked = { ok: true });
  const why = install.error ? String(install.error.message) : (install.stderr || install.stdout || '').trim().split('\n').slice(-2).join(' ');
  return (checked = { ok: false, reason: `systemd-analyze is missing and apt-get could not install it (${why || `exit ${install.status}`})` });
}
