/**
 * Creates the demo departments' source tables (one schema per department) in
 * a database and fills them with the generated synthetic rows. Meant for an
 * empty database only: it refuses (CONFLICT) when any demo schema already
 * holds a demo table, and runs in one transaction, so a failed run leaves
 * nothing behind and can simply be repeated.
 */
import type { Knex } from 'knex';
import { meridianError } from '../common/errors.js';
import { DEMO_TABLES, qualifiedName, type DemoColumn, type DemoTable } from './demoTables.js';
import { generateDemoRows, type DemoDataOptions, type DemoRows } from './generateDemoRows.js';

/** Rows per INSERT: few statements on PGlite's single connection, well under PostgreSQL's 65,535 bindings. */
const BATCH_ROWS = 500;

/**
 * Creates every demo source table and inserts its synthetic rows (deterministic
 * for a seed). Returns the row count of each table by `schema.table`.
 * Call it only on a database without the demo schemas' tables.
 */
export async function createDemoSources(knex: Knex, options: DemoDataOptions = {}): Promise<Record<string, number>> {
  // Generating first also checks the options before anything is written.
  return createSourceTables(knex, DEMO_TABLES, generateDemoRows(options));
}

/**
 * Creates `tables` (schemas included) and inserts their `rows` (by
 * `schema.table`), in one transaction; CONFLICT when any of them exists.
 * Returns the row count of each table by `schema.table`.
 */
export async function createSourceTables(knex: Knex, tables: readonly DemoTable[], rows: DemoRows): Promise<Record<string, number>> {
  return knex.transaction(async (trx) => {
    for (const table of tables) {
      if (await trx.schema.withSchema(table.schema).hasTable(table.name)) {
        throw meridianError('CONFLICT', {
          what: `Demo source table ${qualifiedName(table)} already exists; the demo data is loaded only into an empty database`,
        });
      }
    }
    for (const schema of new Set(tables.map((table) => table.schema))) {
      await trx.schema.createSchemaIfNotExists(schema);
    }
    const counts: Record<string, number> = {};
    for (const table of tables) {
      await trx.schema.withSchema(table.schema).createTable(table.name, (t) => {
        for (const column of table.columns) addColumn(t, column);
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

function addColumn(t: Knex.CreateTableBuilder, column: DemoColumn): void {
  const built = columnOfType(t, column);
  if (column.nullable) built.nullable();
  else built.notNullable();
}

function columnOfType(t: Knex.CreateTableBuilder, column: DemoColumn): Knex.ColumnBuilder {
  switch (column.type) {
    case 'varchar':
      return t.string(column.name, column.length);
    case 'text':
      return t.text(column.name);
    case 'date':
      return t.date(column.name);
    case 'integer':
      return t.integer(column.name);
    case 'money':
      return t.decimal(column.name, 14, 2);
    case 'timestamptz':
      return t.timestamp(column.name, { useTz: true });
  }
}
