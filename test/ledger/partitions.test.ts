import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { isMeridianError } from '../../common/index.js';
import { openDatabase, type Database } from '../../db/index.js';
import { ensurePartitions, verifyLedger, type EnsuredPartitions } from '../../ledger/index.js';
import { describeEachDatabase } from '../support/databases.js';
import { writeChain } from './ledgerChains.js';

/** Fields of a record at `at` (ISO 8601). */
function at(instant: string) {
  return { at: new Date(instant).toISOString(), finishedAt: new Date(instant).toISOString() };
}

describeEachDatabase('Ledger: monthly partitions', (get, kind) => {
  const knex = (): Knex => get().db.knex;

  /** Partition of each record of `writer`, by seq. */
  async function partitionsOf(writer: string): Promise<string[]> {
    const rows = (await knex()('ledger_records')
      .where('writer_id', writer)
      .orderBy('seq')
      .select(knex().raw('tableoid::regclass::text AS part'))) as { part: string }[];
    return rows.map((row) => row.part);
  }

  async function attached(): Promise<Map<string, string>> {
    const result = await knex().raw(`
      SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
      FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'ledger_records'::regclass`);
    return new Map((result.rows as { name: string; bound: string }[]).map((row) => [row.name, row.bound]));
  }

  async function inDefault(): Promise<number> {
    return Number((await knex()('ledger_records_default').count({ n: '*' }))[0]!.n);
  }

  it('creates the partitions of the current month and the months ahead, in UTC', async () => {
    const ensured = await ensurePartitions(knex(), new Date('2024-01-31T23:30:00-08:00'), 2);
    assert.deepEqual(ensured, {
      created: ['ledger_records_y2024m02', 'ledger_records_y2024m03', 'ledger_records_y2024m04'],
      movedRecords: 0,
    });
    const bounds = await attached();
    assert.equal(bounds.get('ledger_records_default'), 'DEFAULT');
    assert.match(bounds.get('ledger_records_y2024m03') ?? '', /^FOR VALUES FROM \('2024-03-01 00:00:00\+00'\) TO \('2024-04-01 00:00:00\+00'\)$/);
  });

  it('stores the records of several months in their monthly partitions and the others in DEFAULT', async () => {
    const instants = ['2024-02-29T23:59:59.999Z', '2024-03-31T23:30:00-01:00', '2024-03-15T08:00:00+08:00', '2024-07-01T00:00:00Z'];
    await writeChain(knex(), 'months', instants.length, { record: (i) => at(instants[i]!) });
    assert.deepEqual(await partitionsOf('months'), [
      'ledger_records_y2024m02',
      'ledger_records_y2024m04',
      'ledger_records_y2024m03',
      'ledger_records_default',
    ]);
  });

  it('moves records out of DEFAULT into the partition of their month when it is created, and the chain still verifies', async () => {
    const ensured = await ensurePartitions(knex(), new Date('2024-07-02T00:00:00Z'), 0);
    assert.deepEqual(ensured, { created: ['ledger_records_y2024m07'], movedRecords: 1 });
    assert.deepEqual(await partitionsOf('months'), [
      'ledger_records_y2024m02',
      'ledger_records_y2024m04',
      'ledger_records_y2024m03',
      'ledger_records_y2024m07',
    ]);
    assert.equal(await inDefault(), 0);
    assert.equal((await verifyLedger(knex())).writers.find((report) => report.writer === 'months')?.ok, true);
  });

  it('also empties DEFAULT of records of months long past', async () => {
    await writeChain(knex(), 'late', 3, { record: (i) => at(['2023-11-05T00:00:00Z', '2023-11-06T00:00:00Z', '2023-12-24T00:00:00Z'][i]!) });
    assert.equal(await inDefault(), 3);
    const ensured = await ensurePartitions(knex(), new Date('2024-07-02T00:00:00Z'), 0);
    assert.deepEqual(ensured, { created: ['ledger_records_y2023m11', 'ledger_records_y2023m12'], movedRecords: 3 });
    assert.equal(await inDefault(), 0);
  });

  it('files a record by when it finished: one asked on the last evening of a month and answered in the next moves to the next', async () => {
    await writeChain(knex(), 'midnight', 1, {
      record: () => ({ at: '2022-05-31T23:59:59.900Z', finishedAt: '2022-06-01T00:00:00.100Z' }),
    });
    const ensured = await ensurePartitions(knex(), new Date('2024-07-02T00:00:00Z'), 0);
    assert.deepEqual(ensured, { created: ['ledger_records_y2022m06'], movedRecords: 1 });
    assert.deepEqual(await partitionsOf('midnight'), ['ledger_records_y2022m06']);
    assert.equal(await inDefault(), 0);
  });

  it('is idempotent: a second run creates and moves nothing', async () => {
    const before = await attached();
    assert.deepEqual(await ensurePartitions(knex(), new Date('2024-02-10T00:00:00Z'), 2), { created: [], movedRecords: 0 });
    assert.deepEqual(await attached(), before);
  });

  it(`creates each partition once when ${kind === 'postgres' ? 'four instances race' : 'four runs overlap'}`, async () => {
    await writeChain(knex(), 'raced', 5, { record: (i) => at(`2025-0${1 + (i % 3)}-10T00:00:00Z`) });
    const url = get().url;
    const others: Database[] = url ? await Promise.all([1, 2, 3].map(() => openDatabase({ url, poolMax: 2 }))) : [];
    let runs: EnsuredPartitions[];
    try {
      const instances = [knex(), ...others.map((db) => db.knex)];
      while (instances.length < 4) instances.push(knex());
      runs = await Promise.all(instances.map((instance) => ensurePartitions(instance, new Date('2025-01-20T00:00:00Z'), 3)));
    } finally {
      await Promise.all(others.map((db) => db.close()));
    }
    const created = runs.flatMap((run) => run.created).sort();
    assert.deepEqual(created, ['ledger_records_y2025m01', 'ledger_records_y2025m02', 'ledger_records_y2025m03', 'ledger_records_y2025m04']);
    assert.equal(
      runs.reduce((sum, run) => sum + run.movedRecords, 0),
      5,
    );
    assert.deepEqual(await partitionsOf('raced'), [
      'ledger_records_y2025m01',
      'ledger_records_y2025m02',
      'ledger_records_y2025m03',
      'ledger_records_y2025m01',
      'ledger_records_y2025m02',
    ]);
  });

  it('refuses to take over a table of the partition name that is not a partition', async () => {
    await knex().raw('CREATE TABLE ledger_records_y2031m01 (id int)');
    await assert.rejects(
      ensurePartitions(knex(), new Date('2031-01-02T00:00:00Z'), 0),
      (error: unknown) => isMeridianError(error) && error.code === 'CONFLICT' && /ledger_records_y2031m01/.test(error.message),
    );
  });
});
