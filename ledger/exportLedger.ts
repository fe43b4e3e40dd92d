/**
 * Export of the exchange log for auditors, streamed: records are read in
 * pages (writer by writer, keyset on seq) and written as they come, so memory stays
 * flat whatever the range. A window is the records whose answer (finished_at)
 * falls in [from, to): within one writer that is a contiguous stretch of its
 * chain (see migration 003), so each file can be verified offline from its own
 * trailer (ledger/verifyExportFile.ts), which closes every file:
 *
 *   format "meridian-ledger-export/1", the window, and per writer the first
 *   record's seq and prevHash (the anchor), the last seq and hash, the record
 *   count, every public key the writer registered as {id, publicKey} (SPKI DER,
 *   base64; ledger_writer_keys) and the signed checkpoints in the stretch as
 *   {seq, hash, at, signature, keyId}, keyId naming the key that signed it.
 *
 * JSON Lines: one record per line (the ChainedRecord fields), then one line
 * {"trailer": {...}}. CSV: a header, one record per row (RFC 4180, rows ended
 * by LF), then one last line "# meridian-ledger-export-trailer " followed by
 * the trailer JSON. Cells: numbers as JavaScript writes them (shortest form),
 * lists as JSON, null as an empty cell, and a string as itself, quoted with
 * quotes doubled when it is empty or holds a comma, quote, CR or LF, or starts
 * with "#" (so "" is the empty string, never null, and no row reads as the trailer).
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
  /** Every checkpoint key the writer registered (ledger_writer_keys), oldest first. */
  readonly publicKeys: readonly ExportedKey[];
  /** The signed checkpoints of seqs firstSeq..lastSeq, in seq order. */
  readonly checkpoints: readonly ExportedCheckpoint[];
}

/** A writer's checkpoint public key. */
export interface ExportedKey {
  /** ledger_writer_keys.id, which checkpoints name as keyId. */
  readonly id: number;
  /** Ed25519, SPKI DER, base64. */
  readonly publicKey: string;
}

/** A signed chain head (see checkpointSignature.ts). */
export interface ExportedCheckpoint {
  readonly seq: number;
  readonly hash: string;
  readonly at: string;
  readonly signature: string;
  /** The key that signed it; null only for a checkpoint whose writer registered no key. */
  readonly keyId: number | null;
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
export const EXPORT_FIELDS: readonly (keyof ChainedRecord)[] = [
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
  if (options.format === 'csv') await write(`${EXPORT_FIELDS.join(',')}\n`);

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
    const keys = (await knex('ledger_writer_keys').where({ writer_id: writer }).orderBy('id').select('id', 'public_key')) as {
      id: number | string;
      public_key: string;
    }[];
    const checkpoints = (await knex('ledger_checkpoints')
      .where({ writer_id: writer })
      .whereBetween('seq', [chain.firstSeq, chain.lastSeq])
      .orderBy('seq')
      .select('seq', 'hash', 'at', 'signature', 'key_id')) as { seq: number | string; hash: string; at: Date; signature: string; key_id: number | string | null }[];
    described.push({
      writer,
      ...chain,
      publicKeys: keys.map((key) => ({ id: Number(key.id), publicKey: key.public_key })),
      checkpoints: checkpoints.map((c) => ({
        seq: Number(c.seq),
        hash: c.hash,
        at: c.at.toISOString(),
        signature: c.signature,
        keyId: c.key_id === null ? null : Number(c.key_id),
      })),
    });
  }
  return described;
}

function pick(record: ChainedRecord): Record<string, unknown> {
  return Object.fromEntries(EXPORT_FIELDS.map((field) => [field, record[field]]));
}

function csvLine(record: ChainedRecord): string {
  return `${EXPORT_FIELDS.map((field) => csvCell(record[field])).join(',')}\n`;
}

/**
 * RFC 4180, and exact: null is the only empty unquoted cell, so an empty string is
 * quoted; a leading "#" is quoted so that no row can start like the trailer line.
 */
function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = Array.isArray(value) ? JSON.stringify(value) : String(value);
  return text === '' || text.startsWith('#') || /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
