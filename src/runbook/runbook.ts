// The runbook's public face: RECOVERY.md for a version, read from the version's tree.
//   `snap runbook VERSION`  → runbookForVersion(): names the version in every command
//   `snap commit`           → storedRunbook(): the copy kept inside the version, which names
//                             no version ("$VERSION"), from the tree the snapshot is building
// Both read through RunbookSource (see source.ts) and render with the same code.
import type { VersionInfo } from '../archive/versions.js';
import { VersionReader } from '../archive/version-reader.js';
import type { GitRepo } from '../git/repo.js';
import { describeError } from '../errors.js';
import type { Logger } from '../util/log.js';
import { readRunbookFacts } from './facts.js';
import { renderRunbook, type RenderOptions } from './render.js';
import type { RunbookSource } from './source.js';

export { RECOVERY_PATH } from '../archive/archive.js';

export async function generateRunbook(source: RunbookSource, options: RenderOptions): Promise<string> {
  return renderRunbook(await readRunbookFacts(source), options);
}

/** The runbook of a finished version, naming it in every command. */
export async function runbookForVersion(repo: GitRepo, version: VersionInfo): Promise<string> {
  return generateRunbook(new VersionReader(repo, version.treeOid), { version: { name: version.name, commit: version.commitOid, date: version.date } });
}

/**
 * The runbook a version stores as RECOVERY.md. A failure here must not cost the user a
 * snapshot: it is logged and the version gets a short file that says how to make the runbook.
 */
export async function storedRunbook(source: RunbookSource, log: Logger): Promise<string> {
  try {
    return await generateRunbook(source, { version: null });
  } catch (err) {
    log.warn(`the recovery runbook could not be generated (${describeError(err)}); RECOVERY.md says how to make it later`);
    return [
      '# Recovery runbook',
      '',
      'The runbook of this version could not be generated when it was taken. Make it from the version',
      'with `snap runbook <version>` (the version\'s name is the title of MANIFEST.md beside this file).',
      '',
    ].join('\n');
  }
}
