import assert from 'node:assert/strict';
import { isMeridianError } from '../../common/errors.js';
import { DEMO_TABLES, generateDemoRows, qualifiedName } from '../../demo/index.js';

describe('Demo: generated source rows', () => {
  const rows = generateDemoRows({ seed: 7 });

  it('gives the same rows for the same seed and other rows for another seed', () => {
    assert.deepEqual(generateDemoRows({ seed: 7 }), rows);
    assert.notDeepEqual(generateDemoRows({ seed: 8 })['dept_psb.population']!.slice(0, 10), rows['dept_psb.population']!.slice(0, 10));
  });

  it('fills exactly the columns of each table, and every not-null column', () => {
    for (const table of DEMO_TABLES) {
      const tableRows = rows[qualifiedName(table)]!;
      assert.ok(tableRows.length > 0, qualifiedName(table));
      const names = table.columns.map((c) => c.name);
      for (const row of tableRows) {
        assert.deepEqual(Object.keys(row), names);
        for (const column of table.columns.filter((c) => !c.nullable)) {
          assert.notEqual(row[column.name], null, `${qualifiedName(table)}.${column.name}`);
        }
      }
    }
  });

  it('never repeats a primary key', () => {
    for (const table of DEMO_TABLES) {
      const keys = rows[qualifiedName(table)]!.map((row) => table.primaryKey.map((c) => row[c]).join('|'));
      assert.equal(new Set(keys).size, keys.length, qualifiedName(table));
    }
  });

  it('scales the row counts with the scale option', () => {
    const small = generateDemoRows({ seed: 7, scale: 0.1 });
    assert.equal(small['dept_psb.population']!.length, 300);
    assert.equal(small['dept_amr.enterprises']!.length, 80);
    assert.equal(rows['dept_psb.population']!.length, 3000);
  });

  it('rejects a scale out of range and a seed that is not an integer', () => {
    for (const options of [{ scale: 0 }, { scale: 1000 }, { scale: Number.NaN }, { seed: 1.5 }]) {
      assert.throws(
        () => generateDemoRows(options),
        (error: unknown) => isMeridianError(error) && error.code === 'BAD_USER_INPUT',
        JSON.stringify(options),
      );
    }
  });
});
