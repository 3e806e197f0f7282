// What the recovery runbook says about this service (Collector.runbook, see src/runbook/spec.ts).
import { byteOrder, get, list, names, pathWord, shellWord, str, type RunbookSpec, type RunbookResource, type Unrestorable, type ManualStep } from '../../runbook/spec.js';

export const localRunbook: RunbookSpec = {
  layer: 'local tools',
  service: 'local folders and git repositories',
  dependsOn: [],
  why: 'Deployment scripts and dashboards that live next to the estate. Nothing depends on them in AWS; copy them out first when the recovery itself uses them.',
  limits: {
    restore: [
      'copy folders and repositories back with the steps below (snap cat, snap checkout, git clone)',
    ],
  },
  async read(f) {
    const resources: RunbookResource[] = [];
    const unrestorable: Unrestorable[] = [];
    const copies: { folder: string; target: string; bundle: boolean; files: boolean }[] = [];
    for (const folder of await f.folders()) {
      const repo = await f.json(`${folder}/repo.json`);
      const record = repo ?? (await f.json(`${folder}/folder.json`));
      resources.push({ selector: f.selector(folder), name: folder, kind: repo ? 'git repository' : 'folder', ...(str(get(record, 'path')) ? { detail: `from ${str(get(record, 'path'))}` } : {}) });
      // The file list, sharded under listing/ (a single files.json in versions before sharding).
      const files: unknown[] = [];
      for (const shard of (await f.folders(folder)).includes('listing') ? await f.files(`${folder}/listing`) : []) files.push(...((get(await f.json(`${folder}/listing/${shard}`), 'files') as unknown[] | undefined) ?? []));
      if (files.length === 0) files.push(...((get(await f.json(`${folder}/files.json`), 'files') as unknown[] | undefined) ?? []));
      copies.push({
        folder,
        target: str(get(record, 'path')) ?? folder,
        // A repository without commits has no bundle: only its files/ come back.
        bundle: Boolean(repo) && (await f.files(folder)).includes('bundle.git'),
        files: (await f.folders(folder)).includes('files'),
      });
      const secret = files.filter((r) => get(r, 'storage') === 'secret').map((r) => str(get(r, 'path'))).filter((p): p is string => Boolean(p)).sort(byteOrder);
      if (secret.length) {
        unrestorable.push({
          resource: f.selector(folder),
          what: `secret file${secret.length === 1 ? '' : 's'} ${list(secret, 20)} (only keyed fingerprints are archived)`,
          where: 'wherever you keep such files (a password manager, the service that issued them).',
        });
      }
      const remotes = get(repo, 'remotes');
      const withCredentials = names(remotes).filter((r) => str(get(remotes, r, 'credentials')));
      if (withCredentials.length) {
        unrestorable.push({
          resource: f.selector(folder),
          what: `the credentials in the URL of remote${withCredentials.length === 1 ? '' : 's'} ${withCredentials.join(', ')}`,
          where: 'your git host: make a new token.',
        });
      }
    }
    const manual: ManualStep[] = copies.length
      ? [{
          title: [
            'Without snap restore, each back at the path it was archived from (a relative path is relative to the',
            "archive's folder): a repository from its bundle (every ref), then its uncommitted files; a folder from",
            'its files, in the copy made before you started. Secret files are not among them.',
          ].join('\n'),
          commands: (w) => [
            ...copies.flatMap((c) => [
              ...(c.bundle ? [`snap cat ${w.version} ${shellWord(f.selector(c.folder, 'bundle.git'))} > ${w.work}/${shellWord(`${c.folder}.bundle`)}`, `git clone ${w.work}/${shellWord(`${c.folder}.bundle`)} ${pathWord(c.target)}`] : []),
              ...(c.files ? [`${c.bundle ? '' : `mkdir -p ${pathWord(c.target)} && `}cp -R ${w.checkout}/${shellWord(f.selector(c.folder, 'files'))}/. ${pathWord(c.target)}/`] : []),
            ]),
          ],
        }]
      : [];
    return { resources, unrestorable, manual };
  },
};
