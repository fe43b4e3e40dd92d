import assert from 'node:assert/strict';
import { meridianError, type ErrorCode } from '../../common/errors.js';
import { decide, type DecisionInput, type Grant, type ItemUse, type Obligations, type Principal, type QuotaUsage } from '../../policies/index.js';
import { CIVIL_AFFAIRS, PUBLIC_SECURITY, TAX, grantOf, itemOf, principalOf, resourceOf } from './fixtures.js';

const NOW = new Date('2024-06-01T00:00:00Z');

/** Unconditional population resource: masked personal items, one conditional item, one item never shared. */
const population = resourceOf({
  items: [
    itemOf('idNumber', { key: true, sensitivity: 'SENSITIVE_PERSONAL', mask: { kind: 'PARTIAL', keepStart: 6, keepEnd: 4 } }),
    itemOf('name', { sensitivity: 'PERSONAL', mask: { kind: 'NAME' } }),
    itemOf('gender', { sensitivity: 'PUBLIC' }),
    itemOf('birthDate', { type: 'DATE', sensitivity: 'PERSONAL' }),
    itemOf('address', { shareType: 'CONDITIONAL' }),
    itemOf('photo', { type: 'BINARY', shareType: 'NOT_SHARED', filterable: false }),
  ],
});

/** Conditional marriage-registration resource of the civil-affairs department. */
const MARRIAGE = '201002/000002';
const marriage = resourceOf({
  code: MARRIAGE,
  apiName: 'marriage',
  name: '婚姻登记信息',
  provider: CIVIL_AFFAIRS,
  shareType: 'CONDITIONAL',
  shareCondition: '用于婚姻状况核验',
  items: [
    itemOf('certNo', { key: true, shareType: 'CONDITIONAL' }),
    itemOf('husband', { shareType: 'CONDITIONAL', sensitivity: 'PERSONAL', mask: { kind: 'NAME' } }),
    itemOf('wife', { shareType: 'CONDITIONAL', sensitivity: 'PERSONAL', mask: { kind: 'NAME' } }),
    itemOf('regDate', { type: 'DATE', shareType: 'CONDITIONAL', sensitivity: 'PUBLIC' }),
    itemOf('regionCode', { shareType: 'CONDITIONAL', sensitivity: 'PUBLIC' }),
  ],
});

const secrets = resourceOf({
  code: '301003/000003',
  apiName: 'secrets',
  shareType: 'NOT_SHARED',
  shareCondition: '《中华人民共和国保守国家秘密法》第九条',
  items: [itemOf('caseNo', { key: true, shareType: 'NOT_SHARED' })],
});

/** A grant of the civil-affairs department (the default consumer) for the marriage resource. */
function marriageGrant(overrides: Partial<Grant> = {}): Grant {
  return grantOf({ resourceCode: MARRIAGE, items: ['certNo', 'husband', 'wife', 'regDate'], ...overrides });
}

/** A grant of the tax department (the default consumer) for the marriage resource. */
const taxGrant = marriageGrant({ id: 'g-tax', consumerDepartment: TAX, items: ['certNo', 'husband', 'wife', 'regDate', 'regionCode'] });

const fullGrant = marriageGrant({
  id: 'g-full',
  items: ['certNo', 'husband', 'wife', 'regDate', 'regionCode'],
  rowScope: { regionCode: { eq: '330106' } },
  clearItems: ['wife'],
  maxRowsPerDay: 10_000,
  maxCallsPerMinute: 60,
});

function use(selected: string[], filtered: Record<string, string[]> = {}, ordered: string[] = []): ItemUse {
  return { selected, filtered, ordered };
}

interface Case {
  readonly name: string;
  readonly principal?: Principal;
  readonly resource: DecisionInput['resource'];
  readonly use: ItemUse;
  readonly grants?: readonly Grant[];
  readonly quotaUsage?: QuotaUsage;
  readonly expect:
    | { readonly effect: 'allow'; readonly reason: string; readonly obligations: Obligations }
    | {
        readonly effect: 'deny';
        readonly code: ErrorCode;
        readonly reason: string;
        readonly params: Readonly<Record<string, unknown>>;
        /** A fragment of the action, or null when the consumer can do nothing. */
        readonly action: string | null;
        readonly extensions?: Readonly<Record<string, unknown>>;
      };
}

const MINUTE_ENDS = new Date('2024-06-01T00:01:00Z');
const DAY_ENDS = new Date('2024-06-01T16:00:00Z');
function usageOf(grantId: string, callsThisMinute: number, rowsToday: number): QuotaUsage {
  return { grantId, callsThisMinute, rowsToday, minuteEndsAt: MINUTE_ENDS, dayEndsAt: DAY_ENDS };
}

const noGrantObligations = (items: string[], masks: Obligations['masks'] = {}): Obligations => ({
  items,
  masks,
  rowScope: null,
  grantId: null,
  quota: null,
});

const cases: Case[] = [
  {
    name: 'allows an unconditional item to a department without any grant',
    principal: principalOf({ department: TAX }),
    resource: population,
    use: use(['gender']),
    expect: { effect: 'allow', reason: 'shared unconditionally', obligations: noGrantObligations(['gender']) },
  },
  {
    name: 'masks personal items by their default masks and leaves public ones clear',
    resource: population,
    use: use(['gender', 'birthDate', 'name', 'idNumber']),
    expect: {
      effect: 'allow',
      reason: 'shared unconditionally',
      obligations: noGrantObligations(['idNumber', 'name', 'gender', 'birthDate'], {
        idNumber: { kind: 'PARTIAL', keepStart: 6, keepEnd: 4 },
        name: { kind: 'NAME' },
        birthDate: { kind: 'REDACT' },
      }),
    },
  },
  {
    name: 'lists selected, filtered and ordered items once each, in resource order',
    resource: population,
    use: use(['gender', 'idNumber'], { idNumber: ['eq'], gender: ['in'] }, ['gender']),
    expect: {
      effect: 'allow',
      reason: 'shared unconditionally',
      obligations: noGrantObligations(['idNumber', 'gender'], { idNumber: { kind: 'PARTIAL', keepStart: 6, keepEnd: 4 } }),
    },
  },
  {
    name: 'denies a NOT_SHARED resource with its basis and no action',
    resource: secrets,
    use: use(['caseNo']),
    expect: {
      effect: 'deny',
      code: 'NOT_SHARED',
      reason: '保守国家秘密法',
      params: { resource: '301003/000003', basis: '《中华人民共和国保守国家秘密法》第九条' },
      action: null,
    },
  },
  {
    name: 'denies an item that is not shared at item level, naming only it',
    resource: population,
    use: use(['gender', 'photo']),
    expect: {
      effect: 'deny',
      code: 'ITEMS_NOT_GRANTED',
      reason: 'not shared (不予共享) at item level',
      params: { resource: population.code, items: ['photo'] },
      action: 'without photo',
    },
  },
  {
    name: 'asks for an application when the department holds no grant for a conditional resource',
    resource: marriage,
    use: use(['certNo']),
    expect: {
      effect: 'deny',
      code: 'APPLICATION_REQUIRED',
      reason: 'holds no grant in force',
      params: { resource: MARRIAGE, condition: '用于婚姻状况核验' },
      action: 'applyForAccess',
    },
  },
  {
    name: 'says GRANT_EXPIRED with the grant and its end when the only grant ran out',
    resource: marriage,
    use: use(['certNo']),
    grants: [marriageGrant({ id: 'g-old', validUntil: new Date('2024-05-01T00:00:00Z') })],
    expect: {
      effect: 'deny',
      code: 'GRANT_EXPIRED',
      reason: 'ended at 2024-05-01T00:00:00.000Z',
      params: { grantId: 'g-old', resource: MARRIAGE, until: '2024-05-01T00:00:00.000Z' },
      action: 'Apply again with applyForAccess',
    },
  },
  {
    name: 'names the grant that ended last when several expired',
    resource: marriage,
    use: use(['certNo']),
    grants: [
      marriageGrant({ id: 'g-a', validUntil: new Date('2024-03-01T00:00:00Z') }),
      marriageGrant({ id: 'g-b', validUntil: new Date('2024-05-01T00:00:00Z') }),
    ],
    expect: {
      effect: 'deny',
      code: 'GRANT_EXPIRED',
      reason: 'Grant g-b',
      params: { grantId: 'g-b', until: '2024-05-01T00:00:00.000Z' },
      action: 'applyForAccess',
    },
  },
  {
    name: 'treats a grant ending exactly now as expired',
    resource: marriage,
    use: use(['certNo']),
    grants: [marriageGrant({ id: 'g-now', validUntil: NOW })],
    expect: { effect: 'deny', code: 'GRANT_EXPIRED', reason: 'g-now', params: { grantId: 'g-now' }, action: 'applyForAccess' },
  },
  {
    name: 'asks for a new application when the grant was revoked, not expired',
    resource: marriage,
    use: use(['certNo']),
    grants: [marriageGrant({ id: 'g-rev', revokedAt: new Date('2024-04-01T00:00:00Z'), validUntil: new Date('2024-05-01T00:00:00Z') })],
    expect: {
      effect: 'deny',
      code: 'APPLICATION_REQUIRED',
      reason: 'holds no grant in force',
      params: { resource: MARRIAGE, condition: '用于婚姻状况核验' },
      action: 'applyForAccess',
    },
  },
  {
    name: 'does not serve under a grant that is not valid yet, and says when it starts',
    resource: marriage,
    use: use(['certNo']),
    grants: [marriageGrant({ id: 'g-next', validFrom: new Date('2024-07-01T00:00:00Z'), validUntil: null })],
    expect: {
      effect: 'deny',
      code: 'APPLICATION_REQUIRED',
      reason: 'grant g-next takes effect at 2024-07-01T00:00:00.000Z',
      params: { resource: MARRIAGE, condition: '用于婚姻状况核验' },
      action: 'Wait until 2024-07-01T00:00:00.000Z',
    },
  },
  {
    name: 'serves under a grant from the moment it takes effect',
    resource: marriage,
    use: use(['certNo']),
    grants: [marriageGrant({ id: 'g-start', validFrom: NOW, validUntil: null })],
    expect: {
      effect: 'allow',
      reason: 'Grant g-start',
      obligations: { items: ['certNo'], masks: {}, rowScope: null, grantId: 'g-start', quota: { maxRowsPerDay: null, maxCallsPerMinute: null } },
    },
  },
  {
    name: 'lists exactly the items a grant does not release',
    resource: marriage,
    use: use(['certNo', 'husband', 'regionCode'], {}, ['regDate']),
    grants: [marriageGrant({ id: 'g-part', items: ['certNo', 'husband'] })],
    expect: {
      effect: 'deny',
      code: 'ITEMS_NOT_GRANTED',
      reason: 'Grant g-part',
      params: { resource: MARRIAGE, items: ['regDate', 'regionCode'], grantId: 'g-part' },
      action: 'applyForAccess(input: {resource: "201002/000002", items: ["regDate", "regionCode"]',
    },
  },
  {
    name: 'lists the items outside the grant covering most when no grant covers all',
    resource: marriage,
    use: use(['certNo', 'husband', 'wife']),
    grants: [
      marriageGrant({ id: 'g-wide', items: ['certNo', 'husband'] }),
      marriageGrant({ id: 'g-narrow', items: ['wife'], validUntil: null }),
    ],
    expect: {
      effect: 'deny',
      code: 'ITEMS_NOT_GRANTED',
      reason: 'Grant g-wide',
      params: { resource: MARRIAGE, items: ['wife'], grantId: 'g-wide' },
      action: 'applyForAccess',
    },
  },
  {
    name: 'allows under a grant covering every item, carrying its row scope, quota and clear items',
    resource: marriage,
    use: use(['certNo', 'husband', 'wife'], { regionCode: ['eq'] }),
    grants: [fullGrant],
    expect: {
      effect: 'allow',
      reason: 'Grant g-full',
      obligations: {
        items: ['certNo', 'husband', 'wife', 'regionCode'],
        masks: { husband: { kind: 'NAME' } },
        rowScope: { regionCode: { eq: '330106' } },
        grantId: 'g-full',
        quota: { maxRowsPerDay: 10_000, maxCallsPerMinute: 60 },
      },
    },
  },
  {
    name: 'chooses, among grants covering every item, the one valid longest',
    resource: marriage,
    use: use(['certNo']),
    grants: [
      marriageGrant({ id: 'g-short', validUntil: new Date('2024-09-01T00:00:00Z'), maxRowsPerDay: 1 }),
      marriageGrant({ id: 'g-open', validUntil: null, maxRowsPerDay: 2 }),
      marriageGrant({ id: 'g-long', validUntil: new Date('2030-01-01T00:00:00Z'), maxRowsPerDay: 3 }),
    ],
    expect: {
      effect: 'allow',
      reason: 'Grant g-open',
      obligations: {
        items: ['certNo'],
        masks: {},
        rowScope: null,
        grantId: 'g-open',
        quota: { maxRowsPerDay: 2, maxCallsPerMinute: null },
      },
    },
  },
  {
    name: 'breaks a tie between equally long grants by id',
    resource: marriage,
    use: use(['certNo']),
    grants: [marriageGrant({ id: 'g-z' }), marriageGrant({ id: 'g-m' })],
    expect: {
      effect: 'allow',
      reason: 'Grant g-m',
      obligations: { items: ['certNo'], masks: {}, rowScope: null, grantId: 'g-m', quota: { maxRowsPerDay: null, maxCallsPerMinute: null } },
    },
  },
  {
    name: 'serves a conditional resource on a grant in force even beside an expired one',
    resource: marriage,
    use: use(['regDate']),
    grants: [marriageGrant({ id: 'g-old', validUntil: new Date('2024-01-02T00:00:00Z') }), marriageGrant({ id: 'g-new' })],
    expect: {
      effect: 'allow',
      reason: 'Grant g-new',
      obligations: { items: ['regDate'], masks: {}, rowScope: null, grantId: 'g-new', quota: { maxRowsPerDay: null, maxCallsPerMinute: null } },
    },
  },
  {
    name: 'denies a conditional item of an unconditional resource without a grant',
    resource: population,
    use: use(['gender', 'address']),
    expect: {
      effect: 'deny',
      code: 'ITEMS_NOT_GRANTED',
      reason: 'shared on condition',
      params: { resource: population.code, items: ['address'] },
      action: 'applyForAccess',
    },
  },
  {
    name: 'allows a conditional item of an unconditional resource under a grant, unmasking its clear items',
    resource: population,
    use: use(['name', 'address']),
    grants: [grantOf({ id: 'g-addr', items: ['address'], clearItems: ['name'], maxCallsPerMinute: 5 })],
    expect: {
      effect: 'allow',
      reason: 'released by grant g-addr',
      obligations: {
        items: ['name', 'address'],
        masks: {},
        rowScope: null,
        grantId: 'g-addr',
        quota: { maxRowsPerDay: null, maxCallsPerMinute: 5 },
      },
    },
  },
  {
    name: 'reads unconditional items without the grant, so its row scope never narrows them',
    resource: population,
    use: use(['name']),
    grants: [grantOf({ id: 'g-addr', items: ['address'], rowScope: { gender: { eq: '1' } }, clearItems: ['name'] })],
    expect: {
      effect: 'allow',
      reason: 'shared unconditionally',
      obligations: noGrantObligations(['name'], { name: { kind: 'NAME' } }),
    },
  },
  {
    name: "never counts another department's grant",
    resource: marriage,
    use: use(['certNo']),
    grants: [taxGrant],
    expect: {
      effect: 'deny',
      code: 'APPLICATION_REQUIRED',
      reason: `department ${CIVIL_AFFAIRS}`,
      params: { resource: MARRIAGE },
      action: 'applyForAccess',
    },
  },
  {
    name: 'never counts a grant for another resource',
    resource: marriage,
    use: use(['certNo']),
    grants: [marriageGrant({ resourceCode: '101001/000001' })],
    expect: { effect: 'deny', code: 'APPLICATION_REQUIRED', reason: 'no grant', params: { resource: MARRIAGE }, action: 'applyForAccess' },
  },
  {
    name: 'decides a gateway principal on the grants of the department it asks for',
    principal: principalOf({ department: PUBLIC_SECURITY, roles: ['GATEWAY'], onBehalfOf: TAX }),
    resource: marriage,
    use: use(['certNo']),
    grants: [taxGrant, marriageGrant({ id: 'g-ps', consumerDepartment: PUBLIC_SECURITY })],
    expect: {
      effect: 'allow',
      reason: `Grant g-tax of department ${TAX}`,
      obligations: { items: ['certNo'], masks: {}, rowScope: null, grantId: 'g-tax', quota: { maxRowsPerDay: null, maxCallsPerMinute: null } },
    },
  },
  {
    name: 'allows an eq filter on a masked item',
    resource: population,
    use: use(['gender'], { idNumber: ['eq'] }),
    expect: {
      effect: 'allow',
      reason: 'shared unconditionally',
      obligations: noGrantObligations(['idNumber', 'gender'], { idNumber: { kind: 'PARTIAL', keepStart: 6, keepEnd: 4 } }),
    },
  },
  {
    name: 'denies a range filter on a masked item',
    resource: population,
    use: use(['gender'], { birthDate: ['gte', 'lt'] }),
    expect: {
      effect: 'deny',
      code: 'ITEMS_NOT_GRANTED',
      reason: 'would reveal',
      params: { resource: population.code, items: ['birthDate'] },
      action: 'only with eq and',
    },
  },
  {
    name: 'denies an in filter on a masked item, which would test many candidates at once',
    resource: population,
    use: use(['gender'], { idNumber: ['in'] }),
    expect: {
      effect: 'deny',
      code: 'ITEMS_NOT_GRANTED',
      reason: 'an in, range or prefix filter',
      params: { resource: population.code, items: ['idNumber'] },
      action: 'only with eq and',
    },
  },
  {
    name: 'lets a downstream gateway asking on behalf of a department use in on a masked item (its batched look-ups)',
    principal: principalOf({ roles: ['GATEWAY'], department: TAX, onBehalfOf: CIVIL_AFFAIRS }),
    resource: population,
    use: use(['gender'], { idNumber: ['in'] }),
    expect: {
      effect: 'allow',
      reason: 'shared unconditionally',
      obligations: noGrantObligations(['idNumber', 'gender'], { idNumber: { kind: 'PARTIAL', keepStart: 6, keepEnd: 4 } }),
    },
  },
  {
    name: 'still denies a gateway a range filter on a masked item',
    principal: principalOf({ roles: ['GATEWAY'], department: TAX, onBehalfOf: CIVIL_AFFAIRS }),
    resource: population,
    use: use(['gender'], { idNumber: ['gt'] }),
    expect: {
      effect: 'deny',
      code: 'ITEMS_NOT_GRANTED',
      reason: 'would reveal',
      params: { resource: population.code, items: ['idNumber'] },
      action: 'only with eq and',
    },
  },
  {
    name: 'denies a prefix filter on a masked item',
    resource: population,
    use: use(['gender'], { idNumber: ['prefix'] }),
    expect: {
      effect: 'deny',
      code: 'ITEMS_NOT_GRANTED',
      reason: 'masked',
      params: { resource: population.code, items: ['idNumber'] },
      action: 'only with eq and',
    },
  },
  {
    name: 'denies ordering by a masked item',
    resource: population,
    use: use(['gender', 'name'], {}, ['name']),
    expect: {
      effect: 'deny',
      code: 'ITEMS_NOT_GRANTED',
      reason: 'ordering',
      params: { resource: population.code, items: ['name'] },
      action: 'do not order by it',
    },
  },
  {
    name: 'allows range filters and ordering on items the grant releases in clear',
    resource: marriage,
    use: use(['certNo'], { wife: ['prefix'] }, ['wife']),
    grants: [fullGrant],
    expect: {
      effect: 'allow',
      reason: 'Grant g-full',
      obligations: {
        items: ['certNo', 'wife'],
        masks: {},
        rowScope: { regionCode: { eq: '330106' } },
        grantId: 'g-full',
        quota: { maxRowsPerDay: 10_000, maxCallsPerMinute: 60 },
      },
    },
  },
  {
    name: 'allows while a grant has calls and rows left',
    resource: marriage,
    use: use(['certNo']),
    grants: [fullGrant],
    quotaUsage: usageOf('g-full', 59, 9_999),
    expect: {
      effect: 'allow',
      reason: 'g-full',
      obligations: {
        items: ['certNo'],
        masks: {},
        rowScope: { regionCode: { eq: '330106' } },
        grantId: 'g-full',
        quota: { maxRowsPerDay: 10_000, maxCallsPerMinute: 60 },
      },
    },
  },
  {
    name: 'denies QUOTA_EXCEEDED once the calls of this minute are used, saying when to retry',
    resource: marriage,
    use: use(['certNo']),
    grants: [fullGrant],
    quotaUsage: usageOf('g-full', 60, 0),
    expect: {
      effect: 'deny',
      code: 'QUOTA_EXCEEDED',
      reason: '60 calls per minute',
      params: { quota: '60 calls per minute', grantId: 'g-full' },
      action: 'Retry after 2024-06-01T00:01:00.000Z',
      extensions: { retryAfter: '2024-06-01T00:01:00.000Z' },
    },
  },
  {
    name: "denies QUOTA_EXCEEDED once today's rows are used, retrying at the next local midnight",
    resource: marriage,
    use: use(['certNo']),
    grants: [fullGrant],
    quotaUsage: usageOf('g-full', 0, 10_000),
    expect: {
      effect: 'deny',
      code: 'QUOTA_EXCEEDED',
      reason: '10000 rows per day',
      params: { quota: '10000 rows per day', grantId: 'g-full' },
      action: 'Retry after 2024-06-01T16:00:00.000Z',
      extensions: { retryAfter: '2024-06-01T16:00:00.000Z' },
    },
  },
  {
    name: "ignores quota usage of a grant other than the one chosen",
    resource: marriage,
    use: use(['certNo']),
    grants: [fullGrant],
    quotaUsage: usageOf('g-other', 1_000, 1_000_000),
    expect: {
      effect: 'allow',
      reason: 'g-full',
      obligations: {
        items: ['certNo'],
        masks: {},
        rowScope: { regionCode: { eq: '330106' } },
        grantId: 'g-full',
        quota: { maxRowsPerDay: 10_000, maxCallsPerMinute: 60 },
      },
    },
  },
  {
    name: 'says which grant was revoked when no other grant is in force',
    resource: marriage,
    use: use(['certNo']),
    grants: [marriageGrant({ id: 'g-gone', revokedAt: new Date('2024-05-20T08:00:00Z') })],
    expect: {
      effect: 'deny',
      code: 'APPLICATION_REQUIRED',
      reason: 'grant g-gone was revoked at 2024-05-20T08:00:00.000Z',
      params: { resource: MARRIAGE },
      action: 'applyForAccess',
    },
  },
  {
    name: 'forbids a key holding neither CONSUMER nor GATEWAY',
    principal: principalOf({ roles: ['AUDITOR', 'CATALOG_ADMIN'] }),
    resource: population,
    use: use(['gender']),
    expect: {
      effect: 'deny',
      code: 'FORBIDDEN',
      reason: 'AUDITOR, CATALOG_ADMIN',
      params: { operation: 'data.population', roles: ['CONSUMER', 'GATEWAY'] },
      action: 'CONSUMER role',
    },
  },
  {
    name: 'answers NOT_FOUND for a deprecated version',
    resource: { ...population, status: 'DEPRECATED' },
    use: use(['gender']),
    expect: {
      effect: 'deny',
      code: 'NOT_FOUND',
      reason: 'deprecated',
      params: { what: 'Resource', id: population.code },
      action: 'catalog',
    },
  },
  {
    name: 'answers NOT_FOUND for a draft',
    resource: { ...marriage, status: 'DRAFT' },
    use: use(['certNo']),
    grants: [fullGrant],
    expect: { effect: 'deny', code: 'NOT_FOUND', reason: 'draft', params: { what: 'Resource', id: MARRIAGE }, action: 'catalog' },
  },
  {
    name: 'rejects an item the resource does not have',
    resource: population,
    use: use(['gender'], { salary: ['gt'] }),
    expect: {
      effect: 'deny',
      code: 'BAD_USER_INPUT',
      reason: 'salary is not an item of resource 101001/000001',
      params: { items: ['salary'] },
      action: 'Ask only for items',
    },
  },
];

function inputOf(entry: Case, decisionId = 'd-1'): DecisionInput {
  return {
    decisionId,
    principal: entry.principal ?? principalOf(),
    resource: entry.resource,
    use: entry.use,
    grants: entry.grants ?? [],
    now: NOW,
    quotaUsage: entry.quotaUsage ?? null,
  };
}

describe('Policies: decide', () => {
  for (const entry of cases) {
    it(entry.name, () => {
      const decision = decide(inputOf(entry));
      const expected = entry.expect;
      if (expected.effect === 'allow') {
        assert.equal(decision.effect, 'allow', decision.effect === 'deny' ? `${decision.code}: ${decision.reason}` : '');
        assert.ok(decision.effect === 'allow');
        assert.ok(decision.reason.includes(expected.reason), decision.reason);
        assert.deepEqual(decision.obligations, expected.obligations);
        return;
      }
      assert.equal(decision.effect, 'deny', 'expected a denial');
      assert.ok(decision.effect === 'deny');
      assert.equal(decision.code, expected.code, decision.reason);
      assert.ok(decision.reason.includes(expected.reason), decision.reason);
      for (const [key, value] of Object.entries(expected.params)) {
        assert.deepEqual(decision.params[key], value, `params.${key}`);
      }
      // The params fill every placeholder of the catalog message.
      assert.doesNotMatch(meridianError(decision.code, decision.params).message, /\{\w+\}/);
      if (expected.action === null) assert.equal(decision.action, null);
      else assert.ok(decision.action?.includes(expected.action), String(decision.action));
      assert.deepEqual(decision.extensions, expected.extensions);
    });
  }

  it('echoes the decisionId it was given, allowed or denied', () => {
    cases.forEach((entry, index) => {
      assert.equal(decide(inputOf(entry, `decision-${index}`)).decisionId, `decision-${index}`, entry.name);
    });
  });

  it('decides the same input the same way every time, whatever the order of the grants', () => {
    for (const entry of cases) {
      const input = inputOf(entry);
      const first = decide(input);
      assert.deepEqual(decide(input), first, entry.name);
      assert.deepEqual(decide({ ...input, grants: [...input.grants].reverse() }), first, entry.name);
    }
  });

  it('checks the role before anything else, so a key without data roles learns nothing of the resource', () => {
    const decision = decide({ ...inputOf(cases.find((entry) => entry.resource === secrets)!), principal: principalOf({ roles: ['PROVIDER_ADMIN'] }) });
    assert.equal(decision.effect === 'deny' && decision.code, 'FORBIDDEN');
  });
});
