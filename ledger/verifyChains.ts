/**
 * Recomputes every writer's hash chain from ledger_records and reports the
 * first break of each: an edited record, a deleted one, a record moved. A
 * deletion at the end of a chain leaves no break behind; checkpoints of the
 * chain head (a later issue) catch that.
 */
import type { Knex } from 'knex';
import { badInput } from '../common/index.js';
import type { ChainedRecord } from './ExchangeRecord.js';
import { GENESIS_HASH, canonicalRecord, hashRecord } from './chainHash.js';
import { LEDGER_COLUMNS, rowToChainedRecord, type LedgerRow } from './ledgerRows.js';

export interface ChainReport {
  readonly writer: string;
  /** Records of this writer in the table, including those after a break. */
  readonly records: number;
  readonly ok: boolean;
  /** Seq of the first record that does not follow from the one before it. */
  readonly firstBadSeq: number | null;
  readonly problem: string | null;
}

export interface VerifyOptions {
  /** Records read per query; the chain is never loaded whole. */
  readonly pageSize?: number;
}

const DEFAULT_PAGE_SIZE = 2000;

interface ChainLink {
  readonly seq: number;
  readonly hash: string;
}

/** Checks the hash chain of every registered writer, in writer id order. */
export async function verifyChains(knex: Knex, options: VerifyOptions = {}): Promise<ChainReport[]> {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw badInput('pageSize must be a whole number of records, 1 or more');
  const writers = (await knex('ledger_writers').orderBy('id').select('id')) as { id: string }[];
  const reports: ChainReport[] = [];
  for (const { id } of writers) reports.push(await verifyChain(knex, id, pageSize));
  return reports;
}

async function verifyChain(knex: Knex, writer: string, pageSize: number): Promise<ChainReport> {
  let records = 0;
  let previous: ChainLink | null = null;
  let firstBad: { seq: number; problem: string } | null = null;
  for (;;) {
    let query = knex('ledger_records').where('writer_id', writer);
    // The first page has no lower bound, so a record moved below seq 1 is still seen.
    if (previous) query = query.andWhere('seq', '>', previous.seq);
    const page = (await query.orderBy('seq').limit(pageSize).select(LEDGER_COLUMNS)) as LedgerRow[];
    for (const row of page) {
      records += 1;
      // After the first break the rest is only counted: the auditor needs where it starts.
      firstBad ??= checkLink(row, previous);
      previous = { seq: Number(row.seq), hash: row.hash };
    }
    if (page.length < pageSize) break;
  }
  return {
    writer,
    records,
    ok: firstBad === null,
    firstBadSeq: firstBad?.seq ?? null,
    problem: firstBad?.problem ?? null,
  };
}

/** Null when `row` follows `previous` (null: the start of the chain), else the break it shows. */
function checkLink(row: LedgerRow, previous: ChainLink | null): { seq: number; problem: string } | null {
  const seq = Number(row.seq);
  const expected = (previous?.seq ?? 0) + 1;
  if (seq !== expected) {
    const after = previous ? `seq ${previous.seq}` : 'the start of the chain';
    const last = seq - 1;
    const gap =
      last < expected ? '' : last === expected ? `: record ${expected} is missing` : `: records ${expected} to ${last} are missing`;
    return { seq, problem: `seq ${seq} does not follow ${after}${gap}` };
  }
  if (row.prev_hash !== (previous?.hash ?? GENESIS_HASH)) {
    const to = previous
      ? `record ${previous.seq}: its prevHash is not that record's hash`
      : 'the start of the chain: its prevHash is not the genesis hash';
    return { seq, problem: `record ${seq} does not link to ${to}` };
  }
  let record: ChainedRecord;
  try {
    record = rowToChainedRecord(row);
  } catch (error) {
    return { seq, problem: `record ${seq} cannot be read: ${error instanceof Error ? error.message : String(error)}` };
  }
  const { hash, ...unhashed } = record;
  if (hashRecord(unhashed.prevHash, canonicalRecord(unhashed)) !== hash) {
    return { seq, problem: `record ${seq} was altered: its hash does not match its contents` };
  }
  return null;
}
