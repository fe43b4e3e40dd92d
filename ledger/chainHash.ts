/**
 * The canonical form of a ledger record and the hash that links it into its
 * writer's chain. Auditors recompute chains offline from this description, so
 * it must never change for records already written.
 *
 * Canonical form (format 1): the UTF-8 text of a JSON array (no spaces, as
 * JavaScript's JSON.stringify writes it) holding these 25 values in this order:
 *
 *    0 writerId            string
 *    1 seq                 number (1 for a writer's first record)
 *    2 prevHash            string (GENESIS_HASH for seq 1)
 *    3 exchangeId          string (lower-case UUID)
 *    4 requestId           string
 *    5 traceId             string | null
 *    6 at                  string, UTC with milliseconds: 2024-03-01T02:03:04.005Z
 *    7 finishedAt          string, same form
 *    8 consumerDepartment  string
 *    9 consumerApp         string
 *   10 onBehalfOf          string | null
 *   11 providerDepartment  string
 *   12 resourceCode        string
 *   13 resourceVersion     number
 *   14 operation           string
 *   15 items               array of strings, in recorded order
 *   16 returnedItems       array of strings, in recorded order
 *   17 maskedItems         array of strings, in recorded order
 *   18 rows                number
 *   19 bytes               number
 *   20 durationMs          number (at most 3 decimals)
 *   21 outcome             "OK" | "DENIED" | "ERROR"
 *   22 errorCode           string | null
 *   23 decisionId          string
 *   24 grantId             string | null
 *
 * Strings are JSON strings (non-ASCII characters written as themselves, not
 * escaped); numbers are written in the shortest form that reads back to the
 * same value (ECMAScript Number::toString; for the integers and millisecond
 * durations stored here that is plain decimal notation, no exponent). Python's
 * json.dumps(values, separators=(',', ':'), ensure_ascii=False) writes the same text.
 *
 * Hash: lower-case hex SHA-256 of the UTF-8 bytes of
 *   prevHash + "\n" + canonical
 * where prevHash is the previous record's hash, or GENESIS_HASH for seq 1.
 */
import { createHash } from 'node:crypto';
import type { ChainedRecord } from './ExchangeRecord.js';

/** The prevHash of every writer's first record: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

/** Serialises every field of a chained record except its hash, in the fixed order documented above. */
export function canonicalRecord(record: Omit<ChainedRecord, 'hash'>): string {
  return JSON.stringify([
    record.writerId,
    record.seq,
    record.prevHash,
    record.exchangeId,
    record.requestId,
    record.traceId,
    record.at,
    record.finishedAt,
    record.consumerDepartment,
    record.consumerApp,
    record.onBehalfOf,
    record.providerDepartment,
    record.resourceCode,
    record.resourceVersion,
    record.operation,
    record.items,
    record.returnedItems,
    record.maskedItems,
    record.rows,
    record.bytes,
    record.durationMs,
    record.outcome,
    record.errorCode,
    record.decisionId,
    record.grantId,
  ]);
}

/** Hex SHA-256 over `prevHash + "\n" + canonical`: the link of one record to the one before it. */
export function hashRecord(prevHash: string, canonical: string): string {
  return createHash('sha256').update(`${prevHash}\n${canonical}`, 'utf8').digest('hex');
}
