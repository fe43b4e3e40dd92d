/** Departments, connectors and resource inputs for catalog tests, and row counts to prove nothing was written. */
import type { Knex } from 'knex';
import { creditCodeCheckChar } from '../../common/identifiers.js';
import { cliActor } from '../../db/adminAudit.js';
import {
  registerConnector,
  registerDepartment,
  type ConnectorInput,
  type DepartmentInput,
  type ItemInput,
  type ResourceInput,
} from '../../catalog/index.js';
import { testKinds } from './testSourceKinds.js';

/** A valid 统一社会信用代码 numbered `n` (11 = 机关, then a region and a serial). */
export function creditCode(n: number): string {
  const first17 = `11110000${String(n).padStart(9, '0')}`;
  return first17 + creditCodeCheckChar(first17);
}

export const POLICE = creditCode(1);
export const CIVIL = creditCode(2);
export const CITY = creditCode(3);

export const departments: readonly DepartmentInput[] = [
  { code: CITY, name: '示范市人民政府', regionCode: '110000', level: 'MUNICIPAL' },
  { code: POLICE, name: '示范市公安局', regionCode: '110000', level: 'MUNICIPAL', parent: CITY },
  { code: CIVIL, name: '示范市民政局', regionCode: '110000', level: 'MUNICIPAL', parent: CITY },
];

export const connectors: readonly ConnectorInput[] = [
  { id: 'police-db', kind: 'POSTGRES', department: POLICE, config: { url: 'postgres://police.example/db' } },
  { id: 'civil-db', kind: 'POSTGRES', department: CIVIL, config: { url: 'postgres://civil.example/db', schema: 'civil' } },
];

/** Column bindings for the items of a test resource: each item reads the column of its name. */
export function bindingFor(items: readonly ItemInput[], table: string): { table: string; columns: Record<string, string> } {
  return { table, columns: Object.fromEntries(items.map((item) => [item.name, item.name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)])) };
}

const personItems: ItemInput[] = [
  { name: 'idNumber', label: '公民身份号码', type: 'C', length: 18, key: true, filterable: true, sensitivity: 'SENSITIVE_PERSONAL', mask: { kind: 'PARTIAL', keepStart: 6, keepEnd: 4 } },
  { name: 'fullName', label: '姓名', type: 'C', sensitivity: 'PERSONAL', mask: { kind: 'NAME' } },
  { name: 'birthDate', label: '出生日期', type: 'D', sensitivity: 'PERSONAL' },
  { name: 'regionCode', label: '户籍地行政区划', type: 'STRING', filterable: true },
  { name: 'photo', label: '照片', type: 'G', shareType: 'NOT_SHARED' },
];

/** 人口基础信息 of the police: a CONDITIONAL interface resource. */
export function personInput(overrides: Partial<ResourceInput> = {}): ResourceInput {
  return {
    classification: '101001',
    apiName: 'person',
    name: '人口基础信息',
    summary: '户籍人口的身份号码、姓名、出生日期和户籍地',
    provider: POLICE,
    format: 'DATABASE',
    items: personItems,
    shareType: 'CONDITIONAL',
    shareCondition: '依据《居民身份证法》，用于政务服务身份核验',
    shareMethod: 'INTERFACE',
    openToPublic: false,
    updateCycle: 'DAILY',
    source: { connector: 'police-db', binding: bindingFor(personItems, 'person') },
    ...overrides,
  };
}

const marriageItems: ItemInput[] = [
  { name: 'certificateNo', label: '结婚证字号', type: 'C', key: true, filterable: true },
  { name: 'holderId', label: '持证人身份号码', type: 'C', filterable: true, references: { resource: '101001/000001', item: 'idNumber' } },
  { name: 'registeredOn', label: '登记日期', type: 'D', filterable: true },
];

/** 婚姻登记信息 of civil affairs, referencing the person resource (101001/000001 unless told). */
export function marriageInput(overrides: Partial<ResourceInput> = {}): ResourceInput {
  return {
    classification: '105002',
    apiName: 'marriage',
    name: '婚姻登记信息',
    summary: '结婚登记证照信息',
    provider: CIVIL,
    format: 'DATABASE',
    items: marriageItems,
    shareType: 'UNCONDITIONAL',
    shareMethod: 'INTERFACE',
    openToPublic: false,
    updateCycle: 'REALTIME',
    source: { connector: 'civil-db', binding: bindingFor(marriageItems, 'marriage') },
    ...overrides,
  };
}

/** Registers the test departments (parents first) and connectors. */
export async function seedDepartmentsAndConnectors(knex: Knex): Promise<void> {
  for (const department of departments) await registerDepartment(knex, department, cliActor);
  for (const connector of connectors) await registerConnector(knex, connector, testKinds, cliActor);
}

const CATALOG_TABLES = ['departments', 'connectors', 'resources', 'resource_versions', 'code_sequences', 'admin_audit'] as const;

/** Rows in every table the catalog writes, to compare before and after a refused change. */
export async function countCatalogRows(knex: Knex): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of CATALOG_TABLES) {
    const row = (await knex(table).count({ n: '*' }).first()) as { n: number | string };
    counts[table] = Number(row.n);
  }
  return counts;
}
