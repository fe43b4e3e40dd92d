/**
 * Creates the province demo's source tables and fills them with the generated
 * rows, as createDemoSources does for the city: for an empty database only
 * (CONFLICT when a province table exists), in one transaction.
 */
import type { Knex } from 'knex';
import { meridianError } from '../common/errors.js';
import type { DemoDataOptions } from './generateDemoRows.js';
import { qualifiedName, type DemoColumn, type DemoColumnType } from './demoTables.js';
import { generateProvinceRows } from './provinceRows.js';
import { PROVINCE_TABLES } from './provinceTables.js';

/** Rows per INSERT: few statements on PGlite's single connection, well under PostgreSQL's 65,535 bindings. */
const BATCH_ROWS = 500;

/** The SQL type of each demo column type. */
const SQL_TYPES: Readonly<Record<DemoColumnType, (column: DemoColumn) => string>> = {
  varchar: (column) => `varchar(${column.length ?? 255})`,
  text: () => 'text',
  date: () => 'date',
  integer: () => 'integer',
  money: () => 'numeric(14,2)',
  timestamptz: () => 'timestamptz',
};

/**
 * Creates every province demo source table and inserts its synthetic rows
 * (deterministic for a seed). Returns the row count of each table by `schema.table`.
 */
export async function createProvinceSources(knex: Knex, options: DemoDataOptions = {}): Promise<Record<string, number>> {
  // Generating first also checks the options before anything is written.
  const rows = generateProvinceRows(options);
  return knex.transaction(async (trx) => {
    for (const table of PROVINCE_TABLES) {
      if (await trx.schema.withSchema(table.schema).hasTable(table.name)) {
        throw meridianError('CONFLICT', {
          what: `Demo source table ${qualifiedName(table)} already exists; the demo data is loaded only into an empty database`,
        });
      }
    }
    for (const schema of new Set(PROVINCE_TABLES.map((table) => table.schema))) {
      await trx.schema.createSchemaIfNotExists(schema);
    }
    const counts: Record<string, number> = {};
    for (const table of PROVINCE_TABLES) {
      await trx.schema.withSchema(table.schema).createTable(table.name, (t) => {
        for (const column of table.columns) {
          const built = t.specificType(column.name, SQL_TYPES[column.type](column));
          if (column.nullable) built.nullable();
          else built.notNullable();
        }
        t.primary([...table.primaryKey]);
        for (const indexed of table.indexes) t.index([indexed]);
      });
      const tableRows = rows[qualifiedName(table)]!;
      for (let start = 0; start < tableRows.length; start += BATCH_ROWS) {
        await trx.withSchema(table.schema).insert(tableRows.slice(start, start + BATCH_ROWS)).into(table.name);
      }
      counts[qualifiedName(table)] = tableRows.length;
    }
    return counts;
  });
}
