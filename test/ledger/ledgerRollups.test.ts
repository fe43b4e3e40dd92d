import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { isMeridianError, silentLogger } from '../../common/index.js';
import { createLedgerWriter, type ChainedRecord, type ExchangeRecord, type Outcome } from '../../ledger/index.js';
import { describeEachDatabase } from '../support/databases.js';
import { exchangeRecord } from './exchangeRecords.js';

interface Figures {
  hour: string;
  provider: string;
  consumer: string;
  resource: string;
  outcome: string;
  calls: number;
  rows: number;
  bytes: number;
  denials: number;
  errors: number;
  duration: number;
}

const PROVIDERS = ['11330100002489764D', '11330100002489772Q'];
const CONSUMERS = ['11330100MB1234567X', '11330100MB7654321A', '11330100MB0000001B'];
const RESOURCES = ['101001/000001', '202001/000002'];
const OUTCOMES: Outcome[] = ['OK', 'OK', 'OK', 'DENIED', 'ERROR'];

/** A record of the i-th exchange of a varied, deterministic mix: hours over three months, all outcomes, some on behalf of another department. */
function mixedRecord(i: number): ExchangeRecord {
  const at = new Date(Date.UTC(2024, 0, 31, 22) + ((i * 7919) % 1500) * 3_600_000 + (i % 60) * 60_000).toISOString();
  const outcome = OUTCOMES[i % OUTCOMES.length]!;
  return exchangeRecord({
    at,
    finishedAt: at,
    providerDepartment: PROVIDERS[i % PROVIDERS.length]!,
    consumerDepartment: CONSUMERS[i % CONSUMERS.length]!,
    onBehalfOf: i % 4 === 0 ? CONSUMERS[(i + 1) % CONSUMERS.length]! : null,
    resourceCode: RESOURCES[(i >> 1) % RESOURCES.length]!,
    outcome,
    errorCode: outcome === 'OK' ? null : 'X',
    rows: outcome === 'OK' ? i % 13 : 0,
    bytes: outcome === 'OK' ? (i * 37) % 5000 : 0,
    durationMs: (i % 97) + 0.125 * (i % 8),
  });
}

describeEachDatabase('Ledger: hourly roll-ups kept with every batch', (get) => {
  const knex = (): Knex => get().db.knex;

  function toFigures(rows: Record<string, unknown>[]): Figures[] {
    return rows
      .map((row) => ({
        hour: (row.hour as Date).toISOString(),
        provider: row.provider_department as string,
        consumer: row.consumer_department as string,
        resource: row.resource_code as string,
        outcome: row.outcome as string,
        calls: Number(row.calls),
        rows: Number(row.rows),
        bytes: Number(row.bytes),
        denials: Number(row.denials),
        errors: Number(row.errors),
        duration: Number(row.duration_ms_sum),
      }))
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  }

  async function rollups(): Promise<Figures[]> {
    return toFigures(await knex()('ledger_rollups').select('*'));
  }

  /** The same figures computed from the raw records. */
  async function groupedRecords(): Promise<Figures[]> {
    const result = await knex().raw(`
      SELECT date_trunc('hour', at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS hour, provider_department,
             coalesce(on_behalf_of, consumer_department) AS consumer_department, resource_code, outcome,
             count(*) AS calls, sum(row_count) AS rows, sum(bytes) AS bytes,
             count(*) FILTER (WHERE outcome = 'DENIED') AS denials, count(*) FILTER (WHERE outcome = 'ERROR') AS errors,
             sum(duration_ms) AS duration_ms_sum
      FROM ledger_records GROUP BY 1, 2, 3, 4, 5`);
    return toFigures(result.rows as Record<string, unknown>[]);
  }

  function assertSameFigures(actual: Figures[], expected: Figures[]): void {
    // Float sums added in another order may differ in the last bits.
    const rounded = (figures: Figures[]) => figures.map((f) => ({ ...f, duration: Math.round(f.duration * 1000) / 1000 }));
    assert.deepEqual(rounded(actual), rounded(expected));
  }

  it('equal a GROUP BY over the raw records after concurrent appends of three writers across hours and months', async () => {
    const writers = [7, 5, 16].map((maxBatch) => createLedgerWriter(knex(), { maxBatch, maxWaitMs: 1, logger: silentLogger() }));
    await Promise.all(writers.map((writer) => writer.start()));
    const appended: Promise<ChainedRecord>[] = [];
    for (let i = 0; i < 600; i++) appended.push(writers[i % 3]!.append(mixedRecord(i)));
    await Promise.all(appended);
    await Promise.all(writers.map((writer) => writer.close()));

    const figures = await rollups();
    assertSameFigures(figures, await groupedRecords());
    assert.equal(
      figures.reduce((sum, f) => sum + f.calls, 0),
      600,
    );
    assert.ok(new Set(figures.map((f) => f.hour.slice(0, 7))).size >= 3, 'the records span three months');
    assert.ok(figures.some((f) => f.denials > 0) && figures.some((f) => f.errors > 0));
    // onBehalfOf counts for the department served, not the gateway that asked.
    const served = figures.filter((f) => f.consumer === CONSUMERS[1]).reduce((sum, f) => sum + f.calls, 0);
    const expectedServed = Array.from({ length: 600 }, (_, i) => mixedRecord(i)).filter(
      (r) => (r.onBehalfOf ?? r.consumerDepartment) === CONSUMERS[1],
    ).length;
    assert.equal(served, expectedServed);
  });

  it('adds a batch to the roll-ups of existing hours', async () => {
    const before = await rollups();
    const writer = createLedgerWriter(knex(), { maxBatch: 50, maxWaitMs: 0, logger: silentLogger() });
    await writer.start();
    await Promise.all(Array.from({ length: 40 }, (_, i) => writer.append(mixedRecord(i))));
    await writer.close();
    const after = await rollups();
    assert.equal(after.length, before.length, 'no new hour, provider, consumer, resource and outcome');
    assert.equal(
      after.reduce((sum, f) => sum + f.calls, 0),
      640,
    );
    assertSameFigures(after, await groupedRecords());
  });

  it('a failed batch leaves neither its records nor roll-ups nor a checkpoint', async () => {
    const writer = createLedgerWriter(knex(), { maxBatch: 50, maxWaitMs: 0, checkpointEvery: 1, logger: silentLogger() });
    await writer.start();
    const figures = await rollups();
    const records = Number((await knex()('ledger_records').count({ n: '*' }))[0]!.n);
    // Fails the last statement of the batch's transaction: the records and roll-ups before it must go too.
    await knex().raw(`CREATE FUNCTION ledger_refuse_checkpoint() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$`);
    await knex().raw(
      'CREATE TRIGGER ledger_refuse_checkpoint BEFORE INSERT ON ledger_checkpoints FOR EACH ROW EXECUTE FUNCTION ledger_refuse_checkpoint()',
    );
    try {
      const outcomes = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => writer.append(mixedRecord(1000 + i))));
      for (const outcome of outcomes) {
        assert.ok(outcome.status === 'rejected' && isMeridianError(outcome.reason) && outcome.reason.code === 'LEDGER_UNAVAILABLE');
      }
    } finally {
      await knex().raw('DROP TRIGGER IF EXISTS ledger_refuse_checkpoint ON ledger_checkpoints');
      await knex().raw('DROP FUNCTION IF EXISTS ledger_refuse_checkpoint()');
    }
    assert.equal(Number((await knex()('ledger_records').count({ n: '*' }))[0]!.n), records);
    assert.deepEqual(await rollups(), figures);
    assert.equal((await knex()('ledger_checkpoints').where('writer_id', writer.writerId)).length, 0);

    await writer.append(mixedRecord(2000));
    await writer.close();
    assertSameFigures(await rollups(), await groupedRecords());
  });
});
