/**
 * The demo data set: what `npm start` loads into an empty database so a
 * newcomer sees a working exchange (catalog, source rows, grants, key holders);
 * a city by default, or the province upstream of it (MERIDIAN_DEMO_PROFILE=province).
 */
export { buildDemoCatalog, demoDepartmentCode, DEMO_DEPARTMENT_NAMES, type DemoDepartmentKey } from './demoCatalog.js';
export type {
  DemoBinding,
  DemoCatalogFile,
  DemoConnector,
  DemoDepartment,
  DemoItem,
  DemoItemReference,
  DemoMask,
  DemoResource,
} from './DemoCatalogFile.js';
export { createDemoSources } from './demoSources.js';
export {
  DEFAULT_DEMO_SEED,
  DEMO_BASE_COUNTS,
  generateDemoRows,
  resolveDemoOptions,
  type DemoDataOptions,
  type DemoRow,
  type DemoRows,
  type DemoValue,
} from './generateDemoRows.js';
export { DEMO_SCHEMAS, DEMO_TABLES, qualifiedName, type DemoColumn, type DemoColumnType, type DemoTable } from './demoTables.js';
export { buildDemoGrants, type DemoGrant } from './demoGrants.js';
export { demoKeyHolders, type DemoKeyHolder } from './demoKeys.js';
export { buildProvinceCatalog, provinceDepartmentCode, PROVINCE_RESOURCE_CODES, type ProvinceDepartmentKey } from './provinceCatalog.js';
export { PROVINCE_TABLES } from './provinceTables.js';
export { CREDIT_RATING_BANDS, generateProvinceRows, type CreditRating } from './provinceRows.js';
export { createProvinceSources } from './provinceSources.js';
export { buildProvinceGrants } from './provinceGrants.js';
export { provinceKeyHolders } from './provinceKeys.js';
export {
  buildProvinceUpstreamGrants,
  PROVINCE_GATEWAY_CONNECTOR,
  PROVINCE_UPSTREAM_SECRET,
  PROVINCIAL_RESOURCES,
  withProvinceUpstream,
} from './provinceUpstream.js';
