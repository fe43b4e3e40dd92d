/** Reading the catalog into memory: what one gateway instance serves until the next change. */
import type { Knex } from 'knex';
import type { CatalogSnapshot, ResourceDefinition } from './model.js';
import { loadConnectors } from './registerConnector.js';
import { loadDepartments } from './registerDepartment.js';
import { toResourceDefinition, type ResourceVersionRow } from './resourceRows.js';

/**
 * Loads departments, connectors and the versions the views need: per code the
 * published one, the latest, and the latest deprecated one; other versions
 * are listed by number only.
 */
export async function loadCatalogSnapshot(knex: Knex | Knex.Transaction): Promise<CatalogSnapshot> {
  const loadedAt = new Date();
  const marks = knex('resource_versions')
    .select('code')
    .max({ latest: 'version' })
    .select(knex.raw("max(version) filter (where status = 'DEPRECATED') as latest_deprecated"))
    .groupBy('code')
    .as('marks');
  // Read in this order so that nothing read later is missing from something read earlier:
  // versions name connectors and departments, and rows are never deleted.
  const rows = (await knex({ v: 'resource_versions' })
    .join(marks, 'marks.code', 'v.code')
    .where('v.status', 'PUBLISHED')
    .orWhere('v.version', knex.ref('marks.latest'))
    .orWhere('v.version', knex.ref('marks.latest_deprecated'))
    .select('v.*')
    .orderBy(['v.code', 'v.version'])) as ResourceVersionRow[];
  const numbers = (await knex('resource_versions').select('code', 'version').orderBy(['code', 'version'])) as {
    code: string;
    version: number;
  }[];
  const connectors = await loadConnectors(knex);
  const departments = await loadDepartments(knex);

  const versions = new Map<string, number[]>();
  for (const { code, version } of numbers) {
    const list = versions.get(code);
    if (list) list.push(version);
    else versions.set(code, [version]);
  }
  // Rows come in version order, so the last row of a status is its latest.
  const byCode = new Map<string, { latest: ResourceDefinition; published?: ResourceDefinition; deprecated?: ResourceDefinition }>();
  for (const row of rows) {
    const definition = toResourceDefinition(row);
    const entry = byCode.get(row.code) ?? { latest: definition };
    entry.latest = definition;
    if (definition.status === 'PUBLISHED') entry.published = definition;
    if (definition.status === 'DEPRECATED') entry.deprecated = definition;
    byCode.set(row.code, entry);
  }
  const resources = new Map<string, ResourceDefinition>();
  const visible = new Map<string, ResourceDefinition>();
  const published = new Map<string, ResourceDefinition>();
  for (const [code, entry] of byCode) {
    resources.set(code, entry.published ?? entry.latest);
    const shown = entry.published ?? entry.deprecated;
    if (shown) visible.set(code, shown);
    if (entry.published?.shareMethod === 'INTERFACE') published.set(code, entry.published);
  }
  return { departments, connectors, resources, visible, published, versions, loadedAt };
}
