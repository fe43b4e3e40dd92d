/**
 * The demo catalog of 杭州市: the exchange operator, four provider departments
 * with one source connector each, and their information resources covering
 * every share type, many sensitivities and masks, related resources, a FILE
 * resource (no data field) and a DRAFT. Loaded on an empty database so a
 * newcomer sees a working exchange.
 */
import { meridianError } from '../common/errors.js';
import type { DemoCatalogFile, DemoDepartment, DemoItem, DemoResource } from './DemoCatalogFile.js';
import { DEMO_SCHEMAS } from './demoTables.js';
import { syntheticCreditCode } from './syntheticCreditCode.js';

/** Names of the demo departments, by role in the demo. */
export const DEMO_DEPARTMENT_NAMES = Object.freeze({
  operator: '杭州市数据资源管理局',
  psb: '杭州市公安局',
  amr: '杭州市市场监督管理局',
  hrss: '杭州市人力资源和社会保障局',
  hwc: '杭州市卫生健康委员会',
  countyOperator: '杭州市西湖区数据资源管理局',
});

export type DemoDepartmentKey = keyof typeof DEMO_DEPARTMENT_NAMES;

/** The code of a demo department in `catalog`, found by its name. */
export function demoDepartmentCode(catalog: DemoCatalogFile, which: DemoDepartmentKey): string {
  const department = catalog.departments.find((d) => d.name === DEMO_DEPARTMENT_NAMES[which]);
  if (!department) throw meridianError('NOT_FOUND', { what: 'Demo department', id: DEMO_DEPARTMENT_NAMES[which] });
  return department.code;
}

/** The resource of a demo catalog (the city's or the province's) with `apiName`. */
export function demoResourceByApiName(catalog: DemoCatalogFile, apiName: string): DemoResource {
  const resource = catalog.resources.find((r) => r.apiName === apiName);
  if (!resource) throw meridianError('NOT_FOUND', { what: 'Demo resource', id: apiName });
  return resource;
}

const CITY_REGION = '330100';
const XIHU_REGION = '330106';

// 11 = 机构编制 + 机关; fixed organization-code bodies keep the codes stable across runs.
const OPERATOR = syntheticCreditCode(`11${CITY_REGION}`, 'MB167392');
const PSB = syntheticCreditCode(`11${CITY_REGION}`, '00248117');
const AMR = syntheticCreditCode(`11${CITY_REGION}`, '00248274');
const HRSS = syntheticCreditCode(`11${CITY_REGION}`, '00248303');
const HWC = syntheticCreditCode(`11${CITY_REGION}`, '00248346');
const COUNTY_OPERATOR = syntheticCreditCode(`11${XIHU_REGION}`, 'MB183615');

const CODES = {
  population: '101001/000001',
  enterprises: '102001/000001',
  administrativePenalties: '104001/000001',
  abnormalOperations: '104002/000001',
  birthCertificates: '105001/000001',
  medicalInstitutions: '202001/000001',
  infectiousDiseaseReports: '202002/000001',
  socialInsurance: '203001/000001',
  employment: '203002/000001',
  unemploymentBenefits: '203003/000001',
} as const;

const ID_NUMBER_MASK = { kind: 'PARTIAL', keepStart: 6, keepEnd: 4 } as const;
const PHONE_MASK = { kind: 'PARTIAL', keepStart: 3, keepEnd: 4 } as const;
const NAME_MASK = { kind: 'NAME' } as const;
const GENERALIZE = { kind: 'GENERALIZE' } as const;

/** An item with the source column it is read from. */
export type BoundItem = DemoItem & { readonly column: string };

type ResourceSpec = Omit<DemoResource, 'items' | 'source'> & {
  readonly connector: string;
  readonly table: string;
  readonly items: readonly BoundItem[];
};

/** A resource whose binding maps every item to its column: both come from one list, so they cannot drift apart. */
export function boundResource({ connector, table, items, ...resource }: ResourceSpec): DemoResource {
  return {
    ...resource,
    items: items.map(({ column: _column, ...item }) => item),
    source: { connector, binding: { table, columns: Object.fromEntries(items.map((i) => [i.name, i.column])) } },
  };
}

const regionItem = (label: string): BoundItem => ({
  name: 'regionCode',
  label,
  type: 'STRING',
  length: 6,
  sensitivity: 'PUBLIC',
  filterable: true,
  column: 'region_code',
  description: '6 位行政区划代码（GB/T 2260）',
});

/** The demo catalog file: departments, connectors and resources of 杭州市. */
export function buildDemoCatalog(): DemoCatalogFile {
  const departments: DemoDepartment[] = [
    { code: OPERATOR, name: DEMO_DEPARTMENT_NAMES.operator, regionCode: CITY_REGION, level: 'MUNICIPAL' },
    { code: PSB, name: DEMO_DEPARTMENT_NAMES.psb, regionCode: CITY_REGION, level: 'MUNICIPAL' },
    { code: AMR, name: DEMO_DEPARTMENT_NAMES.amr, regionCode: CITY_REGION, level: 'MUNICIPAL' },
    { code: HRSS, name: DEMO_DEPARTMENT_NAMES.hrss, regionCode: CITY_REGION, level: 'MUNICIPAL' },
    { code: HWC, name: DEMO_DEPARTMENT_NAMES.hwc, regionCode: CITY_REGION, level: 'MUNICIPAL' },
    {
      code: COUNTY_OPERATOR,
      name: DEMO_DEPARTMENT_NAMES.countyOperator,
      regionCode: XIHU_REGION,
      level: 'COUNTY',
      parent: OPERATOR,
    },
  ];
  const connectors = [
    { id: 'psb-db', kind: 'POSTGRES', department: PSB, config: { schema: DEMO_SCHEMAS.psb } },
    { id: 'amr-db', kind: 'POSTGRES', department: AMR, config: { schema: DEMO_SCHEMAS.amr } },
    { id: 'hrss-db', kind: 'POSTGRES', department: HRSS, config: { schema: DEMO_SCHEMAS.hrss } },
    { id: 'hwc-db', kind: 'POSTGRES', department: HWC, config: { schema: DEMO_SCHEMAS.hwc } },
  ] as const;
  return {
    departments,
    connectors,
    resources: [
      population(),
      enterprises(),
      administrativePenalties(),
      abnormalOperations(),
      socialInsurance(),
      employment(),
      unemploymentBenefits(),
      medicalInstitutions(),
      birthCertificates(),
      infectiousDiseaseReports(),
    ],
  };
}

function population(): DemoResource {
  return boundResource({
    code: CODES.population,
    status: 'PUBLISHED',
    classification: '101001',
    apiName: 'population',
    name: '人口基本信息',
    summary: '本市户籍人口的公民身份号码、姓名、性别、出生日期、民族和户籍地址等基本信息，由市公安局户籍管理系统每日更新。',
    provider: PSB,
    format: 'DATABASE',
    shareType: 'CONDITIONAL',
    shareCondition:
      '依据《中华人民共和国个人信息保护法》和《政务信息资源共享管理暂行办法》，仅向因履行法定职责确需使用的部门共享；使用部门须说明用途和法律依据，经市公安局审核同意后按最小必要原则提供。',
    shareMethod: 'INTERFACE',
    openToPublic: false,
    updateCycle: 'DAILY',
    grade: 'IMPORTANT',
    connector: 'psb-db',
    table: 'population',
    items: [
      {
        name: 'idNumber',
        label: '公民身份号码',
        type: 'STRING',
        length: 18,
        sensitivity: 'PERSONAL',
        mask: ID_NUMBER_MASK,
        filterable: true,
        key: true,
        column: 'id_number',
      },
      { name: 'name', label: '姓名', type: 'STRING', length: 32, sensitivity: 'PERSONAL', mask: NAME_MASK, column: 'name' },
      { name: 'gender', label: '性别', type: 'STRING', length: 2, sensitivity: 'INTERNAL', column: 'gender', description: '男、女' },
      {
        name: 'birthDate',
        label: '出生日期',
        type: 'DATE',
        sensitivity: 'PERSONAL',
        mask: GENERALIZE,
        filterable: true,
        column: 'birth_date',
      },
      { name: 'ethnicity', label: '民族', type: 'STRING', length: 16, sensitivity: 'SENSITIVE_PERSONAL', column: 'ethnicity' },
      {
        name: 'householdAddress',
        label: '户籍地址',
        type: 'TEXT',
        sensitivity: 'PERSONAL',
        mask: GENERALIZE,
        column: 'household_address',
      },
      {
        name: 'householdRegion',
        label: '户籍地行政区划代码',
        type: 'STRING',
        length: 6,
        sensitivity: 'INTERNAL',
        filterable: true,
        column: 'household_region',
      },
    ],
  });
}

function enterprises(): DemoResource {
  return boundResource({
    code: CODES.enterprises,
    status: 'PUBLISHED',
    classification: '102001',
    apiName: 'enterprises',
    name: '企业登记信息',
    summary: '在本市登记的企业的统一社会信用代码、名称、类型、法定代表人、注册资本、成立日期、登记状态、住所和行业门类，随登记业务实时更新。',
    provider: AMR,
    format: 'SERVICE_INTERFACE',
    shareType: 'UNCONDITIONAL',
    shareMethod: 'INTERFACE',
    openToPublic: false,
    updateCycle: 'REALTIME',
    grade: 'GENERAL',
    relatedResources: [CODES.administrativePenalties, CODES.abnormalOperations],
    connector: 'amr-db',
    table: 'enterprises',
    items: [
      {
        name: 'creditCode',
        label: '统一社会信用代码',
        type: 'STRING',
        length: 18,
        sensitivity: 'PUBLIC',
        filterable: true,
        key: true,
        column: 'credit_code',
      },
      { name: 'name', label: '企业名称', type: 'STRING', length: 100, sensitivity: 'PUBLIC', column: 'name' },
      { name: 'enterpriseType', label: '企业类型', type: 'STRING', length: 50, sensitivity: 'PUBLIC', column: 'enterprise_type' },
      {
        name: 'legalRepName',
        label: '法定代表人姓名',
        type: 'STRING',
        length: 32,
        sensitivity: 'PERSONAL',
        mask: NAME_MASK,
        column: 'legal_rep_name',
      },
      {
        name: 'legalRepIdNumber',
        label: '法定代表人身份证件号码',
        type: 'STRING',
        length: 18,
        shareType: 'CONDITIONAL',
        sensitivity: 'PERSONAL',
        mask: ID_NUMBER_MASK,
        references: { resource: CODES.population, item: 'idNumber', as: 'legalRepresentative' },
        column: 'legal_rep_id_number',
        description: '有条件共享：涉及个人信息，须经市市场监督管理局审核同意',
      },
      { name: 'registeredCapital', label: '注册资本（万元）', type: 'MONEY', sensitivity: 'PUBLIC', column: 'registered_capital' },
      { name: 'establishedOn', label: '成立日期', type: 'DATE', sensitivity: 'PUBLIC', filterable: true, column: 'established_on' },
      {
        name: 'status',
        label: '登记状态',
        type: 'STRING',
        length: 8,
        sensitivity: 'PUBLIC',
        filterable: true,
        column: 'status',
        description: '存续、注销、吊销、迁出',
      },
      { name: 'address', label: '住所', type: 'TEXT', sensitivity: 'PUBLIC', column: 'address' },
      regionItem('住所所在地行政区划代码'),
      {
        name: 'industryCategory',
        label: '行业门类',
        type: 'STRING',
        length: 1,
        sensitivity: 'PUBLIC',
        filterable: true,
        column: 'industry_category',
        description: 'GB/T 4754—2017 国民经济行业分类门类代码，如 I 为信息传输、软件和信息技术服务业',
      },
      {
        name: 'phone',
        label: '联系电话',
        type: 'STRING',
        length: 11,
        sensitivity: 'PERSONAL',
        mask: PHONE_MASK,
        column: 'phone',
      },
    ],
  });
}

function administrativePenalties(): DemoResource {
  return boundResource({
    code: CODES.administrativePenalties,
    status: 'PUBLISHED',
    classification: '104001',
    apiName: 'administrativePenalties',
    name: '企业行政处罚信息',
    summary: '市、区两级市场监督管理部门对企业作出的行政处罚决定：文书号、违法行为类型、处罚依据、处罚类别、罚款金额和处罚日期，在公示期内共享。',
    provider: AMR,
    format: 'SERVICE_INTERFACE',
    shareType: 'UNCONDITIONAL',
    shareMethod: 'INTERFACE',
    openToPublic: false,
    updateCycle: 'DAILY',
    grade: 'GENERAL',
    relatedResources: [CODES.enterprises],
    connector: 'amr-db',
    table: 'administrative_penalties',
    items: [
      {
        name: 'decisionNo',
        label: '行政处罚决定书文号',
        type: 'STRING',
        length: 40,
        sensitivity: 'PUBLIC',
        filterable: true,
        key: true,
        column: 'decision_no',
      },
      {
        name: 'creditCode',
        label: '统一社会信用代码',
        type: 'STRING',
        length: 18,
        sensitivity: 'PUBLIC',
        filterable: true,
        references: { resource: CODES.enterprises, item: 'creditCode', as: 'enterprise' },
        column: 'credit_code',
      },
      { name: 'enterpriseName', label: '企业名称', type: 'STRING', length: 100, sensitivity: 'PUBLIC', column: 'enterprise_name' },
      {
        name: 'violationType',
        label: '违法行为类型',
        type: 'STRING',
        length: 32,
        sensitivity: 'PUBLIC',
        filterable: true,
        column: 'violation_type',
      },
      { name: 'legalBasis', label: '处罚依据', type: 'TEXT', sensitivity: 'PUBLIC', column: 'legal_basis' },
      { name: 'penaltyType', label: '处罚类别', type: 'STRING', length: 16, sensitivity: 'PUBLIC', column: 'penalty_type' },
      {
        name: 'fineAmount',
        label: '罚款金额（元）',
        type: 'MONEY',
        sensitivity: 'PUBLIC',
        column: 'fine_amount',
        description: '仅警告的处罚为空',
      },
      { name: 'decidedOn', label: '处罚决定日期', type: 'DATE', sensitivity: 'PUBLIC', filterable: true, column: 'decided_on' },
      { name: 'authority', label: '处罚机关', type: 'STRING', length: 40, sensitivity: 'PUBLIC', column: 'authority' },
      { name: 'publicUntil', label: '公示截止日期', type: 'DATE', sensitivity: 'PUBLIC', column: 'public_until' },
      regionItem('企业住所所在地行政区划代码'),
    ],
  });
}

function abnormalOperations(): DemoResource {
  return boundResource({
    code: CODES.abnormalOperations,
    status: 'PUBLISHED',
    classification: '104002',
    apiName: 'abnormalOperations',
    name: '经营异常名录',
    summary: '被列入经营异常名录的企业、列入原因和决定机关，以及移出日期和原因。按月以电子表格文件方式共享，不提供数据接口。',
    provider: AMR,
    format: 'SPREADSHEET',
    shareType: 'UNCONDITIONAL',
    shareMethod: 'FILE',
    openToPublic: false,
    updateCycle: 'MONTHLY',
    grade: 'GENERAL',
    relatedResources: [CODES.enterprises],
    connector: 'amr-db',
    table: 'abnormal_operations',
    items: [
      {
        name: 'creditCode',
        label: '统一社会信用代码',
        type: 'STRING',
        length: 18,
        sensitivity: 'PUBLIC',
        filterable: true,
        key: true,
        references: { resource: CODES.enterprises, item: 'creditCode', as: 'enterprise' },
        column: 'credit_code',
      },
      {
        name: 'listedOn',
        label: '列入日期',
        type: 'DATE',
        sensitivity: 'PUBLIC',
        filterable: true,
        key: true,
        column: 'listed_on',
      },
      { name: 'enterpriseName', label: '企业名称', type: 'STRING', length: 100, sensitivity: 'PUBLIC', column: 'enterprise_name' },
      { name: 'reason', label: '列入经营异常名录原因', type: 'TEXT', sensitivity: 'PUBLIC', column: 'reason' },
      {
        name: 'listingAuthority',
        label: '作出决定机关',
        type: 'STRING',
        length: 40,
        sensitivity: 'PUBLIC',
        column: 'listing_authority',
      },
      { name: 'removedOn', label: '移出日期', type: 'DATE', sensitivity: 'PUBLIC', column: 'removed_on' },
      { name: 'removalReason', label: '移出原因', type: 'TEXT', sensitivity: 'PUBLIC', column: 'removal_reason' },
      regionItem('企业住所所在地行政区划代码'),
    ],
  });
}

function socialInsurance(): DemoResource {
  return boundResource({
    code: CODES.socialInsurance,
    status: 'PUBLISHED',
    classification: '203001',
    apiName: 'socialInsurance',
    name: '社会保险参保信息',
    summary: '本市职工参加企业职工基本养老保险、职工基本医疗保险、失业保险和工伤保险的险种、参保状态、缴费基数、参保单位和参保日期，每个险种一条记录。',
    provider: HRSS,
    format: 'DATABASE',
    shareType: 'CONDITIONAL',
    shareCondition:
      '涉及个人社会保险权益信息，依据《中华人民共和国社会保险法》关于社会保险信息保密的规定，仅向因履行法定职责需要的部门共享，经市人力资源和社会保障局审核同意后提供。',
    shareMethod: 'INTERFACE',
    openToPublic: false,
    updateCycle: 'DAILY',
    grade: 'IMPORTANT',
    relatedResources: [CODES.population, CODES.enterprises],
    connector: 'hrss-db',
    table: 'social_insurance',
    items: [
      {
        name: 'idNumber',
        label: '公民身份号码',
        type: 'STRING',
        length: 18,
        sensitivity: 'PERSONAL',
        mask: ID_NUMBER_MASK,
        filterable: true,
        key: true,
        references: { resource: CODES.population, item: 'idNumber', as: 'person' },
        column: 'id_number',
      },
      {
        name: 'insuranceType',
        label: '参保险种',
        type: 'STRING',
        length: 16,
        sensitivity: 'INTERNAL',
        filterable: true,
        key: true,
        column: 'insurance_type',
        description: '企业职工基本养老保险、职工基本医疗保险、失业保险、工伤保险',
      },
      { name: 'name', label: '姓名', type: 'STRING', length: 32, sensitivity: 'PERSONAL', mask: NAME_MASK, column: 'name' },
      {
        name: 'status',
        label: '参保状态',
        type: 'STRING',
        length: 8,
        sensitivity: 'INTERNAL',
        filterable: true,
        column: 'status',
        description: '正常参保、暂停参保、终止参保',
      },
      {
        name: 'contributionBase',
        label: '缴费基数（元/月）',
        type: 'MONEY',
        sensitivity: 'PERSONAL',
        mask: { kind: 'REDACT' },
        column: 'contribution_base',
      },
      {
        name: 'employerCreditCode',
        label: '参保单位统一社会信用代码',
        type: 'STRING',
        length: 18,
        sensitivity: 'PUBLIC',
        filterable: true,
        references: { resource: CODES.enterprises, item: 'creditCode', as: 'employer' },
        column: 'employer_credit_code',
      },
      { name: 'employerName', label: '参保单位名称', type: 'STRING', length: 100, sensitivity: 'PUBLIC', column: 'employer_name' },
      {
        name: 'firstInsuredOn',
        label: '参保日期',
        type: 'DATE',
        sensitivity: 'INTERNAL',
        filterable: true,
        column: 'first_insured_on',
      },
      regionItem('参保地行政区划代码'),
    ],
  });
}

function employment(): DemoResource {
  return boundResource({
    code: CODES.employment,
    status: 'PUBLISHED',
    classification: '203002',
    apiName: 'employment',
    name: '就业登记信息',
    summary: '劳动者在本市办理的就业登记：登记编号、就业形式、用人单位、职业、登记日期和就业状态。劳动者身份号码有条件共享。',
    provider: HRSS,
    format: 'SERVICE_INTERFACE',
    shareType: 'UNCONDITIONAL',
    shareMethod: 'INTERFACE',
    openToPublic: false,
    updateCycle: 'DAILY',
    grade: 'GENERAL',
    relatedResources: [CODES.population, CODES.enterprises],
    connector: 'hrss-db',
    table: 'employment',
    items: [
      {
        name: 'registrationNo',
        label: '就业登记编号',
        type: 'STRING',
        length: 20,
        sensitivity: 'INTERNAL',
        filterable: true,
        key: true,
        column: 'registration_no',
      },
      {
        name: 'idNumber',
        label: '公民身份号码',
        type: 'STRING',
        length: 18,
        shareType: 'CONDITIONAL',
        sensitivity: 'PERSONAL',
        mask: ID_NUMBER_MASK,
        references: { resource: CODES.population, item: 'idNumber', as: 'person' },
        column: 'id_number',
        description: '有条件共享：须经市人力资源和社会保障局审核同意',
      },
      { name: 'name', label: '姓名', type: 'STRING', length: 32, sensitivity: 'PERSONAL', mask: NAME_MASK, column: 'name' },
      { name: 'phone', label: '联系电话', type: 'STRING', length: 11, sensitivity: 'PERSONAL', mask: PHONE_MASK, column: 'phone' },
      {
        name: 'employmentForm',
        label: '就业形式',
        type: 'STRING',
        length: 8,
        sensitivity: 'INTERNAL',
        filterable: true,
        column: 'employment_form',
        description: '单位就业、灵活就业、自主创业',
      },
      {
        name: 'employerCreditCode',
        label: '用人单位统一社会信用代码',
        type: 'STRING',
        length: 18,
        sensitivity: 'PUBLIC',
        filterable: true,
        references: { resource: CODES.enterprises, item: 'creditCode', as: 'employer' },
        column: 'employer_credit_code',
        description: '灵活就业和自主创业为空',
      },
      { name: 'employerName', label: '用人单位名称', type: 'STRING', length: 100, sensitivity: 'PUBLIC', column: 'employer_name' },
      { name: 'occupation', label: '职业', type: 'STRING', length: 16, sensitivity: 'INTERNAL', column: 'occupation' },
      { name: 'registeredOn', label: '登记日期', type: 'DATE', sensitivity: 'INTERNAL', filterable: true, column: 'registered_on' },
      {
        name: 'status',
        label: '就业状态',
        type: 'STRING',
        length: 8,
        sensitivity: 'INTERNAL',
        filterable: true,
        column: 'status',
        description: '就业、失业',
      },
      regionItem('登记地行政区划代码'),
    ],
  });
}

function unemploymentBenefits(): DemoResource {
  return boundResource({
    code: CODES.unemploymentBenefits,
    status: 'DRAFT',
    classification: '203003',
    apiName: 'unemploymentBenefits',
    name: '失业保险金申领信息',
    summary: '失业人员申领失业保险金的起始月份、领取期限、月发放标准和发放状态。目录编制中，尚未发布。',
    provider: HRSS,
    format: 'DATABASE',
    shareType: 'CONDITIONAL',
    shareCondition:
      '涉及个人社会保险待遇信息，依据《中华人民共和国社会保险法》和《失业保险条例》，经市人力资源和社会保障局审核同意后向履行法定职责的部门共享。',
    shareMethod: 'INTERFACE',
    openToPublic: false,
    updateCycle: 'MONTHLY',
    grade: 'GENERAL',
    relatedResources: [CODES.population],
    connector: 'hrss-db',
    table: 'unemployment_benefits',
    items: [
      {
        name: 'claimNo',
        label: '申领编号',
        type: 'STRING',
        length: 20,
        sensitivity: 'INTERNAL',
        filterable: true,
        key: true,
        column: 'claim_no',
      },
      {
        name: 'idNumber',
        label: '公民身份号码',
        type: 'STRING',
        length: 18,
        sensitivity: 'PERSONAL',
        mask: ID_NUMBER_MASK,
        filterable: true,
        references: { resource: CODES.population, item: 'idNumber', as: 'person' },
        column: 'id_number',
      },
      { name: 'name', label: '姓名', type: 'STRING', length: 32, sensitivity: 'PERSONAL', mask: NAME_MASK, column: 'name' },
      { name: 'startMonth', label: '起始月份', type: 'DATE', sensitivity: 'INTERNAL', filterable: true, column: 'start_month' },
      { name: 'months', label: '领取期限（月）', type: 'INTEGER', sensitivity: 'INTERNAL', column: 'months' },
      { name: 'monthlyAmount', label: '月发放标准（元）', type: 'MONEY', sensitivity: 'PERSONAL', column: 'monthly_amount' },
      {
        name: 'status',
        label: '发放状态',
        type: 'STRING',
        length: 8,
        sensitivity: 'INTERNAL',
        filterable: true,
        column: 'status',
        description: '发放中、已领完、已停发',
      },
      regionItem('参保地行政区划代码'),
    ],
  });
}

function medicalInstitutions(): DemoResource {
  return boundResource({
    code: CODES.medicalInstitutions,
    status: 'PUBLISHED',
    classification: '202001',
    apiName: 'medicalInstitutions',
    name: '医疗机构执业登记信息',
    summary: '本市医疗机构的执业登记：机构名称、类别、等级、经营性质、核定床位数、地址和执业许可证有效期。',
    provider: HWC,
    format: 'SERVICE_INTERFACE',
    shareType: 'UNCONDITIONAL',
    shareMethod: 'INTERFACE',
    openToPublic: false,
    updateCycle: 'MONTHLY',
    grade: 'GENERAL',
    connector: 'hwc-db',
    table: 'medical_institutions',
    items: [
      {
        name: 'creditCode',
        label: '统一社会信用代码',
        type: 'STRING',
        length: 18,
        sensitivity: 'PUBLIC',
        filterable: true,
        key: true,
        column: 'credit_code',
      },
      { name: 'name', label: '机构名称', type: 'STRING', length: 100, sensitivity: 'PUBLIC', column: 'name' },
      {
        name: 'institutionType',
        label: '机构类别',
        type: 'STRING',
        length: 16,
        sensitivity: 'PUBLIC',
        filterable: true,
        column: 'institution_type',
        description: '综合医院、中医医院、专科医院、社区卫生服务中心、门诊部、诊所',
      },
      {
        name: 'grade',
        label: '机构等级',
        type: 'STRING',
        length: 8,
        sensitivity: 'PUBLIC',
        filterable: true,
        column: 'grade',
        description: '如三级甲等、二级乙等；未评审的为未定级',
      },
      { name: 'ownership', label: '经营性质', type: 'STRING', length: 8, sensitivity: 'PUBLIC', column: 'ownership' },
      { name: 'beds', label: '核定床位数', type: 'INTEGER', sensitivity: 'PUBLIC', column: 'beds' },
      {
        name: 'principalName',
        label: '主要负责人',
        type: 'STRING',
        length: 32,
        sensitivity: 'PERSONAL',
        mask: NAME_MASK,
        column: 'principal_name',
      },
      { name: 'address', label: '地址', type: 'TEXT', sensitivity: 'PUBLIC', column: 'address' },
      regionItem('所在地行政区划代码'),
      { name: 'phone', label: '联系电话', type: 'STRING', length: 16, sensitivity: 'PUBLIC', column: 'phone' },
      {
        name: 'licenseValidUntil',
        label: '执业许可证有效期至',
        type: 'DATE',
        sensitivity: 'PUBLIC',
        column: 'license_valid_until',
      },
    ],
  });
}

function birthCertificates(): DemoResource {
  return boundResource({
    code: CODES.birthCertificates,
    status: 'PUBLISHED',
    classification: '105001',
    apiName: 'birthCertificates',
    name: '出生医学证明信息',
    summary: '本市助产机构签发的出生医学证明：证明编号、新生儿姓名、性别、出生日期、出生体重、助产机构和父母身份信息，用于户籍登记和社会保障业务。',
    provider: HWC,
    format: 'DATABASE',
    shareType: 'CONDITIONAL',
    shareCondition:
      '含新生儿及其父母的个人信息，不满十四周岁未成年人的个人信息属于敏感个人信息。依据《中华人民共和国个人信息保护法》，仅向办理出生登记、社会保障等法定职责确需使用的部门共享，经市卫生健康委员会审核同意后提供。',
    shareMethod: 'INTERFACE',
    openToPublic: false,
    updateCycle: 'DAILY',
    grade: 'IMPORTANT',
    relatedResources: [CODES.population, CODES.medicalInstitutions],
    connector: 'hwc-db',
    table: 'birth_certificates',
    items: [
      {
        name: 'certificateNo',
        label: '出生医学证明编号',
        type: 'STRING',
        length: 10,
        sensitivity: 'INTERNAL',
        filterable: true,
        key: true,
        column: 'certificate_no',
      },
      {
        name: 'childName',
        label: '新生儿姓名',
        type: 'STRING',
        length: 32,
        sensitivity: 'SENSITIVE_PERSONAL',
        mask: NAME_MASK,
        column: 'child_name',
      },
      { name: 'childGender', label: '新生儿性别', type: 'STRING', length: 2, sensitivity: 'INTERNAL', column: 'child_gender' },
      {
        name: 'birthDate',
        label: '出生日期',
        type: 'DATE',
        sensitivity: 'SENSITIVE_PERSONAL',
        mask: GENERALIZE,
        filterable: true,
        column: 'birth_date',
      },
      {
        name: 'birthWeight',
        label: '出生体重（克）',
        type: 'INTEGER',
        sensitivity: 'SENSITIVE_PERSONAL',
        column: 'birth_weight',
      },
      {
        name: 'institutionCreditCode',
        label: '助产机构统一社会信用代码',
        type: 'STRING',
        length: 18,
        sensitivity: 'PUBLIC',
        filterable: true,
        references: { resource: CODES.medicalInstitutions, item: 'creditCode', as: 'institution' },
        column: 'institution_credit_code',
      },
      {
        name: 'motherName',
        label: '母亲姓名',
        type: 'STRING',
        length: 32,
        sensitivity: 'PERSONAL',
        mask: NAME_MASK,
        column: 'mother_name',
      },
      {
        name: 'motherIdNumber',
        label: '母亲公民身份号码',
        type: 'STRING',
        length: 18,
        sensitivity: 'PERSONAL',
        mask: ID_NUMBER_MASK,
        filterable: true,
        references: { resource: CODES.population, item: 'idNumber', as: 'mother' },
        column: 'mother_id_number',
      },
      {
        name: 'fatherName',
        label: '父亲姓名',
        type: 'STRING',
        length: 32,
        sensitivity: 'PERSONAL',
        mask: NAME_MASK,
        column: 'father_name',
      },
      {
        name: 'fatherIdNumber',
        label: '父亲公民身份号码',
        type: 'STRING',
        length: 18,
        sensitivity: 'PERSONAL',
        mask: ID_NUMBER_MASK,
        references: { resource: CODES.population, item: 'idNumber', as: 'father' },
        column: 'father_id_number',
      },
      { name: 'issuedOn', label: '签发日期', type: 'DATE', sensitivity: 'INTERNAL', filterable: true, column: 'issued_on' },
      regionItem('签发地行政区划代码'),
    ],
  });
}

function infectiousDiseaseReports(): DemoResource {
  return boundResource({
    code: CODES.infectiousDiseaseReports,
    status: 'PUBLISHED',
    classification: '202002',
    apiName: 'infectiousDiseaseReports',
    name: '传染病报告卡',
    summary: '医疗机构报告的法定传染病病例：患者身份、疾病名称和类别、病例分类、发病和诊断日期、报告单位和现住址。',
    provider: HWC,
    format: 'DATABASE',
    shareType: 'NOT_SHARED',
    shareCondition:
      '依据《中华人民共和国传染病防治法》，疾病预防控制机构、医疗机构不得泄露涉及个人隐私的有关信息、资料。传染病报告卡含患者身份和病情信息，不予共享；疫情信息由卫生健康行政部门依法统一公布。',
    shareMethod: 'INTERFACE',
    openToPublic: false,
    updateCycle: 'REALTIME',
    grade: 'IMPORTANT',
    connector: 'hwc-db',
    table: 'infectious_disease_reports',
    items: [
      {
        name: 'reportNo',
        label: '报告卡编号',
        type: 'STRING',
        length: 20,
        sensitivity: 'INTERNAL',
        filterable: true,
        key: true,
        column: 'report_no',
      },
      {
        name: 'patientName',
        label: '患者姓名',
        type: 'STRING',
        length: 32,
        sensitivity: 'SENSITIVE_PERSONAL',
        mask: NAME_MASK,
        column: 'patient_name',
      },
      {
        name: 'idNumber',
        label: '公民身份号码',
        type: 'STRING',
        length: 18,
        sensitivity: 'SENSITIVE_PERSONAL',
        mask: { kind: 'HASH' },
        column: 'id_number',
      },
      { name: 'gender', label: '性别', type: 'STRING', length: 2, sensitivity: 'INTERNAL', column: 'gender' },
      {
        name: 'disease',
        label: '疾病名称',
        type: 'STRING',
        length: 16,
        sensitivity: 'SENSITIVE_PERSONAL',
        filterable: true,
        column: 'disease',
      },
      {
        name: 'diseaseClass',
        label: '传染病类别',
        type: 'STRING',
        length: 4,
        sensitivity: 'INTERNAL',
        column: 'disease_class',
        description: '甲类、乙类、丙类',
      },
      { name: 'caseType', label: '病例分类', type: 'STRING', length: 8, sensitivity: 'INTERNAL', column: 'case_type' },
      { name: 'onsetDate', label: '发病日期', type: 'DATE', sensitivity: 'SENSITIVE_PERSONAL', column: 'onset_date' },
      {
        name: 'diagnosedOn',
        label: '诊断日期',
        type: 'DATE',
        sensitivity: 'INTERNAL',
        filterable: true,
        column: 'diagnosed_on',
      },
      { name: 'reportedAt', label: '报告时间', type: 'DATETIME', sensitivity: 'INTERNAL', column: 'reported_at' },
      {
        name: 'institutionCreditCode',
        label: '报告单位统一社会信用代码',
        type: 'STRING',
        length: 18,
        sensitivity: 'PUBLIC',
        references: { resource: CODES.medicalInstitutions, item: 'creditCode', as: 'reportingInstitution' },
        column: 'institution_credit_code',
      },
      {
        name: 'currentAddress',
        label: '现住址',
        type: 'TEXT',
        sensitivity: 'SENSITIVE_PERSONAL',
        mask: GENERALIZE,
        column: 'current_address',
      },
      regionItem('现住址行政区划代码'),
    ],
  });
}
