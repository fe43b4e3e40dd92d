/**
 * GraphQL type names of the control plane. A resource's data-plane types are
 * named after its apiName (`Population`, `PopulationWhere`, ...), so an apiName
 * whose names would take one of these is refused at registration.
 * test/gateway/contract.test.ts keeps this list equal to the served control plane.
 */
import { typeNameOf } from './model.js';

export const CONTROL_PLANE_TYPE_NAMES: ReadonlySet<string> = new Set([
  'AccessExplanation', 'AdminLevel', 'ApiKeyInput', 'Application', 'ApplicationConnection', 'ApplicationEvent',
  'ApplicationFigures', 'ApplicationFilter', 'ApplicationInput', 'ApplicationStatus', 'Boolean', 'BooleanFilter',
  'CatalogFacets', 'CatalogFigures', 'CatalogFilter', 'ChainReport', 'Classification', 'Connector', 'ConnectorInput',
  'ConnectorKind', 'ConnectorState', 'Data', 'DataGrade', 'Date', 'DateFilter', 'DateTime', 'DateTimeFilter', 'Decimal',
  'DecimalFilter', 'Decision', 'DecisionInput', 'Department', 'DepartmentFigures', 'DepartmentInput', 'Direction',
  'Exchange', 'ExchangeConnection', 'ExchangeFilter', 'FacetCount', 'Float', 'FloatFilter', 'Grant', 'Granularity', 'ID',
  'IndicatorReport', 'Int', 'InterfaceFigures', 'IssuedKey', 'ItemAccess', 'ItemInput', 'ItemReference',
  'ItemReferenceInput', 'ItemType', 'JSON', 'LedgerVerification', 'Long', 'LongFilter', 'MaskInput', 'MaskKind',
  'MaskRule', 'Mutation', 'Outcome', 'PageInfo', 'Principal', 'Query', 'Resource', 'ResourceConnection',
  'ResourceFormat', 'ResourceInput', 'ResourceItem', 'ResourceStatus', 'Role', 'Sensitivity', 'SeriesPoint',
  'ShareMethod', 'ShareType', 'SourceInput', 'String', 'StringFilter', 'UpdateCycle', 'Variation', 'VolumeFigures',
]);

/** Suffixes of the types generated per resource. */
export const DATA_TYPE_SUFFIXES = ['', 'Where', 'OrderField', 'OrderBy', 'Connection'] as const;

/**
 * Why an apiName cannot name data-plane types, or null when it can. Names that
 * end in a generated suffix are refused too, so that no two resources'
 * generated names can meet (`person` + `Where` against `personWhere`).
 */
export function apiNameProblem(apiName: string): string | null {
  const suffix = DATA_TYPE_SUFFIXES.find((s) => s !== '' && apiName.length > s.length && apiName.endsWith(s));
  if (suffix) return `must not end in ${suffix}: the data plane adds that suffix to type names`;
  const taken = DATA_TYPE_SUFFIXES.map((s) => typeNameOf(apiName) + s).find((name) => CONTROL_PLANE_TYPE_NAMES.has(name));
  return taken ? `would name the data-plane type ${taken}, which the control plane already uses; choose another apiName` : null;
}
