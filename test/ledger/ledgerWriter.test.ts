import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Knex } from 'knex';
import { isMeridianError, silentLogger } from '../../common/index.js';
import {
  LEDGER_COLUMNS,
  canonicalRecord,
  createLedgerWriter,
  hashRecord,
  rowToChainedRecord,
  verifyLedger,
  type ChainReport,
  type ChainedRecord,
  type LedgerRow,
  type LedgerWriter,
  type LedgerWriterOptions,
} from '../../ledger/index.js';
import { describeEachDatabase } from '../support/databases.js';
import { exchangeRecord } from './exchangeRecords.js';

function isLedgerUnavailable(error: unknown): boolean {
  return isMeridianError(error) && error.code === 'LEDGER_UNAVAILABLE';
}

/** Runs `work` and counts the INSERT statements knex sends to ledger_records meanwhile. */
async function countLedgerInserts<T>(knex: Knex, work: () => Promise<T>): Promise<{ result: T; inserts: number }> {
  let inserts = 0;
  const onQuery = (query: { sql: string }): void => {
    if (/^insert into "ledger_records"/i.test(query.sql)) inserts += 1;
  };
  knex.on('query', onQuery);
  try {
    const result = await work();
    return { result, inserts };
  } finally {
    knex.removeListener('query', onQuery);
  }
}

describeEachDatabase('Ledger: group-commit writer', (get) => {
  let opened: LedgerWriter[] = [];
  const knex = (): Knex => get().db.knex;

  function newWriter(options: Partial<LedgerWriterOptions> = {}): LedgerWriter {
    const writer = createLedgerWriter(knex(), { maxBatch: 500, maxWaitMs: 2, logger: silentLogger(), ...options });
    opened.push(writer);
    return writer;
  }

  afterEach(async () => {
    await Promise.all(opened.map((writer) => writer.close()));
    opened = [];
  });

  async function storedSeqs(writerId: string): Promise<number[]> {
    const seqs = (await knex()('ledger_records').where('writer_id', writerId).orderBy('seq').pluck('seq')) as (number | string)[];
    return seqs.map(Number);
  }

  async function chainReport(writerId: string): Promise<ChainReport | undefined> {
    return (await verifyLedger(knex())).writers.find((report) => report.writer === writerId);
  }

  const oneTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

  it('writes 200 concurrent appends as one gap-free chain, several records per INSERT', async () => {
    const sizes: number[] = [];
    const writer = newWriter({ maxBatch: 64, maxWaitMs: 1, onBatchCommitted: (size) => sizes.push(size) });
    await writer.start();
    const { result: chained, inserts } = await countLedgerInserts(knex(), () =>
      Promise.all(Array.from({ length: 200 }, () => writer.append(exchangeRecord()))),
    );

    assert.deepEqual(
      chained.map((record) => record.seq).sort((a, b) => a - b),
      oneTo(200),
    );
    assert.deepEqual(await storedSeqs(writer.writerId), oneTo(200));
    assert.equal(
      sizes.reduce((sum, size) => sum + size, 0),
      200,
    );
    assert.ok(Math.max(...sizes) > 1, `batch sizes ${sizes.join(',')}`);
    assert.ok(Math.max(...sizes) <= 64, `no batch exceeds maxBatch: ${sizes.join(',')}`);
    assert.equal(inserts, sizes.length, 'one INSERT per batch');
    assert.deepEqual(await chainReport(writer.writerId), {
      writer: writer.writerId,
      records: 200,
      ok: true,
      firstBadSeq: null,
      problem: null,
      lastCheckpointSeq: null,
    });
  });

  it('gathers the appends made while a batch is being written into the next batch, written as soon as the first commits', async () => {
    const sizes: number[] = [];
    const writer = newWriter({ maxWaitMs: 30_000, onBatchCommitted: (size) => sizes.push(size) });
    await writer.start();
    const appended: Promise<ChainedRecord>[] = [];
    // Appends made the moment the first batch's INSERT is sent: both drivers are then mid-write.
    const onQuery = (query: { sql: string }): void => {
      if (!/^insert into "ledger_records"/i.test(query.sql)) return;
      knex().removeListener('query', onQuery);
      for (let i = 0; i < 5; i++) appended.push(writer.append(exchangeRecord()));
    };
    knex().on('query', onQuery);
    const began = Date.now();
    appended.push(writer.append(exchangeRecord()));
    await writer.flush();
    await Promise.all(appended);
    assert.deepEqual(sizes, [1, 5]);
    assert.ok(Date.now() - began < 5_000, 'the second batch did not wait out maxWaitMs');
    assert.deepEqual(await storedSeqs(writer.writerId), oneTo(6));
  });

  it('reads back every field exactly, so a stored record hashes as it was written', async () => {
    const writer = newWriter();
    await writer.start();
    const written = await Promise.all([
      writer.append(
        exchangeRecord({
          exchangeId: 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11',
          at: '2024-03-01T10:03:04.123456+08:00',
          finishedAt: '2024-03-01T02:03:05Z',
          consumerApp: '人口库查询应用',
          onBehalfOf: '11330100MB1234567X',
          operation: 'lookup',
          items: ['姓名', 'idNumber', 'a "quoted" \\ item'],
          durationMs: 0.1 + 0.2,
        }),
      ),
      writer.append(
        exchangeRecord({
          traceId: null,
          items: [],
          returnedItems: [],
          maskedItems: [],
          rows: 0,
          bytes: 0,
          durationMs: 0,
          outcome: 'DENIED',
          errorCode: 'ITEMS_NOT_GRANTED',
          grantId: null,
        }),
      ),
    ]);
    assert.equal(written[0]!.exchangeId, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
    assert.equal(written[0]!.at, '2024-03-01T02:03:04.123Z');

    const rows = (await knex()('ledger_records')
      .where('writer_id', writer.writerId)
      .orderBy('seq')
      .select(LEDGER_COLUMNS)) as LedgerRow[];
    const readBack = rows.map(rowToChainedRecord);
    assert.deepEqual(readBack, written);
    for (const { hash, ...unhashed } of readBack) {
      assert.equal(hashRecord(unhashed.prevHash, canonicalRecord(unhashed)), hash);
    }
    assert.equal(readBack[1]!.prevHash, readBack[0]!.hash);
  });

  it('resolves an append only once its record is committed and visible to other queries', async () => {
    const writer = newWriter({ maxWaitMs: 300 });
    await writer.start();
    const record = exchangeRecord();
    let resolved = false;
    const appended = writer.append(record).then((chained) => {
      resolved = true;
      return chained;
    });
    await sleep(50);
    assert.equal(resolved, false, 'still waiting for companions');
    assert.equal(writer.health().pending, 1);
    assert.equal(await knex()('ledger_records').where('exchange_id', record.exchangeId).first(), undefined);

    const chained = await appended;
    const row = (await knex()('ledger_records').where('exchange_id', record.exchangeId).first('seq', 'hash')) as
      | { seq: number; hash: string }
      | undefined;
    assert.deepEqual(row && { seq: Number(row.seq), hash: row.hash }, { seq: chained.seq, hash: chained.hash });
    assert.equal(writer.health().pending, 0);
    assert.ok(writer.health().lastCommitAt instanceof Date);
  });

  it('refuses every record of a failed INSERT, writes none of them, and continues the chain without a gap once writing works again', async () => {
    const writer = newWriter({ maxWaitMs: 0 });
    await writer.start();
    await Promise.all([writer.append(exchangeRecord()), writer.append(exchangeRecord())]);

    // Refuses only the third record of the next batch: a non-atomic write would keep the first two.
    await knex().raw(`
      CREATE FUNCTION ledger_refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.request_id = 'poison' THEN RAISE EXCEPTION 'ledger refuses this record'; END IF;
        RETURN NEW;
      END $$`);
    await knex().raw(
      'CREATE TRIGGER ledger_refuse_poison BEFORE INSERT ON ledger_records FOR EACH ROW EXECUTE FUNCTION ledger_refuse_poison()',
    );
    let outcomes: PromiseSettledResult<ChainedRecord>[];
    let inserts: number;
    try {
      ({ result: outcomes, inserts } = await countLedgerInserts(knex(), () =>
        Promise.allSettled(
          ['a', 'b', 'poison', 'c', 'd'].map((requestId) => writer.append(exchangeRecord({ requestId }))),
        ),
      ));
      assert.equal(writer.health().ok, false);
      assert.match(writer.health().lastError ?? '', /ledger refuses this record/);
    } finally {
      await knex().raw('DROP TRIGGER IF EXISTS ledger_refuse_poison ON ledger_records');
      await knex().raw('DROP FUNCTION IF EXISTS ledger_refuse_poison()');
    }
    assert.equal(inserts, 1, 'the five records were one batch');
    for (const outcome of outcomes) {
      assert.equal(outcome.status, 'rejected');
      assert.ok(isLedgerUnavailable(outcome.reason), String(outcome.reason));
    }
    assert.deepEqual(await storedSeqs(writer.writerId), [1, 2]);
    assert.equal(writer.health().pending, 0);

    const after = await Promise.all([writer.append(exchangeRecord()), writer.append(exchangeRecord())]);
    assert.deepEqual(
      after.map((record) => record.seq),
      [3, 4],
    );
    assert.equal(writer.health().ok, true);
    assert.deepEqual(await storedSeqs(writer.writerId), [1, 2, 3, 4]);
    assert.equal((await chainReport(writer.writerId))?.ok, true);
  });

  it('turns healthy again by itself once the database takes records, with no exchange arriving', async () => {
    const writer = newWriter({ maxWaitMs: 0, recoveryProbeMs: 20 });
    await writer.start();
    await knex().raw(`CREATE FUNCTION ledger_refuse_all() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$`);
    await knex().raw('CREATE TRIGGER ledger_refuse_all BEFORE INSERT ON ledger_records FOR EACH ROW EXECUTE FUNCTION ledger_refuse_all()');
    try {
      await assert.rejects(writer.append(exchangeRecord()), isLedgerUnavailable);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(writer.health().ok, false, 'the probes fail while the trigger refuses');
    } finally {
      await knex().raw('DROP TRIGGER IF EXISTS ledger_refuse_all ON ledger_records');
      await knex().raw('DROP FUNCTION IF EXISTS ledger_refuse_all()');
    }
    for (let i = 0; i < 100 && !writer.health().ok; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(writer.health().ok, true);
    assert.deepEqual(await storedSeqs(writer.writerId), [], 'a probe leaves no record behind');
    await writer.close();
  });

  it('refuses a record the database could not store without failing the records batched with it', async () => {
    const writer = newWriter({ maxWaitMs: 0 });
    await writer.start();
    const [first, bad, last] = await Promise.allSettled([
      writer.append(exchangeRecord()),
      writer.append(exchangeRecord({ consumerDepartment: 'far-too-long-department-code' })),
      writer.append(exchangeRecord()),
    ]);
    assert.equal(bad?.status, 'rejected');
    assert.ok(bad?.status === 'rejected' && isLedgerUnavailable(bad.reason));
    assert.equal(first?.status === 'fulfilled' && first.value.seq, 1);
    assert.equal(last?.status === 'fulfilled' && last.value.seq, 2);
    assert.equal(writer.health().ok, true);
  });

  it('refuses appends until started', async () => {
    const writer = newWriter();
    await assert.rejects(writer.append(exchangeRecord()), isLedgerUnavailable);
    assert.equal(writer.health().ok, false);
  });

  it('close() writes the records already appended at once and refuses later appends', async () => {
    const writer = newWriter({ maxWaitMs: 30_000 });
    await writer.start();
    const appended = [writer.append(exchangeRecord()), writer.append(exchangeRecord()), writer.append(exchangeRecord())];
    const began = Date.now();
    await writer.close();
    assert.ok(Date.now() - began < 5_000, 'close does not wait out maxWaitMs');
    assert.deepEqual(
      (await Promise.all(appended)).map((record) => record.seq),
      [1, 2, 3],
    );
    assert.deepEqual(await storedSeqs(writer.writerId), [1, 2, 3]);
    await assert.rejects(writer.append(exchangeRecord()), isLedgerUnavailable);
    assert.equal(writer.health().ok, false);
  });

  it('flush() returns once everything appended so far is committed', async () => {
    const writer = newWriter({ maxWaitMs: 30_000 });
    await writer.start();
    const appended = [writer.append(exchangeRecord()), writer.append(exchangeRecord())];
    const began = Date.now();
    await writer.flush();
    assert.ok(Date.now() - began < 5_000, 'flush does not wait out maxWaitMs');
    assert.deepEqual(await storedSeqs(writer.writerId), [1, 2]);
    assert.equal(writer.health().pending, 0);
    await Promise.all(appended);
  });

  it('continues the chain of an existing writer id instead of starting a second one', async () => {
    const first = newWriter({ writerId: 'gateway-fixed-id' });
    await first.start();
    await Promise.all([first.append(exchangeRecord()), first.append(exchangeRecord())]);
    await first.close();

    const second = newWriter({ writerId: 'gateway-fixed-id' });
    await second.start();
    assert.equal((await second.append(exchangeRecord())).seq, 3);
    assert.equal((await chainReport('gateway-fixed-id'))?.records, 3);
    assert.equal((await chainReport('gateway-fixed-id'))?.ok, true);
  });

  it('keeps two independent chains for two writers on one database', async () => {
    const a = newWriter({ maxBatch: 7 });
    const b = newWriter({ maxBatch: 5 });
    assert.notEqual(a.writerId, b.writerId);
    await Promise.all([a.start(), b.start()]);
    const appended: Promise<ChainedRecord>[] = [];
    for (let i = 0; i < 40; i++) appended.push(a.append(exchangeRecord()), b.append(exchangeRecord()));
    await Promise.all(appended);
    assert.deepEqual(await storedSeqs(a.writerId), oneTo(40));
    assert.deepEqual(await storedSeqs(b.writerId), oneTo(40));
    for (const writer of [a, b]) {
      assert.deepEqual(await chainReport(writer.writerId), {
        writer: writer.writerId,
        records: 40,
        ok: true,
        firstBadSeq: null,
        problem: null,
        lastCheckpointSeq: null,
      });
    }
  });

  it('registers itself with a new id per process, its host and pid', async () => {
    const byDefault = newWriter();
    assert.match(byDefault.writerId, new RegExp(`^${hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-${process.pid}-[0-9a-f]{8}$`));
    assert.notEqual(newWriter().writerId, byDefault.writerId);

    const named = newWriter({ host: 'gw-3.example', pid: 4242 });
    await named.start();
    const row = (await knex()('ledger_writers').where('id', named.writerId).first('host', 'pid', 'started_at')) as
      | { host: string; pid: number; started_at: Date }
      | undefined;
    assert.equal(row?.host, 'gw-3.example');
    assert.equal(row?.pid, 4242);
    assert.ok(row?.started_at instanceof Date);
    assert.match(named.writerId, /^gw-3\.example-4242-[0-9a-f]{8}$/);
    assert.deepEqual(named.health(), {
      ok: true,
      pending: 0,
      lastCommitAt: null,
      lastError: null,
      writerId: named.writerId,
    });
  });

  it('rejects a batch size, wait or checkpoint spacing outside the allowed range as invalid configuration', () => {
    for (const options of [
      { maxBatch: 0 },
      { maxBatch: 2001 },
      { maxBatch: 1.5 },
      { maxWaitMs: -1 },
      { checkpointEvery: 0 },
      { checkpointIntervalMs: 0 },
    ]) {
      assert.throws(
        () => createLedgerWriter(knex(), { maxBatch: 10, maxWaitMs: 1, logger: silentLogger(), ...options }),
        (error: unknown) => isMeridianError(error) && error.code === 'CONFIG_INVALID',
        JSON.stringify(options),
      );
    }
  });
});
