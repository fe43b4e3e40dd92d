/**
 * Approved grants of the demo, so that conditional resources and conditional
 * items are served from the first start: the 人社局 application (the demo
 * CONSUMER key) reads population data masked by default and may follow
 * enterprises to their legal representatives; the 市场监管局 reads social
 * insurance enrolment of enterprises, scoped to active enrolments.
 */
import { meridianError } from '../common/errors.js';
import type { DemoCatalogFile, DemoResource } from './DemoCatalogFile.js';
import { demoDepartmentCode } from './demoCatalog.js';

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

/** The demo's approved grants, valid from `now` for one year. */
export function buildDemoGrants(catalog: DemoCatalogFile, now: Date): DemoGrant[] {
  const validFrom = new Date(now.getTime());
  const validUntil = new Date(now.getTime());
  validUntil.setUTCFullYear(validUntil.getUTCFullYear() + 1);
  const hrss = demoDepartmentCode(catalog, 'hrss');
  const amr = demoDepartmentCode(catalog, 'amr');
  return [
    {
      resourceCode: resourceCode(catalog, 'population'),
      consumerDepartment: hrss,
      items: ['idNumber', 'name', 'gender', 'birthDate', 'householdRegion'],
      rowScope: null,
      clearItems: [],
      maxRowsPerDay: 100_000,
      maxCallsPerMinute: 600,
      validFrom,
      validUntil,
      purpose: '社会保险参保登记和待遇资格认证时核验参保人身份',
      legalBasis: '《中华人民共和国社会保险法》',
    },
    {
      resourceCode: resourceCode(catalog, 'enterprises'),
      consumerDepartment: hrss,
      items: ['creditCode', 'name', 'legalRepName', 'legalRepIdNumber', 'status', 'regionCode'],
      rowScope: null,
      clearItems: [],
      maxRowsPerDay: 50_000,
      maxCallsPerMinute: 300,
      validFrom,
      validUntil,
      purpose: '核验参保单位及其法定代表人信息',
      legalBasis: '《中华人民共和国社会保险法》',
    },
    {
      resourceCode: resourceCode(catalog, 'socialInsurance'),
      consumerDepartment: amr,
      items: ['employerCreditCode', 'employerName', 'insuranceType', 'status', 'firstInsuredOn', 'regionCode'],
      rowScope: { status: { eq: '正常参保' } },
      clearItems: [],
      maxRowsPerDay: 50_000,
      maxCallsPerMinute: 120,
      validFrom,
      validUntil,
      purpose: '核对企业年度报告中公示的社会保险参保信息',
      legalBasis: '《企业信息公示暂行条例》',
    },
  ];
}

function resourceCode(catalog: DemoCatalogFile, apiName: string): string {
  const resource: DemoResource | undefined = catalog.resources.find((r) => r.apiName === apiName);
  if (!resource) throw meridianError('NOT_FOUND', { what: 'Demo resource', id: apiName });
  return resource.code;
}
