/**
 * Importing a catalog file: the whole file is validated first (every problem,
 * with its path in the file), then written in one transaction: departments
 * (parents first), connectors, resource definitions, and last their statuses.
 */
import type { Knex } from 'knex';
import { validationFailed, type Problem } from '../common/errors.js';
import { notifyChange } from '../db/changeNotifications.js';
import { recordAdminAction, type Actor } from '../db/adminAudit.js';
import { canonicalJson } from './canonicalJson.js';
import type { CatalogFile, ConnectorInput, DepartmentInput, ResourceInput } from './CatalogFile.js';
import { catalogSchemaProblems } from './catalogSchemas.js';
import { deprecatePublished } from './deprecateResource.js';
import type { ConnectorRecord, Department, ResourceDefinition, ResourceStatus } from './model.js';
import { normalizeResource, type NormalizeContext, type NormalizedResource } from './normalizeResource.js';
import { publishVersion } from './publishResource.js';
import {
  connectorProblems,
  fixedConnectorProblems,
  loadConnectors,
  saveConnector,
  toConnector,
} from './registerConnector.js';
import { departmentProblems, loadDepartments, saveDepartment, toDepartment, type SaveOutcome } from './registerDepartment.js';
import { saveResourceVersion } from './registerResource.js';
import { contentOf, keyItemNames, loadAdminViews, loadLatestVersions, type ResourceRow } from './resourceRows.js';
import type { SourceKinds } from './SourceKinds.js';

export interface ImportCounts {
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
}

export interface ImportSummary {
  readonly departments: ImportCounts;
  readonly connectors: ImportCounts;
  /** created: new codes; updated: new versions of known codes; unchanged: definitions already stored. */
  readonly resources: ImportCounts;
  /** Versions the import published. */
  readonly published: number;
  /** Versions the import deprecated (superseded ones not counted). */
  readonly deprecated: number;
  /** The code of each resource of the file, in file order, assigned ones included. */
  readonly codes: readonly string[];
}

/** Reason recorded when a file asks for a resource to be DEPRECATED. */
const IMPORT_DEPRECATION_REASON = 'deprecated by catalog import';

/**
 * Validates a parsed catalog file and applies it in one transaction; throws
 * VALIDATION_FAILED with every problem, having written nothing, when it is invalid.
 */
export async function importCatalog(
  knex: Knex | Knex.Transaction,
  file: unknown,
  kinds: SourceKinds,
  actor: Actor,
): Promise<ImportSummary> {
  const schemaProblems = catalogSchemaProblems('catalogFile', file);
  if (file === null || typeof file !== 'object' || Array.isArray(file)) throw validationFailed('Catalog file', schemaProblems);
  return knex.transaction(async (trx) => {
    const plan = await planImport(trx, file as CatalogFile, kinds, invalidEntries(schemaProblems));
    const problems = [...schemaProblems, ...plan.problems];
    if (problems.length > 0) throw validationFailed('Catalog file', problems);
    const summary = await applyImport(trx, plan, actor);
    await recordAdminAction(trx, actor, 'catalog.import', 'catalog', {
      departments: summary.departments,
      connectors: summary.connectors,
      resources: summary.resources,
      published: summary.published,
      deprecated: summary.deprecated,
    });
    await notifyChange(trx, 'catalog');
    return summary;
  });
}

interface ImportPlan {
  readonly problems: Problem[];
  /** Parents before children. */
  readonly departments: readonly Department[];
  readonly storedDepartments: ReadonlyMap<string, Department>;
  readonly connectors: readonly ConnectorRecord[];
  readonly storedConnectors: ReadonlyMap<string, ConnectorRecord>;
  readonly resources: readonly { readonly resource: NormalizedResource; readonly status: ResourceStatus }[];
  readonly registered: ReadonlySet<string>;
  readonly adminViews: ReadonlyMap<string, ResourceDefinition>;
  readonly latest: ReadonlyMap<string, ResourceDefinition>;
}

/** Validates every entry against the stored catalog as the file will leave it; reads, never writes. */
async function planImport(trx: Knex.Transaction, file: CatalogFile, kinds: SourceKinds, invalid: ReadonlySet<string>): Promise<ImportPlan> {
  const problems: Problem[] = [];
  const storedDepartments = await loadDepartments(trx);
  const storedConnectors = await loadConnectors(trx);
  const rows = (await trx('resources').select('code', 'api_name', 'provider_code')) as ResourceRow[];
  const adminViews = await loadAdminViews(trx, null);
  const latest = await loadLatestVersions(trx);

  const departmentEntries = validEntries<DepartmentInput>(file.departments, 'departments', invalid);
  const afterDepartments = new Map(storedDepartments);
  const afterConnectors = new Map(storedConnectors);
  addStandIns(file, invalid, afterDepartments, afterConnectors);
  const departments = firstOfEach(departmentEntries, (input) => input.code, 'code', problems).map(({ input, root }) => {
    const department = toDepartment(input);
    afterDepartments.set(department.code, department);
    return { department, root };
  });
  for (const { department, root } of departments) problems.push(...departmentProblems(department, afterDepartments, root));

  const connectorEntries = validEntries<ConnectorInput>(file.connectors, 'connectors', invalid);
  const connectors = firstOfEach(connectorEntries, (input) => input.id, 'id', problems).map(({ input, root }) => {
    const connector = toConnector(input);
    problems.push(...connectorProblems(connector, kinds, afterDepartments, root));
    problems.push(...fixedConnectorProblems(connector, storedConnectors.get(connector.id), root));
    afterConnectors.set(connector.id, connector);
    return connector;
  });

  // Resources of the file may refer to each other in any order: the context holds them all from the start.
  const keyItems = new Map([...adminViews].map(([code, view]) => [code, { keyItems: keyItemNames(view) }]));
  for (const entry of asList(file.resources)) {
    const code = (entry as { code?: unknown } | null)?.code;
    if (typeof code === 'string') keyItems.set(code, { keyItems: declaredKeyItems(entry) });
  }
  const context: NormalizeContext = {
    kinds,
    departments: afterDepartments,
    connectors: afterConnectors,
    resources: keyItems,
    registered: new Map(rows.map((row) => [row.code, { apiName: row.api_name, provider: row.provider_code }])),
    apiNames: new Map(rows.map((row) => [row.api_name, row.code])),
  };
  const resourceEntries = validEntries<ResourceInput>(file.resources, 'resources', invalid);
  const distinctCodes = firstOfEach(resourceEntries, (input) => input.code ?? null, 'code', problems);
  const distinct = firstOfEach(distinctCodes, (input) => input.apiName, 'apiName', problems);
  const resources: { resource: NormalizedResource; status: ResourceStatus }[] = [];
  for (const { input, root } of distinct) {
    const result = normalizeResource(input, context, root);
    if (result.ok) resources.push({ resource: result.resource, status: input.status ?? 'DRAFT' });
    else problems.push(...result.problems);
  }

  return {
    problems,
    departments: parentsFirst(departments.map(({ department }) => department)),
    storedDepartments,
    connectors,
    storedConnectors,
    resources,
    registered: new Set(rows.map((row) => row.code)),
    adminViews,
    latest,
  };
}

/** Writes a validated plan: definitions first, statuses last, so references never wait on order. */
async function applyImport(trx: Knex.Transaction, plan: ImportPlan, actor: Actor): Promise<ImportSummary> {
  const departments = counter();
  for (const department of plan.departments) {
    departments.add(await saveDepartment(trx, department, plan.storedDepartments.get(department.code), actor));
  }
  const connectors = counter();
  for (const connector of plan.connectors) {
    connectors.add(await saveConnector(trx, connector, plan.storedConnectors.get(connector.id), actor));
  }
  const resources = counter();
  const targets: { version: ResourceDefinition; status: ResourceStatus }[] = [];
  // Given codes first: they move the sequences, so codes assigned afterwards cannot take one of them.
  const order = plan.resources.map((_, index) => index).sort((a, b) => hasCode(plan, b) - hasCode(plan, a));
  for (const index of order) {
    const { resource, status } = plan.resources[index]!;
    let version = storedMatch(plan, resource, status);
    if (version) {
      resources.add('unchanged');
    } else {
      version = await saveResourceVersion(trx, resource, actor);
      resources.add(resource.code !== null && plan.registered.has(resource.code) ? 'updated' : 'created');
    }
    targets[index] = { version, status };
  }
  let published = 0;
  let deprecated = 0;
  for (const { version, status } of targets) {
    if (status === 'DRAFT' || version.status === status) continue;
    if (version.status === 'DRAFT') {
      await publishVersion(trx, version.code, version.version, actor);
      published += 1;
    }
    if (status === 'DEPRECATED') {
      await deprecatePublished(trx, version.code, IMPORT_DEPRECATION_REASON, actor);
      deprecated += 1;
    }
  }
  return {
    departments: departments.counts,
    connectors: connectors.counts,
    resources: resources.counts,
    published,
    deprecated,
    codes: targets.map(({ version }) => version.code),
  };
}

/**
 * The stored version equal to a file definition: the version admins see, or a
 * newer draft. A deprecated one does not count when the file asks to publish
 * it, since a deprecated version is never published again.
 */
function storedMatch(plan: ImportPlan, resource: NormalizedResource, status: ResourceStatus): ResourceDefinition | undefined {
  if (resource.code === null) return undefined;
  const wanted = canonicalJson(contentOf({ ...resource, code: resource.code }));
  const view = plan.adminViews.get(resource.code);
  const latest = plan.latest.get(resource.code);
  const candidates = [view, latest?.status === 'DRAFT' ? latest : undefined];
  return candidates.find(
    (candidate) =>
      candidate !== undefined &&
      !(candidate.status === 'DEPRECATED' && status === 'PUBLISHED') &&
      canonicalJson(contentOf(candidate)) === wanted,
  );
}

/**
 * Entries the schema refused still name a department or connector: stand-ins
 * for them keep entries that refer to them from reporting them missing as well.
 * They are never written, since a refused entry fails the whole import.
 */
function addStandIns(
  file: CatalogFile,
  invalid: ReadonlySet<string>,
  departments: Map<string, Department>,
  connectors: Map<string, ConnectorRecord>,
): void {
  asList(file.departments).forEach((entry, index) => {
    const { code, parent } = (entry ?? {}) as { code?: unknown; parent?: unknown };
    if (!invalid.has(`departments[${index}]`) || typeof code !== 'string' || departments.has(code)) return;
    departments.set(code, { code, name: code, regionCode: '', level: 'COUNTY', parent: typeof parent === 'string' ? parent : null });
  });
  asList(file.connectors).forEach((entry, index) => {
    const { id, kind, department } = (entry ?? {}) as { id?: unknown; kind?: unknown; department?: unknown };
    if (!invalid.has(`connectors[${index}]`) || typeof id !== 'string' || connectors.has(id)) return;
    if (typeof department !== 'string' || !(kind === 'POSTGRES' || kind === 'HTTP' || kind === 'GATEWAY')) return;
    connectors.set(id, { id, kind, department, config: {} });
  });
}

function hasCode(plan: ImportPlan, index: number): number {
  return plan.resources[index]!.resource.code === null ? 0 : 1;
}

interface Entry<T> {
  readonly input: T;
  readonly root: string;
}

/** The entries of a section that passed the schema, with their paths. */
function validEntries<T>(section: unknown, name: string, invalid: ReadonlySet<string>): Entry<T>[] {
  return asList(section)
    .map((input, index) => ({ input: input as T, root: `${name}[${index}]` }))
    .filter(({ root }) => !invalid.has(root));
}

/** Keeps the first entry of each key and reports the later ones; null keys are never duplicates. */
function firstOfEach<T>(entries: readonly Entry<T>[], keyOf: (input: T) => string | null, field: string, problems: Problem[]): Entry<T>[] {
  const first = new Map<string, string>();
  return entries.filter(({ input, root }) => {
    const key = keyOf(input);
    if (key === null) return true;
    const earlier = first.get(key);
    if (earlier === undefined) {
      first.set(key, root);
      return true;
    }
    problems.push({ path: `${root}.${field}`, message: `${key} is also used by ${earlier}` });
    return false;
  });
}

/** Entries named by schema problems (`resources[3]` for `resources[3].items[2].type`). */
function invalidEntries(problems: readonly Problem[]): Set<string> {
  const invalid = new Set<string>();
  for (const { path } of problems) {
    const match = /^(departments|connectors|resources)\[\d+\]/.exec(path);
    if (match) invalid.add(match[0]);
  }
  return invalid;
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Key item names of an entry that may not have passed the schema: references to it should not fail on its account. */
function declaredKeyItems(entry: unknown): string[] {
  const items = asList((entry as { items?: unknown }).items);
  return items.flatMap((item) => {
    const { name, key } = (item ?? {}) as { name?: unknown; key?: unknown };
    return key === true && typeof name === 'string' ? [name] : [];
  });
}

function parentsFirst(departments: readonly Department[]): Department[] {
  const byCode = new Map(departments.map((department) => [department.code, department]));
  const ordered: Department[] = [];
  const placed = new Set<string>();
  const place = (department: Department): void => {
    if (placed.has(department.code)) return;
    placed.add(department.code);
    const parent = department.parent === null ? undefined : byCode.get(department.parent);
    if (parent) place(parent);
    ordered.push(department);
  };
  departments.forEach(place);
  return ordered;
}

function counter(): { counts: { created: number; updated: number; unchanged: number }; add(outcome: SaveOutcome): void } {
  const counts = { created: 0, updated: 0, unchanged: 0 };
  return { counts, add: (outcome) => (counts[outcome] += 1) };
}
