/**
 * The demo catalog of 浙江省, the upstream of the city demo: the province's
 * exchange operator, its 市场监督管理局 with the credit records of the city's
 * enterprises (an unconditional and a conditional resource), its 发展和改革委员会
 * as a consumer, and the city's exchange operator, registered so that its
 * gateway can hold a GATEWAY key and ask on behalf of the city's departments.
 */
import { meridianError } from '../common/errors.js';
import type { DemoCatalogFile, DemoDepartment, DemoResource } from './DemoCatalogFile.js';
import { boundResource, buildDemoCatalog, demoDepartmentCode, type BoundItem } from './demoCatalog.js';
import { PROVINCE_SCHEMAS } from './provinceTables.js';
import { syntheticCreditCode } from './syntheticCreditCode.js';

/** Names of the province demo's departments, by role in the demo. */
export const PROVINCE_DEPARTMENT_NAMES = Object.freeze({
  operator: '浙江省大数据发展管理局',
  amr: '浙江省市场监督管理局',
  drc: '浙江省发展和改革委员会',
  cityOperator: '杭州市数据资源管理局',
});

export type ProvinceDepartmentKey = keyof typeof PROVINCE_DEPARTMENT_NAMES;

/** The codes of the province's resources in its own catalog. */
export const PROVINCE_RESOURCE_CODES = Object.freeze({
  creditRatings: '208001/000001',
  seriousViolations: '104001/000001',
});

/** The province's data fields a city gateway reads (the apiNames of its resources). */
export const PROVINCE_API_NAMES = Object.freeze({
  creditRatings: 'creditRatings',
  seriousViolations: 'seriousViolations',
});

const PROVINCE_REGION = '330000';

// 11 = 机构编制 + 机关; fixed organization-code bodies keep the codes stable across runs.
const OPERATOR = syntheticCreditCode(`11${PROVINCE_REGION}`, 'MB195764');
const AMR = syntheticCreditCode(`11${PROVINCE_REGION}`, '00262571');
const DRC = syntheticCreditCode(`11${PROVINCE_REGION}`, '00262126');

/** The province's 市场监督管理局, as the city demo registers it when it reads from the province. */
export const PROVINCE_PROVIDER: DemoDepartment = Object.freeze({
  code: AMR,
  name: PROVINCE_DEPARTMENT_NAMES.amr,
  regionCode: PROVINCE_REGION,
  level: 'PROVINCIAL',
});

/** The code of a province demo department in `catalog`, found by its name. */
export function provinceDepartmentCode(catalog: DemoCatalogFile, which: ProvinceDepartmentKey): string {
  const department = catalog.departments.find((d) => d.name === PROVINCE_DEPARTMENT_NAMES[which]);
  if (!department) throw meridianError('NOT_FOUND', { what: 'Province demo department', id: PROVINCE_DEPARTMENT_NAMES[which] });
  return department.code;
}

/** The connector to the 市场监督管理局's source database. */
const AMR_CONNECTOR = 'zj-amr-db';

const creditCodeItem: BoundItem = {
  name: 'creditCode',
  label: '统一社会信用代码',
  type: 'STRING',
  length: 18,
  sensitivity: 'PUBLIC',
  filterable: true,
  key: true,
  column: 'credit_code',
};

const enterpriseNameItem: BoundItem = {
  name: 'enterpriseName',
  label: '企业名称',
  type: 'STRING',
  length: 100,
  sensitivity: 'PUBLIC',
  column: 'enterprise_name',
};

/** The province demo catalog file: departments, the provider's connector and its resources. */
export function buildProvinceCatalog(): DemoCatalogFile {
  const cityOperator = demoDepartmentCode(buildDemoCatalog(), 'operator');
  return {
    departments: [
      { code: OPERATOR, name: PROVINCE_DEPARTMENT_NAMES.operator, regionCode: PROVINCE_REGION, level: 'PROVINCIAL' },
      PROVINCE_PROVIDER,
      { code: DRC, name: PROVINCE_DEPARTMENT_NAMES.drc, regionCode: PROVINCE_REGION, level: 'PROVINCIAL' },
      // The city's exchange operator, below the province's: its gateway asks here for the city's departments.
      { code: cityOperator, name: PROVINCE_DEPARTMENT_NAMES.cityOperator, regionCode: '330100', level: 'MUNICIPAL', parent: OPERATOR },
    ],
    connectors: [{ id: AMR_CONNECTOR, kind: 'POSTGRES', department: AMR, config: { schema: PROVINCE_SCHEMAS.amr } }],
    resources: [creditRatings(), seriousViolations()],
  };
}

function creditRatings(): DemoResource {
  return boundResource({
    code: PROVINCE_RESOURCE_CODES.creditRatings,
    status: 'PUBLISHED',
    classification: '208001',
    apiName: PROVINCE_API_NAMES.creditRatings,
    name: '企业信用评价信息',
    summary:
      '全省市场监督管理部门按企业信用风险分类管理对在浙登记企业作出的信用评价：信用等级（A 信用风险低、B 一般、C 较高、D 高）、评价得分、评价日期、有效期和评价机构，每月更新。',
    provider: AMR,
    format: 'SERVICE_INTERFACE',
    shareType: 'UNCONDITIONAL',
    shareMethod: 'INTERFACE',
    openToPublic: false,
    updateCycle: 'MONTHLY',
    grade: 'GENERAL',
    relatedResources: [PROVINCE_RESOURCE_CODES.seriousViolations],
    connector: AMR_CONNECTOR,
    table: 'enterprise_credit_ratings',
    items: [
      creditCodeItem,
      enterpriseNameItem,
      {
        name: 'rating',
        label: '信用等级',
        type: 'STRING',
        length: 1,
        sensitivity: 'PUBLIC',
        filterable: true,
        column: 'rating',
        description: 'A 信用风险低、B 信用风险一般、C 信用风险较高、D 信用风险高',
      },
      {
        name: 'score',
        label: '评价得分',
        type: 'DECIMAL',
        sensitivity: 'INTERNAL',
        column: 'score',
        description: '百分制，保留两位小数',
      },
      { name: 'ratedOn', label: '评价日期', type: 'DATE', sensitivity: 'PUBLIC', filterable: true, column: 'rated_on' },
      { name: 'validUntil', label: '有效期至', type: 'DATE', sensitivity: 'PUBLIC', column: 'valid_until' },
      { name: 'agency', label: '评价机构', type: 'STRING', length: 40, sensitivity: 'PUBLIC', column: 'agency' },
    ],
  });
}

function seriousViolations(): DemoResource {
  return boundResource({
    code: PROVINCE_RESOURCE_CODES.seriousViolations,
    status: 'PUBLISHED',
    classification: '104001',
    apiName: PROVINCE_API_NAMES.seriousViolations,
    name: '严重违法失信名单',
    summary:
      '全省市场监督管理部门列入严重违法失信名单的企业：列入事由、列入日期、列入决定书文号和作出决定的机关，随列入决定实时更新。',
    provider: AMR,
    format: 'SERVICE_INTERFACE',
    shareType: 'CONDITIONAL',
    shareCondition:
      '依据《市场监督管理严重违法失信名单管理办法》，列入名单的办理信息仅向依法对失信主体实施信用监管和联合惩戒的部门共享；使用部门须说明惩戒措施及其依据，经省市场监督管理局审核同意后提供。',
    shareMethod: 'INTERFACE',
    openToPublic: false,
    updateCycle: 'REALTIME',
    grade: 'IMPORTANT',
    relatedResources: [PROVINCE_RESOURCE_CODES.creditRatings],
    connector: AMR_CONNECTOR,
    table: 'serious_violations',
    items: [
      creditCodeItem,
      enterpriseNameItem,
      { name: 'reason', label: '列入事由', type: 'TEXT', sensitivity: 'INTERNAL', column: 'reason' },
      { name: 'listedOn', label: '列入日期', type: 'DATE', sensitivity: 'PUBLIC', filterable: true, column: 'listed_on' },
      { name: 'decisionNo', label: '列入决定书文号', type: 'STRING', length: 40, sensitivity: 'INTERNAL', column: 'decision_no' },
      { name: 'listingAuthority', label: '作出决定机关', type: 'STRING', length: 40, sensitivity: 'PUBLIC', column: 'listing_authority' },
    ],
  });
}
