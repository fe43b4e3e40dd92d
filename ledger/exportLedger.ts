/**
 * Export of the exchange log for auditors, streamed: records are read in
 * pages (writer by writer, keyset on seq) and written as they come, so memory stays
 * flat whatever the range. A window is the records whose answer (finished_at)
 * falls in [from, to): within one writer that is a contiguous stretch of its
 * chain (see migration 003), so each file can be verified offline from its own
 * trailer, which closes every file:
 *
 *   format "meridian-ledger-export/1", the window, and per writer the first
 *   record's seq and prevHash (the anchor), the last seq and hash, the record
 *   count, the writer's public key(s) and the signed checkpoints in the stretch.
 *
 * JSON Lines: one record per line (the ChainedRecord fields), then one line
 * {"trailer": {...}}. CSV: a header, one record per row (lists as JSON), then
 * one last line "# meridian-ledger-export-trailer " followed by the trailer JSON.
 */
import type { Knex } from 'knex';
import type { ChainedRecord } from './ExchangeRecord.js';
import { LEDGER_COLUMNS, rowToChainedRecord, type LedgerRow } from './ledgerRows.js';

export type ExportFormat = 'jsonl' | 'csv';

export const EXPORT_FORMAT_VERSION = 'meridian-ledger-export/1';

/** The CSV line that carries the trailer starts with this. */
export const CSV_TRAILER_PREFIX = '# meridian-ledger-export-trailer ';

/** One writer's stretch of chain in an export. */
export interface ExportedChain {
  readonly writer: string;
  readonly firstSeq: number;
  /** The hash the first exported record links to: the anchor an offline verifier starts from. */
  readonly firstPrevHash: string;
  readonly lastSeq: number;
  readonly lastHash: string;
  readonly records: number;
  /** The writer's checkpoint public keys (SPKI DER, base64). */
  readonly publicKeys: readonly string[];
  readonly checkpoints: readonly { readonly seq: number; readonly hash: string; readonly at: string; readonly signature: string }[];
}

export interface ExportTrailer {
  readonly format: typeof EXPORT_FORMAT_VERSION;
  readonly from: string;
  readonly to: string;
  readonly records: number;
  readonly chains: readonly ExportedChain[];
}

export interface ExportOptions {
  readonly from: Date;
  readonly to: Date;
  readonly format: ExportFormat;
  /** Records read per query. */
  readonly pageSize?: number;
}

/** The fields of a record, in the order of CSV columns and JSON keys. */
const FIELDS: readonly (keyof ChainedRecord)[] = [
  'writerId',
  'seq',
  'prevHash',
  'hash',
  'exchangeId',
  'requestId',
  'traceId',
  'at',
  'finishedAt',
  'consumerDepartment',
  'consumerApp',
  'onBehalfOf',
  'providerDepartment',
  'resourceCode',
  'resourceVersion',
  'operation',
  'items',
  'returnedItems',
  'maskedItems',
  'rows',
  'bytes',
  'durationMs',
  'outcome',
  'errorCode',
  'decisionId',
  'grantId',
];

/**
 * Writes the records of [from, to) and the trailer through `write`, which
 * should resolve once the chunk is accepted (backpressure). Returns the trailer.
 */
export async function exportLedger(knex: Knex, options: ExportOptions, write: (chunk: string) => Promise<void>): Promise<ExportTrailer> {
  const pageSize = options.pageSize ?? 5000;
  const chains = new Map<string, { firstSeq: number; firstPrevHash: string; lastSeq: number; lastHash: string; records: number }>();
  let total = 0;
  if (options.format === 'csv') await write(`${FIELDS.join(',')}\n`);

  // One writer at a time, in seq order: the (writer_id, seq) index serves each page directly.
  const writers = ((await knex('ledger_writers').orderBy('id').select('id')) as { id: string }[]).map((row) => row.id);
  for (const writer of writers) {
    let afterSeq = 0;
    for (;;) {
      const rows = (await knex('ledger_records')
        .select(LEDGER_COLUMNS)
        .where('writer_id', writer)
        .andWhere('seq', '>', afterSeq)
        .andWhere('finished_at', '>=', options.from)
        .andWhere('finished_at', '<', options.to)
        .orderBy('seq')
        .limit(pageSize)) as LedgerRow[];
      if (rows.length === 0) break;
      let chunk = '';
      for (const row of rows) {
        const record = rowToChainedRecord(row);
        const chain = chains.get(writer);
        if (chain) {
          chain.lastSeq = record.seq;
          chain.lastHash = record.hash;
          chain.records += 1;
        } else {
          chains.set(writer, { firstSeq: record.seq, firstPrevHash: record.prevHash, lastSeq: record.seq, lastHash: record.hash, records: 1 });
        }
        chunk += options.format === 'csv' ? csvLine(record) : `${JSON.stringify(pick(record))}\n`;
      }
      total += rows.length;
      await write(chunk);
      afterSeq = Number(rows[rows.length - 1]!.seq);
      if (rows.length < pageSize) break;
    }
  }

  const trailer: ExportTrailer = {
    format: EXPORT_FORMAT_VERSION,
    from: options.from.toISOString(),
    to: options.to.toISOString(),
    records: total,
    chains: await describeChains(knex, chains),
  };
  await write(options.format === 'csv' ? `${CSV_TRAILER_PREFIX}${JSON.stringify(trailer)}\n` : `${JSON.stringify({ trailer })}\n`);
  return trailer;
}

async function describeChains(
  knex: Knex,
  chains: ReadonlyMap<string, { firstSeq: number; firstPrevHash: string; lastSeq: number; lastHash: string; records: number }>,
): Promise<ExportedChain[]> {
  const described: ExportedChain[] = [];
  for (const [writer, chain] of chains) {
    const keys = (await knex('ledger_writers').where({ id: writer }).select('public_key')) as { public_key: string | null }[];
    const checkpoints = (await knex('ledger_checkpoints')
      .where({ writer_id: writer })
      .whereBetween('seq', [chain.firstSeq, chain.lastSeq])
      .orderBy('seq')
      .select('seq', 'hash', 'at', 'signature')) as { seq: number | string; hash: string; at: Date; signature: string }[];
    described.push({
      writer,
      ...chain,
      publicKeys: keys.map((key) => key.public_key).filter((key): key is string => key !== null),
      checkpoints: checkpoints.map((c) => ({ seq: Number(c.seq), hash: c.hash, at: c.at.toISOString(), signature: c.signature })),
    });
  }
  return described;
}

function pick(record: ChainedRecord): Record<string, unknown> {
  return Object.fromEntries(FIELDS.map((field) => [field, record[field]]));
}

function csvLine(record: ChainedRecord): string {
  return `${FIELDS.map((field) => csvCell(record[field])).join(',')}\n`;
}

/** RFC 4180: quote cells holding a comma, quote or line break (lists as JSON). */
function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = Array.isArray(value) ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
