/**
 * Hand-built catalog fixtures for policy tests: normalised definitions as
 * catalog/normalizeResource.ts would store them, every default filled.
 */
import { defaultMask, type ResourceDefinition, type ResourceItem, type Sensitivity } from '../../catalog/model.js';
import type { Grant, Principal } from '../../policies/index.js';

/** Departments (统一社会信用代码) used across the tables. */
export const PUBLIC_SECURITY = '11100000000013127D';
export const CIVIL_AFFAIRS = '11100000000013338W';
export const TAX = '11100000000013434G';

/** One normalised item; the mask defaults by sensitivity as normalisation does. */
export function itemOf(name: string, overrides: Partial<ResourceItem> & { sensitivity?: Sensitivity } = {}): ResourceItem {
  const sensitivity = overrides.sensitivity ?? 'INTERNAL';
  return {
    name,
    label: name,
    type: 'STRING',
    length: null,
    shareType: 'UNCONDITIONAL',
    sensitivity,
    mask: defaultMask(sensitivity),
    filterable: true,
    key: false,
    references: null,
    description: null,
    ...overrides,
  };
}

/** A published INTERFACE resource of the public-security department. */
export function resourceOf(overrides: Partial<ResourceDefinition> = {}): ResourceDefinition {
  return {
    code: '101001/000001',
    version: 1,
    status: 'PUBLISHED',
    apiName: 'population',
    name: '人口基础信息',
    summary: '常住人口基础信息',
    classification: '101001',
    provider: PUBLIC_SECURITY,
    format: 'DATABASE',
    items: [itemOf('idNumber', { key: true })],
    shareType: 'UNCONDITIONAL',
    shareCondition: null,
    shareMethod: 'INTERFACE',
    openToPublic: false,
    openCondition: null,
    updateCycle: 'DAILY',
    grade: 'IMPORTANT',
    relatedResources: [],
    source: { connector: 'gongan-pg', binding: { table: 'person' } },
    createdAt: '2024-01-01T00:00:00.000Z',
    publishedAt: '2024-01-02T00:00:00.000Z',
    deprecatedAt: null,
    deprecationReason: null,
    ...overrides,
  };
}

/** A grant of the civil-affairs department for 101001/000001, valid through 2024. */
export function grantOf(overrides: Partial<Grant> = {}): Grant {
  return {
    id: 'g-1',
    resourceCode: '101001/000001',
    consumerDepartment: CIVIL_AFFAIRS,
    items: [],
    rowScope: null,
    clearItems: [],
    maxRowsPerDay: null,
    maxCallsPerMinute: null,
    validFrom: new Date('2024-01-01T00:00:00Z'),
    validUntil: new Date('2025-01-01T00:00:00Z'),
    revokedAt: null,
    ...overrides,
  };
}

/** A consumer key of the civil-affairs department. */
export function principalOf(overrides: Partial<Principal> = {}): Principal {
  return {
    keyId: 'key-mz',
    label: 'civil affairs app',
    department: CIVIL_AFFAIRS,
    roles: ['CONSUMER'],
    onBehalfOf: null,
    ...overrides,
  };
}
