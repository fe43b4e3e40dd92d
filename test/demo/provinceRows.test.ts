import assert from 'node:assert/strict';
import { isCreditCode } from '../../common/identifiers.js';
import { isMeridianError } from '../../common/errors.js';
import { CREDIT_RATING_BANDS, PROVINCE_TABLES, generateDemoRows, generateProvinceRows, qualifiedName, type CreditRating } from '../../demo/index.js';

const DATA_AS_OF = '2025-06-30';

describe('Demo: the province source rows', () => {
  const rows = generateProvinceRows({ seed: 7 });
  const ratings = rows['dept_zj_amr.enterprise_credit_ratings']!;
  const listed = rows['dept_zj_amr.serious_violations']!;
  const city = generateDemoRows({ seed: 7 });
  const enterprises = new Map(city['dept_amr.enterprises']!.map((row) => [row.credit_code as string, row]));

  it('gives the same rows for the same seed and other rows for another seed', () => {
    assert.deepEqual(generateProvinceRows({ seed: 7 }), rows);
    assert.notDeepEqual(generateProvinceRows({ seed: 8 })['dept_zj_amr.enterprise_credit_ratings']!.slice(0, 10), ratings.slice(0, 10));
  });

  it('fills exactly the columns of each table, never repeats a key, and has rows in every table', () => {
    for (const table of PROVINCE_TABLES) {
      const tableRows = rows[qualifiedName(table)]!;
      assert.ok(tableRows.length > 0, qualifiedName(table));
      const names = table.columns.map((c) => c.name);
      for (const row of tableRows) {
        assert.deepEqual(Object.keys(row), names);
        for (const column of table.columns.filter((c) => !c.nullable)) assert.notEqual(row[column.name], null, `${qualifiedName(table)}.${column.name}`);
      }
      const keys = tableRows.map((row) => table.primaryKey.map((c) => row[c]).join('|'));
      assert.equal(new Set(keys).size, keys.length, qualifiedName(table));
    }
  });

  it("rates only the city demo's enterprises, under their valid credit codes and their names", () => {
    for (const table of PROVINCE_TABLES) {
      for (const row of rows[qualifiedName(table)]!) {
        const code = row.credit_code as string;
        assert.ok(isCreditCode(code), `${code} fails GB 32100`);
        const enterprise = enterprises.get(code);
        assert.ok(enterprise, `${qualifiedName(table)}: ${code} is not an enterprise of the city demo`);
        assert.equal(row.enterprise_name, enterprise.name, code);
      }
    }
  });

  it('rates every enterprise still registered or with a revoked licence, and no other', () => {
    const expected = [...enterprises.values()].filter((e) => e.status === '存续' || e.status === '吊销').map((e) => e.credit_code);
    assert.deepEqual(ratings.map((row) => row.credit_code), expected);
    for (const row of ratings) if (enterprises.get(row.credit_code as string)!.status === '吊销') assert.equal(row.rating, 'D');
  });

  it('gives each rating a score in its band, with two decimals, and a year of validity from its date', () => {
    assert.deepEqual(new Set(ratings.map((row) => row.rating)), new Set(['A', 'B', 'C', 'D']));
    for (const row of ratings) {
      const [low, high] = CREDIT_RATING_BANDS[row.rating as CreditRating];
      assert.match(row.score as string, /^\d{1,3}\.\d{2}$/);
      const score = Number(row.score);
      assert.ok(score >= low && score <= high, `${row.credit_code}: ${row.rating} with ${row.score}`);
      const ratedOn = row.rated_on as string;
      assert.ok(ratedOn >= (enterprises.get(row.credit_code as string)!.established_on as string) && ratedOn <= DATA_AS_OF, ratedOn);
      const nextYear = `${Number(ratedOn.slice(0, 4)) + 1}${ratedOn.slice(4)}`;
      assert.ok((row.valid_until as string) < nextYear && (row.valid_until as string) > ratedOn, `${ratedOn} -> ${row.valid_until}`);
    }
  });

  it('lists seriously untrustworthy enterprises in date order with one decision number each, none after the data date', () => {
    const dates = listed.map((row) => row.listed_on as string);
    assert.deepEqual(dates, [...dates].sort());
    assert.ok(dates.every((date) => date <= DATA_AS_OF));
    const numbers = listed.map((row) => row.decision_no as string);
    assert.equal(new Set(numbers).size, numbers.length);
    for (const row of listed) assert.match(row.decision_no as string, new RegExp(`^浙市监信列〔${(row.listed_on as string).slice(0, 4)}〕\\d+号$`));
  });

  it('follows the seed and scale of the city demo and checks them the same way', () => {
    const small = generateProvinceRows({ seed: 7, scale: 0.1 });
    const smallCity = new Set(generateDemoRows({ seed: 7, scale: 0.1 })['dept_amr.enterprises']!.map((row) => row.credit_code));
    for (const row of small['dept_zj_amr.enterprise_credit_ratings']!) assert.ok(smallCity.has(row.credit_code));
    assert.throws(
      () => generateProvinceRows({ scale: 0 }),
      (error: unknown) => isMeridianError(error) && error.code === 'BAD_USER_INPUT',
    );
  });
});
