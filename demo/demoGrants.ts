/**
 * Approved grants of the demo, so that conditional resources and conditional
 * items are served from the first start: the 人社局 application (the demo
 * CONSUMER key) reads population data masked by default and may follow
 * enterprises to their legal representatives; the 市场监管局 reads social
 * insurance enrolment of enterprises, scoped to active enrolments.
 */
import type { DemoCatalogFile } from './DemoCatalogFile.js';
import { demoDepartmentCode, demoResourceByApiName } from './demoCatalog.js';

/** One approved grant, in the shape of the grants table (dates from the `now` given). */
export interface DemoGrant {
  readonly resourceCode: string;
  readonly consumerDepartment: string;
  readonly items: readonly string[];
  /** Same shape as the data plane's `where`, on filterable items; null for every row. */
  readonly rowScope: Readonly<Record<string, Readonly<Record<string, unknown>>>> | null;
  /** Items released without their default mask. */
  readonly clearItems: readonly string[];
  readonly maxRowsPerDay: number | null;
  readonly maxCallsPerMinute: number | null;
  readonly validFrom: Date;
  readonly validUntil: Date | null;
  /** What the application that led to the grant said, for an application record if one is kept. */
  readonly purpose: string;
  readonly legalBasis: string;
}

/** The validity of every demo grant: from `now` for one year. */
export function demoValidity(now: Date): Pick<DemoGrant, 'validFrom' | 'validUntil'> {
  const validUntil = new Date(now.getTime());
  validUntil.setUTCFullYear(validUntil.getUTCFullYear() + 1);
  return { validFrom: new Date(now.getTime()), validUntil };
}

/** The demo's approved grants, valid from `now` for one year. */
export function buildDemoGrants(catalog: DemoCatalogFile, now: Date): DemoGrant[] {
  const validity = demoValidity(now);
  const hrss = demoDepartmentCode(catalog, 'hrss');
  const amr = demoDepartmentCode(catalog, 'amr');
  return [
    {
      resourceCode: demoResourceByApiName(catalog, 'population').code,
      consumerDepartment: hrss,
      items: ['idNumber', 'name', 'gender', 'birthDate', 'householdRegion'],
      rowScope: null,
      clearItems: [],
      maxRowsPerDay: 100_000,
      maxCallsPerMinute: 600,
      ...validity,
      purpose: '社会保险参保登记和待遇资格认证时核验参保人身份',
      legalBasis: '《中华人民共和国社会保险法》',
    },
    {
      resourceCode: demoResourceByApiName(catalog, 'enterprises').code,
      consumerDepartment: hrss,
      items: ['creditCode', 'name', 'legalRepName', 'legalRepIdNumber', 'status', 'regionCode'],
      rowScope: null,
      clearItems: [],
      maxRowsPerDay: 50_000,
      maxCallsPerMinute: 300,
      ...validity,
      purpose: '核验参保单位及其法定代表人信息',
      legalBasis: '《中华人民共和国社会保险法》',
    },
    {
      resourceCode: demoResourceByApiName(catalog, 'socialInsurance').code,
      consumerDepartment: amr,
      items: ['employerCreditCode', 'employerName', 'insuranceType', 'status', 'firstInsuredOn', 'regionCode'],
      rowScope: { status: { eq: '正常参保' } },
      clearItems: [],
      maxRowsPerDay: 50_000,
      maxCallsPerMinute: 120,
      ...validity,
      purpose: '核对企业年度报告中公示的社会保险参保信息',
      legalBasis: '《企业信息公示暂行条例》',
    },
  ];
}
