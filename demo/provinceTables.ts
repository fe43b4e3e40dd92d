/**
 * The province demo's source tables: what 浙江省市场监督管理局's 前置机
 * database holds about the enterprises of the city demo. createProvinceSources
 * creates them; the province catalog binds its resources to these columns.
 */
import type { DemoTable } from './demoTables.js';

/** The schema of each province provider department's source database. */
export const PROVINCE_SCHEMAS = Object.freeze({
  amr: 'dept_zj_amr',
});

/** Every province demo source table, in creation (and generation) order. */
export const PROVINCE_TABLES: readonly DemoTable[] = Object.freeze([
  {
    schema: PROVINCE_SCHEMAS.amr,
    name: 'enterprise_credit_ratings',
    columns: [
      { name: 'credit_code', type: 'varchar', length: 18 },
      { name: 'enterprise_name', type: 'varchar', length: 100 },
      { name: 'rating', type: 'varchar', length: 1 },
      // numeric(14,2): a score out of 100 with two decimals, exact as a DECIMAL item needs.
      { name: 'score', type: 'money' },
      { name: 'rated_on', type: 'date' },
      { name: 'valid_until', type: 'date' },
      { name: 'agency', type: 'varchar', length: 40 },
    ],
    primaryKey: ['credit_code'],
    indexes: ['rating', 'rated_on'],
  },
  {
    schema: PROVINCE_SCHEMAS.amr,
    name: 'serious_violations',
    columns: [
      { name: 'credit_code', type: 'varchar', length: 18 },
      { name: 'enterprise_name', type: 'varchar', length: 100 },
      { name: 'reason', type: 'text' },
      { name: 'listed_on', type: 'date' },
      { name: 'decision_no', type: 'varchar', length: 40 },
      { name: 'listing_authority', type: 'varchar', length: 40 },
    ],
    primaryKey: ['credit_code'],
    indexes: ['listed_on'],
  },
]);
