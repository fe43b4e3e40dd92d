import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { isMeridianError } from '../../common/index.js';
import { createCheckpointKey, signCheckpoint, verifyLedger, type ChainReport } from '../../ledger/index.js';
import { describeEachDatabase } from '../support/databases.js';
import { hourly, insertRecord, recordAt, rehashed, shiftSeqs, storedRecord, writeChain } from './ledgerChains.js';

describeEachDatabase('Ledger: verifying chains and checkpoints', (get) => {
  const knex = (): Knex => get().db.knex;

  /** The report of `writer`, the same whether the chain is read in pages of 3 or of 2000. */
  async function reportOf(writer: string, window: { from?: string; to?: string } = {}): Promise<ChainReport> {
    const paged = (await verifyLedger(knex(), { ...window, pageSize: 3 })).writers.find((report) => report.writer === writer);
    const whole = (await verifyLedger(knex(), window)).writers.find((report) => report.writer === writer);
    assert.deepEqual(paged, whole, 'paging changes nothing');
    assert.ok(whole, `a report for ${writer}`);
    return whole;
  }

  function assertBroken(report: ChainReport, expected: { records: number; firstBadSeq: number; problem: RegExp }): void {
    assert.equal(report.ok, false, 'the chain is reported broken');
    assert.equal(report.records, expected.records);
    assert.equal(report.firstBadSeq, expected.firstBadSeq, report.problem ?? '');
    assert.match(report.problem ?? '', expected.problem);
  }

  it('reports an untouched chain as whole, across page boundaries, with its last checkpoint', async () => {
    await writeChain(knex(), 'untouched', 10);
    assert.deepEqual(await reportOf('untouched'), {
      writer: 'untouched',
      records: 10,
      ok: true,
      firstBadSeq: null,
      problem: null,
      lastCheckpointSeq: 10,
    });
  });

  it('reports a registered writer without records as an empty, whole chain', async () => {
    await knex()('ledger_writers').insert({ id: 'idle', started_at: new Date(), host: 'h', pid: 1 });
    assert.deepEqual(await reportOf('idle'), {
      writer: 'idle',
      records: 0,
      ok: true,
      firstBadSeq: null,
      problem: null,
      lastCheckpointSeq: null,
    });
  });

  it('finds a field edited in SQL at the edited record', async () => {
    await writeChain(knex(), 'edited', 10);
    await recordAt(knex(), 'edited', 6).update({ row_count: 9999 });
    assertBroken(await reportOf('edited'), { records: 10, firstBadSeq: 6, problem: /^edited: record 6 was altered/ });
  });

  it('finds an edit whose hash was recomputed at the next record, which no longer links to it', async () => {
    await writeChain(knex(), 'rehashed', 10);
    const forged = rehashed({ ...(await storedRecord(knex(), 'rehashed', 6)), rows: 9999 });
    await recordAt(knex(), 'rehashed', 6).update({ row_count: 9999, hash: forged.hash });
    assertBroken(await reportOf('rehashed'), { records: 10, firstBadSeq: 7, problem: /^edited: record 7 does not link to record 6/ });
  });

  it('finds a chain rewritten consistently from an edit onwards at the first checkpoint that signed another hash', async () => {
    const written = await writeChain(knex(), 'rewritten', 10);
    // The attacker edits record 3 and recomputes every hash after it: every link holds, only checkpoints 4, 8 and 10 disagree.
    let prevHash = written[1]!.hash;
    for (const original of written.slice(2)) {
      const forged = rehashed({ ...original, prevHash, rows: original.seq === 3 ? 9999 : original.rows });
      await recordAt(knex(), 'rewritten', original.seq).update({ row_count: forged.rows, prev_hash: forged.prevHash, hash: forged.hash });
      prevHash = forged.hash;
    }
    assertBroken(await reportOf('rewritten'), {
      records: 10,
      firstBadSeq: 4,
      problem: /^edited: record 4 is not the record checkpoint 4 signed/,
    });
  });

  it('finds a deleted record at the record after the gap', async () => {
    await writeChain(knex(), 'deleted', 10);
    await recordAt(knex(), 'deleted', 6).delete();
    assertBroken(await reportOf('deleted'), { records: 9, firstBadSeq: 7, problem: /^deleted: record 6 is missing/ });
  });

  it('finds a deleted first record', async () => {
    await writeChain(knex(), 'beheaded', 5);
    await recordAt(knex(), 'beheaded', 1).delete();
    assertBroken(await reportOf('beheaded'), {
      records: 4,
      firstBadSeq: 2,
      problem: /^deleted: record 1 is missing \(record 2 follows the start of the chain\)/,
    });
  });

  it('finds a record inserted with the seq of an existing one', async () => {
    await writeChain(knex(), 'doubled', 8);
    const original = await storedRecord(knex(), 'doubled', 5);
    const at = new Date(Date.parse(original.at) + 1000).toISOString();
    await insertRecord(knex(), rehashed({ ...original, exchangeId: '00000000-0000-4000-8000-000000000005', at, finishedAt: at }));
    assertBroken(await reportOf('doubled'), { records: 9, firstBadSeq: 5, problem: /^inserted: a second record with seq 5/ });
  });

  it('finds a record inserted into the middle of the chain, the records after it renumbered', async () => {
    await writeChain(knex(), 'wedged', 8);
    const fourth = await storedRecord(knex(), 'wedged', 4);
    await shiftSeqs(knex(), 'wedged', 5, 1);
    // A perfect record: it links to record 4 and its hash recomputes.
    await insertRecord(knex(), rehashed({ ...fourth, seq: 5, prevHash: fourth.hash, exchangeId: '00000000-0000-4000-8000-0000000000aa' }));
    assertBroken(await reportOf('wedged'), {
      records: 9,
      firstBadSeq: 5,
      problem: /^inserted: records 5 and 6 both link to record 4/,
    });
  });

  it('finds two records that swapped places', async () => {
    await writeChain(knex(), 'swapped', 6);
    await recordAt(knex(), 'swapped', 3).update({ seq: -3 });
    await recordAt(knex(), 'swapped', 4).update({ seq: 3 });
    await recordAt(knex(), 'swapped', -3).update({ seq: 4 });
    assertBroken(await reportOf('swapped'), {
      records: 6,
      firstBadSeq: 3,
      problem: /^reordered: record 3 links to record 4, not to record 2 before it/,
    });
  });

  it('finds a record moved below the start of the chain', async () => {
    await writeChain(knex(), 'sunk', 4);
    await recordAt(knex(), 'sunk', 2).update({ seq: 0 });
    assertBroken(await reportOf('sunk'), { records: 4, firstBadSeq: 0, problem: /^reordered: record 0 links to record 1/ });
  });

  it('finds a record whose stored values can no longer be read as a record', async () => {
    await writeChain(knex(), 'garbled', 5);
    await recordAt(knex(), 'garbled', 2).update({ items: JSON.stringify({ not: 'a list' }) });
    assertBroken(await reportOf('garbled'), {
      records: 5,
      firstBadSeq: 2,
      problem: /^edited: record 2 cannot be read: ledger row items is not a list of strings/,
    });
  });

  it('finds the tail of a chain dropped after its last checkpoint', async () => {
    await writeChain(knex(), 'cut', 10);
    await knex()('ledger_records').where('writer_id', 'cut').andWhere('seq', '>', 7).delete();
    const report = await reportOf('cut');
    assertBroken(report, { records: 7, firstBadSeq: 8, problem: /^truncated: the last checkpoint signs record 10, but the chain ends at record 7/ });
    assert.equal(report.lastCheckpointSeq, 10);
  });

  it('finds a tail dropped and written again with consistent hashes, at the last checkpoint', async () => {
    const written = await writeChain(knex(), 'regrown', 10);
    await knex()('ledger_records').where('writer_id', 'regrown').andWhere('seq', '>', 8).delete();
    let prevHash = written[7]!.hash;
    for (const original of written.slice(8)) {
      const forged = rehashed({ ...original, prevHash, rows: 0 });
      await insertRecord(knex(), forged);
      prevHash = forged.hash;
    }
    assertBroken(await reportOf('regrown'), {
      records: 10,
      firstBadSeq: 10,
      problem: /^truncated: record 10 is not the record the last checkpoint signed/,
    });
  });

  it('finds a checkpoint whose signature was forged', async () => {
    await writeChain(knex(), 'forged', 10);
    const checkpoint = (await knex()('ledger_checkpoints').where({ writer_id: 'forged', seq: 8 }).first('hash', 'at')) as { hash: string; at: Date };
    // Signed with a key the attacker made: not a key the writer registered.
    const { signature } = signCheckpoint(createCheckpointKey().privateKey, {
      writerId: 'forged',
      seq: 8,
      hash: checkpoint.hash,
      at: checkpoint.at.toISOString(),
    });
    await knex()('ledger_checkpoints').where({ writer_id: 'forged', seq: 8 }).update({ signature });
    assertBroken(await reportOf('forged'), { records: 10, firstBadSeq: 8, problem: /^forged: the signature of checkpoint 8 does not verify/ });
  });

  it("finds a forged last checkpoint that would claim a longer chain", async () => {
    await writeChain(knex(), 'overclaimed', 6);
    await knex()('ledger_checkpoints')
      .where({ writer_id: 'overclaimed', seq: 6 })
      .update({ seq: 60 });
    assertBroken(await reportOf('overclaimed'), { records: 6, firstBadSeq: 60, problem: /^forged: the signature of checkpoint 60/ });
  });

  it('verifies the checkpoints of every process that continued a writer id, each with its own key', async () => {
    await writeChain(knex(), 'restarted', 5);
    await writeChain(knex(), 'restarted', 5);
    const keys = await knex()('ledger_writer_keys').where('writer_id', 'restarted').orderBy('id').pluck('public_key');
    assert.equal(keys.length, 2);
    assert.notEqual(keys[0], keys[1]);
    assert.equal((await knex()('ledger_writers').where('id', 'restarted').first('public_key'))?.public_key, keys[1]);
    assert.deepEqual(await reportOf('restarted'), {
      writer: 'restarted',
      records: 10,
      ok: true,
      firstBadSeq: null,
      problem: null,
      lastCheckpointSeq: 10,
    });
  });

  describe('within a time window', () => {
    // Records 1..48, one per hour from 2024-01-31T20:00Z: record n is at hour n - 1.
    const hour = (n: number): string => hourly(n - 1).at!;

    before(async () => {
      await writeChain(knex(), 'windowed', 48, { record: hourly });
      await writeChain(knex(), 'windowed-broken', 48, { record: hourly });
      await recordAt(knex(), 'windowed-broken', 10).update({ bytes: 1 });
    });

    it('checks only the records in the window and reports a window in the middle of a chain as whole', async () => {
      const report = await reportOf('windowed', { from: hour(20), to: hour(30) });
      assert.deepEqual(report, { writer: 'windowed', records: 10, ok: true, firstBadSeq: null, problem: null, lastCheckpointSeq: 48 });
    });

    it('reports no break in a window after a break, and the break in a window that holds it', async () => {
      assert.equal((await reportOf('windowed-broken', { from: hour(20), to: hour(30) })).ok, true);
      assert.equal((await reportOf('windowed-broken', { from: hour(11) })).ok, true);
      assertBroken(await reportOf('windowed-broken', { from: hour(5), to: hour(15) }), {
        records: 10,
        firstBadSeq: 10,
        problem: /^edited: record 10 was altered/,
      });
      assertBroken(await reportOf('windowed-broken'), { records: 48, firstBadSeq: 10, problem: /^edited/ });
    });

    it('accepts windows given with any offset and counts what falls in them', async () => {
      const shanghai = '2024-02-01T08:00:00+08:00'; // = hour(5)
      assert.equal((await reportOf('windowed', { from: shanghai, to: hour(9) })).records, 4);
      assert.equal((await reportOf('windowed', { to: hour(1) })).records, 0);
      assert.equal((await reportOf('windowed', { from: '2030-01-01T00:00:00Z' })).records, 0);
    });

    it('refuses a window that ends before it starts, or an instant without offset', async () => {
      const isBadInput = (error: unknown) => isMeridianError(error) && error.code === 'BAD_USER_INPUT';
      await assert.rejects(verifyLedger(knex(), { from: hour(9), to: hour(2) }), isBadInput);
      await assert.rejects(verifyLedger(knex(), { from: '2024-02-01 08:00' }), isBadInput);
    });
  });

  it('continues a chain whose start was archived from the archive anchor, and still finds a gap after it', async () => {
    const written = await writeChain(knex(), 'archived', 10);
    await knex()('ledger_records').where('writer_id', 'archived').andWhere('seq', '<=', 4).delete();
    assertBroken(await reportOf('archived'), { records: 6, firstBadSeq: 5, problem: /^deleted: records 1 to 4 are missing/ });

    await knex()('ledger_archives').insert({
      writer_id: 'archived',
      last_seq: 4,
      last_hash: written[3]!.hash,
      records: 4,
      before: '2024-03-01T00:00:00Z',
      file: 'ledger-2024-02.jsonl',
      file_sha256: '0'.repeat(64),
      archived_at: new Date(),
    });
    assert.equal((await reportOf('archived')).ok, true);
    assert.equal((await reportOf('archived')).records, 6);
    assert.equal((await reportOf('archived', { from: written[0]!.at })).ok, true);

    await recordAt(knex(), 'archived', 5).delete();
    assertBroken(await reportOf('archived'), {
      records: 5,
      firstBadSeq: 6,
      problem: /^deleted: record 5 is missing \(record 6 follows the archived record 4\)/,
    });
  });

  it('reports each writer on its own, in writer order: a break in one chain leaves the others whole', async () => {
    const verification = await verifyLedger(knex());
    const writers = verification.writers.map((report) => report.writer);
    assert.deepEqual(writers, [...writers].sort());
    assert.equal(verification.ok, false);
    assert.equal(verification.writers.find((report) => report.writer === 'untouched')?.ok, true);
    assert.equal(verification.writers.find((report) => report.writer === 'edited')?.ok, false);
  });
});
