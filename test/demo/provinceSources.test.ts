import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { isMeridianError } from '../../common/errors.js';
import { PROVINCE_TABLES, createProvinceSources, generateProvinceRows, qualifiedName } from '../../demo/index.js';
import { describeEachDatabase } from '../support/databases.js';

const SEED = 11;

describeEachDatabase('Demo: the province source database', (get) => {
  let knex: Knex;
  let counts: Record<string, number>;

  before(async () => {
    knex = get().db.knex;
    counts = await createProvinceSources(knex, { seed: SEED });
  });

  // The gateway's databases read dates as YYYY-MM-DD and numerics as exact text, as the generator writes them.
  it('stores exactly the rows generated for the seed and returns the count of each table', async () => {
    const generated = generateProvinceRows({ seed: SEED });
    assert.deepEqual(Object.keys(counts), PROVINCE_TABLES.map(qualifiedName));
    for (const table of PROVINCE_TABLES) {
      const name = qualifiedName(table);
      const stored = (await knex.withSchema(table.schema).select('*').from(table.name).orderBy(table.primaryKey[0]!)) as Record<string, unknown>[];
      const expected = [...generated[name]!].sort((a, b) => (String(a[table.primaryKey[0]!]) < String(b[table.primaryKey[0]!]) ? -1 : 1));
      assert.equal(counts[name], expected.length, name);
      assert.deepEqual(stored, expected, name);
    }
  });

  it('keeps scores as exact decimals', async () => {
    const types = (await knex('information_schema.columns')
      .where({ table_schema: 'dept_zj_amr', table_name: 'enterprise_credit_ratings', column_name: 'score' })
      .select('data_type', 'numeric_scale')) as { data_type: string; numeric_scale: number }[];
    assert.deepEqual(types.map((t) => [t.data_type, Number(t.numeric_scale)]), [['numeric', 2]]);
  });

  it('refuses to load twice with CONFLICT, leaving the rows as they were', async () => {
    await assert.rejects(
      () => createProvinceSources(knex, { seed: SEED + 1 }),
      (error: unknown) => isMeridianError(error) && error.code === 'CONFLICT',
    );
    const [row] = await knex.withSchema('dept_zj_amr').from('enterprise_credit_ratings').count({ n: '*' });
    assert.equal(Number(row!.n), counts['dept_zj_amr.enterprise_credit_ratings']);
  });
});
