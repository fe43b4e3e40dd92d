/** Exchange records for ledger tests: valid by default, any field overridable. */
import { randomUUID } from 'node:crypto';
import type { ExchangeRecord } from '../../ledger/index.js';

/** A valid OK exchange of a CONDITIONAL resource, with a new exchangeId. */
export function exchangeRecord(overrides: Partial<ExchangeRecord> = {}): ExchangeRecord {
  return {
    exchangeId: randomUUID(),
    requestId: `req-${randomUUID().slice(0, 8)}`,
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    at: '2024-03-01T02:03:04.005Z',
    finishedAt: '2024-03-01T02:03:04.050Z',
    consumerDepartment: '11330100MB1234567X',
    consumerApp: 'key-population-app',
    onBehalfOf: null,
    providerDepartment: '11330100002489764D',
    resourceCode: '101001/000001',
    resourceVersion: 2,
    operation: 'query',
    items: ['idNumber', 'name', 'address'],
    returnedItems: ['idNumber', 'name', 'address'],
    maskedItems: ['idNumber'],
    rows: 3,
    bytes: 412,
    durationMs: 45.25,
    outcome: 'OK',
    errorCode: null,
    decisionId: 'dec-0001',
    grantId: '6a1f1a4e-7c1d-4c55-9d0b-3b0d9c3c2a11',
    ...overrides,
  };
}
