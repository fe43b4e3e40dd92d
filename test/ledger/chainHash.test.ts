import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { GENESIS_HASH, canonicalRecord, hashRecord, type ChainedRecord } from '../../ledger/index.js';

const first: Omit<ChainedRecord, 'hash'> = {
  writerId: 'gw-a-1-0badcafe',
  seq: 1,
  prevHash: GENESIS_HASH,
  exchangeId: '0f8e2a52-6a0e-4d9b-9a43-1d2a0c7e5b10',
  requestId: 'req-1',
  traceId: null,
  at: '2024-03-01T02:03:04.005Z',
  finishedAt: '2024-03-01T02:03:04.050Z',
  consumerDepartment: '11330100MB1234567X',
  consumerApp: 'key-1',
  onBehalfOf: null,
  providerDepartment: '11330100002489764D',
  resourceCode: '101001/000001',
  resourceVersion: 1,
  operation: 'query',
  items: ['xm', 'sfzh'],
  returnedItems: ['xm', 'sfzh'],
  maskedItems: ['sfzh'],
  rows: 1,
  bytes: 58,
  durationMs: 12.5,
  outcome: 'OK',
  errorCode: null,
  decisionId: 'dec-1',
  grantId: null,
};

const FIRST_CANONICAL =
  '["gw-a-1-0badcafe",1,"0000000000000000000000000000000000000000000000000000000000000000",' +
  '"0f8e2a52-6a0e-4d9b-9a43-1d2a0c7e5b10","req-1",null,"2024-03-01T02:03:04.005Z","2024-03-01T02:03:04.050Z",' +
  '"11330100MB1234567X","key-1",null,"11330100002489764D","101001/000001",1,"query",' +
  '["xm","sfzh"],["xm","sfzh"],["sfzh"],1,58,12.5,"OK",null,"dec-1",null]';

describe('Ledger: canonical form and chain hash', () => {
  it('starts every chain from 64 zeros', () => {
    assert.equal(GENESIS_HASH, '0000000000000000000000000000000000000000000000000000000000000000');
  });

  it('serialises a record exactly as the documented format says', () => {
    assert.equal(canonicalRecord(first), FIRST_CANONICAL);
  });

  it('hashes prevHash, a newline and the canonical form with SHA-256', () => {
    const expected = createHash('sha256').update(`${GENESIS_HASH}\n${FIRST_CANONICAL}`).digest('hex');
    assert.equal(hashRecord(GENESIS_HASH, FIRST_CANONICAL), expected);
    // A fixed vector for auditors' own implementations; it must never change.
    assert.equal(hashRecord(GENESIS_HASH, FIRST_CANONICAL), 'e07f590cfc909101a840b3e365bcca5ddac24763ddbf5d2a22204c8e0c083f54');
  });

  it('writes Chinese text as UTF-8 characters, not escapes', () => {
    const canonical = canonicalRecord({ ...first, consumerApp: '人口库应用' });
    assert.ok(canonical.includes('"人口库应用"'));
    assert.equal(
      hashRecord(GENESIS_HASH, canonical),
      createHash('sha256').update(Buffer.from(`${GENESIS_HASH}\n${canonical}`, 'utf8')).digest('hex'),
    );
  });

  it('changes when any single field changes', () => {
    for (const field of Object.keys(first) as (keyof typeof first)[]) {
      const value = first[field];
      const changed =
        typeof value === 'string' ? `${value}x` : typeof value === 'number' ? value + 1 : Array.isArray(value) ? [...value, 'x'] : 'x';
      assert.notEqual(canonicalRecord({ ...first, [field]: changed }), FIRST_CANONICAL, `${field} is not in the canonical form`);
    }
  });

  it('keeps the order of items, so reordered items are a different record', () => {
    assert.notEqual(canonicalRecord({ ...first, items: ['sfzh', 'xm'] }), FIRST_CANONICAL);
  });

  it('ignores properties that are not record fields', () => {
    const withExtra = { ...first, note: 'not recorded' } as Omit<ChainedRecord, 'hash'>;
    assert.equal(canonicalRecord(withExtra), FIRST_CANONICAL);
  });
});
