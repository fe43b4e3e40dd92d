/** Registering connectors: one provider department's source, its kind fixed once created. */
import type { Knex } from 'knex';
import { meridianError, validationFailed, type Problem } from '../common/errors.js';
import { findProblems, joinPath } from '../common/validation.js';
import { notifyChange } from '../db/changeNotifications.js';
import { recordAdminAction, type Actor } from '../db/adminAudit.js';
import type { ConnectorInput } from './CatalogFile.js';
import { catalogSchemaProblems } from './catalogSchemas.js';
import type { ConnectorKind, ConnectorRecord } from './model.js';
import type { SaveOutcome } from './registerDepartment.js';
import { canonicalJson } from './canonicalJson.js';
import { isUniqueViolation } from './resourceRows.js';
import type { SourceKinds } from './SourceKinds.js';

interface ConnectorRow {
  readonly id: string;
  readonly kind: ConnectorKind;
  readonly department_code: string;
  readonly config: Record<string, unknown>;
}

/**
 * Registers a connector, or replaces the config of the one with the same id.
 * Its kind and department never change (CONFLICT); the config must match the kind's schema.
 */
export async function registerConnector(
  knex: Knex | Knex.Transaction,
  input: unknown,
  kinds: SourceKinds,
  actor: Actor,
): Promise<ConnectorRecord> {
  const schemaProblems = catalogSchemaProblems('connector', input);
  if (schemaProblems.length > 0) throw validationFailed('Connector', schemaProblems);
  const connector = toConnector(input as ConnectorInput);
  return knex.transaction(async (trx) => {
    const existing = (await loadConnectors(trx, [connector.id])).get(connector.id);
    const departmentFound = (await trx('departments').where({ code: connector.department }).first('code')) !== undefined;
    const problems = connectorProblems(connector, kinds, { has: () => departmentFound });
    if (problems.length > 0) throw validationFailed('Connector', problems);
    const fixed = fixedConnectorProblems(connector, existing);
    if (fixed.length > 0) throw meridianError('CONFLICT', { what: `Connector ${connector.id}: ${fixed.map((p) => `${p.path} ${p.message}`).join('; ')}` });
    const outcome = await saveConnector(trx, connector, existing, actor);
    if (outcome !== 'unchanged') await notifyChange(trx, 'catalog');
    return connector;
  });
}

/** The stored form of a schema-valid connector input. */
export function toConnector(input: ConnectorInput): ConnectorRecord {
  return { id: input.id, kind: input.kind, department: input.department, config: structuredClone(input.config) };
}

/** Registered connectors by id: all of them, or those named. */
export async function loadConnectors(knex: Knex | Knex.Transaction, ids: readonly string[] | null = null): Promise<Map<string, ConnectorRecord>> {
  const rows = (await knex('connectors')
    .select('id', 'kind', 'department_code', 'config')
    .modify((query) => {
      if (ids) query.whereIn('id', ids);
    })
    .orderBy('id')) as ConnectorRow[];
  return new Map(rows.map((row) => [row.id, { id: row.id, kind: row.kind, department: row.department_code, config: row.config }]));
}

/** Problems of a connector: a kind this gateway offers, a config its schema accepts, a registered department. */
export function connectorProblems(
  connector: ConnectorRecord,
  kinds: SourceKinds,
  departments: { has(code: string): boolean },
  root = '',
): Problem[] {
  const problems: Problem[] = [];
  const kind = kinds.get(connector.kind);
  if (!kind) {
    problems.push({ path: joinPath(root, 'kind'), message: `is not offered by this gateway (offered: ${[...kinds.keys()].join(', ') || 'none'})` });
  } else {
    const schemaProblems = findProblems(kind.configSchema, connector.config, joinPath(root, 'config'));
    problems.push(...schemaProblems);
    // Settings-dependent checks read fields the schema guarantees.
    if (schemaProblems.length === 0 && kind.configProblems) {
      problems.push(...kind.configProblems(connector.config).map((p) => ({ ...p, path: joinPath(joinPath(root, 'config'), p.path) })));
    }
  }
  if (!departments.has(connector.department)) {
    problems.push({ path: joinPath(root, 'department'), message: `${connector.department} is not a registered department` });
  }
  return problems;
}

/** A connector's kind and department are fixed once created: what a change would break. */
export function fixedConnectorProblems(connector: ConnectorRecord, existing: ConnectorRecord | undefined, root = ''): Problem[] {
  if (!existing) return [];
  const problems: Problem[] = [];
  if (existing.kind !== connector.kind) {
    problems.push({ path: joinPath(root, 'kind'), message: `is fixed once created: ${existing.id} is a ${existing.kind} connector` });
  }
  if (existing.department !== connector.department) {
    problems.push({ path: joinPath(root, 'department'), message: `is fixed once created: ${existing.id} belongs to ${existing.department}` });
  }
  return problems;
}

/** Inserts a validated connector or updates its config, and records the action; leaves an unchanged one alone. */
export async function saveConnector(
  trx: Knex.Transaction,
  connector: ConnectorRecord,
  existing: ConnectorRecord | undefined,
  actor: Actor,
): Promise<SaveOutcome> {
  if (existing && canonicalJson(existing.config) === canonicalJson(connector.config)) return 'unchanged';
  const config = JSON.stringify(connector.config);
  if (existing) {
    await trx('connectors').where({ id: connector.id }).update({ config, updated_at: trx.fn.now() });
  } else {
    try {
      await trx('connectors').insert({ id: connector.id, kind: connector.kind, department_code: connector.department, config });
    } catch (error) {
      if (isUniqueViolation(error)) throw meridianError('CONFLICT', { what: `Connector ${connector.id} was registered at the same time by another request; read it and retry` });
      throw error;
    }
  }
  // The config may hold secrets: the audit trail names the connector, not its settings.
  await recordAdminAction(trx, actor, 'connector.register', connector.id, { created: !existing, kind: connector.kind });
  return existing ? 'updated' : 'created';
}
