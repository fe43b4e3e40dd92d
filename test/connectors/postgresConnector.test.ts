import assert from 'node:assert/strict';
import pg from 'pg';
import type { Condition, Connector, ConnectorContext, FetchOptions, FetchRequest, OrderTerm, Position } from '../../connectors/Connector.js';
import { postgresConnector } from '../../connectors/postgres/postgresConnector.js';
import { describeEachDatabase, type TestDatabase } from '../support/databases.js';
import { logSink } from '../support/logSink.js';
import { rejectsWith } from '../support/rejectsWith.js';
import { startTcpRelay } from '../support/tcpRelay.js';
import {
  PEOPLE,
  PEOPLE_ITEMS,
  TRICKY_NAMES,
  contextFor,
  createPeopleSource,
  peopleResource,
  resourceOf,
  sortRows,
  type WireRow,
} from './peopleSource.js';
import { keysetPages } from './keysetPages.js';

const BY_ID: readonly OrderTerm[] = [{ item: 'id', direction: 'ASC' }];

/** What the gateway passes with every fetch. */
const FETCH: FetchOptions = { signal: new AbortController().signal, onBehalfOf: '11330100MB0000000N', requestId: 'test' };

function keyset(values: readonly unknown[]): Position {
  return { kind: 'keyset', values };
}

function request(overrides: Partial<FetchRequest> = {}): FetchRequest {
  return { resource: peopleResource, select: ['id'], conditions: [], order: BY_ID, first: 100, after: null, ...overrides };
}

function ids(rows: readonly Readonly<Record<string, unknown>>[]): unknown[] {
  return rows.map((row) => row.id);
}

function idsWhere(test: (row: WireRow) => boolean): number[] {
  return PEOPLE.filter(test).map((row) => row.id as number);
}

/** Creates, starts, hands over and always stops a connector. */
async function withConnector<T>(
  context: ConnectorContext,
  config: Readonly<Record<string, unknown>>,
  use: (connector: Connector) => Promise<T>,
): Promise<T> {
  const connector = postgresConnector.create('src', config, context);
  await connector.start();
  try {
    return await use(connector);
  } finally {
    await connector.stop();
  }
}

describeEachDatabase('Connectors: the PostgreSQL connector', (get: () => TestDatabase, kind) => {
  before(async () => {
    await createPeopleSource(get().db.knex);
  });

  const context = (): ConnectorContext => contextFor(get());
  const config = { schema: 'dept_src' };

  describe('reading rows', () => {
    it('returns only the selected items, plus the order items', async () => {
      await withConnector(context(), config, async (connector) => {
        const [result] = await connector.fetch([request({ select: ['name'], first: 2 })], FETCH);
        assert.deepEqual(result!.rows, [
          { name: PEOPLE[0]!.name, id: 1 },
          { name: PEOPLE[1]!.name, id: 2 },
        ]);
        assert.deepEqual(Object.keys(result!.rows[0]!), ['name', 'id']);
        assert.equal(result!.hasMore, true);
      });
    });

    it('returns every type in wire form, NULLs as null', async () => {
      await withConnector(context(), config, async (connector) => {
        const [result] = await connector.fetch([request({ select: [...PEOPLE_ITEMS] })], FETCH);
        assert.equal(result!.hasMore, false);
        assert.deepEqual(result!.rows, PEOPLE);
        // Spot checks a reader can follow without the fixture: exact decimals, int8, dates without shifts.
        assert.deepEqual(result!.rows[0], {
          id: 1,
          name: '人员1',
          code: 'A',
          big: 9007199254740991,
          amount: '1234.50',
          score: 0.1,
          born: '1990-01-01',
          seenAt: '2024-03-01T00:00:00.123Z',
          loggedAt: '2024-01-31T23:30:00.000Z',
          active: true,
          photo: null,
          note: null,
        });
        assert.equal(result!.rows[1]!.photo, Buffer.from([2, 0, 255, 6]).toString('base64'));
        assert.equal(result!.rows[2]!.born, '1969-12-31');
        assert.equal(result!.rows[3]!.amount, '999999999999.99');
      });
    });

    it('answers a batch in the order of its requests', async () => {
      await withConnector(context(), config, async (connector) => {
        const results = await connector.fetch([
          request({ conditions: [{ item: 'id', op: 'eq', value: 5 }] }),
          request({ conditions: [{ item: 'id', op: 'in', value: [] }] }),
          request({ conditions: [{ item: 'id', op: 'lt', value: 3 }] }),
        ], FETCH);
        assert.deepEqual(results.map((r) => ids(r.rows)), [[5], [], [1, 2]]);
      });
    });

    it('fails with CONNECTOR_BAD_RESPONSE for an int8 beyond 2^53 instead of rounding it', async () => {
      const overflow = resourceOf('101001/000009', { id: 'INTEGER', big: 'INTEGER' }, { table: 'overflow', columns: { id: 'id', big: 'big' } });
      await withConnector(context(), config, async (connector) => {
        const error = await rejectsWith(connector.fetch([request({ resource: overflow, select: ['big'] })], FETCH), 'CONNECTOR_BAD_RESPONSE');
        assert.match(error.message, /rows\[0\]\.big/);
      });
    });

    it('fails with CONNECTOR_BAD_RESPONSE when a column does not hold its item type', async () => {
      // `note` is text, bound here to an INTEGER item.
      const mistyped = resourceOf('101001/000010', { id: 'INTEGER', note: 'INTEGER' }, { table: 'people', columns: { id: 'id', note: 'note' } });
      await withConnector(context(), config, async (connector) => {
        const error = await rejectsWith(
          connector.fetch([request({ resource: mistyped, select: ['note'], conditions: [{ item: 'id', op: 'eq', value: 2 }] })], FETCH),
          'CONNECTOR_BAD_RESPONSE',
        );
        assert.match(error.message, /rows\[0\]\.note/);
      });
    });

    it('reports a binding without a column for an item as CONNECTOR_BAD_RESPONSE at that item', async () => {
      const unbound = resourceOf('101001/000011', { id: 'INTEGER', extra: 'STRING' }, { table: 'people', columns: { id: 'id' } });
      await withConnector(context(), config, async (connector) => {
        const error = await rejectsWith(connector.fetch([request({ resource: unbound })], FETCH), 'CONNECTOR_BAD_RESPONSE');
        assert.match(error.message, /binding\.columns\.extra/);
      });
    });

    it('refuses a cursor that does not fit the order', async () => {
      await withConnector(context(), config, async (connector) => {
        await rejectsWith(connector.fetch([request({ after: keyset([1, 2]) })], FETCH), 'BAD_USER_INPUT');
        await rejectsWith(connector.fetch([request({ after: keyset(['not a number']) })], FETCH), 'BAD_USER_INPUT');
      });
    });
  });

  describe('conditions', () => {
    const cases: readonly { title: string; conditions: Condition[]; expected: number[] }[] = [
      { title: 'eq', conditions: [{ item: 'code', op: 'eq', value: 'A' }], expected: idsWhere((r) => r.code === 'A') },
      { title: 'in', conditions: [{ item: 'code', op: 'in', value: ['B', 'E'] }], expected: idsWhere((r) => r.code === 'B' || r.code === 'E') },
      { title: 'an empty in', conditions: [{ item: 'code', op: 'in', value: [] }], expected: [] },
      { title: 'gt on INTEGER', conditions: [{ item: 'id', op: 'gt', value: 20 }], expected: [21, 22, 23, 24] },
      { title: 'gte and lte together', conditions: [{ item: 'id', op: 'gte', value: 3 }, { item: 'id', op: 'lte', value: 5 }], expected: [3, 4, 5] },
      { title: 'lt on int8', conditions: [{ item: 'big', op: 'lt', value: 0 }], expected: idsWhere((r) => r.big !== null && (r.big as number) < 0) },
      {
        title: 'gte on DECIMAL (exact)',
        conditions: [{ item: 'amount', op: 'gte', value: '999999999999.99' }],
        expected: idsWhere((r) => r.amount === '999999999999.99'),
      },
      { title: 'eq on DECIMAL', conditions: [{ item: 'amount', op: 'eq', value: '0.1' }], expected: idsWhere((r) => r.amount === '0.10') },
      { title: 'lt on FLOAT', conditions: [{ item: 'score', op: 'lt', value: 0 }], expected: idsWhere((r) => r.score !== null && (r.score as number) < 0) },
      { title: 'eq on DATE', conditions: [{ item: 'born', op: 'eq', value: '2000-02-29' }], expected: idsWhere((r) => r.born === '2000-02-29') },
      { title: 'lt on DATE', conditions: [{ item: 'born', op: 'lt', value: '1970-01-01' }], expected: idsWhere((r) => r.born !== null && (r.born as string) < '1970-01-01') },
      {
        title: 'gte on DATETIME',
        conditions: [{ item: 'seenAt', op: 'gte', value: '2024-03-01T00:00:00.000Z' }],
        expected: idsWhere((r) => r.seenAt !== null && (r.seenAt as string) >= '2024-03-01T00:00:00.000Z'),
      },
      {
        title: 'gt on DATETIME at the precision shown (a microsecond timestamp shown as X is not after X)',
        conditions: [{ item: 'seenAt', op: 'gt', value: '2024-03-01T00:00:00.123Z' }],
        expected: idsWhere((r) => r.seenAt !== null && (r.seenAt as string) > '2024-03-01T00:00:00.123Z'),
      },
      {
        title: 'eq on DATETIME matching a microsecond timestamp by the milliseconds shown',
        conditions: [{ item: 'seenAt', op: 'eq', value: '2024-03-01T00:00:00.123Z' }],
        expected: idsWhere((r) => r.seenAt === '2024-03-01T00:00:00.123Z'),
      },
      {
        title: 'lte and in on DATETIME at the precision shown',
        conditions: [
          { item: 'seenAt', op: 'lte', value: '2024-03-01T00:00:00.123Z' },
          { item: 'seenAt', op: 'in', value: ['2024-03-01T00:00:00.123Z', '1999-01-01T00:00:00.000Z'] },
        ],
        expected: idsWhere((r) => r.seenAt === '2024-03-01T00:00:00.123Z'),
      },
      { title: 'eq on BOOLEAN', conditions: [{ item: 'active', op: 'eq', value: false }], expected: idsWhere((r) => r.active === false) },
      { title: 'prefix', conditions: [{ item: 'name', op: 'prefix', value: '人员1' }], expected: idsWhere((r) => (r.name as string).startsWith('人员1')) },
      { title: 'prefix with % and _ in the value', conditions: [{ item: 'name', op: 'prefix', value: '100%_' }], expected: [5] },
      { title: 'prefix with _ matching itself only', conditions: [{ item: 'name', op: 'prefix', value: 'abc_' }], expected: [6] },
      { title: 'prefix ending in a backslash', conditions: [{ item: 'name', op: 'prefix', value: '100%_sure\\' }], expected: [5] },
      { title: 'eq with a quote-and-comment value', conditions: [{ item: 'name', op: 'eq', value: TRICKY_NAMES[3]! }], expected: [3] },
      { title: 'eq with a statement-ending value', conditions: [{ item: 'name', op: 'eq', value: TRICKY_NAMES[4]! }], expected: [4] },
      { title: 'prefix with an injection-shaped value', conditions: [{ item: 'name', op: 'prefix', value: "' OR 1=1" }], expected: [3] },
      {
        title: 'in with injection-shaped values',
        conditions: [{ item: 'code', op: 'in', value: ["A' OR '1'='1", '"; DROP TABLE x; --', 'E'] }],
        expected: idsWhere((r) => r.code === 'E'),
      },
      { title: 'eq matching nothing', conditions: [{ item: 'name', op: 'eq', value: "x' OR 'a'='a" }], expected: [] },
    ];
    for (const { title, conditions, expected } of cases) {
      it(`filters by ${title}`, async () => {
        await withConnector(context(), config, async (connector) => {
          const [result] = await connector.fetch([request({ conditions })], FETCH);
          assert.deepEqual(ids(result!.rows), expected);
        });
      });
    }

    it('leaves the source table whole after injection-shaped values', async () => {
      await withConnector(context(), config, async (connector) => {
        await connector.fetch(cases.map((c) => request({ conditions: c.conditions })), FETCH);
      });
      const { rows } = await get().db.knex.raw('select count(*)::int as n from dept_src.people');
      assert.equal(rows[0].n, PEOPLE.length);
    });
  });

  describe('keyset paging', () => {
    const orders: readonly OrderTerm[][] = [
      [{ item: 'id', direction: 'ASC' }],
      [{ item: 'id', direction: 'DESC' }],
      [{ item: 'code', direction: 'ASC' }, { item: 'id', direction: 'ASC' }],
      [{ item: 'code', direction: 'DESC' }, { item: 'id', direction: 'ASC' }],
      [{ item: 'code', direction: 'ASC' }, { item: 'id', direction: 'DESC' }],
      [{ item: 'score', direction: 'DESC' }, { item: 'born', direction: 'ASC' }, { item: 'id', direction: 'DESC' }],
      [{ item: 'active', direction: 'DESC' }, { item: 'big', direction: 'ASC' }, { item: 'id', direction: 'ASC' }],
      [{ item: 'seenAt', direction: 'ASC' }, { item: 'id', direction: 'ASC' }],
      [{ item: 'seenAt', direction: 'DESC' }, { item: 'code', direction: 'DESC' }, { item: 'id', direction: 'DESC' }],
      [{ item: 'born', direction: 'DESC' }, { item: 'id', direction: 'ASC' }],
    ];
    for (const order of orders) {
      const label = order.map((t) => `${t.item} ${t.direction}`).join(', ');
      for (const first of [1, 3, 5]) {
        it(`visits every row exactly once, in order, by ${label}, ${first} per page`, async () => {
          await withConnector(context(), config, async (connector) => {
            const seen = await keysetPages(connector, request({ select: ['id'], order, first }), FETCH, PEOPLE.length);
            assert.deepEqual(ids(seen), ids(sortRows(PEOPLE, order)));
          });
        });
      }
    }

    it('returns nothing after the last row', async () => {
      await withConnector(context(), config, async (connector) => {
        const [page] = await connector.fetch([request({ after: keyset([24]) })], FETCH);
        assert.deepEqual(page, { rows: [], hasMore: false, end: null });
      });
    });
  });

  describe('safety', () => {
    it('reads in a read-only transaction', async () => {
      const facts = resourceOf('101001/000012', { readOnly: 'STRING', statementTimeout: 'STRING' }, {
        table: 'session_facts',
        columns: { readOnly: 'read_only', statementTimeout: 'statement_timeout' },
      });
      await withConnector(context(), config, async (connector) => {
        const [result] = await connector.fetch([
          request({ resource: facts, select: ['readOnly', 'statementTimeout'], order: [{ item: 'readOnly', direction: 'ASC' }] }),
        ], FETCH);
        assert.equal(result!.rows[0]!.readOnly, 'on');
        // PGlite cannot cancel a running statement, so only PostgreSQL carries the timeout.
        if (kind === 'postgres') assert.equal(result!.rows[0]!.statementTimeout, '5s');
      });
    });

    it('cannot write, even through a view whose function inserts', async () => {
      const touching = resourceOf('101001/000013', { id: 'INTEGER' }, { table: 'people_touching', columns: { id: 'id' } });
      await withConnector(context(), config, async (connector) => {
        await rejectsWith(connector.fetch([request({ resource: touching })], FETCH), 'CONNECTOR_BAD_RESPONSE');
      });
      const { rows } = await get().db.knex.raw('select count(*)::int as n from dept_src.audit_trail');
      assert.equal(rows[0].n, 0);
    });

    it('never shows a driver message to the client, and logs it without bound values', async () => {
      // `name` bound to the int4 id column: LIKE on an integer fails in the source.
      const mistyped = resourceOf('101001/000014', { id: 'INTEGER', name: 'STRING' }, { table: 'people', columns: { id: 'id', name: 'id' } });
      const sink = logSink('debug');
      const logged = { ...context(), logger: sink.logger };
      await withConnector(logged, config, async (connector) => {
        const error = await rejectsWith(
          connector.fetch([request({ resource: mistyped, conditions: [{ item: 'name', op: 'prefix', value: 'secret-needle' }] })], FETCH),
          'CONNECTOR_BAD_RESPONSE',
        );
        assert.doesNotMatch(error.message, /operator|integer|secret-needle/);
        assert.match(error.message, /dept_src\.people/);
      });
      const log = sink.text();
      assert.match(log, /"sqlstate":"42883"/);
      assert.match(log, /operator does not exist/);
      assert.doesNotMatch(log, /secret-needle/);
    });

    it('issues one SELECT per request and nothing else', async () => {
      const statements: string[] = [];
      const batch = [
        request({ conditions: [{ item: 'code', op: 'eq', value: 'A' }] }),
        request({ select: ['name'], order: [{ item: 'code', direction: 'DESC' }, { item: 'id', direction: 'ASC' }], first: 2, after: keyset(['C', 5]) }),
        request({ conditions: [{ item: 'id', op: 'in', value: [] }] }),
      ];
      await withConnector(context(), config, async (connector) => {
        if (kind === 'postgres') {
          // Counted where statements leave for the server: every pg client's query().
          const original = pg.Client.prototype.query;
          pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
            const [config] = args as [string | { text: string }];
            statements.push(typeof config === 'string' ? config : config.text);
            return (original as (...a: unknown[]) => unknown).apply(this, args);
          } as typeof original;
          try {
            await connector.fetch(batch, FETCH);
          } finally {
            pg.Client.prototype.query = original;
          }
        } else {
          const knex = get().db.knex;
          const listener = (query: { sql: string }) => statements.push(query.sql);
          knex.on('query', listener);
          try {
            await connector.fetch(batch, FETCH);
          } finally {
            knex.removeListener('query', listener);
          }
        }
      });
      const selects = statements.filter((sql) => /^select /i.test(sql));
      assert.equal(selects.length, batch.length, statements.join('\n'));
      if (kind === 'postgres') assert.equal(statements.length, batch.length, statements.join('\n'));
      else assert.deepEqual(statements.filter((sql) => !/^select /i.test(sql)).map((s) => s.toUpperCase()), ['BEGIN TRANSACTION READ ONLY;', 'COMMIT;']);
    });
  });

  describe('state', () => {
    it('is NOT_READY before start and after stop, OK in between, and leaves the gateway database open', async () => {
      const connector = postgresConnector.create('src', config, context());
      assert.deepEqual(connector.status(), { state: 'NOT_READY', message: null });
      await rejectsWith(connector.fetch([request()], FETCH), 'CONNECTOR_UNAVAILABLE');
      await connector.start();
      assert.deepEqual(connector.status(), { state: 'OK', message: null });
      await connector.stop();
      assert.equal(connector.status().state, 'NOT_READY');
      const { rows } = await get().db.knex.raw('select 1 as one');
      assert.equal(rows[0].one, 1);
    });

    it('reports ERROR without secrets, and CONNECTOR_UNAVAILABLE, when the server cannot be reached', async () => {
      const url = 'postgres://meridian:s3cret-word@127.0.0.1:1/nowhere';
      await withConnector(context(), { schema: 'dept_src', url }, async (connector) => {
        const status = connector.status();
        assert.equal(status.state, 'ERROR');
        assert.ok(status.message);
        assert.doesNotMatch(status.message, /s3cret|meridian:|127\.0\.0\.1|nowhere/);
        const error = await rejectsWith(connector.fetch([request()], FETCH), 'CONNECTOR_UNAVAILABLE');
        assert.doesNotMatch(error.message, /s3cret|ECONNREFUSED/);
        assert.equal(connector.status().state, 'ERROR');
      });
    });

    if (kind === 'postgres') {
      it('fails a read that outlasts the statement timeout with CONNECTOR_TIMEOUT', async () => {
        const slow = resourceOf('101001/000015', { id: 'INTEGER' }, { table: 'slow_people', columns: { id: 'id' } });
        await withConnector(context(), { schema: 'dept_src', statementTimeoutMs: 50 }, async (connector) => {
          const started = Date.now();
          const error = await rejectsWith(connector.fetch([request({ resource: slow })], FETCH), 'CONNECTOR_TIMEOUT');
          assert.ok(Date.now() - started < 900, 'the read was cancelled before pg_sleep ended');
          assert.match(error.message, /101001\/000015.*50 ms/);
          assert.equal(connector.status().state, 'OK');
        });
      });

      it('keeps its sessions read-only and time-limited whatever the URL asks for', async () => {
        const facts = resourceOf('101001/000016', { readOnly: 'STRING', statementTimeout: 'STRING' }, {
          table: 'session_facts',
          columns: { readOnly: 'read_only', statementTimeout: 'statement_timeout' },
        });
        const url = `${get().url}?options=-c%20default_transaction_read_only%3Doff&statement_timeout=0`;
        await withConnector(context(), { schema: 'dept_src', url, statementTimeoutMs: 1234 }, async (connector) => {
          const [result] = await connector.fetch([
            request({ resource: facts, select: ['readOnly', 'statementTimeout'], order: [{ item: 'readOnly', direction: 'ASC' }] }),
          ], FETCH);
          assert.deepEqual(result!.rows[0], { readOnly: 'on', statementTimeout: '1234ms' });
        });
      });

      it('goes to ERROR when its server drops away and back to OK when a read succeeds again', async () => {
        const target = new URL(get().url!);
        let relay = await startTcpRelay(target);
        const through = new URL(target);
        through.host = `127.0.0.1:${relay.port}`;
        try {
          await withConnector(context(), { schema: 'dept_src', url: through.toString() }, async (connector) => {
            assert.equal(connector.status().state, 'OK');
            await connector.fetch([request()], FETCH);
            await relay.close();
            await rejectsWith(connector.fetch([request()], FETCH), 'CONNECTOR_UNAVAILABLE');
            assert.equal(connector.status().state, 'ERROR');
            relay = await startTcpRelay(target, { port: relay.port });
            const [result] = await connector.fetch([request()], FETCH);
            assert.equal(result!.rows.length, PEOPLE.length);
            assert.deepEqual(connector.status(), { state: 'OK', message: null });
          });
        } finally {
          await relay.close();
        }
      });
    }
  });
});

