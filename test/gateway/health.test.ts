import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Knex } from 'knex';
import { registerConnector } from '../../catalog/index.js';
import { sourceKindsFor } from '../../connectors/index.js';
import { loadConfig } from '../../common/config.js';
import { cliActor } from '../../db/index.js';
import { buildDemoCatalog } from '../../demo/index.js';
import { describeEachDatabase } from '../support/databases.js';
import { startDemoGateway, startTestGateway, type DemoGateway } from '../support/gatewayHarness.js';

const demo = buildDemoCatalog();

interface ReadyBody {
  status: string;
  checks: {
    accepting: boolean;
    database: { ok: boolean };
    ledger: { ok: boolean; pending: number };
    caches: { ok: boolean };
    connectors: { id: string; state: string; message: string | null }[];
  };
}

/** One HTTP exchange on a new connection (no keep-alive), or the connection error's code. */
function fetchFresh(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; text: string } | { refused: string }> {
  return new Promise((resolve) => {
    const req = httpRequest(url, { method: init.method ?? 'GET', headers: init.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (error: NodeJS.ErrnoException) => resolve({ refused: error.code ?? error.message }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ refused: error.code ?? error.message }));
    req.end(init.body);
  });
}

/** Parses the HTTP/1.1 responses a raw socket received, in order, skipping interim 1xx ones. */
function parseResponses(raw: Buffer): { status: number; headers: Record<string, string>; body: string }[] {
  const responses: { status: number; headers: Record<string, string>; body: string }[] = [];
  let rest = raw;
  while (rest.length > 0) {
    const headEnd = rest.indexOf('\r\n\r\n');
    assert.ok(headEnd > 0, `a complete response head in ${rest.toString('utf8')}`);
    const [statusLine, ...headerLines] = rest.subarray(0, headEnd).toString('latin1').split('\r\n');
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine!)![1]);
    const headers = Object.fromEntries(headerLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
    rest = rest.subarray(headEnd + 4);
    if (status < 200) continue;
    let body: Buffer;
    if (headers['transfer-encoding'] === 'chunked') {
      const parts: Buffer[] = [];
      for (;;) {
        const lineEnd = rest.indexOf('\r\n');
        const size = parseInt(rest.subarray(0, lineEnd).toString('latin1'), 16);
        rest = rest.subarray(lineEnd + 2);
        if (size === 0) {
          rest = rest.subarray(2);
          break;
        }
        parts.push(rest.subarray(0, size));
        rest = rest.subarray(size + 2);
      }
      body = Buffer.concat(parts);
    } else {
      const length = Number(headers['content-length'] ?? 0);
      body = rest.subarray(0, length);
      rest = rest.subarray(length);
    }
    responses.push({ status, headers, body: body.toString('utf8') });
  }
  return responses;
}

/** Resolves when `socket` has received `text`. */
async function received(socket: Socket, chunks: Buffer[], text: string): Promise<void> {
  while (!Buffer.concat(chunks).toString('latin1').includes(text)) {
    await once(socket, 'data');
  }
}

describeEachDatabase('Gateway health: live and ready', (get) => {
  let demoGateway: DemoGateway;
  let knex: Knex;
  let base: string;

  before(async () => {
    demoGateway = await startDemoGateway(get());
    knex = get().db.knex;
    base = demoGateway.url.replace(/\/graphql$/, '');
  });
  after(async () => {
    await demoGateway.close();
  });

  it('answers /health/live with 200', async () => {
    const response = await fetch(`${base}/health/live`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'live' });
  });

  it('answers /health/ready with 200 and the state of the database, the ledger and every connector', async () => {
    const response = await fetch(`${base}/health/ready`);
    assert.equal(response.status, 200);
    const body = (await response.json()) as ReadyBody;
    assert.equal(body.status, 'ready');
    assert.equal(body.checks.accepting, true);
    assert.equal(body.checks.database.ok, true);
    assert.equal(body.checks.ledger.ok, true);
    assert.equal(body.checks.caches.ok, true);
    assert.deepEqual(
      body.checks.connectors.map((c) => [c.id, c.state]).sort(),
      demo.connectors.map((c) => [c.id, 'OK']).sort(),
    );
  });

  it('lists a connector whose source is down without making the gateway unready or showing its password', async () => {
    const department = demo.connectors[0]!.department;
    await registerConnector(
      knex,
      { id: 'down-db', kind: 'POSTGRES', department, config: { url: 'postgres://reader:s3cret-Pa55@127.0.0.1:1/source', statementTimeoutMs: 500 } },
      sourceKindsFor(loadConfig({}).connectors),
      cliActor,
    );
    await demoGateway.gateway.services.state.refresh('catalog');
    const response = await fetch(`${base}/health/ready`);
    const text = await response.text();
    assert.equal(response.status, 200, 'other resources are still served');
    const down = (JSON.parse(text) as ReadyBody).checks.connectors.find((c) => c.id === 'down-db');
    assert.equal(down?.state, 'ERROR');
    assert.ok(down?.message, 'says why');
    assert.ok(!text.includes('s3cret-Pa55'), 'the password stays secret');
  });
});

describeEachDatabase('Gateway health: stopping', (get) => {
  let consumer: string;

  before(async () => {
    const loaded = await startDemoGateway(get());
    consumer = loaded.keys.CONSUMER!;
    await loaded.close();
  });

  it('finishes a request in flight when close() begins, refuses new requests and reports not ready', async () => {
    const gateway = await startTestGateway(get());
    const { port } = gateway;
    const url = gateway.url;
    const base = url.replace(/\/graphql$/, '');
    const body = JSON.stringify({ query: '{ data { enterprises(first: 3) { nodes { creditCode } } } }' });

    // A request whose body is still arriving when shutdown begins: the server has it, its answer is not written yet.
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    const closed = once(socket, 'close');
    await once(socket, 'connect');
    socket.write(
      [
        'POST /graphql HTTP/1.1',
        'Host: 127.0.0.1',
        `Authorization: Bearer ${consumer}`,
        'Content-Type: application/json',
        `Content-Length: ${Buffer.byteLength(body)}`,
        'X-Request-Id: in-flight-during-close',
        'Expect: 100-continue',
        '',
        '',
      ].join('\r\n') + body.slice(0, 10),
    );
    await received(socket, chunks, '100 Continue');

    const closing = gateway.close();
    // New requests are refused: with 503 SHUTTING_DOWN while the listener closes, then at the connection.
    let refusedAtConnection = false;
    for (let attempt = 0; attempt < 100 && !refusedAtConnection; attempt += 1) {
      const answer = await fetchFresh(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${consumer}` },
        body,
      });
      if ('refused' in answer) {
        refusedAtConnection = true;
      } else {
        assert.equal(answer.status, 503, answer.text);
        assert.equal((JSON.parse(answer.text) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code, 'SHUTTING_DOWN');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    assert.ok(refusedAtConnection, 'the listener stops accepting connections');

    // The rest of the body, and a readiness probe pipelined behind it on the same connection.
    socket.write(`${body.slice(10)}GET /health/ready HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    await closed;
    const [answer, ready] = parseResponses(Buffer.concat(chunks));
    assert.equal(answer?.status, 200, answer?.body);
    const result = JSON.parse(answer!.body) as { data: { data: { enterprises: { nodes: unknown[] } } }; extensions: { exchanges: { exchangeId: string }[] } };
    assert.equal(result.data.data.enterprises.nodes.length, 3, 'the request in flight got its data');
    assert.equal(ready?.status, 503);
    const readiness = JSON.parse(ready!.body) as ReadyBody;
    assert.equal(readiness.status, 'not ready');
    assert.equal(readiness.checks.accepting, false);

    await closing;
    const records = await get().db.knex('ledger_records').where({ request_id: 'in-flight-during-close' }).select('exchange_id', 'outcome');
    assert.deepEqual(records, [{ exchange_id: result.extensions.exchanges[0]!.exchangeId, outcome: 'OK' }], 'its exchange was logged before the gateway stopped');
    assert.ok('refused' in (await fetchFresh(`${base}/health/live`)), 'a stopped gateway answers nothing');
  });
});
