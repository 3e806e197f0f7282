// A DynamoDB table's schema and settings for a restore: the CreateTable request a version's
// table.json describes (keys, attribute definitions, indexes, billing mode and throughput,
// stream, encryption, table class, deletion protection, tags), waiting until the new table
// and its indexes are ACTIVE, and the settings applied to an ACTIVE table (time to live,
// point-in-time recovery), each compared with the live table and told in one line.
//
// What a version's table.json cannot give back, and is noted instead: global table replicas,
// the stream's ARN (a new stream gets a new one), the creation time and table id.
import {
  CreateTableCommand,
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateContinuousBackupsCommand,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
  type GlobalSecondaryIndexDescription,
  type LocalSecondaryIndexDescription,
  type Tag,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { SnapError } from '../../../errors.js';
import { awsErrorName, classifyAwsError } from '../shared/errors.js';
import { listTags, type Region } from './requests.js';

/** <region>/<table>/table.json as the collector writes it (the parts a restore reads). */
export interface TableDoc {
  Table: TableDescription;
  TimeToLive?: { TimeToLiveStatus?: string; AttributeName?: string };
  ContinuousBackups?: { PointInTimeRecoveryDescription?: { PointInTimeRecoveryStatus?: string; RecoveryPeriodInDays?: number } };
  Tags?: Tag[];
  ResourcePolicy?: { Policy?: unknown };
  Export?: { Count?: number; Storage?: string };
}

export function billingMode(table: TableDescription): 'PROVISIONED' | 'PAY_PER_REQUEST' {
  const mode = table.BillingModeSummary?.BillingMode;
  if (mode === 'PAY_PER_REQUEST' || mode === 'PROVISIONED') return mode;
  // DescribeTable leaves the summary out for tables that were always provisioned.
  return (table.ProvisionedThroughput?.ReadCapacityUnits ?? 0) > 0 ? 'PROVISIONED' : 'PAY_PER_REQUEST';
}

function throughput(t: { ProvisionedThroughput?: { ReadCapacityUnits?: number | undefined; WriteCapacityUnits?: number | undefined } | undefined }) {
  return { ReadCapacityUnits: t.ProvisionedThroughput?.ReadCapacityUnits ?? 1, WriteCapacityUnits: t.ProvisionedThroughput?.WriteCapacityUnits ?? 1 };
}

function gsiInput(g: GlobalSecondaryIndexDescription, provisioned: boolean) {
  return {
    IndexName: g.IndexName,
    KeySchema: g.KeySchema,
    Projection: g.Projection,
    ...(provisioned ? { ProvisionedThroughput: throughput(g) } : {}),
    ...(!provisioned && g.OnDemandThroughput ? { OnDemandThroughput: g.OnDemandThroughput } : {}),
  };
}

function lsiInput(l: LocalSecondaryIndexDescription) {
  return { IndexName: l.IndexName, KeySchema: l.KeySchema, Projection: l.Projection };
}

/** The CreateTable request that makes `name` as the version describes its table. */
export function createTableInput(doc: TableDoc, name: string): CreateTableCommandInput {
  const t = doc.Table;
  const provisioned = billingMode(t) === 'PROVISIONED';
  const sse = t.SSEDescription;
  const sseOn = sse && sse.Status !== 'DISABLED' && sse.Status !== 'DISABLING';
  return {
    TableName: name,
    KeySchema: t.KeySchema,
    AttributeDefinitions: t.AttributeDefinitions,
    BillingMode: provisioned ? 'PROVISIONED' : 'PAY_PER_REQUEST',
    ...(provisioned ? { ProvisionedThroughput: throughput(t) } : {}),
    ...(!provisioned && t.OnDemandThroughput ? { OnDemandThroughput: t.OnDemandThroughput } : {}),
    ...(t.GlobalSecondaryIndexes?.length ? { GlobalSecondaryIndexes: t.GlobalSecondaryIndexes.map((g) => gsiInput(g, provisioned)) } : {}),
    ...(t.LocalSecondaryIndexes?.length ? { LocalSecondaryIndexes: t.LocalSecondaryIndexes.map(lsiInput) } : {}),
    ...(t.StreamSpecification?.StreamEnabled ? { StreamSpecification: { StreamEnabled: true, StreamViewType: t.StreamSpecification.StreamViewType } } : {}),
    // An AWS-owned key is the default and has no description; a KMS key is named by its ARN.
    ...(sseOn && sse.SSEType === 'KMS' ? { SSESpecification: { Enabled: true, SSEType: 'KMS', ...(sse.KMSMasterKeyArn ? { KMSMasterKeyId: sse.KMSMasterKeyArn } : {}) } } : {}),
    ...(t.TableClassSummary?.TableClass ? { TableClass: t.TableClassSummary.TableClass } : {}),
    ...(t.DeletionProtectionEnabled ? { DeletionProtectionEnabled: true } : {}),
    ...(doc.Tags?.length ? { Tags: doc.Tags } : {}),
  };
}

function ttlOn(doc: TableDoc): string | null {
  const s = doc.TimeToLive?.TimeToLiveStatus;
  return (s === 'ENABLED' || s === 'ENABLING') && doc.TimeToLive?.AttributeName ? doc.TimeToLive.AttributeName : null;
}

function pitrOn(doc: TableDoc): boolean | null {
  const s = doc.ContinuousBackups?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus;
  return s === undefined ? null : s === 'ENABLED';
}

/** A missing table's schema in one line: "keys pk (S) + sk (N), PAY_PER_REQUEST, 2 global indexes, …". */
export function describeSchema(doc: TableDoc): string {
  const t = doc.Table;
  const type = (n: string | undefined) => t.AttributeDefinitions?.find((a) => a.AttributeName === n)?.AttributeType ?? '?';
  const keys = (t.KeySchema ?? []).map((k) => `${k.AttributeName} (${type(k.AttributeName)})`).join(' + ');
  const mode = billingMode(t);
  const parts = [
    `keys ${keys}`,
    mode === 'PROVISIONED' ? `PROVISIONED ${throughput(t).ReadCapacityUnits}/${throughput(t).WriteCapacityUnits}` : mode,
    t.GlobalSecondaryIndexes?.length ? `${t.GlobalSecondaryIndexes.length} global index${t.GlobalSecondaryIndexes.length === 1 ? '' : 'es'}` : null,
    t.LocalSecondaryIndexes?.length ? `${t.LocalSecondaryIndexes.length} local index${t.LocalSecondaryIndexes.length === 1 ? '' : 'es'}` : null,
    t.StreamSpecification?.StreamEnabled ? `stream ${t.StreamSpecification.StreamViewType}` : null,
    t.SSEDescription?.SSEType === 'KMS' ? 'SSE KMS' : null,
    ttlOn(doc) ? `TTL on ${ttlOn(doc)}` : null,
    pitrOn(doc) ? 'point-in-time recovery' : null,
    doc.Tags?.length ? `${doc.Tags.length} tag${doc.Tags.length === 1 ? '' : 's'}` : null,
  ];
  return parts.filter(Boolean).join(', ');
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true });
  });

const ACTIVE_TIMEOUT_MS = 30 * 60_000;

/** Waits until the table and all its global indexes are ACTIVE. */
export async function waitActive(client: DynamoDBClient, name: string, signal: AbortSignal): Promise<TableDescription> {
  const started = Date.now();
  for (let delay = 250; ; delay = Math.min(delay * 2, 5000)) {
    const t = (await client.send(new DescribeTableCommand({ TableName: name }), { abortSignal: signal })).Table ?? {};
    if (t.TableStatus === 'ACTIVE' && (t.GlobalSecondaryIndexes ?? []).every((g) => g.IndexStatus === undefined || g.IndexStatus === 'ACTIVE')) return t;
    if (Date.now() - started > ACTIVE_TIMEOUT_MS) throw new SnapError('COLLECTOR_FAILED', `table ${name} did not become ACTIVE within 30 minutes (${t.TableStatus ?? 'no status'})`, { table: name });
    await sleep(delay, signal);
  }
}

/** Creates the table unless it exists already (safe to re-run), and waits for it. */
export async function createTable(client: DynamoDBClient, input: CreateTableCommandInput, signal: AbortSignal): Promise<TableDescription> {
  try {
    await client.send(new CreateTableCommand(input), { abortSignal: signal });
  } catch (err) {
    if (awsErrorName(err) !== 'ResourceInUseException') throw err;
  }
  return waitActive(client, input.TableName!, signal);
}

export async function liveTable(r: Region, name: string): Promise<TableDescription | null> {
  try {
    return (await r.client.send(new DescribeTableCommand({ TableName: name }), { abortSignal: r.signal })).Table ?? null;
  } catch (err) {
    if (classifyAwsError(err) === 'not-found') return null;
    throw err;
  }
}

export interface SettingChange {
  detail: string;
  apply(): Promise<void>;
}

async function withBackupsRetry(signal: AbortSignal, call: () => Promise<unknown>): Promise<void> {
  // Right after a table is made, AWS may still be turning continuous backups on for it.
  for (let attempt = 1; ; attempt++) {
    try {
      await call();
      return;
    } catch (err) {
      if (awsErrorName(err) !== 'ContinuousBackupsUnavailableException' || attempt >= 10) throw err;
      await sleep(Math.min(30_000, 1000 * attempt), signal);
    }
  }
}

/**
 * The time to live, point-in-time recovery and tags of `name` compared with the version's:
 * one change for each that differs. `live` is null for a table that is still to be created
 * (its tags come with CreateTable, the rest is applied once it is ACTIVE).
 */
export async function settingChanges(r: Region, doc: TableDoc, name: string, live: TableDescription | null): Promise<SettingChange[]> {
  const out: SettingChange[] = [];
  const client = r.client;
  const signal = r.signal;
  const wantTtl = ttlOn(doc);
  if (doc.TimeToLive !== undefined) {
    const liveTtl = live ? (await client.send(new DescribeTimeToLiveCommand({ TableName: name }), { abortSignal: signal })).TimeToLiveDescription : undefined;
    const liveAttr = liveTtl && (liveTtl.TimeToLiveStatus === 'ENABLED' || liveTtl.TimeToLiveStatus === 'ENABLING') ? (liveTtl.AttributeName ?? null) : null;
    if (wantTtl !== liveAttr && (wantTtl !== null || live)) {
      const fmt = (a: string | null) => (a ? `on (${a})` : 'off');
      out.push({
        detail: `TTL ${live ? fmt(liveAttr) : 'off'} → ${fmt(wantTtl)}`,
        apply: async () => {
          const now = (await client.send(new DescribeTimeToLiveCommand({ TableName: name }), { abortSignal: signal })).TimeToLiveDescription;
          const nowAttr = now && (now.TimeToLiveStatus === 'ENABLED' || now.TimeToLiveStatus === 'ENABLING') ? (now.AttributeName ?? null) : null;
          if (nowAttr === wantTtl) return;
          // Another attribute is on: it has to be turned off first (AWS then refuses a new one for up to an hour).
          if (nowAttr !== null) await client.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { Enabled: false, AttributeName: nowAttr } }), { abortSignal: signal });
          if (wantTtl !== null) await client.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { Enabled: true, AttributeName: wantTtl } }), { abortSignal: signal });
        },
      });
    }
  }
  const wantPitr = pitrOn(doc);
  if (wantPitr !== null) {
    const livePitr = live
      ? (await client.send(new DescribeContinuousBackupsCommand({ TableName: name }), { abortSignal: signal })).ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus === 'ENABLED'
      : false;
    if (wantPitr !== livePitr) {
      const days = doc.ContinuousBackups?.PointInTimeRecoveryDescription?.RecoveryPeriodInDays;
      out.push({
        detail: `point-in-time recovery ${livePitr ? 'on' : 'off'} → ${wantPitr ? 'on' : 'off'}`,
        apply: () =>
          withBackupsRetry(signal, () =>
            client.send(
              new UpdateContinuousBackupsCommand({ TableName: name, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: wantPitr, ...(wantPitr && days ? { RecoveryPeriodInDays: days } : {}) } }),
              { abortSignal: signal },
            ),
          ),
      });
    }
  }
  if (doc.Tags !== undefined && live?.TableArn) {
    const arn = live.TableArn;
    const liveTags = new Map((await listTags(r, arn)).map((t) => [t.Key ?? '', t.Value ?? '']));
    const want = new Map(doc.Tags.map((t) => [t.Key ?? '', t.Value ?? '']));
    const add = [...want].filter(([k, v]) => liveTags.get(k) !== v).map(([Key, Value]) => ({ Key, Value }));
    const remove = [...liveTags.keys()].filter((k) => !want.has(k));
    if (add.length || remove.length) {
      out.push({
        detail: `tags differ: ${[...add.map((t) => `${liveTags.has(t.Key) ? '~' : '+'}${t.Key}`), ...remove.map((k) => `-${k}`)].join(' ')}`,
        apply: async () => {
          // A changed value is untagged first: AWS would overwrite it, but moto adds a second
          // tag of the same key; untag-then-tag ends the same on both.
          const untag = [...remove, ...add.filter((t) => liveTags.has(t.Key)).map((t) => t.Key)];
          if (untag.length) await client.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: untag }), { abortSignal: signal });
          if (add.length) await client.send(new TagResourceCommand({ ResourceArn: arn, Tags: add }), { abortSignal: signal });
        },
      });
    }
  }
  return out;
}

/** How an existing table's schema differs from the version's, for a note (snap does not change a live schema). */
export function schemaDifferences(doc: TableDoc, live: TableDescription): string[] {
  const t = doc.Table;
  const out: string[] = [];
  const modeA = billingMode(live);
  const modeB = billingMode(t);
  if (modeA !== modeB) out.push(`billing mode ${modeA} → ${modeB}`);
  else if (modeB === 'PROVISIONED') {
    const a = throughput(live);
    const b = throughput(t);
    if (a.ReadCapacityUnits !== b.ReadCapacityUnits || a.WriteCapacityUnits !== b.WriteCapacityUnits) out.push(`throughput ${a.ReadCapacityUnits}/${a.WriteCapacityUnits} → ${b.ReadCapacityUnits}/${b.WriteCapacityUnits}`);
  }
  const names = (xs: { IndexName?: string | undefined }[] | undefined) => (xs ?? []).map((x) => x.IndexName ?? '').sort().join(', ') || 'none';
  if (names(live.GlobalSecondaryIndexes) !== names(t.GlobalSecondaryIndexes)) out.push(`global indexes ${names(live.GlobalSecondaryIndexes)} → ${names(t.GlobalSecondaryIndexes)}`);
  if (names(live.LocalSecondaryIndexes) !== names(t.LocalSecondaryIndexes)) out.push(`local indexes ${names(live.LocalSecondaryIndexes)} → ${names(t.LocalSecondaryIndexes)}`);
  const stream = (x: TableDescription) => (x.StreamSpecification?.StreamEnabled ? (x.StreamSpecification.StreamViewType ?? 'on') : 'off');
  if (stream(live) !== stream(t)) out.push(`stream ${stream(live)} → ${stream(t)}`);
  return out;
}

/** The key schema as names and types, "pk:S sk:N", to check that items can go into a live table. */
export function keySignature(t: TableDescription): string {
  const type = (n: string | undefined) => t.AttributeDefinitions?.find((a) => a.AttributeName === n)?.AttributeType ?? '?';
  return (t.KeySchema ?? [])
    .slice()
    .sort((a, b) => (a.KeyType === b.KeyType ? 0 : a.KeyType === 'HASH' ? -1 : 1))
    .map((k) => `${k.AttributeName}:${type(k.AttributeName)}`)
    .join(' ');
}
