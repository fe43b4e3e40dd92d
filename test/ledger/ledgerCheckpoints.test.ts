import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Knex } from 'knex';
import { silentLogger } from '../../common/index.js';
import { createLedgerWriter, verifyCheckpoint, type LedgerWriter, type LedgerWriterOptions } from '../../ledger/index.js';
import { describeEachDatabase } from '../support/databases.js';
import { exchangeRecord } from './exchangeRecords.js';

interface StoredCheckpoint {
  seq: number;
  hash: string;
  at: Date;
  signature: string;
  key_id: number;
}

describeEachDatabase('Ledger: signed checkpoints of each chain head', (get) => {
  const knex = (): Knex => get().db.knex;
  let opened: LedgerWriter[] = [];

  function newWriter(options: Partial<LedgerWriterOptions> = {}): LedgerWriter {
    const writer = createLedgerWriter(knex(), { maxBatch: 3, maxWaitMs: 0, logger: silentLogger(), ...options });
    opened.push(writer);
    return writer;
  }

  afterEach(async () => {
    await Promise.all(opened.map((writer) => writer.close()));
    opened = [];
  });

  async function checkpointsOf(writerId: string): Promise<StoredCheckpoint[]> {
    const rows = (await knex()('ledger_checkpoints').where('writer_id', writerId).orderBy('seq')) as StoredCheckpoint[];
    return rows.map((row) => ({ ...row, seq: Number(row.seq), key_id: Number(row.key_id) }));
  }

  async function hashAt(writerId: string, seq: number): Promise<string | undefined> {
    return ((await knex()('ledger_records').where({ writer_id: writerId, seq }).first('hash')) as { hash: string } | undefined)?.hash;
  }

  async function until(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await sleep(20);
    }
  }

  it('signs its chain head once every checkpointEvery records, with the Ed25519 key it registered', async () => {
    const writer = newWriter({ checkpointEvery: 5, checkpointIntervalMs: 60_000 });
    await writer.start();
    // Batches of 3: the heads 6 and 12 are the first at least 5 records after the last checkpoint.
    await Promise.all(Array.from({ length: 12 }, () => writer.append(exchangeRecord())));
    const checkpoints = await checkpointsOf(writer.writerId);
    assert.deepEqual(
      checkpoints.map((checkpoint) => checkpoint.seq),
      [6, 12],
    );

    const registered = (await knex()('ledger_writers').where('id', writer.writerId).first('public_key')) as { public_key: string };
    const key = createPublicKey({ key: Buffer.from(registered.public_key, 'base64'), format: 'der', type: 'spki' });
    assert.equal(key.asymmetricKeyType, 'ed25519');
    const keys = (await knex()('ledger_writer_keys').where('writer_id', writer.writerId).select('id', 'public_key')) as {
      id: number;
      public_key: string;
    }[];
    assert.deepEqual(
      keys.map((row) => row.public_key),
      [registered.public_key],
    );
    for (const checkpoint of checkpoints) {
      assert.equal(checkpoint.key_id, Number(keys[0]!.id));
      assert.equal(checkpoint.hash, await hashAt(writer.writerId, checkpoint.seq));
      const signed = { writerId: writer.writerId, seq: checkpoint.seq, hash: checkpoint.hash, at: checkpoint.at.toISOString() };
      assert.equal(verifyCheckpoint(registered.public_key, { ...signed, signature: checkpoint.signature }), true);
      assert.equal(verifyCheckpoint(registered.public_key, { ...signed, seq: checkpoint.seq + 1, signature: checkpoint.signature }), false);
    }
  });

  it('signs a head left unsigned for checkpointIntervalMs, and signs nothing while nothing is written', async () => {
    const writer = newWriter({ checkpointEvery: 1000, checkpointIntervalMs: 100 });
    await writer.start();
    await sleep(300);
    assert.deepEqual(await checkpointsOf(writer.writerId), [], 'no records, no checkpoint');

    await Promise.all([writer.append(exchangeRecord()), writer.append(exchangeRecord())]);
    await until(async () => (await checkpointsOf(writer.writerId)).length > 0, 5_000);
    assert.deepEqual(
      (await checkpointsOf(writer.writerId)).map((checkpoint) => checkpoint.seq),
      [2],
    );
    await sleep(400);
    assert.equal((await checkpointsOf(writer.writerId)).length, 1, 'an unchanged head is not signed again');

    await writer.append(exchangeRecord());
    await until(async () => (await checkpointsOf(writer.writerId)).length > 1, 5_000);
    assert.deepEqual(
      (await checkpointsOf(writer.writerId)).map((checkpoint) => checkpoint.seq),
      [2, 3],
    );
  });

  it('signs the final head when it closes', async () => {
    const writer = newWriter({ checkpointEvery: 1000, checkpointIntervalMs: 60_000 });
    await writer.start();
    await Promise.all([writer.append(exchangeRecord()), writer.append(exchangeRecord())]);
    assert.deepEqual(await checkpointsOf(writer.writerId), []);
    await writer.close();
    assert.deepEqual(
      (await checkpointsOf(writer.writerId)).map((checkpoint) => checkpoint.seq),
      [2],
    );
  });

  it('gives a writer id continued by a new process a new key, and keeps the old one for the old checkpoints', async () => {
    const first = newWriter({ writerId: 'continued', checkpointEvery: 2 });
    await first.start();
    await Promise.all([first.append(exchangeRecord()), first.append(exchangeRecord())]);
    await first.close();
    const second = newWriter({ writerId: 'continued', checkpointEvery: 2 });
    await second.start();
    await Promise.all([second.append(exchangeRecord()), second.append(exchangeRecord())]);

    const keys = (await knex()('ledger_writer_keys').where('writer_id', 'continued').orderBy('id').select('id', 'public_key')) as {
      id: number;
      public_key: string;
    }[];
    assert.equal(keys.length, 2);
    const checkpoints = await checkpointsOf('continued');
    assert.deepEqual(
      checkpoints.map((checkpoint) => [checkpoint.seq, checkpoint.key_id]),
      [
        [2, Number(keys[0]!.id)],
        [4, Number(keys[1]!.id)],
      ],
    );
    for (const [i, checkpoint] of checkpoints.entries()) {
      const { seq, hash, signature } = checkpoint;
      const signed = { writerId: 'continued', seq, hash, at: checkpoint.at.toISOString(), signature };
      assert.equal(verifyCheckpoint(keys[i]!.public_key, signed), true);
      assert.equal(verifyCheckpoint(keys[1 - i]!.public_key, signed), false, 'the other process could not have signed it');
    }
  });
});
