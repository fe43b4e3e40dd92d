import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { isMeridianError } from '../../common/errors.js';
import { isCitizenId, isCreditCode } from '../../common/identifiers.js';
import type { ItemType } from '../../catalog/model.js';
import {
  DEMO_SCHEMAS,
  DEMO_TABLES,
  buildDemoCatalog,
  createDemoSources,
  generateDemoRows,
  qualifiedName,
  type DemoResource,
} from '../../demo/index.js';
import { describeEachDatabase } from '../support/databases.js';

const SEED = 11;
const catalog = buildDemoCatalog();
const schemas = Object.values(DEMO_SCHEMAS);

/** Where a resource's item is stored: schema, table and column. */
function locate(resource: DemoResource, item: string): { schema: string; table: string; column: string } {
  const connector = catalog.connectors.find((c) => c.id === resource.source.connector)!;
  const { table, columns } = resource.source.binding;
  return { schema: connector.config.schema, table, column: columns[item]! };
}

/** An order-independent digest of rows: dates as ISO strings, keys sorted. */
function digest(rows: readonly Record<string, unknown>[]): string {
  const lines = rows.map((row) =>
    JSON.stringify(
      Object.keys(row)
        .sort()
        .map((key) => [key, row[key] instanceof Date ? (row[key] as Date).toISOString() : row[key]]),
    ),
  );
  return createHash('sha256').update(lines.sort().join('\n')).digest('hex');
}

/** PostgreSQL data types a column of each item type may have. */
const COLUMN_TYPES: Readonly<Record<ItemType, readonly string[]>> = {
  STRING: ['character varying', 'text'],
  TEXT: ['text', 'character varying'],
  INTEGER: ['integer', 'bigint', 'smallint'],
  DECIMAL: ['numeric'],
  MONEY: ['numeric'],
  FLOAT: ['double precision', 'real'],
  DATE: ['date'],
  DATETIME: ['timestamp with time zone'],
  BOOLEAN: ['boolean'],
  BINARY: ['bytea'],
};

interface ColumnInfo {
  table_schema: string;
  table_name: string;
  column_name: string;
  data_type: string;
  character_maximum_length: number | null;
}

describeEachDatabase('Demo: source databases of the demo departments', (get) => {
  let counts: Record<string, number>;
  let knex: Knex;
  let columns: ColumnInfo[];

  before(async () => {
    knex = get().db.knex;
    counts = await createDemoSources(knex, { seed: SEED });
    columns = await knex('information_schema.columns')
      .select('table_schema', 'table_name', 'column_name', 'data_type', 'character_maximum_length')
      .whereIn('table_schema', schemas);
  });

  it('creates every demo table and returns the row count of each', async () => {
    assert.deepEqual(Object.keys(counts), DEMO_TABLES.map(qualifiedName));
    for (const table of DEMO_TABLES) {
      const [row] = await knex.withSchema(table.schema).from(table.name).count({ n: '*' });
      assert.equal(Number(row!.n), counts[qualifiedName(table)], qualifiedName(table));
    }
    const minimum: Record<string, number> = {
      'dept_psb.population': 3000,
      'dept_amr.enterprises': 800,
      'dept_hrss.social_insurance': 2000,
      'dept_hrss.employment': 1200,
      'dept_hwc.medical_institutions': 150,
      'dept_hwc.birth_certificates': 350,
      'dept_hwc.infectious_disease_reports': 300,
    };
    for (const [table, n] of Object.entries(minimum)) assert.ok(counts[table]! >= n, `${table}: ${counts[table]}`);
  });

  it('stores exactly the rows generated for the seed', async () => {
    const generated = generateDemoRows({ seed: SEED });
    for (const table of DEMO_TABLES) {
      const stored = await knex.withSchema(table.schema).select('*').from(table.name);
      assert.equal(digest(stored), digest(generated[qualifiedName(table)]!), qualifiedName(table));
    }
  });

  it('gives every 公民身份号码 in every table a valid check character and birth date', async () => {
    const idColumns = columns.filter((c) => c.column_name.endsWith('id_number'));
    assert.ok(idColumns.length >= 8, `found ${idColumns.length} ID-number columns`);
    for (const c of idColumns) {
      const values: string[] = await knex.withSchema(c.table_schema).from(c.table_name).whereNotNull(c.column_name).pluck(c.column_name);
      assert.ok(values.length > 0, `${c.table_name}.${c.column_name} is empty`);
      const bad = values.filter((v) => !isCitizenId(v));
      assert.deepEqual(bad, [], `${c.table_schema}.${c.table_name}.${c.column_name}`);
    }
  });

  it('records each person with the gender and birth date of their ID number, in a 杭州 district', async () => {
    const people = await knex.withSchema(DEMO_SCHEMAS.psb).from('population').select('id_number', 'gender', 'birth_date');
    for (const p of people) {
      assert.equal(p.gender, Number(p.id_number[16]) % 2 === 1 ? '男' : '女', p.id_number);
      assert.equal(p.birth_date.replaceAll('-', ''), p.id_number.slice(6, 14), p.id_number);
      assert.match(p.id_number, /^3301(02|05|06|08|09|10|11|12|13|14)/);
    }
  });

  it('gives every 统一社会信用代码 in every table a valid check character', async () => {
    const codeColumns = columns.filter((c) => c.column_name.endsWith('credit_code'));
    assert.ok(codeColumns.length >= 8, `found ${codeColumns.length} credit-code columns`);
    for (const c of codeColumns) {
      const values: string[] = await knex.withSchema(c.table_schema).from(c.table_name).whereNotNull(c.column_name).pluck(c.column_name);
      assert.ok(values.length > 0, `${c.table_name}.${c.column_name} is empty`);
      assert.deepEqual(values.filter((v) => !isCreditCode(v)), [], `${c.table_schema}.${c.table_name}.${c.column_name}`);
    }
    const enterprises: string[] = await knex.withSchema(DEMO_SCHEMAS.amr).from('enterprises').pluck('credit_code');
    assert.deepEqual(enterprises.filter((code) => !code.startsWith('91330100')), []);
  });

  it('keeps every catalog reference inside the data: each referencing value is a row of the referenced resource', async () => {
    const byCode = new Map(catalog.resources.map((r) => [r.code, r]));
    let checked = 0;
    for (const resource of catalog.resources) {
      for (const item of resource.items.filter((i) => i.references)) {
        const from = locate(resource, item.name);
        const to = locate(byCode.get(item.references!.resource)!, item.references!.item);
        const referencing = knex(`${from.schema}.${from.table} as a`).whereNotNull(`a.${from.column}`);
        const [all] = await referencing.clone().count({ n: '*' });
        const [orphans] = await referencing
          .clone()
          .whereNotExists(knex(`${to.schema}.${to.table} as b`).select(knex.raw('1')).whereRaw('?? = ??', [`b.${to.column}`, `a.${from.column}`]))
          .count({ n: '*' });
        assert.ok(Number(all!.n) > 0, `${resource.code}.${item.name} references nothing`);
        assert.equal(Number(orphans!.n), 0, `${resource.code}.${item.name}: values missing from ${item.references!.resource}`);
        checked++;
      }
    }
    assert.ok(checked >= 8);
  });

  it('names legal representatives, insured persons and mothers as the population table does', async () => {
    const mismatched = async (schema: string, table: string, idColumn: string, nameColumn: string): Promise<number> => {
      const [row] = await knex(`${schema}.${table} as a`)
        .join(`${DEMO_SCHEMAS.psb}.population as p`, 'p.id_number', `a.${idColumn}`)
        .whereRaw('?? <> ??', ['p.name', `a.${nameColumn}`])
        .count({ n: '*' });
      return Number(row!.n);
    };
    assert.equal(await mismatched(DEMO_SCHEMAS.amr, 'enterprises', 'legal_rep_id_number', 'legal_rep_name'), 0);
    assert.equal(await mismatched(DEMO_SCHEMAS.hrss, 'social_insurance', 'id_number', 'name'), 0);
    assert.equal(await mismatched(DEMO_SCHEMAS.hrss, 'employment', 'id_number', 'name'), 0);
    assert.equal(await mismatched(DEMO_SCHEMAS.hwc, 'birth_certificates', 'mother_id_number', 'mother_name'), 0);
    const [fathersAsMothers] = await knex(`${DEMO_SCHEMAS.hwc}.birth_certificates as b`)
      .join(`${DEMO_SCHEMAS.psb}.population as p`, 'p.id_number', 'b.mother_id_number')
      .where('p.gender', '男')
      .count({ n: '*' });
    assert.equal(Number(fathersAsMothers!.n), 0);
  });

  it('binds every catalog item to an existing column of a fitting type and length', () => {
    const find = (schema: string, table: string, column: string): ColumnInfo | undefined =>
      columns.find((c) => c.table_schema === schema && c.table_name === table && c.column_name === column);
    for (const resource of catalog.resources) {
      for (const item of resource.items) {
        const at = locate(resource, item.name);
        const info = find(at.schema, at.table, at.column);
        assert.ok(info, `${resource.code}.${item.name}: no column ${at.schema}.${at.table}.${at.column}`);
        assert.ok(COLUMN_TYPES[item.type].includes(info.data_type), `${resource.code}.${item.name}: ${item.type} in a ${info.data_type}`);
        if (item.length !== undefined) assert.equal(Number(info.character_maximum_length), item.length, `${resource.code}.${item.name}`);
      }
    }
  });

  it("makes each resource's key items the primary key of its table", async () => {
    for (const resource of catalog.resources) {
      const { schema, table } = locate(resource, resource.items[0]!.name);
      const primary: string[] = await knex('information_schema.table_constraints as tc')
        .join('information_schema.key_column_usage as k', function () {
          this.on('k.constraint_name', 'tc.constraint_name').andOn('k.table_schema', 'tc.table_schema');
        })
        .where({ 'tc.table_schema': schema, 'tc.table_name': table, 'tc.constraint_type': 'PRIMARY KEY' })
        .orderBy('k.ordinal_position')
        .pluck('k.column_name');
      const keys = resource.items.filter((i) => i.key).map((i) => resource.source.binding.columns[i.name]);
      assert.deepEqual(primary, keys, resource.code);
    }
  });

  it('refuses to load the demo a second time and leaves the data as it was', async () => {
    await assert.rejects(createDemoSources(knex, { seed: SEED }), (error: unknown) => isMeridianError(error) && error.code === 'CONFLICT');
    const [row] = await knex.withSchema(DEMO_SCHEMAS.psb).from('population').count({ n: '*' });
    assert.equal(Number(row!.n), counts['dept_psb.population']);
  });
});
