/**
 * Which department holds the demo API key of each role. Issuing the keys
 * (and showing them once) is the start-up code's job; this only names holders.
 */
import type { Role } from '../catalog/model.js';
import type { DemoCatalogFile } from './DemoCatalogFile.js';
import { demoDepartmentCode, type DemoDepartmentKey } from './demoCatalog.js';

export interface DemoKeyHolder {
  readonly role: Role;
  /** Code of the holding department. */
  readonly department: string;
  readonly label: string;
}

/** One demo key holder per role: the consumer is the 人社局, whose grants make conditional data flow. */
export function demoKeyHolders(catalog: DemoCatalogFile): DemoKeyHolder[] {
  const code = (which: DemoDepartmentKey): string => demoDepartmentCode(catalog, which);
  return [
    { role: 'CONSUMER', department: code('hrss'), label: '人社局数据共享应用' },
    { role: 'PROVIDER_ADMIN', department: code('psb'), label: '公安局数据共享审批' },
    { role: 'CATALOG_ADMIN', department: code('operator'), label: '数据资源管理局目录管理' },
    { role: 'AUDITOR', department: code('operator'), label: '数据资源管理局交换审计' },
    // A gateway key stands for another Meridian: the 西湖区 exchange querying for its own consumers.
    { role: 'GATEWAY', department: code('countyOperator'), label: '西湖区数据共享交换网关' },
  ];
}
