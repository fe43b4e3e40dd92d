/** Chains written through the real writer, and the SQL an attacker would use to alter them, for ledger tests. */
import type { Knex } from 'knex';
import { silentLogger } from '../../common/index.js';
import {
  LEDGER_COLUMNS,
  canonicalRecord,
  createLedgerWriter,
  hashRecord,
  rowToChainedRecord,
  type ChainedRecord,
  type ExchangeRecord,
  type LedgerRow,
} from '../../ledger/index.js';
import { chainedRecordToRow } from '../../ledger/ledgerRows.js';
import { exchangeRecord } from './exchangeRecords.js';

export interface ChainOptions {
  /** Default 4: with batches of 4 the checkpoints fall at 4, 8, ... and at the last record (close). */
  readonly checkpointEvery?: number;
  /** Fields of the i-th record (0-based), e.g. its `at`. */
  readonly record?: (index: number) => Partial<ExchangeRecord>;
}

/** Writes `count` records under `writerId` in batches of 4 and closes the writer, which signs the final head. */
export async function writeChain(knex: Knex, writerId: string, count: number, options: ChainOptions = {}): Promise<ChainedRecord[]> {
  const writer = createLedgerWriter(knex, {
    writerId,
    maxBatch: 4,
    maxWaitMs: 0,
    checkpointEvery: options.checkpointEvery ?? 4,
    logger: silentLogger(),
  });
  await writer.start();
  const written = await Promise.all(Array.from({ length: count }, (_, i) => writer.append(exchangeRecord(options.record?.(i)))));
  await writer.close();
  return written.sort((a, b) => a.seq - b.seq);
}

/** The stored row(s) of one seq of a writer's chain. */
export function recordAt(knex: Knex, writer: string, seq: number): Knex.QueryBuilder {
  return knex('ledger_records').where({ writer_id: writer, seq });
}

/** The record stored at `seq`, read back as the verifier reads it. */
export async function storedRecord(knex: Knex, writer: string, seq: number): Promise<ChainedRecord> {
  const row = (await recordAt(knex, writer, seq).first(LEDGER_COLUMNS)) as LedgerRow | undefined;
  if (!row) throw new Error(`no record ${seq} of ${writer}`);
  return rowToChainedRecord(row);
}

/** `record` with its hash recomputed: what an attacker who knows the documented canonical form writes. */
export function rehashed(record: Omit<ChainedRecord, 'hash'>): ChainedRecord {
  const { hash: _stale, ...unhashed } = record as ChainedRecord;
  return { ...unhashed, hash: hashRecord(unhashed.prevHash, canonicalRecord(unhashed)) };
}

/** Inserts a record straight into ledger_records, past the writer. */
export async function insertRecord(knex: Knex, record: ChainedRecord): Promise<void> {
  await knex('ledger_records').insert(chainedRecordToRow(record));
}

/** Shifts the seq of every record of `writer` from `fromSeq` on by `by`, without tripping the primary key midway. */
export async function shiftSeqs(knex: Knex, writer: string, fromSeq: number, by: number): Promise<void> {
  await knex('ledger_records')
    .where('writer_id', writer)
    .andWhere('seq', '>=', fromSeq)
    .update({ seq: knex.raw('-(seq + ?)', [by]) });
  await knex('ledger_records')
    .where('writer_id', writer)
    .andWhere('seq', '<', 0)
    .update({ seq: knex.raw('-seq') });
}

/** `at` of the i-th hour after 2024-01-31T20:00Z: records spread over hours, days and a month boundary. */
export function hourly(index: number): Partial<ExchangeRecord> {
  const at = new Date(Date.UTC(2024, 0, 31, 20) + index * 3_600_000).toISOString();
  return { at, finishedAt: at };
}
