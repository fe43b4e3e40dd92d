import assert from 'node:assert/strict';
import { applicationProblems, decisionTerms, effectiveStatus, type ApplicationRequest } from '../../policies/index.js';
import { itemOf, resourceOf } from './fixtures.js';

const NOW = new Date('2026-11-30T02:00:00Z');

const population = resourceOf({
  shareType: 'CONDITIONAL',
  shareCondition: '用于身份核验',
  items: [
    itemOf('idNumber', { key: true, shareType: 'CONDITIONAL', sensitivity: 'SENSITIVE_PERSONAL', mask: { kind: 'PARTIAL', keepStart: 6, keepEnd: 4 } }),
    itemOf('name', { shareType: 'CONDITIONAL', sensitivity: 'PERSONAL', mask: { kind: 'NAME' } }),
    itemOf('region', { shareType: 'CONDITIONAL', filterable: true }),
    itemOf('note', { shareType: 'CONDITIONAL', filterable: false }),
    itemOf('photo', { type: 'BINARY', shareType: 'NOT_SHARED', filterable: false }),
  ],
});
const enterprises = resourceOf({
  code: '102001/000001',
  apiName: 'enterprises',
  items: [itemOf('creditCode', { key: true }), itemOf('legalRepId', { shareType: 'CONDITIONAL' })],
});

function request(overrides: Partial<ApplicationRequest> = {}): ApplicationRequest {
  return {
    resource: population.code,
    items: ['idNumber', 'name', 'region'],
    purpose: '社会保险待遇资格认证',
    legalBasis: '《中华人民共和国社会保险法》',
    contact: '王五 0571-88888888',
    wantedUntil: '2027-06-30T00:00:00+08:00',
    ...overrides,
  };
}

describe('Policies: what a consumer may apply for', () => {
  const cases: { name: string; resource?: typeof population; request: ApplicationRequest; paths: string[] }[] = [
    { name: 'a complete application for conditional items', request: request(), paths: [] },
    { name: 'a conditional item of an unconditional resource', resource: enterprises, request: request({ resource: enterprises.code, items: ['creditCode', 'legalRepId'] }), paths: [] },
    { name: 'no items', request: request({ items: [] }), paths: ['items'] },
    { name: 'an item the resource lacks', request: request({ items: ['idNumber', 'salary'] }), paths: ['items[1]'] },
    { name: 'an item named twice', request: request({ items: ['name', 'name'] }), paths: ['items[1]'] },
    { name: 'an item not shared at item level', request: request({ items: ['photo'] }), paths: ['items[0]'] },
    { name: 'only unconditional items', resource: enterprises, request: request({ resource: enterprises.code, items: ['creditCode'] }), paths: ['items'] },
    { name: 'an empty purpose, legal basis and contact', request: request({ purpose: ' ', legalBasis: '', contact: '' }), paths: ['purpose', 'legalBasis', 'contact'] },
    { name: 'a wantedUntil in the past', request: request({ wantedUntil: '2026-01-01T00:00:00Z' }), paths: ['wantedUntil'] },
    {
      name: 'a resource that is not shared',
      resource: { ...population, shareType: 'NOT_SHARED', shareCondition: '《保守国家秘密法》' },
      request: request(),
      paths: ['resource'],
    },
  ];
  for (const entry of cases) {
    it(`${entry.paths.length === 0 ? 'accepts' : 'refuses'} ${entry.name}`, () => {
      const problems = applicationProblems(entry.resource ?? population, entry.request, NOW);
      assert.deepEqual(problems.map((p) => p.path), entry.paths, JSON.stringify(problems));
    });
  }
});

describe('Policies: what a provider may grant', () => {
  const applied = { items: ['idNumber', 'name', 'region'], wantedUntil: new Date('2027-06-29T16:00:00Z') };

  it('grants the applied items until the wanted date when approved as asked', () => {
    const { terms, problems } = decisionTerms(population, applied, { decision: 'APPROVE' }, NOW);
    assert.deepEqual(problems, []);
    assert.deepEqual(terms, {
      items: ['idNumber', 'name', 'region'],
      rowScope: null,
      clearItems: [],
      maxRowsPerDay: null,
      maxCallsPerMinute: null,
      validUntil: applied.wantedUntil,
    });
  });

  it('narrows items, scopes rows, releases an item in clear, sets quotas and an earlier end', () => {
    const { terms, problems } = decisionTerms(
      population,
      applied,
      {
        decision: 'APPROVE',
        items: ['idNumber', 'region'],
        rowScope: { region: { eq: '330106' } },
        clearItems: ['region'],
        maxRowsPerDay: 1000,
        maxCallsPerMinute: 10,
        validUntil: '2027-01-01T00:00:00+08:00',
      },
      NOW,
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(terms, {
      items: ['idNumber', 'region'],
      rowScope: { region: { eq: '330106' } },
      clearItems: ['region'],
      maxRowsPerDay: 1000,
      maxCallsPerMinute: 10,
      validUntil: new Date('2026-12-31T16:00:00Z'),
    });
  });

  const refusals: { name: string; input: Parameters<typeof decisionTerms>[2]; paths: string[]; applied?: typeof applied }[] = [
    { name: 'a rejection without a reason', input: { decision: 'REJECT', reason: '  ' }, paths: ['reason'] },
    { name: 'a rejection carrying grant terms', input: { decision: 'REJECT', reason: '用途不明', items: ['name'] }, paths: ['items'] },
    { name: 'an approval widening the items', input: { decision: 'APPROVE', items: ['idNumber', 'note'] }, paths: ['items[1]'] },
    { name: 'an approval of no items', input: { decision: 'APPROVE', items: [] }, paths: ['items'] },
    { name: 'a clear item outside the grant', input: { decision: 'APPROVE', items: ['idNumber'], clearItems: ['name'] }, paths: ['clearItems[0]'] },
    { name: 'a row scope on an item that is not filterable', input: { decision: 'APPROVE', rowScope: { note: { eq: 'x' } } }, paths: ['rowScope.note'] },
    { name: 'a row scope naming an item without any operator', input: { decision: 'APPROVE', rowScope: { region: {} } }, paths: ['rowScope.region'] },
    { name: 'a row scope whose only operator is null', input: { decision: 'APPROVE', rowScope: { region: { eq: null } } }, paths: ['rowScope.region'] },
    {
      name: 'an empty row scope item beside an unknown one whose name begins with it',
      input: { decision: 'APPROVE', rowScope: { region: {}, regionCode: { eq: '330106' } } },
      paths: ['rowScope.region', 'rowScope.regionCode'],
    },
    { name: 'a zero quota', input: { decision: 'APPROVE', maxCallsPerMinute: 0 }, paths: ['maxCallsPerMinute'] },
    { name: 'a validity beyond the wanted date', input: { decision: 'APPROVE', validUntil: '2028-01-01T00:00:00Z' }, paths: ['validUntil'] },
    { name: 'a validity in the past', input: { decision: 'APPROVE', validUntil: '2026-01-01T00:00:00Z' }, paths: ['validUntil'] },
    {
      name: 'an approval after the wanted date passed, without a new validity',
      input: { decision: 'APPROVE' },
      applied: { items: ['name'], wantedUntil: new Date('2026-11-01T00:00:00Z') },
      paths: ['validUntil'],
    },
  ];
  for (const entry of refusals) {
    it(`refuses ${entry.name}`, () => {
      const { terms, problems } = decisionTerms(population, entry.applied ?? applied, entry.input, NOW);
      assert.equal(terms, null);
      assert.deepEqual(problems.map((p) => p.path), entry.paths, JSON.stringify(problems));
    });
  }

  it('accepts a rejection with its reason', () => {
    assert.deepEqual(decisionTerms(population, applied, { decision: 'REJECT', reason: '用途与申请事项无关' }, NOW), { terms: null, problems: [] });
  });
});

describe('Policies: the status a client sees', () => {
  it('shows an approved application EXPIRED once its grant ended, and leaves every other status alone', () => {
    const ended = new Date(NOW.getTime() - 1);
    const later = new Date(NOW.getTime() + 1);
    assert.equal(effectiveStatus('APPROVED', ended, NOW), 'EXPIRED');
    assert.equal(effectiveStatus('APPROVED', NOW, NOW), 'EXPIRED', 'a grant ending exactly now has ended');
    assert.equal(effectiveStatus('APPROVED', later, NOW), 'APPROVED');
    assert.equal(effectiveStatus('APPROVED', null, NOW), 'APPROVED');
    assert.equal(effectiveStatus('REVOKED', ended, NOW), 'REVOKED');
    assert.equal(effectiveStatus('PENDING', null, NOW), 'PENDING');
  });
});
