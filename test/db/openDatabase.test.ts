import assert from 'node:assert/strict';
import { describeEachDatabase } from '../support/databases.js';
import { CHANGES_CHANNEL, notifyChange } from '../../db/index.js';

describeEachDatabase('Database: the gateway database', (get) => {
  it('returns dates as YYYY-MM-DD and int8 as numbers', async () => {
    const { rows } = await get().db.knex.raw("select '2024-02-29'::date as d, 9007199254740991::int8 as n");
    assert.deepEqual(rows[0], { d: '2024-02-29', n: 9007199254740991 });
  });

  it('delivers a change notification once the transaction commits', async () => {
    const heard: string[] = [];
    const unsubscribe = await get().db.listen(CHANGES_CHANNEL, (payload) => heard.push(payload));
    try {
      await get().db.knex.transaction(async (trx) => {
        await notifyChange(trx, 'grants');
        assert.deepEqual(heard, [], 'nothing is heard before commit');
      });
      for (let i = 0; i < 50 && heard.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(heard, ['grants']);
    } finally {
      await unsubscribe();
    }
  });
});
