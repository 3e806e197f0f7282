// What the recovery runbook says about this service (Collector.runbook, see src/runbook/spec.ts).
import { get, str, type RunbookSpec, type RunbookResource } from '../../../runbook/spec.js';
import { formatBytes } from '../../../util/log.js';

export const s3Runbook: RunbookSpec = {
  layer: 'storage',
  service: 'S3 buckets',
  dependsOn: ['iam'],
  why: 'Before functions and the CDN: functions read and write these buckets, and CloudFront distributions use them as origins. After IAM, because bucket policies name roles.',
  limits: {
    restore: [
      'older versions of a versioned bucket (current objects come back with new version ids)',
      'objects over 5 GiB (copy them with snap cat)',
      'objects that were unreadable when archived (archive storage classes, refused reads)',
    ],
    restoreTest: [
      "access-log buckets: the restore-test's own requests write new logs into them (leave them out with exclude)",
    ],
  },
  async read(f) {
    const resources: RunbookResource[] = [];
    for (const folder of await f.folders()) {
      const record = await f.json(`${folder}/bucket.json`);
      const count = get(record, 'objects', 'count');
      const bytes = get(record, 'objects', 'bytes');
      const region = str(get(record, 'region'));
      const detail = [region, typeof count === 'number' ? `${count} object${count === 1 ? '' : 's'}${typeof bytes === 'number' ? ` (${formatBytes(bytes)})` : ''}` : undefined].filter(Boolean).join(', ');
      resources.push({ selector: f.selector(folder), name: str(get(record, 'name')) ?? folder, kind: 'bucket', ...(detail ? { detail } : {}) });
    }
    return { resources, unrestorable: [], manual: [] };
  },
};
