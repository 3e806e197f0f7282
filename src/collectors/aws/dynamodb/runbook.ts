// What the recovery runbook says about this service (Collector.runbook, see src/runbook/spec.ts).
import { get, str, type RunbookSpec, type RunbookResource } from '../../../runbook/spec.js';

export const dynamodbRunbook: RunbookSpec = {
  layer: 'data',
  service: 'DynamoDB tables (schema, settings and items)',
  dependsOn: ['iam'],
  why: 'Before functions: functions read and write these tables, and their event source mappings need the tables (a re-created table has a new stream ARN, so mappings are restored after it).',
  limits: {
    restore: [
      'the schema of an existing table (keys, indexes, billing)',
      'global table replicas',
      'the resource policy of a table restored under another name',
    ],
  },
  async read(f) {
    const resources: RunbookResource[] = [];
    for (const region of await f.folders()) {
      for (const folder of await f.folders(region)) {
        const table = await f.json(`${region}/${folder}/table.json`);
        const name = str(get(table, 'TableName')) ?? folder;
        resources.push({ selector: f.selector(region, folder), name: `${name} (${region})`, kind: 'table' });
      }
    }
    return { resources, unrestorable: [], manual: [] };
  },
};
