/**
 * Which department holds the province demo's API key of each role. The
 * GATEWAY key belongs to the city's exchange operator: the city gateway of
 * `npm run start:pair` reads it from the province's demo-keys.json.
 */
import type { DemoCatalogFile } from './DemoCatalogFile.js';
import type { DemoKeyHolder } from './demoKeys.js';
import { provinceDepartmentCode, type ProvinceDepartmentKey } from './provinceCatalog.js';

/** One province demo key holder per role. */
export function provinceKeyHolders(catalog: DemoCatalogFile): DemoKeyHolder[] {
  const code = (which: ProvinceDepartmentKey): string => provinceDepartmentCode(catalog, which);
  return [
    { role: 'CONSUMER', department: code('drc'), label: '省发展改革委信用监管应用' },
    { role: 'PROVIDER_ADMIN', department: code('amr'), label: '省市场监管局数据共享审批' },
    { role: 'CATALOG_ADMIN', department: code('operator'), label: '省大数据局目录管理' },
    { role: 'AUDITOR', department: code('operator'), label: '省大数据局交换审计' },
    { role: 'GATEWAY', department: code('cityOperator'), label: '杭州市数据共享交换平台' },
  ];
}
