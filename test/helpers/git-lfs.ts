// git-lfs for the tests that run stock git-lfs commands in a real archive. CI runs on a clean
// machine (`npm ci && npm test`), where git-lfs may be missing: it is installed from Debian
// with apt-get (the tests run as root), and the test says so on stderr. Only when apt itself
// cannot install it (no network, no apt) do those tests skip, with the reason.
import { spawnSync } from 'node:child_process';

let checked: { ok: true } | { ok: false; reason: string } | null = null;

function hasGitLfs(): boolean {
  const r = spawnSync('git', ['lfs', 'version'], { encoding: 'utf8' });
  return r.status === 0 && /git-lfs\//.test(r.stdout);
}

/** Makes sure `git lfs` runs here; the reason it cannot otherwise. */
export function ensureGitLfs(): { ok: true } | { ok: false; reason: string } {
  if (checked) return checked;
  if (hasGitLfs()) return (checked = { ok: true });
  process.stderr.write('git-lfs is not installed: installing it with `apt-get install -y git-lfs` for the git-lfs tests\n');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let install = spawnSync('apt-get', ['install', '-y', 'git-lfs'], { encoding: 'utf8', env, timeout: 300_000 });
  if (install.status !== 0) {
    // A clean machine may have no package lists yet.
    spawnSync('apt-get', ['update'], { encoding: 'utf8', env, timeout: 300_000 });
    install = spawnSync('apt-get', ['install', '-y', 'git-lfs'], { encoding: 'utf8', env, timeout: 300_000 });
  }
  if (install.status === 0 && hasGitLfs()) {
    process.stderr.write('git-lfs installed with apt-get\n');
    return (checked = { ok: true });
  }
  const why = install.error ? String(install.error.message) : (install.stderr || install.stdout || '').trim().split('\n').slice(-2).join(' ');
  return (checked = { ok: false, reason: `git-lfs is missing and apt-get could not install it (${why || `exit ${install.status}`})` });
}
