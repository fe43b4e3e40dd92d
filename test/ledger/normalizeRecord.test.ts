import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { normalizeRecord, type ExchangeRecord } from '../../ledger/index.js';
import { exchangeRecord } from './exchangeRecords.js';

describe('Ledger: the stored form of a record', () => {
  it('stores what reads back from the database: lower-case UUID, UTC milliseconds, microsecond durations', () => {
    const stored = normalizeRecord(
      exchangeRecord({
        exchangeId: 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11',
        at: '2024-03-01T10:03:04.123456+08:00',
        finishedAt: '2024-03-01T02:03:05Z',
        durationMs: 12.345678,
      }),
    );
    assert.equal(stored.exchangeId, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
    assert.equal(stored.at, '2024-03-01T02:03:04.123Z');
    assert.equal(stored.finishedAt, '2024-03-01T02:03:05.000Z');
    assert.equal(stored.durationMs, 12.346);
  });

  it('rounds away the float noise of a clock difference', () => {
    assert.equal(normalizeRecord(exchangeRecord({ durationMs: 1.1368683772161603e-13 })).durationMs, 0);
  });

  it('copies item lists, so a caller changing its array later cannot change the record', () => {
    const items = ['name'];
    const stored = normalizeRecord(exchangeRecord({ items }));
    items.push('idNumber');
    assert.deepEqual(stored.items, ['name']);
  });

  const refused: [string, Partial<Record<keyof ExchangeRecord, unknown>>][] = [
    ['exchangeId', { exchangeId: 'not-a-uuid' }],
    ['at', { at: '2024-03-01 02:03:04' }],
    ['at', { at: '0000-06-01T00:00:00Z' }],
    ['finishedAt', { finishedAt: 'yesterday' }],
    ['consumerDepartment', { consumerDepartment: '11330100MB1234567X9' }],
    ['onBehalfOf', { onBehalfOf: 'X'.repeat(19) }],
    ['requestId', { requestId: 'a\u0000b' }],
    ['consumerApp', { consumerApp: 'app\ud800' }],
    ['items[1]', { items: ['name', 7] }],
    ['maskedItems', { maskedItems: 'idNumber' }],
    ['rows', { rows: -1 }],
    ['bytes', { bytes: 2 ** 31 }],
    ['resourceVersion', { resourceVersion: 1.5 }],
    ['durationMs', { durationMs: Number.NaN }],
    ['outcome', { outcome: 'MAYBE' }],
    ['traceId', { traceId: 42 }],
  ];
  for (const [field, override] of refused) {
    it(`refuses a record whose ${field} the database could not store as given (${inspect(Object.values(override)[0])})`, () => {
      const record = { ...exchangeRecord(), ...override } as ExchangeRecord;
      assert.throws(() => normalizeRecord(record), (error: unknown) => {
        assert.ok(error instanceof TypeError);
        assert.match(error.message, new RegExp(`field ${field.replace(/[[\]]/g, '\\$&')} `));
        return true;
      });
    });
  }

  it('accepts Chinese text and 18-character department codes', () => {
    const stored = normalizeRecord(exchangeRecord({ consumerApp: '人口库查询应用', onBehalfOf: '11330100MB1234567X' }));
    assert.equal(stored.consumerApp, '人口库查询应用');
    assert.equal(stored.onBehalfOf, '11330100MB1234567X');
  });
});
