import assert from 'node:assert/strict';
import type { ResourceDefinition } from '../../catalog/model.js';
import { loadConfig, type ConnectorSettings } from '../../common/config.js';
import { isMeridianError, meridianError } from '../../common/errors.js';
import { silentLogger, type Logger } from '../../common/logger.js';
import type { Condition, Connector, ConnectorContext, FetchOptions, FetchRequest, OrderTerm, Position } from '../../connectors/Connector.js';
import { httpConnector } from '../../connectors/http/httpConnector.js';
import {
  PERSONS,
  PERSON_FIELDS,
  PERSON_TYPES,
  TRICKY_NAMES,
  startDepartmentApi,
  type DepartmentApi,
  type PersonRow,
} from '../support/departmentApi.js';
import { logSink } from '../support/logSink.js';
import { freePort } from '../support/processRunner.js';
import { rejectsWith } from '../support/rejectsWith.js';
import { sortedBy } from './conformance/dataset.js';
import { keysetPages } from './keysetPages.js';
import { itemOf, resourceOf } from './peopleSource.js';

const BY_ID: readonly OrderTerm[] = [{ item: 'id', direction: 'ASC' }];

/** Filters the department API applies itself, by item. */
const FILTERS = {
  district: { eq: 'district', in: { param: 'districts' } },
  name: { prefix: 'name_prefix' },
  id: { gt: 'id_gt', gte: 'id_gte', lt: 'id_lt', lte: 'id_lte' },
  born: { lt: 'born_before' },
  income: { gte: 'income_min' },
  registeredAt: { gt: 'registered_after' },
  active: { eq: 'active' },
};

/** Filters pushed down, offset paging, a by-keys endpoint. */
const PUSHING = {
  list: { path: '/persons' },
  byKeys: { path: '/persons/by-ids', param: 'ids', item: 'idNo' },
  filters: FILTERS,
  paging: { kind: 'offset', limitParam: 'limit', offsetParam: 'offset', pageSize: 16 },
  rows: '/data/items',
  fields: PERSON_FIELDS,
};

/** The same API without filters: the gateway applies every condition; page/size paging. */
const IN_MEMORY = {
  list: { path: '/persons' },
  paging: { kind: 'page', pageParam: 'page', sizeParam: 'size', pageSize: 25 },
  rows: '/data/items',
  fields: PERSON_FIELDS,
};

/** One call answers everything. */
const UNPAGED = { list: { path: '/persons' }, rows: '/data/items', fields: PERSON_FIELDS };

/** The persons resource bound with `binding`; idNo is its key. */
function personsResource(binding: Readonly<Record<string, unknown>>, code = '101001/000101'): ResourceDefinition {
  const resource = resourceOf(code, PERSON_TYPES, binding);
  return { ...resource, apiName: 'persons', items: resource.items.map((item) => ({ ...itemOf(item.name, item.type), key: item.name === 'idNo' })) };
}

const pushing = personsResource(PUSHING);
const inMemory = personsResource(IN_MEMORY, '101001/000102');
const unpaged = personsResource(UNPAGED, '101001/000103');

const FETCH: FetchOptions = { signal: new AbortController().signal, onBehalfOf: '11330100MB0000000N', requestId: 'req-http-1' };

function request(resource: ResourceDefinition, overrides: Partial<FetchRequest> = {}): FetchRequest {
  return { resource, select: ['id'], conditions: [], order: BY_ID, first: 1000, after: null, ...overrides };
}

function ids(rows: readonly Readonly<Record<string, unknown>>[]): unknown[] {
  return rows.map((row) => row.id);
}

function idsWhere(test: (row: PersonRow) => boolean): number[] {
  return PERSONS.filter(test).map((row) => row.id as number);
}

/** A fixture decimal in hundredths, exactly: every income of the fixture has at most two decimals. */
function cents(text: string): bigint {
  const [whole, fraction = ''] = text.split('.');
  const digits = BigInt(`${whole!.replace('-', '')}${fraction.padEnd(2, '0')}`);
  return text.startsWith('-') ? -digits : digits;
}

/** Wire rows as the contract orders them, by the conformance oracle (written independently of the connector's comparator). */
function sortPersons(rows: readonly PersonRow[], order: readonly OrderTerm[]): PersonRow[] {
  return sortedBy(rows, order, PERSON_TYPES);
}

async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(check(), what);
}

describe('Connectors: the HTTP connector', () => {
  let api: DepartmentApi;
  let settings: ConnectorSettings;

  before(async () => {
    api = await startDepartmentApi();
    settings = loadConfig({}, {
      'connectors.httpAllowList': [api.host],
      'connectors.secrets': { deptToken: api.token },
      'connectors.httpRetries': 2,
      'connectors.maxScanRows': 1000,
    }).connectors;
  });
  after(() => api.close());
  beforeEach(() => api.reset());

  const context = (logger: Logger = silentLogger(), overrides: Partial<ConnectorSettings> = {}): ConnectorContext => {
    const effective = { ...settings, ...overrides };
    return {
      gatewayDatabase: undefined as never,
      gatewayDatabaseUrl: null,
      settings: effective,
      logger,
      secret: (name) => effective.secrets[name],
    };
  };
  const config = (overrides: Readonly<Record<string, unknown>> = {}) => ({
    baseUrl: api.baseUrl,
    auth: { kind: 'bearer', secret: 'deptToken' },
    ...overrides,
  });

  /** Creates, starts, hands over and always stops a connector. */
  async function withConnector<T>(use: (connector: Connector) => Promise<T>, cfg = config(), ctx = context()): Promise<T> {
    const connector = httpConnector.create('dept-api', cfg, ctx);
    await connector.start();
    try {
      return await use(connector);
    } finally {
      await connector.stop();
    }
  }

  describe('reading rows', () => {
    it('returns every type in wire form, NULLs as null, from offsets and nested fields', async () => {
      await withConnector(async (connector) => {
        const [result] = await connector.fetch([request(pushing, { select: Object.keys(PERSON_TYPES) })], FETCH);
        assert.equal(result!.hasMore, false);
        assert.deepEqual(result!.rows, PERSONS);
        // Spot checks a reader can follow without the fixture.
        assert.deepEqual(result!.rows[0], {
          id: 1,
          idNo: PERSONS[0]!.idNo,
          name: PERSONS[0]!.name,
          district: '东城区',
          income: '1234.50',
          score: 0.1,
          born: '1990-01-01',
          registeredAt: '2024-03-01T00:00:00.123Z',
          active: true,
        });
        assert.equal(result!.rows[1]!.income, '0.1', 'a JSON number for a DECIMAL arrives as its decimal text');
        assert.equal(result!.rows[1]!.registeredAt, '2024-03-01T00:00:00.123Z', 'microseconds are cut to milliseconds');
        assert.equal(result!.rows[4]!.registeredAt, '2024-03-01T01:45:00.000Z', 'an offset is turned into UTC');
      });
    });

    it('returns only the selected items, plus the order items, in that order', async () => {
      await withConnector(async (connector) => {
        const [result] = await connector.fetch([request(pushing, { select: ['name'], first: 2 })], FETCH);
        assert.deepEqual(result!.rows, [
          { name: PERSONS[0]!.name, id: 1 },
          { name: PERSONS[1]!.name, id: 2 },
        ]);
        assert.deepEqual(Object.keys(result!.rows[0]!), ['name', 'id']);
        assert.equal(result!.hasMore, true);
        assert.deepEqual(result!.end, { kind: 'keyset', values: [2] });
      });
    });

    it('answers a batch in the order of its requests', async () => {
      await withConnector(async (connector) => {
        const results = await connector.fetch([
          request(pushing, { conditions: [{ item: 'id', op: 'eq', value: 5 }] }),
          request(inMemory, { conditions: [{ item: 'id', op: 'in', value: [] }] }),
          request(unpaged, { conditions: [{ item: 'id', op: 'lt', value: 3 }] }),
        ], FETCH);
        assert.deepEqual(results.map((r) => ids(r.rows)), [[5], [], [1, 2]]);
      });
    });

    it('calls the API with the bearer token, the request id and the static query', async () => {
      const withQuery = personsResource({ ...UNPAGED, list: { path: '/persons', query: { fields: 'all' } } }, '101001/000104');
      await withConnector(async (connector) => {
        await connector.fetch([request(withQuery)], FETCH);
      });
      const [call] = api.calls('list');
      assert.equal(call!.headers.authorization, `Bearer ${api.token}`);
      assert.equal(call!.headers['x-request-id'], 'req-http-1');
      assert.equal(call!.query.get('fields'), 'all');
    });

    it('sends a header secret in the header the config names', async () => {
      await withConnector(async (connector) => {
        const [result] = await connector.fetch([request(unpaged)], FETCH);
        assert.equal(result!.rows.length, PERSONS.length);
      }, config({ auth: { kind: 'header', header: 'x-api-key', secret: 'deptToken' } }));
      const [call] = api.calls('list');
      assert.equal(call!.headers['x-api-key'], api.token);
      assert.equal(call!.headers.authorization, undefined);
    });

    it('refuses a cursor that does not fit the order', async () => {
      await withConnector(async (connector) => {
        const keyset = (values: unknown[]): Position => ({ kind: 'keyset', values });
        await rejectsWith(connector.fetch([request(pushing, { after: keyset([1, 2]) })], FETCH), 'BAD_USER_INPUT');
        await rejectsWith(connector.fetch([request(pushing, { after: keyset(['not a number']) })], FETCH), 'BAD_USER_INPUT');
        await rejectsWith(connector.fetch([request(pushing, { after: { kind: 'token', token: 'abc' } })], FETCH), 'BAD_USER_INPUT');
        await rejectsWith(connector.fetch([request(pushing, { select: ['nickname'] })], FETCH), 'BAD_USER_INPUT');
      });
      assert.equal(api.calls('list').length, 0, 'a request the connector refuses calls nothing');
    });
  });

  describe('conditions', () => {
    const cases: readonly { title: string; conditions: Condition[]; expected: number[]; pushed?: Record<string, string> }[] = [
      { title: 'eq', conditions: [{ item: 'district', op: 'eq', value: '东城区' }], expected: idsWhere((r) => r.district === '东城区'), pushed: { district: '东城区' } },
      {
        title: 'in',
        conditions: [{ item: 'district', op: 'in', value: ['西城区', '海淀区'] }],
        expected: idsWhere((r) => r.district === '西城区' || r.district === '海淀区'),
        pushed: { districts: '西城区,海淀区' },
      },
      {
        title: 'in with a value holding the separator (applied by the gateway only)',
        conditions: [{ item: 'district', op: 'in', value: ['东城区', '东城区,西城区'] }],
        expected: idsWhere((r) => r.district === '东城区'),
      },
      { title: 'an empty in', conditions: [{ item: 'district', op: 'in', value: [] }], expected: [] },
      { title: 'prefix', conditions: [{ item: 'name', op: 'prefix', value: '张' }], expected: idsWhere((r) => (r.name as string).startsWith('张')), pushed: { name_prefix: '张' } },
      { title: 'gt on INTEGER', conditions: [{ item: 'id', op: 'gt', value: 56 }], expected: [57, 58, 59, 60], pushed: { id_gt: '56' } },
      {
        title: 'gte and lte together',
        conditions: [{ item: 'id', op: 'gte', value: 3 }, { item: 'id', op: 'lte', value: 5 }],
        expected: [3, 4, 5],
        pushed: { id_gte: '3', id_lte: '5' },
      },
      { title: 'lt on INTEGER', conditions: [{ item: 'id', op: 'lt', value: 3 }], expected: [1, 2], pushed: { id_lt: '3' } },
      { title: 'lt on DATE', conditions: [{ item: 'born', op: 'lt', value: '1970-01-01' }], expected: idsWhere((r) => r.born !== null && (r.born as string) < '1970-01-01'), pushed: { born_before: '1970-01-01' } },
      {
        title: 'gte on DECIMAL (exact)',
        conditions: [{ item: 'income', op: 'gte', value: '999999999999.99' }],
        expected: idsWhere((r) => r.income !== null && cents(r.income as string) >= cents('999999999999.99')),
        pushed: { income_min: '999999999999.99' },
      },
      {
        title: 'gte on DECIMAL beyond double precision (the API compares as floats, the gateway corrects it)',
        conditions: [{ item: 'income', op: 'gte', value: '90071992547409931.02' }],
        expected: idsWhere((r) => r.income === '90071992547409931.02'),
        pushed: { income_min: '90071992547409931.02' },
      },
      {
        title: 'gte on DECIMAL across JSON strings and numbers',
        conditions: [{ item: 'income', op: 'gte', value: '0.1' }],
        expected: idsWhere((r) => r.income !== null && cents(r.income as string) >= cents('0.1')),
        pushed: { income_min: '0.1' },
      },
      { title: 'eq on DECIMAL by value, not text', conditions: [{ item: 'income', op: 'eq', value: '0.100' }], expected: idsWhere((r) => r.income === '0.1' || r.income === '0.10') },
      { title: 'lt on FLOAT', conditions: [{ item: 'score', op: 'lt', value: 0 }], expected: idsWhere((r) => r.score !== null && (r.score as number) < 0) },
      {
        title: 'gt on DATETIME at the precision shown',
        conditions: [{ item: 'registeredAt', op: 'gt', value: '2024-03-01T00:00:00.123Z' }],
        expected: idsWhere((r) => r.registeredAt !== null && Date.parse(r.registeredAt as string) > Date.parse('2024-03-01T00:00:00.123Z')),
        pushed: { registered_after: '2024-03-01T00:00:00.123Z' },
      },
      {
        title: 'eq on DATETIME matching a microsecond timestamp by the milliseconds shown',
        conditions: [{ item: 'registeredAt', op: 'eq', value: '2024-03-01T00:00:00.123Z' }],
        expected: idsWhere((r) => r.registeredAt === '2024-03-01T00:00:00.123Z'),
      },
      { title: 'eq on BOOLEAN', conditions: [{ item: 'active', op: 'eq', value: false }], expected: idsWhere((r) => r.active === false), pushed: { active: 'false' } },
      {
        title: 'a consumer filter and a row scope on one item',
        conditions: [{ item: 'district', op: 'in', value: ['东城区', '西城区'] }, { item: 'district', op: 'eq', value: '西城区' }],
        expected: idsWhere((r) => r.district === '西城区'),
        pushed: { districts: '东城区,西城区', district: '西城区' },
      },
      {
        title: 'conditions that exclude each other',
        conditions: [{ item: 'district', op: 'eq', value: '东城区' }, { item: 'district', op: 'eq', value: '西城区' }],
        expected: [],
        pushed: { district: '东城区' },
      },
      { title: 'prefix with an injection-shaped value', conditions: [{ item: 'name', op: 'prefix', value: "' OR 1=1" }], expected: [3], pushed: { name_prefix: "' OR 1=1" } },
      { title: 'prefix with a path-shaped value', conditions: [{ item: 'name', op: 'prefix', value: TRICKY_NAMES[4]! }], expected: [4], pushed: { name_prefix: TRICKY_NAMES[4]! } },
      {
        title: 'prefix with a query-shaped value',
        conditions: [{ item: 'name', op: 'prefix', value: TRICKY_NAMES[5]! }],
        expected: [5],
        pushed: { name_prefix: TRICKY_NAMES[5]! },
      },
      { title: 'prefix with percent-encoded text', conditions: [{ item: 'name', op: 'prefix', value: '张%2F' }], expected: [7], pushed: { name_prefix: '张%2F' } },
      { title: 'prefix with % and _', conditions: [{ item: 'name', op: 'prefix', value: '100%_' }], expected: [6], pushed: { name_prefix: '100%_' } },
      { title: 'eq with an injection-shaped value', conditions: [{ item: 'name', op: 'eq', value: TRICKY_NAMES[3]! }], expected: [3] },
    ];

    for (const { title, conditions, expected, pushed } of cases) {
      it(`filters by ${title}, the same whether the API or the gateway applies it`, async () => {
        await withConnector(async (connector) => {
          const [atSource, atGateway] = await connector.fetch([request(pushing, { conditions }), request(inMemory, { conditions })], FETCH);
          assert.deepEqual(ids(atSource!.rows), expected, 'pushed down');
          assert.deepEqual(ids(atGateway!.rows), expected, 'applied in memory');
        });
        const pages = api.calls('list');
        if (expected.length === 0 && conditions.some((c) => c.op === 'in' && (c.value as unknown[]).length === 0)) {
          assert.equal(pages.length, 0, 'an empty in calls nothing');
          return;
        }
        const pushedPages = pages.filter((call) => call.query.has('limit'));
        assert.ok(pushedPages.length > 0);
        for (const call of pushedPages) {
          assert.equal(call.path, '/api/v1/persons', 'consumer values never reach the path');
          const filterParams = [...call.query.keys()].filter((name) => !['limit', 'offset'].includes(name));
          assert.deepEqual(Object.fromEntries(filterParams.map((name) => [name, call.query.get(name)])), pushed ?? {});
        }
        for (const call of pages.filter((c) => !c.query.has('limit'))) {
          assert.deepEqual([...call.query.keys()].sort(), ['page', 'size'], 'nothing is pushed down without a filter mapping');
        }
      });
    }

    it('reads fewer rows from the API when a filter is pushed down', async () => {
      await withConnector(async (connector) => {
        await connector.fetch([request(pushing, { conditions: [{ item: 'id', op: 'lte', value: 5 }] })], FETCH);
      });
      assert.equal(api.calls('list').length, 1, 'five rows fit one page of sixteen');
    });
  });

  describe('keyset paging', () => {
    const orders: readonly OrderTerm[][] = [
      [{ item: 'id', direction: 'ASC' }],
      [{ item: 'id', direction: 'DESC' }],
      [{ item: 'district', direction: 'ASC' }, { item: 'idNo', direction: 'ASC' }],
      [{ item: 'district', direction: 'DESC' }, { item: 'idNo', direction: 'DESC' }],
      [{ item: 'name', direction: 'ASC' }, { item: 'idNo', direction: 'ASC' }],
      [{ item: 'income', direction: 'DESC' }, { item: 'born', direction: 'ASC' }, { item: 'idNo', direction: 'ASC' }],
      [{ item: 'active', direction: 'DESC' }, { item: 'score', direction: 'ASC' }, { item: 'idNo', direction: 'ASC' }],
      [{ item: 'registeredAt', direction: 'ASC' }, { item: 'idNo', direction: 'DESC' }],
      [{ item: 'born', direction: 'DESC' }, { item: 'idNo', direction: 'ASC' }],
    ];
    for (const order of orders) {
      const label = order.map((t) => `${t.item} ${t.direction}`).join(', ');
      for (const first of [1, 7, 25]) {
        it(`visits every row exactly once, in order, by ${label}, ${first} per page`, async () => {
          await withConnector(async (connector) => {
            const seen = await keysetPages(connector, request(pushing, { select: ['id'], order, first }), FETCH, PERSONS.length);
            assert.deepEqual(ids(seen), ids(sortPersons(PERSONS, order)));
          });
        });
      }
    }

    it('orders strings by code point, beyond U+FFFF too', async () => {
      await withConnector(async (connector) => {
        const [result] = await connector.fetch([request(unpaged, {
          select: ['name'],
          conditions: [{ item: 'id', op: 'in', value: [8, 9] }],
          order: [{ item: 'name', direction: 'ASC' }, { item: 'idNo', direction: 'ASC' }],
        })], FETCH);
        assert.deepEqual(result!.rows.map((row) => row.name), ['！全角', '𠀀生僻']);
      });
    });

    it('returns nothing after the last row', async () => {
      await withConnector(async (connector) => {
        const [page] = await connector.fetch([request(pushing, { after: { kind: 'keyset', values: [60] } })], FETCH);
        assert.deepEqual(page, { rows: [], hasMore: false, end: null });
      });
    });
  });

  describe('related-resource look-ups', () => {
    const keys = PERSONS.slice(5, 55).map((row) => row.idNo as string).reverse();
    const lookUp = (extra: Condition[] = []): FetchRequest =>
      request(pushing, {
        select: ['idNo', 'name'],
        conditions: [{ item: 'idNo', op: 'in', value: keys }, ...extra],
        order: [{ item: 'idNo', direction: 'ASC' }],
      });

    it('reads 50 keys with exactly one by-keys call, counted at the API', async () => {
      await withConnector(async (connector) => {
        const [result] = await connector.fetch([lookUp()], FETCH);
        const expected = sortPersons(PERSONS.slice(5, 55), [{ item: 'idNo', direction: 'ASC' }]).map((row) => ({ idNo: row.idNo, name: row.name }));
        assert.deepEqual(result!.rows, expected);
      });
      assert.equal(api.calls('byKeys').length, 1);
      assert.equal(api.calls('list').length, 0);
      assert.deepEqual(api.calls('byKeys')[0]!.query.get('ids')!.split(',').sort(), [...keys].sort());
    });

    it('splits the keys into calls of at most maxKeys', async () => {
      const chunked = personsResource({ ...PUSHING, byKeys: { ...PUSHING.byKeys, maxKeys: 20 } }, '101001/000105');
      await withConnector(async (connector) => {
        const [result] = await connector.fetch([{ ...lookUp(), resource: chunked }], FETCH);
        assert.equal(result!.rows.length, 50);
      });
      assert.deepEqual(api.calls('byKeys').map((call) => call.query.get('ids')!.split(',').length), [20, 20, 10]);
    });

    it('applies a row scope to what the by-keys endpoint returns', async () => {
      await withConnector(async (connector) => {
        const [result] = await connector.fetch([lookUp([{ item: 'district', op: 'eq', value: '东城区' }])], FETCH);
        const expected = PERSONS.slice(5, 55).filter((row) => row.district === '东城区').map((row) => row.idNo).sort();
        assert.deepEqual(result!.rows.map((row) => row.idNo), expected);
      });
      assert.equal(api.calls('byKeys').length, 1);
    });

    it('uses the list endpoint when the resource has no by-keys endpoint', async () => {
      await withConnector(async (connector) => {
        const [result] = await connector.fetch([{ ...lookUp(), resource: inMemory }], FETCH);
        assert.equal(result!.rows.length, 50);
      });
      assert.equal(api.calls('byKeys').length, 0);
      assert.ok(api.calls('list').length > 0);
    });
  });

  describe('the scan cap', () => {
    it('fails past maxScanRows with QUERY_TOO_COMPLEX, naming the filters the API applies', async () => {
      await withConnector(async (connector) => {
        const error = await rejectsWith(connector.fetch([request(pushing)], FETCH), 'QUERY_TOO_COMPLEX');
        assert.match(error.message, /rows scanned at the source/);
        assert.match(error.message, />20 > 20/);
        assert.match(String(error.extensions.hint), /district \(eq, in\)/);
        assert.match(String(error.extensions.hint), /name \(prefix\)/);
      }, config({ maxScanRows: 20 }));
      assert.equal(api.calls('list').length, 2, 'reading stops at the page that passes the cap');
    });

    it('serves the same read once a pushed-down filter keeps it under the cap', async () => {
      await withConnector(async (connector) => {
        const [result] = await connector.fetch([request(pushing, { conditions: [{ item: 'district', op: 'eq', value: '东城区' }] })], FETCH);
        assert.deepEqual(ids(result!.rows), idsWhere((r) => r.district === '东城区'));
      }, config({ maxScanRows: 20 }));
    });

    it('counts rows the gateway filters away: a filter the API does not apply does not help', async () => {
      await withConnector(async (connector) => {
        await rejectsWith(connector.fetch([request(inMemory, { conditions: [{ item: 'id', op: 'eq', value: 1 }] })], FETCH), 'QUERY_TOO_COMPLEX');
      }, config({ maxScanRows: 20 }));
    });

    it('takes its default from the gateway settings', async () => {
      await withConnector(async (connector) => {
        await rejectsWith(connector.fetch([request(unpaged)], FETCH), 'QUERY_TOO_COMPLEX');
      }, config(), context(silentLogger(), { maxScanRows: 59 }));
    });
  });

  describe('failures', () => {
    it('retries 5xx answers with backoff and succeeds, counting every call', async () => {
      await withConnector(async (connector) => {
        api.use({ kind: 'flaky', failures: 2, how: 'status' });
        const [result] = await connector.fetch([request(unpaged)], FETCH);
        assert.equal(result!.rows.length, PERSONS.length);
        assert.deepEqual(connector.status(), { state: 'OK', message: null });
      });
      assert.equal(api.calls('list').length, 3);
    });

    it('retries reset connections and succeeds', async () => {
      await withConnector(async (connector) => {
        api.use({ kind: 'flaky', failures: 2, how: 'reset' });
        const [result] = await connector.fetch([request(unpaged)], FETCH);
        assert.equal(result!.rows.length, PERSONS.length);
      });
      assert.equal(api.calls('list').length, 3);
    });

    it('gives up after its retries with CONNECTOR_UNAVAILABLE, goes to ERROR, and back to OK on a success', async () => {
      await withConnector(async (connector) => {
        api.use({ kind: 'failing' });
        const error = await rejectsWith(connector.fetch([request(unpaged)], FETCH), 'CONNECTOR_UNAVAILABLE');
        assert.doesNotMatch(error.message, /stack trace|internal error/);
        assert.equal(api.calls('list').length, 3, 'one call and two retries');
        assert.deepEqual(connector.status(), { state: 'ERROR', message: 'The department API is unavailable (HTTP 500)' });
        api.use({ kind: 'normal' });
        await connector.fetch([request(unpaged)], FETCH);
        assert.deepEqual(connector.status(), { state: 'OK', message: null });
      });
    });

    it('honours the retries of its config', async () => {
      await withConnector(async (connector) => {
        api.use({ kind: 'failing', status: 503 });
        await rejectsWith(connector.fetch([request(unpaged)], FETCH), 'CONNECTOR_UNAVAILABLE');
      }, config({ retries: 0 }));
      assert.equal(api.calls('list').length, 1);
    });

    it('does not retry a 4xx answer, and reports it as CONNECTOR_BAD_RESPONSE', async () => {
      await withConnector(async (connector) => {
        api.use({ kind: 'failing', status: 404 });
        const error = await rejectsWith(connector.fetch([request(unpaged)], FETCH), 'CONNECTOR_BAD_RESPONSE');
        assert.match(error.message, /list \(HTTP 404\)/);
        assert.equal(connector.status().state, 'OK', 'a 4xx does not make the API unavailable');
      });
      assert.equal(api.calls('list').length, 1);
    });

    it('reports refused credentials as CONNECTOR_UNAVAILABLE without retrying, and says so in its status', async () => {
      await withConnector(async (connector) => {
        api.use({ kind: 'unauthorized' });
        await rejectsWith(connector.fetch([request(unpaged)], FETCH), 'CONNECTOR_UNAVAILABLE');
        assert.deepEqual(connector.status(), { state: 'ERROR', message: "The department API refused the gateway's credentials (HTTP 401)" });
      });
      assert.equal(api.calls('list').length, 1);
    });

    it('never follows a redirect', async () => {
      const elsewhere = await startDepartmentApi();
      try {
        await withConnector(async (connector) => {
          api.use({ kind: 'redirect', location: `${elsewhere.baseUrl}/persons` });
          const error = await rejectsWith(connector.fetch([request(unpaged)], FETCH), 'CONNECTOR_BAD_RESPONSE');
          assert.match(error.message, /HTTP 302/);
        });
        assert.equal(elsewhere.received.length, 0);
      } finally {
        await elsewhere.close();
      }
    });

    it('reports CONNECTOR_UNAVAILABLE and ERROR when nothing listens', async () => {
      const port = await freePort();
      const ctx = context(silentLogger(), { httpAllowList: [`127.0.0.1:${port}`] });
      await withConnector(async (connector) => {
        assert.deepEqual(connector.status(), { state: 'ERROR', message: 'The department API did not answer (ECONNREFUSED)' });
        await rejectsWith(connector.fetch([request(unpaged)], FETCH), 'CONNECTOR_UNAVAILABLE');
        assert.equal(connector.status().state, 'ERROR');
      }, config({ baseUrl: `http://127.0.0.1:${port}/api/v1`, retries: 1 }), ctx);
    });
  });

  describe('answers of the wrong shape', () => {
    it('names the row and field of a value of the wrong type', async () => {
      await withConnector(async (connector) => {
        api.use({ kind: 'malformed', how: 'wrong-type', row: 3 });
        const error = await rejectsWith(connector.fetch([request(unpaged, { select: ['idNo'] })], FETCH), 'CONNECTOR_BAD_RESPONSE');
        assert.match(error.message, /at data\.items\[3\]\.id_no$/);
        assert.equal(connector.status().state, 'OK');
      });
    });

    it('names the rows pointer when it does not lead to an array', async () => {
      await withConnector(async (connector) => {
        api.use({ kind: 'malformed', how: 'no-array' });
        const error = await rejectsWith(connector.fetch([request(unpaged)], FETCH), 'CONNECTOR_BAD_RESPONSE');
        assert.match(error.message, /at data\.items$/);
      });
    });

    it('refuses a body that is not JSON without passing it on', async () => {
      await withConnector(async (connector) => {
        api.use({ kind: 'malformed', how: 'not-json' });
        const error = await rejectsWith(connector.fetch([request(unpaged)], FETCH), 'CONNECTOR_BAD_RESPONSE');
        assert.doesNotMatch(error.message, /html|portal/);
      });
      assert.equal(api.calls('list').length, 1, 'a bad body is not retried');
    });

    it('refuses a number for a BOOLEAN, a date for a DATETIME and decimal text for an INTEGER', async () => {
      // Items bound to fields of another type: the API's values do not carry them.
      const cases: [ResourceDefinition, string][] = [
        [personsResource({ ...UNPAGED, fields: { ...PERSON_FIELDS, active: '/id' } }, '101001/000106'), 'data.items[0].id'],
        [personsResource({ ...UNPAGED, fields: { ...PERSON_FIELDS, registeredAt: '/born' } }, '101001/000107'), 'data.items[0].born'],
        [personsResource({ ...UNPAGED, fields: { ...PERSON_FIELDS, id: '/income' } }, '101001/000108'), 'data.items[0].income'],
      ];
      await withConnector(async (connector) => {
        for (const [resource, path] of cases) {
          const error = await rejectsWith(connector.fetch([request(resource, { select: ['active', 'registeredAt'] })], FETCH), 'CONNECTOR_BAD_RESPONSE');
          assert.ok(error.message.endsWith(`at ${path}`), error.message);
        }
      });
    });

    it('reads a missing field as null', async () => {
      const sparse = personsResource({ ...UNPAGED, fields: { ...PERSON_FIELDS, district: '/address/district' } }, '101001/000109');
      await withConnector(async (connector) => {
        const [result] = await connector.fetch([request(sparse, { select: ['district'], first: 2 })], FETCH);
        assert.deepEqual(result!.rows, [{ district: null, id: 1 }, { district: null, id: 2 }]);
      });
    });
  });

  describe('time limits', () => {
    it('stops the call when the caller aborts, and the API sees the connection close', async () => {
      await withConnector(async (connector) => {
        api.use({ kind: 'slow', delayMs: 5000 });
        const caller = new AbortController();
        const started = Date.now();
        const pending = connector.fetch([request(unpaged)], { ...FETCH, signal: caller.signal });
        setTimeout(() => caller.abort(), 100);
        await rejectsWith(pending, 'CONNECTOR_UNAVAILABLE');
        assert.ok(Date.now() - started < 1000, 'the fetch ended at the abort');
        await eventually(() => api.abandoned() === 1, 'the API saw the connection close');
        assert.equal(api.calls('list').length, 1, 'an aborted call is not retried');
        assert.equal(connector.status().state, 'OK', 'an abandoned call says nothing about the API');
      });
    });

    it("rejects with the caller's own catalog error when it aborts with one", async () => {
      await withConnector(async (connector) => {
        api.use({ kind: 'slow', delayMs: 5000 });
        const caller = new AbortController();
        const pending = connector.fetch([request(unpaged)], { ...FETCH, signal: caller.signal });
        setTimeout(() => caller.abort(meridianError('CONNECTOR_TIMEOUT', { resource: unpaged.code, timeoutMs: 100 })), 100);
        const error = await rejectsWith(pending, 'CONNECTOR_TIMEOUT');
        assert.match(error.message, /100 ms/);
      });
    });

    it('fails a call past requestTimeoutMs with CONNECTOR_TIMEOUT', async () => {
      await withConnector(async (connector) => {
        api.use({ kind: 'slow', delayMs: 5000 });
        const started = Date.now();
        const error = await rejectsWith(connector.fetch([request(unpaged)], FETCH), 'CONNECTOR_TIMEOUT');
        assert.match(error.message, /within 150 ms/);
        assert.ok(Date.now() - started < 1000);
        await eventually(() => api.abandoned() === 1, 'the API saw the connection close');
      }, config({ requestTimeoutMs: 150 }));
    });

    it('ends calls in flight when it stops', async () => {
      const connector = httpConnector.create('dept-api', config(), context());
      await connector.start();
      api.use({ kind: 'slow', delayMs: 5000 });
      const pending = connector.fetch([request(unpaged)], FETCH);
      setTimeout(() => void connector.stop(), 100);
      await rejectsWith(pending, 'CONNECTOR_UNAVAILABLE');
      await eventually(() => api.abandoned() === 1, 'the API saw the connection close');
    });
  });

  describe('state and secrets', () => {
    it('is NOT_READY before start and after stop, OK after a start check that reached the API', async () => {
      const connector = httpConnector.create('dept-api', config(), context());
      assert.deepEqual(connector.status(), { state: 'NOT_READY', message: null });
      await rejectsWith(connector.fetch([request(unpaged)], FETCH), 'CONNECTOR_UNAVAILABLE');
      assert.equal(api.received.length, 0);
      await connector.start();
      assert.deepEqual(connector.status(), { state: 'OK', message: null });
      assert.deepEqual(api.received.map((call) => call.endpoint), ['root']);
      await connector.stop();
      assert.equal(connector.status().state, 'NOT_READY');
    });

    it('is ERROR after a start check the API refused', async () => {
      api.use({ kind: 'unauthorized' });
      await withConnector(async (connector) => {
        assert.deepEqual(connector.status(), { state: 'ERROR', message: "The department API refused the gateway's credentials (HTTP 401)" });
      });
    });

    it('keeps the secret out of errors, status and logs', async () => {
      const sink = logSink();
      const seen: string[] = [];
      await withConnector(async (connector) => {
        for (const variant of [{ kind: 'unauthorized' }, { kind: 'failing' }, { kind: 'malformed', how: 'not-json' }, { kind: 'flaky', failures: 1, how: 'reset' }] as const) {
          api.use(variant);
          try {
            await connector.fetch([request(unpaged)], FETCH);
          } catch (error) {
            assert.ok(isMeridianError(error));
            seen.push(error.message, JSON.stringify(error.extensions));
          }
          seen.push(JSON.stringify(connector.status()));
        }
      }, config(), context(sink.logger));
      assert.ok(api.received.every((call) => call.headers.authorization === `Bearer ${api.token}`), 'the secret was sent');
      const log = sink.text();
      assert.match(log, /department API call failed/, 'failures were logged');
      for (const text of [...seen, log]) {
        assert.ok(!text.includes(api.token), `the secret leaked into: ${text.slice(0, 200)}`);
        assert.ok(!text.includes('token refused') && !text.includes('stack trace'), 'an upstream body leaked');
      }
    });

    it('logs no consumer value of a query', async () => {
      const sink = logSink();
      await withConnector(async (connector) => {
        api.use({ kind: 'failing' });
        await rejectsWith(
          connector.fetch([request(pushing, { conditions: [{ item: 'name', op: 'prefix', value: 'needle-张三' }] })], FETCH),
          'CONNECTOR_UNAVAILABLE',
        );
      }, config(), context(sink.logger));
      assert.equal(api.calls('list')[0]!.query.get('name_prefix'), 'needle-张三');
      assert.doesNotMatch(sink.text(), /needle/);
    });
  });
});
