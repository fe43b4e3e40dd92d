/**
 * Archiving of the exchange log: the monthly partitions of ledger_records older
 * than the retention period are written to files an auditor can verify
 * offline (the export format of exportLedger, trailer included), then dropped.
 * Each writer's chain continues from an anchor row in ledger_archives (the hash
 * of its last archived record), which verifyLedger starts from. Roll-ups are
 * not archived: indicator figures of archived months stay as they were.
 *
 * One partition at a time, oldest first, in one transaction each: the file is
 * written (temporary name, fsync) and verified offline (verifyExportFile: every
 * hash, link and checkpoint of each writer's stretch), each stretch checked to
 * continue its writer's last anchor and to hold every record of the month, the
 * file renamed, the anchors inserted and the partition detached and dropped. A failure before the commit
 * drops nothing; a commit that fails leaves a file behind but loses nothing,
 * and the next run writes it again. A partition without records is dropped
 * without a file. See docs/decisions/0007-ledger-archive.md.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { Knex } from 'knex';
import { badInput, meridianError } from '../common/index.js';
import { MIN_RETENTION_MONTHS } from '../common/config.js';
import { GENESIS_HASH } from './chainHash.js';
import { exportLedger, type ExportFormat, type ExportTrailer } from './exportLedger.js';
import { LEDGER_TABLE as PARENT, monthLabel, monthOf, monthStart, monthlyPartitions, partitionName } from './ledgerMonths.js';
import { ensurePartitions } from './partitions.js';
import { verifyExportFile } from './verifyExportFile.js';

export interface ArchiveLedgerOptions {
  /** Archive the months before this one: 'YYYY-MM', or the first instant of a UTC month (ISO 8601 with offset, or a Date). */
  readonly before: string | Date;
  /** Folder of the archive files (created when missing). */
  readonly directory: string;
  /** Months of records that are never archived, counted back from the month of `now` (36 or more). */
  readonly retentionMonths: number;
  readonly now: Date;
  /** Format of the files (default JSON Lines). */
  readonly format?: ExportFormat;
  /** Records read per query. */
  readonly pageSize?: number;
}

/** One archive file written. */
export interface ArchivedFile {
  readonly partition: string;
  /** Absolute path of the file. */
  readonly path: string;
  readonly records: number;
  /** Lower-case hex SHA-256 of the file's bytes, also kept in ledger_archives. */
  readonly sha256: string;
}

/** What one run of archiveLedger did. */
export interface LedgerArchiveSummary {
  /** The month boundary archived up to, ISO 8601 UTC. */
  readonly before: string;
  /** Partitions dropped, oldest first, those without records (and without file) included. */
  readonly partitions: readonly string[];
  readonly files: readonly ArchivedFile[];
  /** Records archived, all files together. */
  readonly records: number;
}

/** Serialises archivers across processes; partitions.ts uses 4_204_050_501 for partition maintenance. */
const ARCHIVE_LOCK = 4_204_050_502;
const DEFAULT_PAGE_SIZE = 5000;

const MONTH = /^(\d{4})-(\d{2})$/;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** Archives every monthly partition wholly before `before` into `directory`, then drops it; see the file comment. */
export async function archiveLedger(knex: Knex, options: ArchiveLedgerOptions): Promise<LedgerArchiveSummary> {
  const format = options.format ?? 'jsonl';
  if (format !== 'jsonl' && format !== 'csv') throw badInput('format must be jsonl or csv');
  if (!(options.now instanceof Date) || Number.isNaN(options.now.getTime())) throw badInput('archiveLedger needs a valid `now`');
  if (!Number.isInteger(options.retentionMonths) || options.retentionMonths < MIN_RETENTION_MONTHS) {
    throw badInput(`retentionMonths must be a whole number of months, ${MIN_RETENTION_MONTHS} (three years) or more`);
  }
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw badInput('pageSize must be a whole number of records, 1 or more');
  const before = monthBoundary(options.before);
  const latest = monthOf(options.now) - options.retentionMonths;
  if (before > latest) {
    throw badInput(
      `Cannot archive the months before ${monthLabel(before)}: records are kept ${options.retentionMonths} months ` +
        `(ledger.retentionMonths), so on ${options.now.toISOString().slice(0, 10)} only the months before ${monthLabel(latest)} may be archived`,
    );
  }

  // Records of old months left in DEFAULT would escape the archive and cut their chains: file them in their months first.
  await ensurePartitions(knex, options.now, 0);
  const directory = resolve(options.directory);
  await mkdir(directory, { recursive: true });

  const months = [...(await monthlyPartitions(knex)).keys()].filter((month) => month < before).sort((a, b) => a - b);
  const partitions: string[] = [];
  const files: ArchivedFile[] = [];
  for (const month of months) {
    const archived = await archivePartition(knex, month, { directory, format, pageSize, now: options.now });
    if (archived === null) continue;
    partitions.push(partitionName(month));
    if (archived.file) files.push(archived.file);
  }
  return {
    before: monthStart(before).toISOString(),
    partitions,
    files,
    records: files.reduce((sum, file) => sum + file.records, 0),
  };
}

interface PartitionRun {
  readonly directory: string;
  readonly format: ExportFormat;
  readonly pageSize: number;
  readonly now: Date;
}

/** Archives and drops one month's partition; null when another archiver did it first. */
async function archivePartition(knex: Knex, month: number, run: PartitionRun): Promise<{ file: ArchivedFile | null } | null> {
  const name = partitionName(month);
  return knex.transaction(async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(?)', [ARCHIVE_LOCK]);
    if (!(await monthlyPartitions(trx)).has(month)) return null;
    // SHARE keeps the month unchanged from the check to the drop while the gateway goes on writing other months.
    await trx.raw('LOCK TABLE ?? IN SHARE MODE', [name]);
    const earlier = (await trx('ledger_archives').where('before', monthStart(month + 1)).first('file', 'archived_at')) as
      | { file: string; archived_at: Date }
      | undefined;
    if (earlier && (await trx(name).first('seq'))) {
      // The month was archived before and records for it appeared again: never overwrite the earlier file.
      throw meridianError('CONFLICT', {
        what: `${name} holds records again, but its month was archived to ${earlier.file} at ${earlier.archived_at.toISOString()}; move them out of the ledger or archive by hand`,
      });
    }
    const [{ total } = { total: 0 }] = (await trx(name).count({ total: '*' })) as { total: number | string }[];
    let file: ArchivedFile | null = null;
    if (Number(total) > 0) {
      const fileName = `${name}.${run.format}`;
      const path = join(run.directory, fileName);
      const { sha256, trailer } = await writeMonthFile(trx, path, month, Number(total), run);
      file = { partition: name, path, records: trailer.records, sha256 };
      await trx('ledger_archives').insert(
        trailer.chains.map((chain) => ({
          writer_id: chain.writer,
          last_seq: chain.lastSeq,
          last_hash: chain.lastHash,
          records: chain.records,
          before: monthStart(month + 1),
          file: fileName,
          file_sha256: sha256,
          archived_at: run.now,
        })),
      );
    }
    await trx.raw('ALTER TABLE ?? DETACH PARTITION ??', [PARENT, name]);
    await trx.raw('DROP TABLE ??', [name]);
    return { file };
  });
}

/**
 * Checks that each writer's stretch in the month's file continues its last
 * archive anchor (or starts its chain) and that no record of it below the
 * stretch's end lies outside the month: the file's own verification shows the
 * stretch is whole, this that it is the next one, so archiving neither cuts a
 * chain nor hides a break behind a new anchor.
 */
async function checkContinuity(trx: Knex.Transaction, partition: string, month: number, trailer: ExportTrailer): Promise<void> {
  const anchors = (await trx('ledger_archives')
    .distinctOn('writer_id')
    .orderBy([{ column: 'writer_id' }, { column: 'last_seq', order: 'desc' }])
    .select('writer_id', 'last_seq', 'last_hash')) as { writer_id: string; last_seq: number | string; last_hash: string }[];
  const anchorOf = new Map(anchors.map((row) => [row.writer_id, { seq: Number(row.last_seq), hash: row.last_hash }]));
  for (const chain of trailer.chains) {
    const anchor = anchorOf.get(chain.writer);
    const previous = anchor ? { seq: anchor.seq, hash: anchor.hash, label: `the archived record ${anchor.seq}` } : { seq: 0, hash: GENESIS_HASH, label: 'the start of the chain' };
    if (chain.firstSeq !== previous.seq + 1) throw refusal(partition, chain.writer, `has record ${chain.firstSeq} right after ${previous.label}`);
    if (chain.firstPrevHash !== previous.hash) throw refusal(partition, chain.writer, `breaks at record ${chain.firstSeq}: it does not link to ${previous.label}`);
    const outside = (await trx(PARENT)
      .where('writer_id', chain.writer)
      .andWhere('seq', '<=', chain.lastSeq)
      // Bounds on finished_at rather than tableoid: the planner then skips this partition's rows entirely.
      .andWhere((q) => q.where('finished_at', '<', monthStart(month)).orWhere('finished_at', '>=', monthStart(month + 1)))
      .orderBy('seq')
      .first('seq')) as { seq: number | string } | undefined;
    if (outside) {
      throw refusal(partition, chain.writer, `has record ${outside.seq} outside ${monthLabel(month)} before its last record ${chain.lastSeq} in it`);
    }
  }
}

function refusal(partition: string, writer: string, why: string): Error {
  return meridianError('CONFLICT', {
    what: `Cannot archive ${partition}: the chain of writer ${writer} ${why}; run meridian ledger verify and resolve it first`,
  });
}

/**
 * Exports the month's `records` records to `path` through a temporary file
 * (fsync, verify, check continuity, rename); returns the file's SHA-256 and trailer.
 */
async function writeMonthFile(
  trx: Knex.Transaction,
  path: string,
  month: number,
  records: number,
  run: PartitionRun,
): Promise<{ sha256: string; trailer: ExportTrailer }> {
  const partition = partitionName(month);
  const temporary = join(run.directory, `.${randomUUID()}.partial`);
  const handle = await open(temporary, 'wx');
  const sha256 = createHash('sha256');
  let trailer: ExportTrailer;
  try {
    trailer = await exportLedger(
      trx,
      { from: monthStart(month), to: monthStart(month + 1), format: run.format, pageSize: run.pageSize },
      async (chunk) => {
        const bytes = Buffer.from(chunk, 'utf8');
        sha256.update(bytes);
        for (let offset = 0; offset < bytes.length; ) offset += (await handle.write(bytes, offset)).bytesWritten;
      },
    );
    await handle.sync();
    await handle.close();
    if (trailer.records !== records) {
      throw meridianError('CONFLICT', {
        what:
          `Cannot archive ${partition}: it holds ${records} records but only ${trailer.records} form the chains of registered writers ` +
          '(records of an unknown writer); run meridian ledger verify and resolve it first',
      });
    }
    // The file replaces the records, so it must verify on its own before they are dropped.
    const verification = await verifyExportFile(temporary);
    if (!verification.ok) {
      const broken = verification.writers.find((writer) => !writer.ok);
      const problem = verification.problem ?? (broken ? `writer ${broken.writer}: ${broken.problem}` : 'unknown problem');
      throw meridianError('CONFLICT', { what: `The file written for ${basename(path)} does not verify (${problem}); nothing was dropped` });
    }
    await checkContinuity(trx, partition, month, trailer);
    await rename(temporary, path);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(temporary, { force: true });
    throw error;
  }
  // The rename is durable only once the folder is synced too; the partition is dropped after this.
  await syncFolder(run.directory);
  return { sha256: sha256.digest('hex'), trailer };
}

async function syncFolder(directory: string): Promise<void> {
  if (process.platform === 'win32') return; // Windows cannot open a folder for fsync.
  const folder = await open(directory, 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}

/** The month `value` starts (months since year 0, UTC); anything but a month boundary is refused. */
function monthBoundary(value: string | Date): number {
  const shape = '`before` must be a month, YYYY-MM (such as 2021-03), or the first instant of a UTC month (such as 2021-03-01T00:00:00Z)';
  if (typeof value === 'string') {
    const month = MONTH.exec(value);
    if (month) {
      const number = Number(month[2]);
      if (number < 1 || number > 12) throw badInput(shape);
      return Number(month[1]) * 12 + number - 1;
    }
  }
  // An offset is required: a boundary read in the archiver's own time zone would differ between machines.
  const date = value instanceof Date ? value : ISO_DATE_TIME.test(value) ? new Date(value) : new Date(NaN);
  if (Number.isNaN(date.getTime())) throw badInput(shape);
  const month = monthOf(date);
  if (monthStart(month).getTime() !== date.getTime()) {
    throw badInput(
      `\`before\` ${typeof value === 'string' ? value : value.toISOString()} is not the first instant of a UTC month: ` +
        `only whole months are archived, such as ${monthLabel(month)} (${monthStart(month).toISOString()})`,
    );
  }
  return month;
}
