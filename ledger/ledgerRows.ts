/**
 * The mapping between chained records and ledger_records rows, both ways in
 * one place so they stay exact inverses: a record read back hashes as written.
 */
import type { ChainedRecord, Outcome } from './ExchangeRecord.js';

/** One ledger_records row as the drivers return it (jsonb parsed, timestamptz as Date). */
export interface LedgerRow {
  readonly writer_id: string;
  /** int8: a number from Meridian's databases, a string from a driver without its int8 parser. */
  readonly seq: number | string;
  readonly exchange_id: string;
  readonly request_id: string;
  readonly trace_id: string | null;
  readonly at: Date;
  readonly finished_at: Date;
  readonly consumer_department: string;
  readonly consumer_app: string;
  readonly on_behalf_of: string | null;
  readonly provider_department: string;
  readonly resource_code: string;
  readonly resource_version: number;
  readonly operation: string;
  readonly items: unknown;
  readonly returned_items: unknown;
  readonly masked_items: unknown;
  readonly row_count: number;
  readonly bytes: number;
  readonly duration_ms: number;
  readonly outcome: string;
  readonly error_code: string | null;
  readonly decision_id: string;
  readonly grant_id: string | null;
  readonly prev_hash: string;
  readonly hash: string;
}

/** Every column of ledger_records, for selects that must read whole records. */
export const LEDGER_COLUMNS: readonly (keyof LedgerRow)[] = Object.freeze([
  'writer_id',
  'seq',
  'exchange_id',
  'request_id',
  'trace_id',
  'at',
  'finished_at',
  'consumer_department',
  'consumer_app',
  'on_behalf_of',
  'provider_department',
  'resource_code',
  'resource_version',
  'operation',
  'items',
  'returned_items',
  'masked_items',
  'row_count',
  'bytes',
  'duration_ms',
  'outcome',
  'error_code',
  'decision_id',
  'grant_id',
  'prev_hash',
  'hash',
] as const);

/** The insert values of a chained record in its stored form (see normalizeRecord). */
export function chainedRecordToRow(record: ChainedRecord): Record<keyof LedgerRow, string | number | null> {
  return {
    writer_id: record.writerId,
    seq: record.seq,
    exchange_id: record.exchangeId,
    request_id: record.requestId,
    trace_id: record.traceId,
    at: record.at,
    finished_at: record.finishedAt,
    consumer_department: record.consumerDepartment,
    consumer_app: record.consumerApp,
    on_behalf_of: record.onBehalfOf,
    provider_department: record.providerDepartment,
    resource_code: record.resourceCode,
    resource_version: record.resourceVersion,
    operation: record.operation,
    // The pg driver would send a JS array as a PostgreSQL array literal, not JSON.
    items: JSON.stringify(record.items),
    returned_items: JSON.stringify(record.returnedItems),
    masked_items: JSON.stringify(record.maskedItems),
    row_count: record.rows,
    bytes: record.bytes,
    duration_ms: record.durationMs,
    outcome: record.outcome,
    error_code: record.errorCode,
    decision_id: record.decisionId,
    grant_id: record.grantId,
    prev_hash: record.prevHash,
    hash: record.hash,
  };
}

/**
 * The chained record a ledger_records row holds, exactly as it was hashed.
 * Throws a TypeError when the row cannot be a record (only a hand-edited row is).
 */
export function rowToChainedRecord(row: LedgerRow): ChainedRecord {
  return {
    writerId: row.writer_id,
    seq: toSeq(row.seq),
    exchangeId: row.exchange_id,
    requestId: row.request_id,
    traceId: row.trace_id,
    at: toIsoString('at', row.at),
    finishedAt: toIsoString('finished_at', row.finished_at),
    consumerDepartment: row.consumer_department,
    consumerApp: row.consumer_app,
    onBehalfOf: row.on_behalf_of,
    providerDepartment: row.provider_department,
    resourceCode: row.resource_code,
    resourceVersion: row.resource_version,
    operation: row.operation,
    items: toTextList('items', row.items),
    returnedItems: toTextList('returned_items', row.returned_items),
    maskedItems: toTextList('masked_items', row.masked_items),
    rows: row.row_count,
    bytes: row.bytes,
    durationMs: row.duration_ms,
    outcome: row.outcome as Outcome,
    errorCode: row.error_code,
    decisionId: row.decision_id,
    grantId: row.grant_id,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

function toSeq(value: number | string): number {
  const seq = Number(value);
  if (!Number.isSafeInteger(seq)) throw new TypeError(`ledger row seq ${String(value)} is not a safe integer`);
  return seq;
}

function toIsoString(column: string, value: unknown): string {
  // A timestamptz of 'infinity' reads back as a number, not a Date.
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new TypeError(`ledger row ${column} is not a point in time`);
  }
  return value.toISOString();
}

function toTextList(column: string, value: unknown): string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new TypeError(`ledger row ${column} is not a list of strings`);
  }
  return value;
}
