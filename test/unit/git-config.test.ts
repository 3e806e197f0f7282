// snap's git config writer agrees with stock git: what it sets, `git config --get` reads;
// what it does not own (other sections, comments, remotes, layout) stays byte for byte; it
// writes only when a value changes, and never in place (the file is renamed over).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getConfigValue, setConfigValue, updateGitConfig } from '../../src/git/config-file.js';
import { tempDir } from '../helpers/archive.js';

const USER_CONFIG = `[core]
\trepositoryformatversion = 0
\tfilemode = true ; a comment after a value
\tbare = false
# the user's own remote
[remote "backup"]
\turl = https://example.invalid/estate.git
\tfetch = +refs/heads/*:refs/remotes/backup/*
[GPG]
\tFormat = openpgp
[gpg.ssh]
\tprogram = "ssh-keygen"
[user]
\tname = "Ops Team  "
`;

function gitGet(gitdir: string, key: string): string {
  return execFileSync('git', ['config', '--file', join(gitdir, 'config'), '--get', key], { encoding: 'utf8' }).replace(/\n$/, '');
}

describe('git config writer', () => {
  it('reads values as git does (case, quotes, comments, legacy subsections)', () => {
    expect(getConfigValue(USER_CONFIG, 'core.filemode')).toBe('true');
    expect(getConfigValue(USER_CONFIG, 'gpg.format')).toBe('openpgp');
    expect(getConfigValue(USER_CONFIG, 'gpg.ssh.program')).toBe('ssh-keygen');
    expect(getConfigValue(USER_CONFIG, 'user.name')).toBe('Ops Team  ');
    expect(getConfigValue(USER_CONFIG, 'remote.backup.url')).toBe('https://example.invalid/estate.git');
    expect(getConfigValue(USER_CONFIG, 'gpg.ssh.allowedSignersFile')).toBeUndefined();
  });

  it('sets values that stock git reads back, leaving every other line as it was', async () => {
    const gitdir = join(tempDir(), '.git');
    mkdirSync(gitdir);
    writeFileSync(join(gitdir, 'config'), USER_CONFIG);
    const values = { 'gpg.format': 'ssh', 'gpg.ssh.allowedSignersFile': '.git/snap/allowed_signers', 'snap.note': 'has ; and # and "quotes"' };
    expect(await updateGitConfig(gitdir, values)).toBe(true);
    for (const [k, v] of Object.entries(values)) expect(gitGet(gitdir, k), k).toBe(v);
    const after = readFileSync(join(gitdir, 'config'), 'utf8');
    for (const line of USER_CONFIG.split('\n').filter((l) => !/Format = openpgp/.test(l))) expect(after.split('\n')).toContain(line);
    expect(gitGet(gitdir, 'remote.backup.fetch')).toBe('+refs/heads/*:refs/remotes/backup/*');
    expect(gitGet(gitdir, 'user.name')).toBe('Ops Team  ');
  });

  it('writes only when a value changes, and replaces the file rather than rewriting it', async () => {
    const gitdir = join(tempDir(), '.git');
    mkdirSync(gitdir);
    writeFileSync(join(gitdir, 'config'), USER_CONFIG);
    await updateGitConfig(gitdir, { 'gpg.format': 'ssh' });
    const first = statSync(join(gitdir, 'config'));
    expect(await updateGitConfig(gitdir, { 'gpg.format': 'ssh' })).toBe(false);
    expect(statSync(join(gitdir, 'config')).mtimeMs).toBe(first.mtimeMs);
    await updateGitConfig(gitdir, { 'gpg.format': 'x509' });
    expect(statSync(join(gitdir, 'config')).ino).not.toBe(first.ino); // a new file renamed over the old
    expect(gitGet(gitdir, 'gpg.format')).toBe('x509');
  });

  it('adds a section to an empty file the way git config does', () => {
    const text = setConfigValue('', 'gpg.ssh.allowedSignersFile', '.git/snap/allowed_signers');
    expect(text).toBe('[gpg "ssh"]\n\tallowedSignersFile = .git/snap/allowed_signers\n');
  });

  it('refuses a config.lock a live git holds, naming the fix', async () => {
    const gitdir = join(tempDir(), '.git');
    mkdirSync(gitdir);
    writeFileSync(join(gitdir, 'config'), USER_CONFIG);
    writeFileSync(join(gitdir, 'config.lock'), '');
    await expect(updateGitConfig(gitdir, { 'gpg.format': 'ssh' })).rejects.toMatchObject({ code: 'ARCHIVE_LOCKED', message: expect.stringContaining(`rm '${join(gitdir, 'config.lock')}'`) });
    expect(readFileSync(join(gitdir, 'config'), 'utf8')).toBe(USER_CONFIG);
  });
});
