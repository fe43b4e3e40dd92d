import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Knex } from 'knex';
import { SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { loadConfig } from '../../common/config.js';
import { createLogger } from '../../common/logger.js';
import { ATTR, SPAN } from '../../common/telemetryNames.js';
import { buildDemoCatalog, demoDepartmentCode } from '../../demo/index.js';
import { hashApiKey } from '../../gateway/auth/apiKeys.js';
import { startGateway, type Gateway } from '../../gateway/createGateway.js';
import type { TelemetryOptions } from '../../gateway/telemetry/startTelemetry.js';
import { describeEachDatabase, type TestDatabase } from '../support/databases.js';
import { graphql, type GraphQLResponse } from '../support/gatewayHarness.js';

const demo = buildDemoCatalog();
const HRSS = demoDepartmentCode(demo, 'hrss');
const AMR = demoDepartmentCode(demo, 'amr');
const ENTERPRISES = '102001/000001';
const POPULATION = '101001/000001';
const DISEASE_REPORTS = '202002/000001';

/** A demo gateway with the given telemetry, its log lines kept for inspection. */
interface ObservedGateway {
  readonly gateway: Gateway;
  readonly url: string;
  readonly base: string;
  readonly consumerKey: string;
  readonly logs: string[];
  close(): Promise<void>;
}

async function startObservedGateway(testDb: TestDatabase, telemetry: TelemetryOptions): Promise<ObservedGateway> {
  const dataDir = mkdtempSync(join(tmpdir(), 'meridian-telemetry-'));
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  });
  const config = loadConfig({}, { port: 0, host: '127.0.0.1', demo: true, dataDir, logLevel: 'info' });
  const gateway = await startGateway({ config, logger: createLogger('info', sink), database: testDb.db, telemetry });
  const consumerKey = gateway.demoKeys.find((key) => key.role === 'CONSUMER')!.key;
  return {
    gateway,
    url: gateway.url,
    base: gateway.url.replace(/\/graphql$/, ''),
    consumerKey,
    logs,
    async close() {
      await gateway.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Samples of a Prometheus text page, by metric name. */
type Samples = Map<string, { labels: Record<string, string>; value: number }[]>;

function parsePrometheus(text: string): Samples {
  const samples: Samples = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    assert.ok(match, `a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const label of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[label[1]!] = label[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    const list = samples.get(match[1]!) ?? [];
    list.push({ labels, value: Number(match[3]) });
    samples.set(match[1]!, list);
  }
  return samples;
}

/** The sum of a metric's samples whose labels include `labels`; 0 when there is none. */
function valueOf(samples: Samples, name: string, labels: Record<string, string>): number {
  return (samples.get(name) ?? [])
    .filter((sample) => Object.entries(labels).every(([key, value]) => sample.labels[key] === value))
    .reduce((sum, sample) => sum + sample.value, 0);
}

/** Prometheus label names of the telemetry attributes. */
const label = (attribute: string): string => attribute.replace(/\./g, '_');

async function scrape(base: string): Promise<{ status: number; contentType: string; body: string }> {
  const response = await fetch(`${base}/metrics`);
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', body: await response.text() };
}

function exchangesOf(response: GraphQLResponse): { resource: string; exchangeId: string; outcome: string; rows: number }[] {
  return (response.extensions?.exchanges ?? []) as { resource: string; exchangeId: string; outcome: string; rows: number }[];
}

/** Every string leaf of a response's data at least `min` characters long. */
function stringsIn(value: unknown, min: number, into: Set<string> = new Set()): Set<string> {
  if (typeof value === 'string' && value.length >= min) into.add(value);
  else if (Array.isArray(value)) for (const inner of value) stringsIn(inner, min, into);
  else if (value !== null && typeof value === 'object') for (const inner of Object.values(value)) stringsIn(inner, min, into);
  return into;
}

function spanText(span: ReadableSpan): string {
  return JSON.stringify({ name: span.name, attributes: span.attributes, events: span.events, status: span.status, links: span.links });
}

const byName = (spans: readonly ReadableSpan[], name: string): ReadableSpan[] => spans.filter((span) => span.name === name);

describeEachDatabase('Gateway: telemetry of requests, exchanges and connector fetches', (get) => {
  const exporter = new InMemorySpanExporter();
  const processor = new SimpleSpanProcessor(exporter);
  let observed: ObservedGateway;
  let knex: Knex;
  let consumerKeyId: string;

  /** The spans ended so far, once every export finished. */
  async function finishedSpans(): Promise<ReadableSpan[]> {
    await processor.forceFlush();
    return exporter.getFinishedSpans();
  }

  before(async () => {
    observed = await startObservedGateway(get(), { spanProcessors: [processor] });
    knex = get().db.knex;
    const keyRow = (await knex('api_keys').where({ secret_hash: hashApiKey(observed.consumerKey) }).first('id')) as { id: string };
    consumerKeyId = keyRow.id;
  });
  after(async () => {
    await observed.close();
  });
  beforeEach(async () => {
    await processor.forceFlush();
    exporter.reset();
  });

  it('traces a request, its exchanges and their connector fetches as parent and children', async () => {
    const response = await fetch(observed.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${observed.consumerKey}`, 'x-request-id': 'trace-test-1' },
      body: JSON.stringify({
        query: 'query EnterprisesWithRepresentatives { data { enterprises(first: 5) { nodes { creditCode legalRepresentative { name } } } } }',
      }),
    });
    const body = (await response.json()) as GraphQLResponse;
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    const spans = await finishedSpans();

    const [request, ...moreRequests] = byName(spans, SPAN.request);
    assert.ok(request, 'a request span');
    assert.equal(moreRequests.length, 0);
    assert.equal(request.attributes[ATTR.operationName], 'EnterprisesWithRepresentatives');
    assert.equal(request.attributes[ATTR.operationType], 'query');
    assert.equal(request.attributes[ATTR.requestId], 'trace-test-1');
    assert.equal(request.attributes[ATTR.principalDepartment], HRSS);
    assert.equal(request.attributes[ATTR.principalKeyId], consumerKeyId);

    const exchanges = byName(spans, SPAN.exchange);
    assert.deepEqual(exchanges.map((span) => span.attributes[ATTR.resource]).sort(), [ENTERPRISES, POPULATION].sort(), 'one span per exchange');
    for (const exchange of exchanges) {
      assert.equal(exchange.spanContext().traceId, request.spanContext().traceId);
      assert.equal(exchange.parentSpanContext?.spanId, request.spanContext().spanId, 'an exchange is a child of its request');
      assert.equal(exchange.attributes[ATTR.consumer], HRSS);
      assert.equal(exchange.attributes[ATTR.outcome], 'OK');
      assert.equal(typeof exchange.attributes[ATTR.rows], 'number');
      assert.ok(exchange.attributes[ATTR.decisionId], 'the decision id');
      assert.equal(exchange.attributes[ATTR.errorCode], undefined);
    }
    const enterprises = exchanges.find((span) => span.attributes[ATTR.resource] === ENTERPRISES)!;
    assert.equal(enterprises.attributes[ATTR.provider], AMR);
    assert.equal(enterprises.attributes[ATTR.rows], 5);

    const fetches = byName(spans, SPAN.connectorFetch);
    assert.equal(fetches.length, 2, 'one fetch per exchange');
    for (const fetched of fetches) {
      const parent = exchanges.find((exchange) => exchange.spanContext().spanId === fetched.parentSpanContext?.spanId);
      assert.ok(parent, 'a fetch is a child of its exchange');
      assert.equal(fetched.attributes[ATTR.resource], parent.attributes[ATTR.resource]);
      assert.equal(fetched.attributes[ATTR.outcome], 'OK');
      assert.ok(fetched.attributes[ATTR.connectorId]);
      assert.equal(fetched.attributes[ATTR.connectorKind], 'POSTGRES');
    }
    assert.equal(fetches.find((span) => span.attributes[ATTR.resource] === ENTERPRISES)!.attributes[ATTR.connectorId], 'amr-db');
  });

  it('records the exchange span trace id as the ledger record trace id', async () => {
    const response = await graphql(observed.url, observed.consumerKey, '{ data { enterprises(first: 2) { nodes { creditCode legalRepresentative { name } } } } }');
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    const spans = byName(await finishedSpans(), SPAN.exchange);
    const listed = exchangesOf(response);
    assert.equal(listed.length, 2);
    for (const { exchangeId } of listed) {
      const span = spans.find((candidate) => candidate.attributes[ATTR.exchangeId] === exchangeId);
      assert.ok(span, `a span for exchange ${exchangeId}`);
      const record = (await knex('ledger_records').where({ exchange_id: exchangeId }).first('trace_id')) as { trace_id: string | null };
      assert.match(span.spanContext().traceId, /^[0-9a-f]{32}$/);
      assert.equal(record.trace_id, span.spanContext().traceId);
    }
  });

  it('shows a denial as a DENIED exchange span with its code, no fetch, and counts it in /metrics', async () => {
    const labels = { [label(ATTR.resource)]: DISEASE_REPORTS, [label(ATTR.consumer)]: HRSS, [label(ATTR.errorCode)]: 'NOT_SHARED' };
    const before = valueOf(parsePrometheus((await scrape(observed.base)).body), 'meridian_exchange_denials_total', labels);
    const response = await graphql(observed.url, observed.consumerKey, '{ data { infectiousDiseaseReports { nodes { reportNo } } } }');
    assert.equal(response.errors?.[0]?.extensions?.code, 'NOT_SHARED');

    const spans = await finishedSpans();
    const [exchange] = byName(spans, SPAN.exchange);
    assert.ok(exchange);
    assert.equal(exchange.attributes[ATTR.outcome], 'DENIED');
    assert.equal(exchange.attributes[ATTR.errorCode], 'NOT_SHARED');
    assert.equal(exchange.status.code, SpanStatusCode.UNSET, 'a denial is not a span error');
    assert.equal(byName(spans, SPAN.connectorFetch).length, 0, 'nothing was read');
    assert.deepEqual(byName(spans, SPAN.request)[0]!.attributes[ATTR.errorCodes], ['NOT_SHARED']);

    const after = valueOf(parsePrometheus((await scrape(observed.base)).body), 'meridian_exchange_denials_total', labels);
    assert.equal(after - before, 1);
  });

  it('answers /metrics in Prometheus text without a key, counting exchanges, records, bytes and durations', async () => {
    const first = await scrape(observed.base);
    assert.equal(first.status, 200);
    assert.match(first.contentType, /^text\/plain/);
    const before = parsePrometheus(first.body);

    const response = await graphql(observed.url, observed.consumerKey, '{ data { enterprises(first: 7) { nodes { creditCode name } } } }');
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    const [exchange] = exchangesOf(response);
    const record = (await knex('ledger_records').where({ exchange_id: exchange!.exchangeId }).first('bytes', 'row_count')) as { bytes: number; row_count: number };
    const after = parsePrometheus((await scrape(observed.base)).body);

    const labels = {
      [label(ATTR.provider)]: AMR,
      [label(ATTR.consumer)]: HRSS,
      [label(ATTR.resource)]: ENTERPRISES,
      [label(ATTR.outcome)]: 'OK',
    };
    const delta = (name: string, of: Record<string, string> = labels): number => valueOf(after, name, of) - valueOf(before, name, of);
    assert.equal(delta('meridian_exchanges_total'), 1);
    assert.equal(delta('meridian_exchange_records_total'), 7);
    assert.equal(record.row_count, 7);
    assert.equal(delta('meridian_exchange_bytes_total'), Number(record.bytes), 'bytes as the ledger counts them');
    assert.equal(delta('meridian_exchange_duration_count'), 1);
    assert.ok(delta('meridian_exchange_duration_sum') > 0);
    const connector = { [label(ATTR.connectorId)]: 'amr-db', [label(ATTR.connectorKind)]: 'POSTGRES', [label(ATTR.outcome)]: 'OK' };
    assert.equal(delta('meridian_connector_fetch_duration_count', connector), 1);
  });

  it('puts no data value, key, query text or variable in spans, /metrics or logs', async () => {
    const literal = 'Zq7LiteralRegion';
    const variable = 'Zq7VariableStatus';
    const secretish = `${observed.consumerKey}`;
    const queries: [string, Record<string, unknown>][] = [
      [`query Filtered($status: String) { data { enterprises(first: 3, where: { regionCode: { eq: "${literal}" }, status: { eq: $status } }) { nodes { creditCode } } } }`, { status: variable }],
      ['query Rows { data { enterprises(first: 20) { nodes { creditCode name address legalRepName legalRepresentative { idNumber name } } } } }', {}],
      ['{ data { enterprises(first: 2) { nodes { legalRepIdNumber } } } }', {}],
    ];
    const forbidden = new Set<string>([literal, variable, secretish, secretish.slice(-24)]);
    for (const [query, variables] of queries) {
      const response = await graphql(observed.url, observed.consumerKey, query, variables);
      for (const value of stringsIn(response.data, 6)) forbidden.add(value);
      forbidden.add(query);
    }
    assert.ok(forbidden.size > 20, `the queries returned data values to look for (${forbidden.size})`);

    const spans = await finishedSpans();
    assert.ok(byName(spans, SPAN.exchange).length >= 4);
    const spanTexts = spans.map(spanText).join('\n');
    const metrics = (await scrape(observed.base)).body;
    const logs = observed.logs.join('');
    for (const value of forbidden) {
      assert.ok(!spanTexts.includes(value), `spans do not carry ${JSON.stringify(value)}`);
      assert.ok(!metrics.includes(value), `/metrics does not carry ${JSON.stringify(value)}`);
      assert.ok(!logs.includes(value), `logs do not carry ${JSON.stringify(value)}`);
    }
  });

  it('refuses an unknown path beside /metrics and serves /metrics while GraphQL answers 401 to a missing key', async () => {
    const unauthenticated = await graphql(observed.url, null, '{ data { enterprises(first: 1) { nodes { creditCode } } } }');
    assert.equal(unauthenticated.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    assert.equal((await scrape(observed.base)).status, 200);
    assert.equal((await fetch(`${observed.base}/metrics/extra`)).status, 404);
  });
});

/** A stand-in OTLP collector: the bodies posted to each path. */
async function startCollector(): Promise<{ url: string; bodies: Map<string, Buffer[]>; close(): Promise<void> }> {
  const bodies = new Map<string, Buffer[]>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const list = bodies.get(req.url ?? '') ?? [];
      list.push(Buffer.concat(chunks));
      bodies.set(req.url ?? '', list);
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bodies,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describeEachDatabase('Gateway: OTLP export of telemetry', (get) => {
  const OTEL_VARIABLES = ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_METRIC_EXPORT_INTERVAL'] as const;
  let saved: Partial<Record<(typeof OTEL_VARIABLES)[number], string>>;

  beforeEach(() => {
    saved = Object.fromEntries(OTEL_VARIABLES.filter((name) => process.env[name] !== undefined).map((name) => [name, process.env[name]!]));
  });
  afterEach(() => {
    for (const name of OTEL_VARIABLES) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  it('exports spans and metrics over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set, flushed at shutdown, with /metrics switched off', async () => {
    const collector = await startCollector();
    try {
      process.env.OTEL_EXPORTER_OTLP_ENDPOINT = collector.url;
      // Longer than the test: what arrives was flushed by the shutdown.
      process.env.OTEL_METRIC_EXPORT_INTERVAL = '600000';
      const observed = await startObservedGateway(get(), { metricsEnabled: false });
      let closed = false;
      try {
        assert.equal((await fetch(`${observed.base}/metrics`)).status, 404, 'no /metrics when switched off');
        const response = await graphql(observed.url, observed.consumerKey, '{ data { enterprises(first: 3) { nodes { creditCode name } } } }');
        assert.equal(response.errors, undefined, JSON.stringify(response.errors));
        assert.equal(collector.bodies.get('/v1/metrics'), undefined, 'nothing exported before the interval or shutdown');
        await observed.close();
        closed = true;

        const traces = Buffer.concat(collector.bodies.get('/v1/traces') ?? []);
        const metrics = Buffer.concat(collector.bodies.get('/v1/metrics') ?? []);
        assert.ok(traces.includes(SPAN.exchange) && traces.includes(SPAN.request) && traces.includes(SPAN.connectorFetch), 'the spans reached the collector');
        assert.ok(metrics.includes('meridian.exchanges') && metrics.includes('meridian.connector.fetch.duration'), 'the metrics reached the collector');
        for (const value of [observed.consumerKey, ...stringsIn(response.data, 6)]) {
          assert.ok(!traces.includes(value) && !metrics.includes(value), `OTLP carries no ${JSON.stringify(value)}`);
        }
      } finally {
        if (!closed) await observed.close();
      }
    } finally {
      await collector.close();
    }
  });
});
