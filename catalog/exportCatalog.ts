/** Writing the catalog out as a catalog file that importCatalog reads back unchanged. */
import type { Knex } from 'knex';
import type { CatalogFile, ConnectorInput, DepartmentInput, ResourceInput } from './CatalogFile.js';
import type { ResourceDefinition } from './model.js';
import { loadConnectors } from './registerConnector.js';
import { loadDepartments } from './registerDepartment.js';
import { contentOf, loadAdminViews } from './resourceRows.js';

/**
 * Every department, every connector with its config, and per code the version
 * admins see, with its status and every default written out.
 */
export async function exportCatalog(knex: Knex | Knex.Transaction): Promise<CatalogFile> {
  const departments: DepartmentInput[] = [...(await loadDepartments(knex)).values()].map((department) => ({
    code: department.code,
    name: department.name,
    regionCode: department.regionCode,
    level: department.level,
    parent: department.parent,
  }));
  const connectors: ConnectorInput[] = [...(await loadConnectors(knex)).values()].map((connector) => ({
    id: connector.id,
    kind: connector.kind,
    department: connector.department,
    config: connector.config,
  }));
  const resources = [...(await loadAdminViews(knex, null)).values()].map(toResourceInput);
  return { departments, connectors, resources };
}

function toResourceInput(resource: ResourceDefinition): ResourceInput {
  const content = contentOf(resource);
  return {
    code: content.code,
    status: resource.status,
    classification: content.classification,
    apiName: content.apiName,
    name: content.name,
    summary: content.summary,
    provider: content.provider,
    format: content.format,
    items: content.items,
    shareType: content.shareType,
    shareCondition: content.shareCondition,
    shareMethod: content.shareMethod,
    openToPublic: content.openToPublic,
    openCondition: content.openCondition,
    updateCycle: content.updateCycle,
    grade: content.grade,
    relatedResources: [...content.relatedResources],
    source: { connector: content.source.connector, binding: content.source.binding },
  };
}
