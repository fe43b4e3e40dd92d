/** The catalog: resource model, schemas, registration, lifecycle, snapshot, search, import and export. */
export * from './model.js';
export * from './conditions.js';
export type * from './CatalogFile.js';
export type { BindingItem, SourceKind, SourceKinds } from './SourceKinds.js';
export { catalogSchemas, catalogSchemaProblems, CONNECTOR_ID_PATTERN, type CatalogSchemaName } from './catalogSchemas.js';
export { CLASSIFICATION_CLASSES, classificationPath, classificationProblem } from './classification.js';
export { CONTROL_PLANE_TYPE_NAMES, DATA_TYPE_SUFFIXES, apiNameProblem } from './reservedTypeNames.js';
export { ITEM_TYPE_LETTERS, ITEM_TYPES, toItemType } from './itemTypes.js';
export {
  normalizeResource,
  type NormalizeContext,
  type NormalizeResult,
  type NormalizedResource,
  type ResourceContent,
} from './normalizeResource.js';
export { registerDepartment, type SaveOutcome } from './registerDepartment.js';
export { registerConnector } from './registerConnector.js';
export { registerResource } from './registerResource.js';
export { publishResource } from './publishResource.js';
export { deprecateResource } from './deprecateResource.js';
export { getResourceVersion } from './getResourceVersion.js';
export { loadCatalogSnapshot } from './loadCatalogSnapshot.js';
export {
  countFacets,
  searchCatalog,
  type CatalogFacets,
  type CatalogFilter,
  type FacetCount,
  type SearchOptions,
  type SearchResult,
} from './searchCatalog.js';
export { parseCatalogText } from './parseCatalogText.js';
export { serializeCatalog } from './serializeCatalog.js';
export { importCatalog, type ImportCounts, type ImportSummary } from './importCatalog.js';
export { exportCatalog } from './exportCatalog.js';
