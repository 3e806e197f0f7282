// snap restore for DynamoDB: puts a version's tables and items back.
//
// For each table the version holds (<region>/<table>/, or those the selection names), under
// its own name or the one --rename gives it (a scratch copy):
//   - a table missing live is created from table.json (keys, attribute definitions, indexes,
//     billing mode and throughput, stream, encryption, table class, deletion protection,
//     tags), waited for until ACTIVE, then given its time to live and point-in-time recovery
//     (and, under its own name, its resource policy); then all its items are written;
//   - an existing table gets its missing and different items written (BatchWriteItem), and,
//     only with --prune, the items the version does not have deleted; its time to live,
//     point-in-time recovery, tags and (under its own name) resource policy are put back when
//     they differ. Its schema (billing, indexes, stream) is not changed: a difference is left
//     undone, and said so in the plan.
// Items are compared by primary key and by the canonical line the collector archives, so a
// whole table is never held in memory as items: the version's items.jsonl is streamed (from
// the tree, or through its pointer from the content store) once to plan and once to apply,
// and the live table is held as key → digest while planning.
//
// Planning only reads (DescribeTable, Scan and the settings' Describe calls).
import { DynamoDBClient, GetResourcePolicyCommand, PutResourcePolicyCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { normalize } from '../../../normalize/rules.js';
import { stableKey } from '../../../normalize/stable-json.js';
import { policyDocumentSortRules } from '../iam/policy-document.js';
import { unlessNotFound } from '../shared/restore-reads.js';
import { MODE_TREE } from '../../../git/objects.js';
import type { RestoreContext } from '../../../restore/types.js';
import { createLimiter } from '../../../util/limiter.js';
import type { DynamoDBConfig } from './config.js';
import type { Region } from './requests.js';
import { requestSignal } from '../shared/request-signal.js';
import { BatchWriter, canonicalLine, itemKey, itemsSource, lineDigest, type KeySchemaNames } from './restore-items.js';
import { createTable, createTableInput, describeSchema, keySignature, liveTable, schemaDifferences, settingChanges, type TableDoc } from './restore-table.js';
import { scanTable } from './scan.js';

type Ctx = RestoreContext<DynamoDBConfig>;

const ITEMS_FILE = 'items.jsonl';

/** Whether `path` (in the collector's folder) is part of what the selection names. */
function selected(selection: readonly string[], path: string): boolean {
  return selection.length === 0 || selection.some((s) => s === path || path.startsWith(`${s}/`) || s.startsWith(`${path}/`));
}

function keyNames(table: { KeySchema?: { AttributeName?: string | undefined; KeyType?: string | undefined }[] | undefined }): KeySchemaNames {
  return {
    hash: table.KeySchema?.find((k) => k.KeyType === 'HASH')?.AttributeName ?? '',
    range: table.KeySchema?.find((k) => k.KeyType === 'RANGE')?.AttributeName,
  };
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export async function restoreDynamoDB(ctx: Ctx): Promise<void> {
  // The version decides which regions are restored: its folders, not today's configuration.
  const regions = (await ctx.version.list()).filter((e) => e.mode === MODE_TREE).map((e) => e.name);
  const limit = createLimiter(ctx.config.concurrency);
  const signal = requestSignal(ctx.signal, ctx.config.concurrency);
  for (const region of regions) {
    if (!selected(ctx.selection, region)) continue;
    const r: Region = { name: region, client: ctx.aws.get(DynamoDBClient, region), limit, scanSlots: limit, signal };
    // Two version tables restored into one live table (a rename onto another table of the
    // version) would undo each other, and with --prune delete each other's items.
    const targeted = new Set<string>();
    for (const entry of await ctx.version.list(region)) {
      const folder = `${region}/${entry.name}`;
      if (entry.mode !== MODE_TREE || !selected(ctx.selection, folder)) continue;
      await planTable(ctx, r, folder, targeted);
    }
  }
}

async function planTable(ctx: Ctx, r: Region, folder: string, targeted: Set<string>): Promise<void> {
  const doc = await ctx.version.json<TableDoc>(`${folder}/table.json`);
  const original = doc?.Table?.TableName;
  if (!doc || !original) {
    ctx.cannot(`dynamodb/${folder}`, 'the version holds no table.json for this table: nothing to restore from');
    return;
  }
  const name = ctx.rename.get(original) ?? original;
  const renamed = name !== original;
  const resource = `dynamodb ${name} (${r.name})`;
  if (targeted.has(name)) {
    ctx.cannot(resource, 'another table of the version is restored into this table too: restore them one at a time; nothing restored');
    return;
  }
  targeted.add(name);
  const keys = keyNames(doc.Table);
  const items = await itemsSource(ctx.version, ctx.store, `${folder}/${ITEMS_FILE}`);
  if (!items) {
    if (doc.Export) ctx.cannot(resource, 'the version holds no items file for this table: its items are not restored');
    else ctx.note(resource, 'the version holds the schema only (items were not archived): items are not restored');
  }

  const live = await liveTable(r, name);
  if (doc.Table.Replicas?.length) {
    // A live table keeps the replicas it has; a re-created one has none.
    if (live) ctx.note(resource, 'global table replicas are not re-created by snap restore');
    else ctx.cannot(resource, 'global table replicas are not re-created by snap restore');
  }
  if (!live) {
    planCreate(ctx, r, doc, name, renamed, resource);
    if (items) {
      ctx.plan({
        resource: `${resource} items`,
        action: 'create',
        detail: `${plural(doc.Export?.Count ?? 0, 'item')} into the new table`,
        apply: () => writeItems(ctx, r, name, keys, items.open, null),
      });
    }
    return;
  }

  if (keySignature(live) !== keySignature(doc.Table)) {
    ctx.cannot(resource, `the live table's key (${keySignature(live)}) is not the version's (${keySignature(doc.Table)}): items cannot be restored into it`);
    return;
  }
  const schema = schemaDifferences(doc, live);
  if (schema.length) ctx.cannot(resource, `its schema differs from the version (${schema.join('; ')}); snap restore does not change a live table's schema`);
  for (const s of await settingChanges(r, doc, name, live)) ctx.plan({ resource, action: 'update', detail: s.detail, apply: s.apply });
  await planResourcePolicy(ctx, r, doc, live.TableArn, renamed, resource);
  if (!items) return;

  // The live table as key → digest of its canonical line; the version's items are streamed against it.
  const liveItems = new Map<string, { digest: string; key: Record<string, AttributeValue> }>();
  const scanned = await scanTable({
    client: r.client,
    limit: r.limit,
    signal: r.signal,
    tableName: name,
    hashKey: keys.hash,
    rangeKey: keys.range,
    segments: ctx.config.scanSegments,
    pageLimit: ctx.config.scanPageLimit,
    consistentRead: ctx.config.consistentRead,
  });
  for (const s of scanned.splice(0)) {
    const key: Record<string, AttributeValue> = { [keys.hash]: s.hash! };
    if (keys.range !== undefined && s.range !== undefined) key[keys.range] = s.range;
    liveItems.set(itemKey(key, keys), { digest: lineDigest(s.line), key });
  }
  const toWrite = new Set<string>();
  let missing = 0;
  let differ = 0;
  for await (const item of items.open()) {
    const k = itemKey(item, keys);
    const current = liveItems.get(k);
    liveItems.delete(k);
    if (current && current.digest === lineDigest(canonicalLine(item))) continue;
    toWrite.add(k);
    if (current) differ++;
    else missing++;
  }
  if (toWrite.size) {
    ctx.plan({
      resource: `${resource} items`,
      action: differ ? 'update' : 'create',
      detail: [missing ? `${plural(missing, 'item')} missing` : null, differ ? `${plural(differ, 'item')} differ${differ === 1 ? 's' : ''}` : null].filter(Boolean).join(', '),
      apply: () => writeItems(ctx, r, name, keys, items.open, toWrite),
    });
  }
  const extra = [...liveItems.values()].map((v) => v.key);
  if (extra.length && !ctx.prune) ctx.note(resource, `${plural(extra.length, 'live item')} the version does not have ${extra.length === 1 ? 'is' : 'are'} kept (--prune deletes them)`);
  if (extra.length && ctx.prune) {
    ctx.plan({
      resource: `${resource} items`,
      action: 'delete',
      detail: `${plural(extra.length, 'item')} not in the version`,
      apply: async () => {
        const writer = new BatchWriter(r.client, name, ctx.config.concurrency, r.signal);
        for (const key of extra) await writer.add({ DeleteRequest: { Key: key } });
        await writer.close();
      },
    });
  }
}

/** The policy as compared: parsed, statements as a set (as the collector archives it). */
const policyKey = (policy: unknown) => stableKey(normalize({ Policy: typeof policy === 'string' ? parseJson(policy) : (policy ?? null) }, { sortBy: policyDocumentSortRules }));
const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

/** An existing table's resource policy back to the version's (a renamed table's policy names the original: left out). */
async function planResourcePolicy(ctx: Ctx, r: Region, doc: TableDoc, arn: string | undefined, renamed: boolean, resource: string): Promise<void> {
  const want = doc.ResourcePolicy?.Policy;
  if (want === undefined || !arn) return;
  if (renamed) {
    ctx.cannot(resource, 'the resource policy names the original table: it is not copied to a renamed table');
    return;
  }
  const live = (await unlessNotFound(() => r.client.send(new GetResourcePolicyCommand({ ResourceArn: arn }), { abortSignal: r.signal })))?.Policy;
  if (live !== undefined && policyKey(live) === policyKey(want)) return;
  ctx.plan({
    resource,
    action: 'update',
    detail: live === undefined ? 'resource policy: not set live' : 'resource policy differs from the version',
    apply: async () => void (await r.client.send(new PutResourcePolicyCommand({ ResourceArn: arn, Policy: typeof want === 'string' ? want : JSON.stringify(want) }), { abortSignal: r.signal })),
  });
}

function planCreate(ctx: Ctx, r: Region, doc: TableDoc, name: string, renamed: boolean, resource: string): void {
  const policy = doc.ResourcePolicy?.Policy;
  if (policy !== undefined && renamed) ctx.cannot(resource, 'the resource policy names the original table: it is not copied to a renamed table');
  ctx.plan({
    resource,
    action: 'create',
    detail: `missing: ${describeSchema(doc)}`,
    apply: async () => {
      const table = await createTable(r.client, createTableInput(doc, name), r.signal);
      // Settings an ACTIVE table takes (time to live, point-in-time recovery): asked again, so a re-run does only what is left.
      for (const s of await settingChanges(r, doc, name, table)) await s.apply();
      if (policy !== undefined && !renamed && table.TableArn) {
        await r.client.send(new PutResourcePolicyCommand({ ResourceArn: table.TableArn, Policy: typeof policy === 'string' ? policy : JSON.stringify(policy) }), { abortSignal: r.signal });
      }
    },
  });
}

/** Streams the version's items and writes those named in `only` (all when null). */
async function writeItems(ctx: Ctx, r: Region, name: string, keys: KeySchemaNames, open: () => AsyncGenerator<Record<string, AttributeValue>>, only: Set<string> | null): Promise<void> {
  const writer = new BatchWriter(r.client, name, ctx.config.concurrency, r.signal);
  for await (const item of open()) {
    if (only && !only.has(itemKey(item, keys))) continue;
    await writer.add({ PutRequest: { Item: item } });
  }
  await writer.close();
}
