/**
 * The form in which an exchange record is hashed and stored: exactly what
 * reads back from ledger_records, so a chain recomputes from the database.
 * Checking here, one record at a time, keeps one malformed record from failing
 * the INSERT of every record batched with it.
 */
import type { ExchangeRecord, Outcome } from './ExchangeRecord.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
// PostgreSQL text and jsonb refuse NUL, and a lone surrogate would come back as U+FFFD.
const NOT_STORABLE = /\u0000|\p{Cs}/u;
const OUTCOMES: ReadonlySet<string> = new Set<Outcome>(['OK', 'DENIED', 'ERROR']);
const MAX_INT4 = 2_147_483_647;
const MAX_DURATION_MS = 1e12;
/** Length of the varchar columns that hold department codes (统一社会信用代码). */
const DEPARTMENT_CODE_LENGTH = 18;

/**
 * Returns the stored form of `record` (lower-case exchangeId, UTC timestamps
 * with milliseconds, durationMs to the microsecond, copied arrays); throws a
 * TypeError naming the field when the record cannot be stored as given.
 */
export function normalizeRecord(record: ExchangeRecord): ExchangeRecord {
  if (typeof record.exchangeId !== 'string' || !UUID.test(record.exchangeId)) fail('exchangeId', 'must be a UUID');
  return {
    exchangeId: record.exchangeId.toLowerCase(),
    requestId: text('requestId', record.requestId),
    traceId: optionalText('traceId', record.traceId),
    at: timestamp('at', record.at),
    finishedAt: timestamp('finishedAt', record.finishedAt),
    consumerDepartment: departmentCode('consumerDepartment', record.consumerDepartment),
    consumerApp: text('consumerApp', record.consumerApp),
    onBehalfOf: record.onBehalfOf === null ? null : departmentCode('onBehalfOf', record.onBehalfOf),
    providerDepartment: departmentCode('providerDepartment', record.providerDepartment),
    resourceCode: text('resourceCode', record.resourceCode),
    resourceVersion: count('resourceVersion', record.resourceVersion),
    operation: text('operation', record.operation),
    items: textList('items', record.items),
    returnedItems: textList('returnedItems', record.returnedItems),
    maskedItems: textList('maskedItems', record.maskedItems),
    rows: count('rows', record.rows),
    bytes: count('bytes', record.bytes),
    durationMs: duration('durationMs', record.durationMs),
    outcome: outcome(record.outcome),
    errorCode: optionalText('errorCode', record.errorCode),
    decisionId: text('decisionId', record.decisionId),
    grantId: optionalText('grantId', record.grantId),
  };
}

function fail(field: string, expected: string): never {
  throw new TypeError(`exchange record field ${field} ${expected}`);
}

function text(field: string, value: unknown): string {
  if (typeof value !== 'string') fail(field, 'must be a string');
  if (NOT_STORABLE.test(value)) fail(field, 'must not hold NUL or unpaired surrogate characters');
  return value;
}

function optionalText(field: string, value: unknown): string | null {
  return value === null ? null : text(field, value);
}

function departmentCode(field: string, value: unknown): string {
  const code = text(field, value);
  // varchar(n) counts characters, not UTF-16 units.
  if ([...code].length > DEPARTMENT_CODE_LENGTH) fail(field, `must have at most ${DEPARTMENT_CODE_LENGTH} characters`);
  return code;
}

function textList(field: string, value: unknown): string[] {
  if (!Array.isArray(value)) fail(field, 'must be a list of strings');
  return value.map((item: unknown, index) => text(`${field}[${index}]`, item));
}

function count(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_INT4) {
    fail(field, `must be an integer from 0 to ${MAX_INT4}`);
  }
  return value;
}

function duration(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_DURATION_MS) {
    fail(field, `must be a number of milliseconds from 0 to ${MAX_DURATION_MS}`);
  }
  // Three decimals keep the canonical number in plain decimal notation in every language's
  // shortest-form printer (a difference of clock readings can be 1.1e-13).
  return Math.round(value * 1000) / 1000;
}

function timestamp(field: string, value: unknown): string {
  const expected = 'must be an ISO 8601 timestamp with a UTC offset, in years 1 to 9999';
  if (typeof value !== 'string' || !ISO_TIMESTAMP.test(value)) fail(field, expected);
  const date = new Date(value);
  const year = date.getUTCFullYear();
  if (Number.isNaN(date.getTime()) || year < 1 || year > 9999) fail(field, expected);
  // timestamptz keeps microseconds but reads back as a millisecond Date: store what reads back.
  return date.toISOString();
}

function outcome(value: unknown): Outcome {
  if (typeof value !== 'string' || !OUTCOMES.has(value)) fail('outcome', 'must be OK, DENIED or ERROR');
  return value as Outcome;
}
