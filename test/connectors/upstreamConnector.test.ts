import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { loadCatalogSnapshot, type ResourceDefinition, type ResourceItem } from '../../catalog/index.js';
import { loadConfig, type ConnectorSettings } from '../../common/config.js';
import { isMeridianError, meridianError } from '../../common/errors.js';
import { silentLogger } from '../../common/logger.js';
import type { Condition, Connector, ConnectorContext, FetchOptions, FetchRequest, FetchResult } from '../../connectors/Connector.js';
import { upstreamConnector, upstreamWhere } from '../../connectors/gateway/index.js';
import type { ItemType } from '../../catalog/model.js';
import { buildDemoCatalog, demoDepartmentCode } from '../../demo/index.js';
import { itemOf, resourceOf } from '../policies/fixtures.js';
import { testDatabaseUrl } from '../support/databases.js';
import { rejectsWith } from '../support/rejectsWith.js';
import { startUpstreamGateway, UPSTREAM_START_MS, type UpstreamGateway } from '../support/upstreamGateway.js';
import { startUpstreamStub, type UpstreamStub } from '../support/upstreamStub.js';

const demo = buildDemoCatalog();
const HRSS = demoDepartmentCode(demo, 'hrss');
const HWC = demoDepartmentCode(demo, 'hwc');
const COUNTY = demoDepartmentCode(demo, 'countyOperator');
const ENTERPRISES = '102001/000001';
const POPULATION = '101001/000001';
const SECRET = 'PROVINCE_KEY';

interface EnterpriseRow {
  credit_code: string;
  name: string;
  legal_rep_name: string;
  legal_rep_id_number: string;
  registered_capital: string;
  established_on: string;
  status: string;
  region_code: string;
}

/** Connector settings allowing `allow` and holding `key` as the secret PROVINCE_KEY. */
function settingsFor(allow: readonly string[], key: string | null): ConnectorSettings {
  return loadConfig(
    {},
    { 'connectors.httpAllowList': allow, 'connectors.secrets': key === null ? {} : { [SECRET]: key }, 'connectors.httpRetries': 1 },
  ).connectors;
}

function contextFor(knex: Knex, settings: ConnectorSettings): ConnectorContext {
  return {
    gatewayDatabase: knex,
    gatewayDatabaseUrl: null,
    settings,
    logger: silentLogger(),
    secret: (name) => settings.secrets[name],
  };
}

function optionsFor(onBehalfOf: string, signal: AbortSignal = new AbortController().signal): FetchOptions {
  return { signal, onBehalfOf, requestId: `upstream-test-${Math.random().toString(36).slice(2, 10)}` };
}

function nameMasked(name: string): string {
  const chars = [...name];
  return chars[0] + '*'.repeat(chars.length - 1);
}

function idMasked(id: string): string {
  return `${id.slice(0, 6)}${'*'.repeat(id.length - 10)}${id.slice(-4)}`;
}

describe('Connectors: the upstream-gateway connector, checked before any call', () => {
  const config = { url: 'http://province.example:4000/graphql', auth: { secret: SECRET } };
  const settings = settingsFor(['127.0.0.1:4000', 'gateway.example'], 'mk_test_key');
  // The connector never touches the gateway's database.
  const noDatabase = contextFor(null as unknown as Knex, settings);

  it('refuses a host outside the allow-list in configProblems and in create', () => {
    assert.deepEqual(
      upstreamConnector.configProblems(config, settings).map((p) => p.path),
      ['url'],
    );
    assert.throws(
      () => upstreamConnector.create('province', config, noDatabase),
      (error: unknown) => isMeridianError(error) && error.code === 'VALIDATION_FAILED' && JSON.stringify(error.extensions).includes('allow-list'),
    );
  });

  it('accepts an allowed host: host:port exactly, or a host on any port', () => {
    for (const url of ['http://127.0.0.1:4000/graphql', 'https://gateway.example/graphql', 'http://GATEWAY.example:8080/graphql']) {
      assert.deepEqual(upstreamConnector.configProblems({ ...config, url }, settings), [], url);
    }
    assert.equal(upstreamConnector.configProblems({ ...config, url: 'http://127.0.0.1:4001/graphql' }, settings).length, 1);
  });

  it('refuses a secret name that is not configured, and credentials in the URL', () => {
    const problems = upstreamConnector.configProblems({ url: 'http://127.0.0.1:4000/graphql', auth: { secret: 'OTHER' } }, settings);
    assert.deepEqual(problems.map((p) => p.path), ['auth.secret']);
    assert.ok(!JSON.stringify(problems).includes('mk_test_key'), 'no secret value in a problem');
    assert.throws(
      () => upstreamConnector.create('province', { url: 'http://127.0.0.1:4000/graphql', auth: { secret: 'OTHER' } }, noDatabase),
      (error: unknown) => isMeridianError(error) && error.code === 'VALIDATION_FAILED',
    );
    assert.throws(
      () => upstreamConnector.create('province', { url: 'http://user:pw@127.0.0.1:4000/graphql', auth: { secret: SECRET } }, noDatabase),
      (error: unknown) => isMeridianError(error) && error.code === 'VALIDATION_FAILED',
    );
  });

  it('checks bindings: known items only, and no upstream item read twice', () => {
    const items = [
      { name: 'creditCode', type: 'STRING' as const },
      { name: 'unifiedCode', type: 'STRING' as const },
    ];
    assert.deepEqual(upstreamConnector.bindingProblems({ apiName: 'enterprises', fields: { unifiedCode: 'code' } }, items), []);
    assert.deepEqual(
      upstreamConnector.bindingProblems({ apiName: 'enterprises', fields: { ghost: 'creditCode', unifiedCode: 'creditCode' } }, items).map((p) => p.path),
      ['fields.unifiedCode', 'fields.ghost'],
    );
  });
});

/** A local resource `things` served by the upstream field `things`, built by hand for the stub. */
function thingsResource(): ResourceDefinition {
  const item = (name: string, type: ItemType, key = false): ResourceItem => itemOf(name, { type, key, sensitivity: 'PUBLIC' });
  return resourceOf({
    code: '102001/000009',
    apiName: 'things',
    classification: '102001',
    provider: HRSS,
    items: [item('code', 'STRING', true), item('capital', 'DECIMAL'), item('seenAt', 'DATETIME'), item('count', 'INTEGER')],
    source: { connector: 'stub', binding: { apiName: 'things' } },
  });
}

function page(nodes: Record<string, unknown>[], hasNextPage = false, endCursor: string | null = nodes.length > 0 ? 'cursor-1' : null) {
  return { status: 200, body: { data: { data: { things: { nodes, pageInfo: { hasNextPage, endCursor } } } } } };
}

const THING = { code: 'A1', capital: '1234.50', seenAt: '2024-03-01T08:00:00+08:00', count: 7 };

describe('Connectors: the upstream-gateway connector against failing and malformed upstreams', function () {
  this.timeout(20_000);
  const things = thingsResource();
  let stub: UpstreamStub;
  let connector: Connector;

  const read = (overrides: Partial<FetchRequest> = {}, options: FetchOptions = optionsFor(HRSS)) =>
    connector.fetch(
      [
        {
          resource: things,
          select: ['code', 'capital', 'seenAt', 'count'],
          conditions: [],
          order: [{ item: 'code', direction: 'ASC' }],
          first: 10,
          after: null,
          ...overrides,
        },
      ],
      options,
    );

  before(async () => {
    stub = await startUpstreamStub();
  });
  beforeEach(async () => {
    stub.script({ status: 200, body: { data: { me: { keyId: 'k1', roles: ['GATEWAY'] } } } });
    const settings = { ...settingsFor([stub.hostPort], 'mk_stub_key'), httpRetries: 2 };
    const config = { url: stub.url, auth: { secret: SECRET }, requestTimeoutMs: 500 };
    connector = upstreamConnector.create('stub', config, contextFor(null as unknown as Knex, settings));
    await connector.start();
    assert.equal(connector.status().state, 'OK');
  });
  afterEach(async () => {
    await connector.stop();
  });
  after(async () => {
    await stub.close();
  });

  it('sends one POST with the key, the department and the request id, and every value as a variable', async () => {
    stub.script(page([THING]));
    const options = optionsFor(HRSS);
    const conditions: Condition[] = [
      { item: 'code', op: 'eq', value: 'VALUE-IN-A-VARIABLE' },
      { item: 'count', op: 'gte', value: 3 },
    ];
    const [result] = await read({ conditions }, options);
    assert.deepEqual(result!.rows, [{ ...THING, seenAt: '2024-03-01T00:00:00.000Z' }], 'values in wire form');
    assert.deepEqual(result!.end, { kind: 'token', token: 'cursor-1' });
    assert.equal(stub.received.length, 1);
    const [sent] = stub.received;
    assert.equal(sent!.headers.authorization, 'Bearer mk_stub_key');
    assert.equal(sent!.headers['x-meridian-on-behalf-of'], HRSS);
    assert.equal(sent!.headers['x-request-id'], options.requestId);
    assert.ok(!sent!.body.query!.includes('VALUE-IN-A-VARIABLE'), 'no value in the query text');
    assert.deepEqual(sent!.body.variables, { first: 10, after: null, where: { code: { eq: 'VALUE-IN-A-VARIABLE' }, count: { gte: 3 } } });
  });

  it('retries a 5xx answer with backoff and then serves the rows', async () => {
    stub.script(
      { status: 503, body: { errors: [{ message: 'busy', extensions: { code: 'SHUTTING_DOWN' } }] } },
      { status: 502, body: 'bad gateway' },
      page([THING]),
    );
    const [result] = await read();
    assert.equal(result!.rows.length, 1);
    assert.equal(stub.received.length, 3, 'two retries');
  });

  it('gives up after the configured retries with CONNECTOR_UNAVAILABLE and reports ERROR', async () => {
    stub.script({ status: 500, body: 'boom' });
    await rejectsWith(read(), 'CONNECTOR_UNAVAILABLE');
    assert.equal(stub.received.length, 3, 'one call and two retries');
    assert.equal(connector.status().state, 'ERROR');
  });

  it('fails with CONNECTOR_BAD_RESPONSE and the path for answers of the wrong shape', async () => {
    const cases: [Parameters<UpstreamStub['script']>[0], RegExp][] = [
      [{ status: 200, body: '<html>not json</html>' }, /\(body\)/],
      [{ status: 200, body: { data: { data: { things: { nodes: [THING] } } } } }, /things\.pageInfo/],
      [page([{ ...THING, count: undefined }]), /nodes\[0\]\.count/],
      [page([THING, { ...THING, code: 'A2', capital: 12.5 }]), /nodes\[1\]\.capital/],
      [page([THING], true, null), /pageInfo\.endCursor/],
      [{ status: 200, body: { errors: [{ message: 'odd', extensions: { code: 'SOMETHING_ELSE' } }] } }, /errors\[0\]\.extensions\.code/],
      [{ status: 302, body: {}, headers: { location: 'http://elsewhere.example/graphql' } }, /\(status\)/],
    ];
    for (const [reply, path] of cases) {
      stub.script(reply);
      const error = await rejectsWith(read(), 'CONNECTOR_BAD_RESPONSE');
      assert.match(error.message, path, JSON.stringify(reply));
      assert.equal(stub.received.length, 1, 'a redirect is not followed, a bad shape not retried');
    }
  });

  it('keeps an upstream QUOTA_EXCEEDED with its retryAfter and wording', async () => {
    stub.script({
      status: 200,
      body: {
        errors: [
          {
            message: 'Quota 600 calls per minute of grant g1 is used up',
            extensions: { code: 'QUOTA_EXCEEDED', retryAfter: '2025-01-01T00:01:00.000Z', decisionId: 'd1', exchangeId: 'e1' },
          },
        ],
      },
    });
    const error = await rejectsWith(read(), 'QUOTA_EXCEEDED');
    assert.equal(error.message, 'Upstream gateway: Quota 600 calls per minute of grant g1 is used up');
    assert.deepEqual(error.extensions, { upstream: true, upstreamDecisionId: 'd1', upstreamExchangeId: 'e1', retryAfter: '2025-01-01T00:01:00.000Z' });
  });

  it('fails with CONNECTOR_TIMEOUT when the upstream does not answer within requestTimeoutMs', async () => {
    stub.script({ ...page([THING]), delayMs: 2_000 });
    const started = Date.now();
    await rejectsWith(read(), 'CONNECTOR_TIMEOUT');
    assert.ok(Date.now() - started < 1_500, 'the call was cut at the timeout');
  });

  it('cuts the call in flight when the gateway aborts, rejecting with its reason', async () => {
    stub.script({ ...page([THING]), delayMs: 2_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(meridianError('CONNECTOR_UNAVAILABLE', { resource: things.code })), 50).unref();
    const started = Date.now();
    await rejectsWith(read({}, optionsFor(HRSS, controller.signal)), 'CONNECTOR_UNAVAILABLE');
    assert.ok(Date.now() - started < 1_000);
  });

  it('fails CONNECTOR_UNAVAILABLE on HTTP 401, saying the upstream refused the key', async () => {
    stub.script({ status: 401, body: { errors: [{ message: 'No valid credentials', extensions: { code: 'UNAUTHENTICATED' } }] } });
    const error = await rejectsWith(read(), 'CONNECTOR_UNAVAILABLE');
    assert.match(error.message, /refused this gateway's key/);
    assert.ok(!error.message.includes('mk_stub_key'));
    assert.equal(stub.received.length, 1, 'a refused key is not retried');
    assert.equal(connector.status().state, 'ERROR');
  });
});

describe('Connectors: conditions as an upstream where', () => {
  const types: Record<string, ItemType> = { code: 'STRING', amount: 'DECIMAL', count: 'INTEGER', on: 'DATE', at: 'DATETIME' };
  const where = (conditions: Condition[]) => upstreamWhere(conditions, (item) => types[item]!, (item) => (item === 'code' ? 'creditCode' : item));
  const c = (item: string, op: Condition['op'], value: unknown): Condition => ({ item, op, value });

  const cases: [string, Condition[], ReturnType<typeof where>][] = [
    ['renames items and keeps single conditions', [c('code', 'eq', 'A'), c('count', 'gt', 3)], { creditCode: { eq: 'A' }, count: { gt: 3 } }],
    ['keeps one eq when both are equal', [c('code', 'eq', 'A'), c('code', 'eq', 'A')], { creditCode: { eq: 'A' } }],
    ['finds no row for two different eq', [c('code', 'eq', 'A'), c('code', 'eq', 'B')], null],
    ['compares decimals by value: 1.50 equals 1.5', [c('amount', 'eq', '1.50'), c('amount', 'eq', '1.5')], { amount: { eq: '1.50' } }],
    ['intersects in lists', [c('code', 'in', ['A', 'B', 'C']), c('code', 'in', ['C', 'B', 'D'])], { creditCode: { in: ['B', 'C'] } }],
    ['keeps an eq found in the in list', [c('code', 'in', ['A', 'B']), c('code', 'eq', 'B')], { creditCode: { eq: 'B' } }],
    ['finds no row for an eq outside the in list', [c('code', 'eq', 'C'), c('code', 'in', ['A', 'B'])], null],
    ['finds no row for an empty in', [c('code', 'in', [])], null],
    ['keeps the highest lower bound, strict at a tie', [c('count', 'gte', 5), c('count', 'gt', 2), c('count', 'gt', 5)], { count: { gt: 5 } }],
    ['keeps the lowest upper bound', [c('on', 'lt', '2024-01-01'), c('on', 'lte', '2023-06-30')], { on: { lte: '2023-06-30' } }],
    ['finds no row for crossed bounds', [c('count', 'gt', 5), c('count', 'lt', 5)], null],
    ['keeps equal closed bounds', [c('count', 'gte', 5), c('count', 'lte', 5)], { count: { gte: 5, lte: 5 } }],
    ['orders decimals by value', [c('amount', 'gt', '10.5'), c('amount', 'gt', '9.99')], { amount: { gt: '10.5' } }],
    [
      'orders date-times by instant',
      [c('at', 'gte', '2024-01-01T00:00:00.000Z'), c('at', 'gte', '2023-12-31T23:00:00.000Z')],
      { at: { gte: '2024-01-01T00:00:00.000Z' } },
    ],
    ['keeps the longer of compatible prefixes', [c('code', 'prefix', '9133'), c('code', 'prefix', '91')], { creditCode: { prefix: '9133' } }],
    ['finds no row for incompatible prefixes', [c('code', 'prefix', '91'), c('code', 'prefix', '92')], null],
    ['filters an in list by the bounds', [c('count', 'in', [1, 5, 9]), c('count', 'gte', 5)], { count: { in: [5, 9] } }],
    ['finds no row for an eq outside a prefix', [c('code', 'eq', '92X'), c('code', 'prefix', '91')], null],
  ];
  for (const [title, conditions, expected] of cases) {
    it(title, () => {
      assert.deepEqual(where(conditions), expected);
    });
  }
});

(testDatabaseUrl ? describe : describe.skip)(
  `Connectors: the upstream-gateway connector against a second gateway process${testDatabaseUrl ? '' : ' (skipped: set TEST_DATABASE_URL to a PostgreSQL server to run)'}`,
  function () {
    this.timeout(UPSTREAM_START_MS + 120_000);
    let upstream: UpstreamGateway;
    let gatewayKey: string;
    let enterprises: ResourceDefinition;
    let population: ResourceDefinition;
    const connectors: Connector[] = [];

    /** A local resource served by the upstream's `apiName`, with `items` (default: the upstream resource's). */
    function localResource(
      upstreamResource: ResourceDefinition,
      binding: Record<string, unknown>,
      items?: readonly ResourceItem[],
    ): ResourceDefinition {
      return { ...upstreamResource, items: items ?? upstreamResource.items, source: { connector: 'province', binding } };
    }

    async function connect(config: Record<string, unknown> = {}, key: string = gatewayKey): Promise<Connector> {
      const connector = upstreamConnector.create(
        'province',
        { url: upstream.url, auth: { secret: SECRET }, ...config },
        contextFor(upstream.knex, settingsFor([upstream.hostPort], key)),
      );
      connectors.push(connector);
      await connector.start();
      return connector;
    }

    function request(resource: ResourceDefinition, overrides: Partial<FetchRequest> = {}): FetchRequest {
      const key = resource.items.find((item) => item.key)!.name;
      return { resource, select: [key], conditions: [], order: [{ item: key, direction: 'ASC' }], first: 100, after: null, ...overrides };
    }

    async function fetchOne(connector: Connector, req: FetchRequest, onBehalfOf = HRSS): Promise<FetchResult> {
      const [result] = await connector.fetch([req], optionsFor(onBehalfOf));
      assert.ok(result, 'one result per request');
      return result;
    }

    async function ledgerCount(): Promise<number> {
      const [row] = await upstream.knex('ledger_records').count<{ count: string | number }[]>({ count: '*' });
      return Number(row!.count);
    }

    async function sourceEnterprises(where: (query: Knex.QueryBuilder) => void = () => undefined): Promise<EnterpriseRow[]> {
      const query = upstream.knex('dept_amr.enterprises').select('*').orderBy('credit_code');
      where(query);
      return (await query) as EnterpriseRow[];
    }

    before(async () => {
      upstream = await startUpstreamGateway();
      const holder = upstream.keys.GATEWAY;
      assert.ok(holder, 'the upstream demo has a GATEWAY key');
      assert.equal(holder.department, COUNTY, 'held by 杭州市西湖区数据资源管理局');
      gatewayKey = holder.key;
      const catalog = await loadCatalogSnapshot(upstream.knex);
      enterprises = localResource(catalog.published.get(ENTERPRISES)!, { apiName: 'enterprises' });
      population = localResource(catalog.published.get(POPULATION)!, { apiName: 'population' });
    });
    after(async () => {
      for (const connector of connectors) await connector.stop();
      await upstream?.close();
    });

    it('starts OK: the upstream knows its key as a GATEWAY key', async () => {
      const connector = await connect();
      assert.deepEqual(connector.status(), { state: 'OK', message: null });
    });

    it('reads enterprises on behalf of 人社局: the upstream source rows, masked as the upstream masks them', async () => {
      const connector = await connect();
      const select = ['creditCode', 'name', 'registeredCapital', 'establishedOn', 'status', 'regionCode', 'legalRepName', 'legalRepIdNumber'];
      const result = await fetchOne(connector, request(enterprises, { select, first: 120 }));
      const source = (await sourceEnterprises()).slice(0, 120);
      assert.equal(result.rows.length, 120);
      assert.equal(result.hasMore, true);
      assert.deepEqual(
        result.rows,
        source.map((row) => ({
          creditCode: row.credit_code,
          name: row.name,
          registeredCapital: row.registered_capital,
          establishedOn: row.established_on,
          status: row.status,
          regionCode: row.region_code,
          legalRepName: nameMasked(row.legal_rep_name),
          legalRepIdNumber: idMasked(row.legal_rep_id_number),
        })),
      );
      assert.equal(result.end?.kind, 'token', 'the position is the upstream cursor');
    });

    it('pages through every row exactly once with token positions', async () => {
      const connector = await connect();
      const seen: string[] = [];
      let after: FetchRequest['after'] = null;
      let pages = 0;
      for (;;) {
        const result = await fetchOne(connector, request(enterprises, { first: 170, after }));
        pages++;
        seen.push(...result.rows.map((row) => row.creditCode as string));
        if (!result.hasMore) break;
        assert.equal(result.end?.kind, 'token');
        after = result.end;
      }
      const all = (await sourceEnterprises()).map((row) => row.credit_code);
      assert.deepEqual(seen, all, 'every row once, in the key order');
      assert.equal(pages, Math.ceil(all.length / 170));
    });

    it('reads more rows than one upstream page in consecutive upstream pages, one call each', async () => {
      const connector = await connect({ maxPageSize: 200 });
      const total = (await sourceEnterprises()).length;
      const before = await ledgerCount();
      const result = await fetchOne(connector, request(enterprises, { first: 450 }));
      assert.equal(result.rows.length, 450);
      assert.equal(result.hasMore, total > 450);
      assert.equal(new Set(result.rows.map((row) => row.creditCode)).size, 450, 'no row twice');
      assert.equal((await ledgerCount()) - before, 3, 'pages of 200, 200 and 50');
      const next = await fetchOne(connector, request(enterprises, { first: 450, after: result.end }));
      assert.deepEqual(
        [...result.rows, ...next.rows].map((row) => row.creditCode),
        (await sourceEnterprises()).slice(0, 900).map((row) => row.credit_code),
      );
    });

    it('pushes filters down, intersecting several conditions on one item', async () => {
      const connector = await connect();
      const some = (await sourceEnterprises((q) => q.where('region_code', '330106'))).map((row) => row.credit_code);
      assert.ok(some.length > 20, 'the demo has enterprises in 西湖区');
      const conditions: Condition[] = [
        { item: 'regionCode', op: 'eq', value: '330106' },
        { item: 'regionCode', op: 'in', value: ['330106', '330102'] },
        { item: 'establishedOn', op: 'gt', value: '2005-06-30' },
        { item: 'establishedOn', op: 'gte', value: '2000-01-01' },
        { item: 'establishedOn', op: 'lte', value: '2022-12-31' },
        { item: 'establishedOn', op: 'lt', value: '2024-01-01' },
        { item: 'creditCode', op: 'in', value: some.slice(0, 30) },
        { item: 'creditCode', op: 'in', value: some.slice(10, 40) },
        { item: 'status', op: 'prefix', value: '存' },
        { item: 'status', op: 'prefix', value: '存续' },
      ];
      const result = await fetchOne(connector, request(enterprises, { select: ['creditCode', 'establishedOn'], conditions, first: 500 }));
      const expected = await sourceEnterprises((q) =>
        q
          .where('region_code', '330106')
          .whereLike('status', '存续%')
          .where('established_on', '>', '2005-06-30')
          .where('established_on', '<=', '2022-12-31')
          .whereIn('credit_code', some.slice(10, 30)),
      );
      assert.ok(expected.length > 0, 'the filters leave some rows');
      assert.deepEqual(result.rows, expected.map((row) => ({ creditCode: row.credit_code, establishedOn: row.established_on })));
      assert.equal(result.hasMore, false);
    });

    it('returns no rows without asking the upstream when the conditions cannot both hold', async () => {
      const connector = await connect();
      const before = await ledgerCount();
      for (const conditions of [
        [
          { item: 'status', op: 'eq', value: '存续' },
          { item: 'status', op: 'eq', value: '注销' },
        ],
        [
          { item: 'establishedOn', op: 'gt', value: '2020-01-01' },
          { item: 'establishedOn', op: 'lte', value: '2020-01-01' },
        ],
        [{ item: 'creditCode', op: 'in', value: [] }],
      ] as Condition[][]) {
        const result = await fetchOne(connector, request(enterprises, { conditions }));
        assert.deepEqual(result, { rows: [], hasMore: false, end: null }, JSON.stringify(conditions));
      }
      assert.equal(await ledgerCount(), before, 'the upstream was not called');
    });

    it('looks up 50 keys with exactly one upstream query, logged upstream on behalf of 人社局', async () => {
      const connector = await connect();
      const keys = (await sourceEnterprises()).filter((_, i) => i % 7 === 3).slice(0, 50).map((row) => row.credit_code);
      assert.equal(keys.length, 50);
      const before = await ledgerCount();
      const options = optionsFor(HRSS);
      const [result] = await connector.fetch(
        [request(enterprises, { select: ['creditCode', 'name'], conditions: [{ item: 'creditCode', op: 'in', value: keys }], first: 50 })],
        options,
      );
      assert.deepEqual(result!.rows.map((row) => row.creditCode), keys, 'the keys, in the upstream key order');
      const records = (await upstream.knex('ledger_records').orderBy('seq').offset(before)) as Record<string, unknown>[];
      assert.equal(records.length, 1, 'one upstream exchange');
      assert.equal(await ledgerCount(), before + 1);
      const [record] = records;
      assert.equal(record!.resource_code, ENTERPRISES);
      assert.equal(record!.outcome, 'OK');
      assert.equal(record!.row_count, 50);
      assert.equal(record!.on_behalf_of, HRSS);
      assert.equal(record!.consumer_department, COUNTY);
      assert.equal(record!.request_id, options.requestId, 'the request id travels upstream');
    });

    it('serves population on behalf of 人社局 masked as the upstream masks it', async () => {
      const connector = await connect();
      const select = ['idNumber', 'name', 'gender', 'birthDate', 'householdRegion'];
      const result = await fetchOne(connector, request(population, { select, first: 40 }));
      const source = (await upstream.knex('dept_psb.population').orderBy('id_number').limit(40)) as Record<string, string>[];
      assert.deepEqual(
        result.rows,
        source.map((row) => ({
          idNumber: idMasked(row.id_number!),
          name: nameMasked(row.name!),
          gender: row.gender,
          birthDate: `${row.birth_date!.slice(0, 4)}-01-01`,
          householdRegion: row.household_region,
        })),
      );
    });

    it('keeps the upstream\'s APPLICATION_REQUIRED for 卫健委, with the upstream decision id', async () => {
      const connector = await connect();
      const error = await rejectsWith(fetchOne(connector, request(population, { select: ['name'] }), HWC), 'APPLICATION_REQUIRED');
      assert.match(error.message, /^Upstream gateway: /);
      assert.equal(error.extensions.upstream, true);
      assert.equal(typeof error.extensions.upstreamDecisionId, 'string');
      assert.equal(typeof error.extensions.action, 'string');
      assert.equal(connector.status().state, 'OK', 'a denial is an answer: the upstream is fine');
    });

    it('reads items under local names through the binding\'s field map', async () => {
      const connector = await connect();
      const items = enterprises.items.map((item) => (item.name === 'creditCode' ? { ...item, name: 'unifiedCode' } : item));
      const renamed = localResource(enterprises, { apiName: 'enterprises', fields: { unifiedCode: 'creditCode' } }, items);
      const code = (await sourceEnterprises())[5]!.credit_code;
      const result = await fetchOne(
        connector,
        request(renamed, { select: ['unifiedCode', 'name'], conditions: [{ item: 'unifiedCode', op: 'eq', value: code }] }),
      );
      assert.equal(result.rows.length, 1);
      assert.equal(result.rows[0]!.unifiedCode, code);
      assert.deepEqual(Object.keys(result.rows[0]!).sort(), ['name', 'unifiedCode']);
    });

    it('fails with CONNECTOR_BAD_RESPONSE and the path when a value does not fit the local item type', async () => {
      const connector = await connect();
      const items = enterprises.items.map((item) => (item.name === 'registeredCapital' ? { ...item, type: 'INTEGER' as const } : item));
      const mistyped = localResource(enterprises, { apiName: 'enterprises' }, items);
      const error = await rejectsWith(fetchOne(connector, request(mistyped, { select: ['registeredCapital'], first: 3 })), 'CONNECTOR_BAD_RESPONSE');
      assert.match(error.message, /data\.data\.enterprises\.nodes\[0\]\.registeredCapital/);
    });

    it('fails with CONNECTOR_BAD_RESPONSE when the upstream has no such data field', async () => {
      const connector = await connect();
      const error = await rejectsWith(fetchOne(connector, request(localResource(enterprises, { apiName: 'companies' }))), 'CONNECTOR_BAD_RESPONSE');
      assert.match(error.message, /data\.companies/);
    });

    it('refuses a keyset position with BAD_USER_INPUT', async () => {
      const connector = await connect();
      await rejectsWith(fetchOne(connector, request(enterprises, { after: { kind: 'keyset', values: ['x'] } })), 'BAD_USER_INPUT');
    });

    it('stops at once when the gateway aborts, with the gateway\'s reason', async () => {
      const connector = await connect();
      const controller = new AbortController();
      controller.abort(meridianError('CONNECTOR_TIMEOUT', { resource: ENTERPRISES, timeoutMs: 1 }));
      const before = await ledgerCount();
      await rejectsWith(connector.fetch([request(enterprises)], optionsFor(HRSS, controller.signal)), 'CONNECTOR_TIMEOUT');
      assert.equal(await ledgerCount(), before, 'nothing was sent');
    });

    it('reports ERROR and fails CONNECTOR_UNAVAILABLE when the upstream refuses the key, without showing it', async () => {
      const wrongKey = 'mk_wrong_key_0123456789abcdefghij';
      const connector = await connect({}, wrongKey);
      const status = connector.status();
      assert.equal(status.state, 'ERROR');
      assert.match(status.message ?? '', /refused this gateway's key/);
      assert.ok(!(status.message ?? '').includes(wrongKey));
      const error = await rejectsWith(fetchOne(connector, request(enterprises)), 'CONNECTOR_UNAVAILABLE');
      assert.match(error.message, /refused this gateway's key/);
      assert.ok(!JSON.stringify({ message: error.message, extensions: error.extensions }).includes(wrongKey));
    });

    it('fails CONNECTOR_UNAVAILABLE once the upstream has stopped', async () => {
      const connector = await connect();
      await upstream.stop();
      const started = Date.now();
      await rejectsWith(fetchOne(connector, request(enterprises)), 'CONNECTOR_UNAVAILABLE');
      assert.ok(Date.now() - started < 5_000, 'a refused connection fails fast, retries included');
      assert.equal(connector.status().state, 'ERROR');
      assert.match(connector.status().message ?? '', /did not answer/);
    });
  },
);
