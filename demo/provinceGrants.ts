/**
 * Approved grants of the province demo: its 发展和改革委员会 (the province's
 * CONSUMER key) reads the conditional 严重违法失信名单 for joint punishment
 * (联合惩戒). No city department holds a province grant, so a city gateway
 * asking for that list on behalf of one of them is refused by the province.
 */
import type { DemoCatalogFile } from './DemoCatalogFile.js';
import { demoValidity, type DemoGrant } from './demoGrants.js';
import { PROVINCE_RESOURCE_CODES, provinceDepartmentCode } from './provinceCatalog.js';

/** The province demo's approved grants, valid from `now` for one year. */
export function buildProvinceGrants(catalog: DemoCatalogFile, now: Date): DemoGrant[] {
  return [
    {
      resourceCode: PROVINCE_RESOURCE_CODES.seriousViolations,
      consumerDepartment: provinceDepartmentCode(catalog, 'drc'),
      items: ['creditCode', 'enterpriseName', 'reason', 'listedOn', 'decisionNo', 'listingAuthority'],
      rowScope: null,
      clearItems: [],
      maxRowsPerDay: 50_000,
      maxCallsPerMinute: 120,
      ...demoValidity(now),
      purpose: '对严重违法失信主体实施联合惩戒，在政府采购、财政资金安排和评优评先中限制其参与',
      legalBasis: '《浙江省公共信用信息管理条例》',
    },
  ];
}
