/**
 * Registering resources: every registration makes a new DRAFT version; the
 * first one of a code-less input assigns the code from its classification.
 */
import type { Knex } from 'knex';
import { meridianError, validationFailed, type Problem } from '../common/errors.js';
import { notifyChange } from '../db/changeNotifications.js';
import { recordAdminAction, type Actor } from '../db/adminAudit.js';
import type { ResourceInput } from './CatalogFile.js';
import { catalogSchemaProblems } from './catalogSchemas.js';
import type { ResourceDefinition } from './model.js';
import { normalizeResource, type NormalizeContext, type NormalizedResource } from './normalizeResource.js';
import { loadConnectors } from './registerConnector.js';
import {
  contentOf,
  isUniqueViolation,
  keyItemNames,
  loadAdminViews,
  toResourceDefinition,
  type ResourceRow,
  type ResourceVersionRow,
} from './resourceRows.js';
import type { SourceKinds } from './SourceKinds.js';

/** Highest 顺序码: six digits. */
const MAX_SEQUENCE = 999_999;

/**
 * Validates a resource input against the schema and every catalog rule and
 * stores it as a new DRAFT version (a new code when the input has none).
 */
export async function registerResource(
  knex: Knex | Knex.Transaction,
  input: unknown,
  kinds: SourceKinds,
  actor: Actor,
): Promise<ResourceDefinition> {
  const schemaProblems = catalogSchemaProblems('resource', input);
  if (schemaProblems.length > 0) throw validationFailed('Resource definition', schemaProblems);
  const resource = input as ResourceInput;
  return knex.transaction(async (trx) => {
    const result = normalizeResource(input, await loadContextFor(trx, resource, kinds));
    const problems: Problem[] = result.ok ? [] : [...result.problems];
    if (resource.status !== undefined && resource.status !== 'DRAFT') {
      problems.push({ path: 'status', message: 'must be DRAFT or absent: publishResource and deprecateResource change a status' });
    }
    if (!result.ok || problems.length > 0) throw validationFailed('Resource definition', problems);
    const definition = await saveResourceVersion(trx, result.resource, actor);
    await notifyChange(trx, 'catalog');
    return definition;
  });
}

/** Reads just the part of the catalog one schema-valid input refers to. */
async function loadContextFor(trx: Knex.Transaction, resource: ResourceInput, kinds: SourceKinds): Promise<NormalizeContext> {
  const referenced = new Set(resource.relatedResources ?? []);
  for (const item of resource.items) if (item.references) referenced.add(item.references.resource);
  const code = resource.code ?? null;
  const departments = new Set<string>(await trx('departments').where({ code: resource.provider }).pluck('code'));
  const connectors = await loadConnectors(trx, [resource.source.connector]);
  const views = await loadAdminViews(trx, [...referenced]);
  const rows = (await trx('resources')
    .select('code', 'api_name', 'provider_code')
    .where({ api_name: resource.apiName })
    .modify((query) => {
      if (code) query.orWhere({ code });
    })) as ResourceRow[];
  return {
    kinds,
    departments,
    connectors,
    resources: new Map([...views].map(([key, view]) => [key, { keyItems: keyItemNames(view) }])),
    registered: new Map(rows.filter((row) => row.code === code).map((row) => [row.code, { apiName: row.api_name, provider: row.provider_code }])),
    apiNames: new Map(rows.filter((row) => row.api_name === resource.apiName).map((row) => [row.api_name, row.code])),
  };
}

/**
 * Stores a validated definition as the next DRAFT version of its code,
 * assigning the code (or moving the sequence past a given one) when it is new.
 */
export async function saveResourceVersion(trx: Knex.Transaction, resource: NormalizedResource, actor: Actor): Promise<ResourceDefinition> {
  const code = resource.code ?? (await nextCode(trx, resource.classification));
  const existing = (await trx('resources').where({ code }).forUpdate().first()) as ResourceRow | undefined;
  if (!existing) {
    if (resource.code) await raiseSequence(trx, resource.classification, Number(resource.code.slice(resource.code.indexOf('/') + 1)));
    try {
      await trx('resources').insert({
        code,
        api_name: resource.apiName,
        provider_code: resource.provider,
        classification: resource.classification,
      });
    } catch (error) {
      // Two first registrations of one code or apiName at once: the later one finds the earlier's row.
      if (isUniqueViolation(error)) {
        throw meridianError('CONFLICT', { what: `Resource ${code} (apiName ${resource.apiName}) was registered at the same time by another request; retry` });
      }
      throw error;
    }
  }
  const last = (await trx('resource_versions').where({ code }).max({ version: 'version' }).first()) as { version: number | null };
  const version = (last.version ?? 0) + 1;
  const [row] = (await trx('resource_versions')
    .insert({
      code,
      version,
      status: 'DRAFT',
      definition: JSON.stringify(contentOf({ ...resource, code })),
      connector_id: resource.source.connector,
    })
    .returning('*')) as ResourceVersionRow[];
  await recordAdminAction(trx, actor, 'resource.register', code, { version, apiName: resource.apiName, created: !existing });
  return toResourceDefinition(row!);
}

/** Takes the next 顺序码 of a classification; the row lock serialises concurrent registrations. */
async function nextCode(trx: Knex.Transaction, classification: string): Promise<string> {
  const [row] = (await trx('code_sequences')
    .insert({ classification, last_value: 1 })
    .onConflict('classification')
    .merge({ last_value: trx.raw('code_sequences.last_value + 1') })
    .returning('last_value')) as { last_value: number }[];
  if (row!.last_value > MAX_SEQUENCE) {
    throw meridianError('CONFLICT', { what: `Classification ${classification} has used all ${MAX_SEQUENCE} sequence numbers` });
  }
  return `${classification}/${String(row!.last_value).padStart(6, '0')}`;
}

/** Moves the sequence of a classification past an imported code, so later assigned codes never collide with it. */
async function raiseSequence(trx: Knex.Transaction, classification: string, used: number): Promise<void> {
  await trx('code_sequences')
    .insert({ classification, last_value: used })
    .onConflict('classification')
    .merge({ last_value: trx.raw('greatest(code_sequences.last_value, excluded.last_value)') });
}
