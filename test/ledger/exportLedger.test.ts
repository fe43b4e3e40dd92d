import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { silentLogger } from '../../common/logger.js';
import {
  CSV_TRAILER_PREFIX,
  canonicalRecord,
  createLedgerWriter,
  exportLedger,
  hashRecord,
  type ChainedRecord,
  type ExchangeRecord,
  type ExportTrailer,
} from '../../ledger/index.js';
import { describeEachDatabase } from '../support/databases.js';

function record(finishedAt: Date, overrides: Partial<ExchangeRecord> = {}): ExchangeRecord {
  return {
    exchangeId: randomUUID(),
    requestId: 'req, "quoted"\nline',
    traceId: null,
    at: new Date(finishedAt.getTime() - 5).toISOString(),
    finishedAt: finishedAt.toISOString(),
    consumerDepartment: '11330100MB0000000N',
    consumerApp: 'key-1',
    onBehalfOf: null,
    providerDepartment: '11330100MB0000000N',
    resourceCode: '101001/000001',
    resourceVersion: 1,
    operation: 'query',
    items: ['idNumber', 'name'],
    returnedItems: ['name'],
    maskedItems: ['name'],
    rows: 3,
    bytes: 120,
    durationMs: 4.5,
    outcome: 'OK',
    errorCode: null,
    decisionId: randomUUID(),
    grantId: null,
    ...overrides,
  };
}

async function collect(knex: Knex, from: Date, to: Date, format: 'jsonl' | 'csv', pageSize = 7): Promise<{ text: string; trailer: ExportTrailer; writes: number }> {
  let text = '';
  let writes = 0;
  const trailer = await exportLedger(knex, { from, to, format, pageSize }, async (chunk) => {
    text += chunk;
    writes += 1;
  });
  return { text, trailer, writes };
}

/** Recomputes each chain of an export from its trailer's anchor. */
function verifyChainsOf(records: readonly ChainedRecord[], trailer: ExportTrailer): void {
  for (const chain of trailer.chains) {
    const own = records.filter((r) => r.writerId === chain.writer);
    assert.equal(own.length, chain.records);
    let prev = chain.firstPrevHash;
    let seq = chain.firstSeq;
    for (const r of own) {
      assert.equal(r.seq, seq, 'a contiguous stretch of the chain');
      assert.equal(r.prevHash, prev);
      const { hash, ...unhashed } = r;
      assert.equal(hashRecord(prev, canonicalRecord(unhashed)), hash, `record ${r.seq} recomputes`);
      prev = hash;
      seq += 1;
    }
    assert.equal(prev, chain.lastHash);
    assert.equal(seq - 1, chain.lastSeq);
  }
}

describeEachDatabase('Ledger: export of a time window', (get) => {
  let knex: Knex;
  const start = new Date('2026-03-01T00:00:00Z');

  before(async () => {
    knex = get().db.knex;
    for (const id of ['writer-a', 'writer-b']) {
      const writer = createLedgerWriter(knex, { writerId: id, maxBatch: 50, maxWaitMs: 0, logger: silentLogger() });
      await writer.start();
      // 40 records a writer, one a minute; appended in finishing order as the gateway does.
      for (let i = 0; i < 40; i++) await writer.append(record(new Date(start.getTime() + i * 60_000)));
      await writer.close();
    }
  });

  it('streams the records answered in [from, to) page by page, with a trailer that verifies each chain offline', async () => {
    const from = new Date(start.getTime() + 10 * 60_000);
    const to = new Date(start.getTime() + 30 * 60_000);
    const { text, trailer, writes } = await collect(knex, from, to, 'jsonl');
    const lines = text.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const last = lines.pop()!;
    assert.deepEqual(last, { trailer });
    const records = lines as unknown as ChainedRecord[];
    assert.equal(records.length, 40, '20 a writer');
    assert.equal(trailer.records, 40);
    assert.ok(records.every((r) => r.finishedAt >= from.toISOString() && r.finishedAt < to.toISOString()));
    assert.ok(writes >= 40 / 7, 'written as pages were read, not at the end');
    assert.deepEqual(trailer.chains.map((c) => [c.writer, c.firstSeq, c.lastSeq]), [['writer-a', 11, 30], ['writer-b', 11, 30]]);
    verifyChainsOf(records, trailer);
    const stored = await knex('ledger_records').where({ writer_id: 'writer-a', seq: 11 }).first('hash', 'prev_hash');
    assert.deepEqual([trailer.chains[0]!.firstPrevHash, records[0]!.hash], [stored.prev_hash, stored.hash]);
  });

  it('writes the same records as CSV, quoting what needs quoting, with the trailer as its last line', async () => {
    const from = start;
    const to = new Date(start.getTime() + 3 * 60_000);
    const { text, trailer } = await collect(knex, from, to, 'csv');
    const lines = text.split('\n');
    assert.equal(lines[0], 'writerId,seq,prevHash,hash,exchangeId,requestId,traceId,at,finishedAt,consumerDepartment,consumerApp,onBehalfOf,providerDepartment,resourceCode,resourceVersion,operation,items,returnedItems,maskedItems,rows,bytes,durationMs,outcome,errorCode,decisionId,grantId');
    const trailerLine = lines.filter((line) => line.startsWith(CSV_TRAILER_PREFIX));
    assert.equal(trailerLine.length, 1);
    assert.deepEqual(JSON.parse(trailerLine[0]!.slice(CSV_TRAILER_PREFIX.length)), trailer);
    assert.equal(trailer.records, 6);
    assert.ok(text.includes('"req, ""quoted""\nline"'), 'a request id with a comma, quotes and a line break is quoted whole');
    assert.ok(text.includes('"[""idNumber"",""name""]"'), 'lists are JSON in one quoted cell');
  });

  it('exports nothing but a trailer for an empty window', async () => {
    const { text, trailer } = await collect(knex, new Date('2020-01-01T00:00:00Z'), new Date('2020-02-01T00:00:00Z'), 'jsonl');
    assert.deepEqual(trailer.chains, []);
    assert.equal(text, `${JSON.stringify({ trailer })}\n`);
  });
});
