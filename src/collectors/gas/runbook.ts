// What the recovery runbook says about this service (Collector.runbook, see src/runbook/spec.ts).
import { EMPTY_LAYER, get, shellWord, str, type RunbookSpec, type RunbookResource } from '../../runbook/spec.js';

export const gasRunbook: RunbookSpec = {
  layer: 'Apps Script',
  service: 'Google Apps Script projects',
  dependsOn: [],
  why: 'Outside AWS; restore it after functions and DNS when its scripts call the estate\'s endpoints.',
  limits: {
    restore: [
      "the project's title and container (Drive settings)",
      'versions and deployments (not archived)',
      "script properties, triggers and users' authorizations",
    ],
    restoreTest: [
      'not restore-tested: an Apps Script restore writes to the configured projects, which have no scratch target',
    ],
  },
  async read(f) {
    const folders = await f.folders();
    const resources: RunbookResource[] = [];
    for (const folder of folders) {
      const project = await f.json(`${folder}/project.json`);
      const title = str(get(project, 'title'));
      resources.push({ selector: f.selector(folder), name: folder, kind: 'project', ...(title && title !== folder ? { detail: title } : {}) });
    }
    if (!folders.length) return EMPTY_LAYER;
    return {
      resources,
      unrestorable: [{
        resource: f.selector(),
        what: 'script properties, triggers and the authorizations users granted',
        where: 'nowhere in the archive (the Apps Script API does not expose them): set them again in the script editor.',
      }],
      manual: [{
        title: 'Without snap restore: push each project with clasp from the copy made before you started (its folder holds its .clasp.json):',
        commands: (w) => folders.map((p) => `(cd ${w.checkout}/${shellWord(f.selector(p))} && clasp push)`),
      }],
    };
  },
};
