/**
 * The city demo reading from the province demo (`npm run start:pair`): the
 * province's 市场监督管理局 registered in the city catalog, a GATEWAY connector
 * to the province gateway, and the city's own resources served from it. Their
 * credit code refers to the city's enterprises, so a query follows a province
 * row to the city's enterprise. The city decides and logs by its own catalog
 * and grants; the province decides again on behalf of the city department.
 */
import type { CatalogFile, ResourceInput } from '../catalog/index.js';
import type { DemoCatalogFile } from './DemoCatalogFile.js';
import { demoDepartmentCode, demoResourceByApiName } from './demoCatalog.js';
import { demoValidity, type DemoGrant } from './demoGrants.js';
import { buildProvinceCatalog, PROVINCE_API_NAMES, PROVINCE_PROVIDER } from './provinceCatalog.js';

/** The city's connector to the province gateway. */
export const PROVINCE_GATEWAY_CONNECTOR = 'zj-province-gateway';

/** The secret holding the city's GATEWAY key at the province (MERIDIAN_SECRET_DEMO_UPSTREAM_KEY). */
export const PROVINCE_UPSTREAM_SECRET = 'DEMO_UPSTREAM_KEY';

/** The city's resources served from the province: their codes in the city catalog and their apiNames. */
export const PROVINCIAL_RESOURCES = Object.freeze({
  creditRatings: { code: '208001/000001', apiName: 'provincialCreditRatings' },
  // 104001 is the city's own 企业行政处罚信息.
  seriousViolations: { code: '104003/000001', apiName: 'provincialSeriousViolations' },
});

/** The city catalog `city` plus the province provider, its gateway at `upstreamUrl`, and the resources served from it. */
export function withProvinceUpstream(city: DemoCatalogFile, upstreamUrl: string): CatalogFile {
  const enterprises = demoResourceByApiName(city, 'enterprises').code;
  const province = buildProvinceCatalog();
  const mirror = (which: keyof typeof PROVINCIAL_RESOURCES, name: string): ResourceInput => {
    const upstream = demoResourceByApiName(province, PROVINCE_API_NAMES[which]);
    const local = PROVINCIAL_RESOURCES[which];
    return {
      ...upstream,
      code: local.code,
      // A code starts with its classification: the city files its mirror where its own catalog has room.
      classification: local.code.slice(0, local.code.indexOf('/')),
      apiName: local.apiName,
      name,
      relatedResources: [enterprises],
      items: upstream.items.map((item) =>
        item.name === 'creditCode' ? { ...item, references: { resource: enterprises, item: 'creditCode', as: 'enterprise' } } : item,
      ),
      source: { connector: PROVINCE_GATEWAY_CONNECTOR, binding: { apiName: upstream.apiName } },
    };
  };
  return {
    departments: [...city.departments, PROVINCE_PROVIDER],
    connectors: [
      ...city.connectors,
      {
        id: PROVINCE_GATEWAY_CONNECTOR,
        kind: 'GATEWAY',
        department: PROVINCE_PROVIDER.code,
        config: { url: upstreamUrl, auth: { secret: PROVINCE_UPSTREAM_SECRET } },
      },
    ],
    resources: [
      ...city.resources,
      mirror('creditRatings', '企业信用评价信息（省级）'),
      mirror('seriousViolations', '严重违法失信名单（省级）'),
    ],
  };
}

/**
 * The city's grant for the conditional list served from the province: the
 * 人社局 (the city demo's CONSUMER) may ask the city for it, and the province,
 * where it holds no grant, refuses (APPLICATION_REQUIRED, passed on by the city).
 */
export function buildProvinceUpstreamGrants(city: DemoCatalogFile, now: Date): DemoGrant[] {
  return [
    {
      resourceCode: PROVINCIAL_RESOURCES.seriousViolations.code,
      consumerDepartment: demoDepartmentCode(city, 'hrss'),
      items: ['creditCode', 'enterpriseName', 'reason', 'listedOn'],
      rowScope: null,
      clearItems: [],
      maxRowsPerDay: 10_000,
      maxCallsPerMinute: 60,
      ...demoValidity(now),
      purpose: '办理社会保险业务时对严重违法失信的参保单位实施联合惩戒',
      legalBasis: '《市场监督管理严重违法失信名单管理办法》',
    },
  ];
}
