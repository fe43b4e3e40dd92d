import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Gateway } from '../../gateway/createGateway.js';
import { CSV_TRAILER_PREFIX, verifyExportFile, type ExportTrailer } from '../../ledger/index.js';
import { describeEachDatabase } from '../support/databases.js';
import { graphql, startTestGateway } from '../support/gatewayHarness.js';

describeEachDatabase('Gateway: GET /ledger/export', (get) => {
  let gateway: Gateway;
  let base: string;
  let auditor: string;
  let consumer: string;
  const window = () => {
    const now = Date.now();
    return { from: new Date(now - 3_600_000).toISOString(), to: new Date(now + 3_600_000).toISOString() };
  };

  async function download(query: Record<string, string>, key: string | null): Promise<Response> {
    const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
    return fetch(`${base}/ledger/export?${new URLSearchParams(query).toString()}`, { headers });
  }

  async function errorCodeOf(response: Response): Promise<string> {
    const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
    return body.errors[0]!.extensions.code;
  }

  before(async () => {
    gateway = await startTestGateway(get(), { demo: true, dataDir: mkdtempSync(join(tmpdir(), 'meridian-export-')) });
    base = gateway.url.replace(/\/graphql$/, '');
    auditor = gateway.demoKeys.find((key) => key.role === 'AUDITOR')!.key;
    consumer = gateway.demoKeys.find((key) => key.role === 'CONSUMER')!.key;
    for (let i = 0; i < 4; i += 1) {
      const response = await graphql(gateway.url, consumer, '{ data { enterprises(first: 2) { nodes { creditCode } } } }');
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    }
  });
  after(async () => {
    await gateway.close();
  });

  it('streams every exchange of the window to an auditor as JSON Lines, closed by a trailer that names the chain heads', async () => {
    const response = await download(window(), auditor);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/x-ndjson/);
    assert.match(response.headers.get('content-disposition') ?? '', /^attachment; filename="meridian-ledger_\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}\.jsonl"$/);
    const lines = (await response.text()).trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const { trailer } = lines.pop() as { trailer: ExportTrailer };
    const stored = await get().db.knex('ledger_records').orderBy('seq').select('exchange_id', 'hash', 'writer_id', 'seq');
    assert.equal(lines.length, stored.length);
    assert.ok(lines.length >= 4);
    assert.deepEqual(lines.map((line) => line.exchangeId), stored.map((row) => row.exchange_id));
    assert.equal(trailer.records, stored.length);
    const last = stored[stored.length - 1]!;
    assert.deepEqual(
      trailer.chains.map((chain) => [chain.writer, chain.lastSeq, chain.lastHash]),
      [[last.writer_id, Number(last.seq), last.hash]],
    );
  });

  it('gives the same records as CSV, with the trailer on the last line', async () => {
    const response = await download({ ...window(), format: 'csv' }, auditor);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/csv/);
    const lines = (await response.text()).trimEnd().split('\n');
    assert.match(lines[0]!, /^writerId,seq,prevHash,hash,exchangeId,/);
    const trailer = JSON.parse(lines.pop()!.slice(CSV_TRAILER_PREFIX.length)) as ExportTrailer;
    assert.equal(trailer.records, lines.length - 1);
  });

  it('downloads files that verify offline, and whose edited copy does not', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'meridian-download-'));
    for (const format of ['jsonl', 'csv']) {
      const body = await (await download({ ...window(), format }, auditor)).text();
      const path = join(folder, `ledger.${format}`);
      writeFileSync(path, body);
      const verification = await verifyExportFile(path);
      assert.equal(verification.ok, true, JSON.stringify(verification));
      assert.ok(verification.records >= 4);
      // One more row claimed for an exchange: the record no longer matches its hash.
      writeFileSync(path, body.replace(format === 'csv' ? /,2,(\d+),/ : /"rows":2,/, format === 'csv' ? ',3,$1,' : '"rows":3,'));
      const edited = await verifyExportFile(path);
      assert.equal(edited.ok, false);
      assert.match(edited.writers[0]!.problem ?? '', /^edited: /);
    }
  });

  it('records each export in the admin audit trail, with who asked and the window', async () => {
    const asked = window();
    await (await download(asked, auditor)).text();
    const entry = await get()
      .db.knex('admin_audit')
      .where({ action: 'ledger.export', target: `${asked.from}/${asked.to}` })
      .first('via', 'actor_department');
    assert.equal(entry?.via, 'http');
    assert.ok(entry?.actor_department, 'the auditor department is named');
  });

  it('refuses a caller without a key (401) and a department without the AUDITOR role (403)', async () => {
    const anonymous = await download(window(), null);
    assert.equal(anonymous.status, 401);
    assert.equal(await errorCodeOf(anonymous), 'UNAUTHENTICATED');
    const notAuditor = await download(window(), consumer);
    assert.equal(notAuditor.status, 403);
    assert.equal(await errorCodeOf(notAuditor), 'FORBIDDEN');
  });

  it('says what to fix in a bad window or format, before sending anything', async () => {
    const { from, to } = window();
    const queries: Record<string, string>[] = [{ from: 'yesterday', to }, { from: to, to: from }, { from: '2020-01-01T00:00:00Z', to: '2022-01-01T00:00:00Z' }, { from: from.slice(0, 10), to }, { from, to, format: 'xlsx' }];
    for (const query of queries) {
      const response = await download(query, auditor);
      assert.equal(response.status, 400, JSON.stringify(query));
      assert.equal(await errorCodeOf(response), 'BAD_USER_INPUT');
    }
  });
});
