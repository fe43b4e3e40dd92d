/**
 * Creates the province demo's source tables and fills them with the generated
 * rows, as createDemoSources does for the city: for an empty database only
 * (CONFLICT when a province table exists), in one transaction.
 */
import type { Knex } from 'knex';
import { createSourceTables } from './demoSources.js';
import type { DemoDataOptions } from './generateDemoRows.js';
import { generateProvinceRows } from './provinceRows.js';
import { PROVINCE_TABLES } from './provinceTables.js';

/**
 * Creates every province demo source table and inserts its synthetic rows
 * (deterministic for a seed). Returns the row count of each table by `schema.table`.
 */
export async function createProvinceSources(knex: Knex, options: DemoDataOptions = {}): Promise<Record<string, number>> {
  // Generating first also checks the options before anything is written.
  return createSourceTables(knex, PROVINCE_TABLES, generateProvinceRows(options));
}
