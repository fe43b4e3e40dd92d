/** Registering departments (提供方 and 使用方): insert or update, parent first. */
import type { Knex } from 'knex';
import type { Problem } from '../common/errors.js';
import { validationFailed } from '../common/errors.js';
import { joinPath } from '../common/validation.js';
import { notifyChange } from '../db/changeNotifications.js';
import { recordAdminAction, type Actor } from '../db/adminAudit.js';
import type { DepartmentInput } from './CatalogFile.js';
import { catalogSchemaProblems } from './catalogSchemas.js';
import type { Department } from './model.js';

/** What saving did to a row. */
export type SaveOutcome = 'created' | 'updated' | 'unchanged';

interface DepartmentRow {
  readonly code: string;
  readonly name: string;
  readonly region_code: string;
  readonly level: Department['level'];
  readonly parent_code: string | null;
}

/**
 * Registers a department, or updates the one with the same code. The parent
 * must be registered and must not be the department or one below it.
 */
export async function registerDepartment(knex: Knex | Knex.Transaction, input: unknown, actor: Actor): Promise<Department> {
  const schemaProblems = catalogSchemaProblems('department', input);
  if (schemaProblems.length > 0) throw validationFailed('Department', schemaProblems);
  const department = toDepartment(input as DepartmentInput);
  return knex.transaction(async (trx) => {
    const departments = await loadDepartments(trx);
    const after = new Map(departments).set(department.code, department);
    const problems = departmentProblems(department, after);
    if (problems.length > 0) throw validationFailed('Department', problems);
    const outcome = await saveDepartment(trx, department, departments.get(department.code), actor);
    if (outcome !== 'unchanged') await notifyChange(trx, 'catalog');
    return department;
  });
}

/** The stored form of a schema-valid department input. */
export function toDepartment(input: DepartmentInput): Department {
  return { code: input.code, name: input.name, regionCode: input.regionCode, level: input.level, parent: input.parent ?? null };
}

/** Every registered department by code. */
export async function loadDepartments(knex: Knex | Knex.Transaction): Promise<Map<string, Department>> {
  const rows = (await knex('departments').select('code', 'name', 'region_code', 'level', 'parent_code').orderBy('code')) as DepartmentRow[];
  return new Map(
    rows.map((row) => [row.code, { code: row.code, name: row.name, regionCode: row.region_code, level: row.level, parent: row.parent_code }]),
  );
}

/**
 * Problems of a department's parent, given every department as it will be
 * after the change (so a cycle through the new parent shows).
 */
export function departmentProblems(department: Department, after: ReadonlyMap<string, Department>, root = ''): Problem[] {
  const path = joinPath(root, 'parent');
  if (department.parent === null) return [];
  if (department.parent === department.code) return [{ path, message: 'must not be the department itself' }];
  if (!after.has(department.parent)) return [{ path, message: `${department.parent} is not a registered department` }];
  const seen = new Set<string>();
  for (let code: string | null = department.parent; code !== null && !seen.has(code); code = after.get(code)?.parent ?? null) {
    if (code === department.code) return [{ path, message: `${department.parent} is below ${department.code}: parents must not form a cycle` }];
    seen.add(code);
  }
  return [];
}

/** Inserts or updates a validated department and records the action; leaves an unchanged one alone. */
export async function saveDepartment(
  trx: Knex.Transaction,
  department: Department,
  existing: Department | undefined,
  actor: Actor,
): Promise<SaveOutcome> {
  if (existing && sameDepartment(existing, department)) return 'unchanged';
  const row = { name: department.name, region_code: department.regionCode, level: department.level, parent_code: department.parent };
  if (existing) {
    await trx('departments').where({ code: department.code }).update({ ...row, updated_at: trx.fn.now() });
  } else {
    // A concurrent registration of the same code may have won the race: then this one updates it.
    await trx('departments')
      .insert({ code: department.code, ...row })
      .onConflict('code')
      .merge({ ...row, updated_at: trx.fn.now() });
  }
  await recordAdminAction(trx, actor, 'department.register', department.code, { created: !existing });
  return existing ? 'updated' : 'created';
}

function sameDepartment(a: Department, b: Department): boolean {
  return a.name === b.name && a.regionCode === b.regionCode && a.level === b.level && a.parent === b.parent;
}
