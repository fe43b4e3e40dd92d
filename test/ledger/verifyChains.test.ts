import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { silentLogger } from '../../common/index.js';
import {
  LEDGER_COLUMNS,
  canonicalRecord,
  createLedgerWriter,
  hashRecord,
  rowToChainedRecord,
  verifyChains,
  type ChainReport,
  type LedgerRow,
} from '../../ledger/index.js';
import { describeEachDatabase } from '../support/databases.js';
import { exchangeRecord } from './exchangeRecords.js';

describeEachDatabase('Ledger: verifying the hash chains', (get) => {
  const knex = (): Knex => get().db.knex;

  /** Writes a chain of `count` records under `writerId`, in batches of at most 4. */
  async function writeChain(writerId: string, count: number): Promise<void> {
    const writer = createLedgerWriter(knex(), { writerId, maxBatch: 4, maxWaitMs: 0, logger: silentLogger() });
    await writer.start();
    await Promise.all(Array.from({ length: count }, () => writer.append(exchangeRecord())));
    await writer.close();
  }

  function record(writer: string, seq: number): Knex.QueryBuilder {
    return knex()('ledger_records').where({ writer_id: writer, seq });
  }

  /** The report of `writer`, the same whether the chain is read in pages of 3 or whole. */
  async function reportOf(writer: string): Promise<ChainReport | undefined> {
    const paged = (await verifyChains(knex(), { pageSize: 3 })).find((report) => report.writer === writer);
    const whole = (await verifyChains(knex())).find((report) => report.writer === writer);
    assert.deepEqual(paged, whole, 'paging changes nothing');
    return whole;
  }

  function broken(writer: string, records: number, firstBadSeq: number, problem: RegExp, report: ChainReport | undefined): void {
    assert.ok(report, `a report for ${writer}`);
    assert.deepEqual({ ...report, problem: null }, { writer, records, ok: false, firstBadSeq, problem: null });
    assert.match(report.problem ?? '', problem);
  }

  it('reports an untouched chain as whole, across page boundaries', async () => {
    await writeChain('untouched', 10);
    assert.deepEqual(await reportOf('untouched'), {
      writer: 'untouched',
      records: 10,
      ok: true,
      firstBadSeq: null,
      problem: null,
    });
  });

  it('reports a registered writer without records as an empty, whole chain', async () => {
    await knex()('ledger_writers').insert({ id: 'idle', started_at: new Date(), host: 'h', pid: 1 });
    assert.deepEqual(await reportOf('idle'), { writer: 'idle', records: 0, ok: true, firstBadSeq: null, problem: null });
  });

  it('finds a field edited in SQL at the edited record', async () => {
    await writeChain('edited', 10);
    await record('edited', 4).update({ row_count: 9999 });
    broken('edited', 10, 4, /record 4 was altered/, await reportOf('edited'));
  });

  it('finds an edit whose hash was recomputed at the next record, which no longer links to it', async () => {
    await writeChain('rehashed', 10);
    const row = (await record('rehashed', 4).first(LEDGER_COLUMNS)) as LedgerRow;
    const { hash: _old, ...unhashed } = { ...rowToChainedRecord(row), rows: 9999 };
    await record('rehashed', 4).update({ row_count: 9999, hash: hashRecord(unhashed.prevHash, canonicalRecord(unhashed)) });
    broken('rehashed', 10, 5, /record 5 does not link to record 4/, await reportOf('rehashed'));
  });

  it('finds a deleted record at the record after the gap', async () => {
    await writeChain('deleted', 10);
    await record('deleted', 6).delete();
    broken('deleted', 9, 7, /record 6 is missing/, await reportOf('deleted'));
  });

  it('finds a deleted first record', async () => {
    await writeChain('beheaded', 5);
    await record('beheaded', 1).delete();
    broken('beheaded', 4, 2, /seq 2 does not follow the start of the chain: record 1 is missing/, await reportOf('beheaded'));
  });

  it('finds two records that swapped places', async () => {
    await writeChain('swapped', 6);
    await record('swapped', 3).update({ seq: -3 });
    await record('swapped', 4).update({ seq: 3 });
    await record('swapped', -3).update({ seq: 4 });
    broken('swapped', 6, 3, /record 3 does not link to record 2/, await reportOf('swapped'));
  });

  it('finds a record moved below the start of the chain', async () => {
    await writeChain('sunk', 4);
    await record('sunk', 2).update({ seq: 0 });
    broken('sunk', 4, 0, /seq 0 does not follow the start of the chain/, await reportOf('sunk'));
  });

  it('finds a record whose stored values can no longer be read as a record', async () => {
    await writeChain('garbled', 5);
    await record('garbled', 2).update({ items: JSON.stringify({ not: 'a list' }) });
    broken('garbled', 5, 2, /record 2 cannot be read: ledger row items is not a list of strings/, await reportOf('garbled'));
  });

  it('reports each writer on its own: a break in one chain leaves the others whole', async () => {
    const reports = await verifyChains(knex());
    assert.deepEqual(
      reports.map((report) => report.writer),
      [...reports.map((report) => report.writer)].sort(),
    );
    assert.equal(reports.find((report) => report.writer === 'untouched')?.ok, true);
    assert.equal(reports.find((report) => report.writer === 'edited')?.ok, false);
  });
});
