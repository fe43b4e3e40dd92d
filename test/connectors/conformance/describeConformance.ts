/**
 * The connector conformance suite, in the manner of Apollo Server's shared
 * integration suite: every connector kind stands up the same dataset in its
 * own kind of source and passes the same tests, with the same resource
 * definition (only the binding differs), the same expected rows, paging,
 * filters and errors. Each kind's test file calls describeConformance once.
 */
import assert from 'node:assert/strict';
import type { ConnectorKind, ResourceDefinition } from '../../../catalog/model.js';
import { loadConfig, type ConnectorSettings } from '../../../common/config.js';
import { silentLogger } from '../../../common/logger.js';
import type { Condition, Connector, ConnectorContext, FetchOptions, FetchRequest, FetchResult, OrderTerm, Position } from '../../../connectors/Connector.js';
import { createConnector } from '../../../connectors/registry.js';
import { syntheticCreditCode } from '../../../demo/syntheticCreditCode.js';
import { rejectsWith } from '../../support/rejectsWith.js';
import { DATASET, DATASET_ITEMS, DATASET_SIZE, TRICKY_NAMES, expectedRows } from './dataset.js';

/** The department every conformance read is made for (an upstream gateway decides on its behalf). */
export const CONSUMER_DEPARTMENT = syntheticCreditCode('11330100', '00290001');

/** How a failing source fails. */
export type FailureKind = 'slow' | 'down' | 'malformed';

/**
 * The shortest time a slow variant's source takes to answer, in ms; each
 * kind's slow variant gives up well before (its own statement or request timeout).
 */
export const SLOW_SOURCE_MS = 1000;

/** A started connector with a resource whose source fails as asked. */
export interface SourceVariant {
  readonly connector: Connector;
  readonly resource: ResourceDefinition;
  /** Stops the connector and whatever the variant started. */
  close(): Promise<void>;
}

/** The dataset as one kind serves it. */
export interface ConformanceSource {
  /** Started, created through the registry (so behind the guard). */
  readonly connector: Connector;
  /** The dataset resource bound to the connector's source. */
  readonly resource: ResourceDefinition;
  /** Reads of the dataset the source saw since the last resetReads: statements, calls or upstream exchanges. */
  reads(): Promise<number>;
  /** Starts counting reads afresh. */
  resetReads(): Promise<void>;
  /** A source that does not answer in time, is down, or answers in a shape that does not fit. */
  variant(failure: FailureKind): Promise<SourceVariant>;
  /** Stops everything the setup started. */
  close(): Promise<void>;
}

export interface ConformanceOptions {
  /** Failure variants this kind of source cannot produce, with the reason, shown in the skipped test's title. */
  readonly cannot?: Partial<Record<FailureKind, string>>;
  /** How long setup may take, in ms (default 30 s): starting a gateway process takes longer. */
  readonly setupTimeoutMs?: number;
}

/** Connector settings for conformance connectors: short retries, everything else the defaults. */
export function conformanceSettings(overrides: Record<string, unknown> = {}): ConnectorSettings {
  return loadConfig({}, { 'connectors.httpRetries': 1, ...overrides }).connectors;
}

/** A connector context on `settings`, with the gateway's database when given (POSTGRES sources in it). */
export function conformanceContext(settings: ConnectorSettings, database: Pick<ConnectorContext, 'gatewayDatabase' | 'gatewayDatabaseUrl'> | null = null): ConnectorContext {
  return {
    // Neither HTTP nor upstream connectors touch the gateway's database.
    gatewayDatabase: database?.gatewayDatabase ?? (null as unknown as ConnectorContext['gatewayDatabase']),
    gatewayDatabaseUrl: database?.gatewayDatabaseUrl ?? null,
    settings,
    logger: silentLogger(),
    secret: (name) => settings.secrets[name],
  };
}

/** Creates a connector through the registry (behind the guard) and starts it. */
export async function startRegistered(
  id: string,
  kind: ConnectorKind,
  config: Readonly<Record<string, unknown>>,
  context: ConnectorContext,
): Promise<Connector> {
  const connector = createConnector({ id, kind, department: '11100000000000000X', config }, context);
  await connector.start();
  return connector;
}

const BY_CODE: readonly OrderTerm[] = [{ item: 'code', direction: 'ASC' }];

function options(): FetchOptions {
  return { signal: new AbortController().signal, onBehalfOf: CONSUMER_DEPARTMENT, requestId: `conformance-${Math.random().toString(36).slice(2, 10)}` };
}

function condition(item: string, op: Condition['op'], value: unknown): Condition {
  return { item, op, value };
}

function codes(rows: readonly Readonly<Record<string, unknown>>[]): unknown[] {
  return rows.map((row) => row.code);
}

/** A filter case: its conditions, and how many rows it must select (so that a case cannot pass by selecting nothing). */
interface FilterCase {
  readonly title: string;
  readonly conditions: readonly Condition[];
  /** 'some': at least one row and not all; a number: exactly that many. */
  readonly expect: 'some' | number;
}

const ALPHA_COUNT = TRICKY_NAMES.filter((name) => name === 'alpha').length;

/** Every operator on every type, injection-shaped values, and combinations; expectations come from the oracle. */
const FILTER_CASES: readonly FilterCase[] = [
  { title: 'eq on the key', conditions: [condition('code', 'eq', 'K007')], expect: 1 },
  { title: 'eq on a string, case and all', conditions: [condition('name', 'eq', 'alpha')], expect: ALPHA_COUNT },
  { title: 'eq on a string beyond U+FFFF', conditions: [condition('name', 'eq', '𠀀生僻')], expect: 1 },
  { title: 'eq on a nullable string', conditions: [condition('region', 'eq', '西城区')], expect: 'some' },
  { title: 'eq on an integer', conditions: [condition('count', 'eq', 42)], expect: 'some' },
  { title: 'eq on an integer at 2^53 - 1', conditions: [condition('count', 'eq', 9007199254740991)], expect: 'some' },
  { title: 'eq on a decimal, by value (1234.5 is 1234.50)', conditions: [condition('amount', 'eq', '1234.5')], expect: 'some' },
  { title: 'eq on a decimal beyond a double\'s precision', conditions: [condition('amount', 'eq', '90071992547409931.01')], expect: 'some' },
  { title: 'eq on a date', conditions: [condition('day', 'eq', '2000-02-29')], expect: 'some' },
  { title: 'eq on a date-time, to the millisecond', conditions: [condition('at', 'eq', '2024-03-01T00:00:00.123Z')], expect: 'some' },
  { title: 'eq true on a boolean', conditions: [condition('active', 'eq', true)], expect: 'some' },
  { title: 'eq false on a boolean', conditions: [condition('active', 'eq', false)], expect: 'some' },
  { title: 'in on the key, with codes that do not exist', conditions: [condition('code', 'in', ['K001', 'K040', 'K080', 'K999', "K001' OR '1'='1"])], expect: 3 },
  { title: 'in on a nullable string', conditions: [condition('region', 'in', ['东城区', 'a-1'])], expect: 'some' },
  { title: 'in on an integer', conditions: [condition('count', 'in', [-1, 0, 100])], expect: 'some' },
  { title: 'in on a decimal, by value', conditions: [condition('amount', 'in', ['0.1', '-0.5', '7'])], expect: 'some' },
  { title: 'in on a date', conditions: [condition('day', 'in', ['1969-12-31', '2024-12-31'])], expect: 'some' },
  { title: 'in on a date-time', conditions: [condition('at', 'in', ['1970-01-01T00:00:00.000Z', '2038-01-19T03:14:07.999Z'])], expect: 'some' },
  { title: 'an empty in on the key matches nothing', conditions: [condition('code', 'in', [])], expect: 0 },
  { title: 'an empty in on an integer matches nothing', conditions: [condition('count', 'in', [])], expect: 0 },
  { title: 'an empty in beside other conditions matches nothing', conditions: [condition('region', 'in', []), condition('count', 'gte', 0)], expect: 0 },
  { title: 'prefix with % in the value, matched literally', conditions: [condition('name', 'prefix', '100%')], expect: 2 },
  { title: 'prefix with %_ in the value, matched literally', conditions: [condition('name', 'prefix', '100%_')], expect: 1 },
  { title: 'prefix with _ in the value, matched literally', conditions: [condition('name', 'prefix', 'abc_')], expect: 1 },
  { title: 'prefix of a lone _', conditions: [condition('name', 'prefix', '_')], expect: 1 },
  { title: 'prefix of a % followed by text', conditions: [condition('name', 'prefix', 'a%')], expect: 1 },
  { title: 'prefix of a backslash', conditions: [condition('name', 'prefix', '\\')], expect: 1 },
  { title: 'prefix in Chinese', conditions: [condition('name', 'prefix', '张三')], expect: 2 },
  { title: 'prefix beyond U+FFFF', conditions: [condition('name', 'prefix', '𠀀')], expect: 1 },
  { title: 'prefix is case-sensitive', conditions: [condition('name', 'prefix', 'alp')], expect: ALPHA_COUNT },
  { title: 'prefix on the key', conditions: [condition('code', 'prefix', 'K01')], expect: 10 },
  { title: 'gt on an integer', conditions: [condition('count', 'gt', 7)], expect: 'some' },
  { title: 'gte on an integer', conditions: [condition('count', 'gte', 7)], expect: 'some' },
  { title: 'lt on an integer', conditions: [condition('count', 'lt', 0)], expect: 'some' },
  { title: 'lte on an integer', conditions: [condition('count', 'lte', 0)], expect: 'some' },
  { title: 'gt on an integer at -(2^53 - 1)', conditions: [condition('count', 'gt', -9007199254740991)], expect: 'some' },
  { title: 'gt on a decimal beyond a double\'s precision', conditions: [condition('amount', 'gt', '90071992547409931.01')], expect: 'some' },
  { title: 'gte on a decimal', conditions: [condition('amount', 'gte', '0.1')], expect: 'some' },
  { title: 'lt on a decimal', conditions: [condition('amount', 'lt', '0')], expect: 'some' },
  { title: 'lte on a decimal', conditions: [condition('amount', 'lte', '-0.5')], expect: 'some' },
  { title: 'gt on a date', conditions: [condition('day', 'gt', '1990-01-01')], expect: 'some' },
  { title: 'gte on a date', conditions: [condition('day', 'gte', '1990-01-01')], expect: 'some' },
  { title: 'lt on a date', conditions: [condition('day', 'lt', '1970-01-01')], expect: 'some' },
  { title: 'lte on a date', conditions: [condition('day', 'lte', '1969-12-31')], expect: 'some' },
  { title: 'gt on a date-time excludes the same millisecond', conditions: [condition('at', 'gt', '2024-03-01T00:00:00.123Z')], expect: 'some' },
  { title: 'gte on a date-time', conditions: [condition('at', 'gte', '2024-03-01T00:00:00.123Z')], expect: 'some' },
  { title: 'lt on a date-time', conditions: [condition('at', 'lt', '1970-01-01T00:00:00.000Z')], expect: 'some' },
  { title: 'lte on a date-time', conditions: [condition('at', 'lte', '1970-01-01T00:00:00.000Z')], expect: 'some' },
  { title: 'a range of two conditions on one integer', conditions: [condition('count', 'gte', 1), condition('count', 'lt', 100)], expect: 'some' },
  { title: 'a range of two conditions on one decimal', conditions: [condition('amount', 'gt', '0'), condition('amount', 'lte', '1234.5')], expect: 'some' },
  {
    title: 'conditions on several items, ANDed',
    conditions: [condition('region', 'in', ['东城区', '西城区', '朝阳区']), condition('count', 'gte', 0), condition('active', 'eq', true)],
    expect: 'some',
  },
  { title: 'conditions that cannot both hold', conditions: [condition('region', 'eq', '西城区'), condition('region', 'in', ['东城区'])], expect: 0 },
];

/** Injection-shaped values: each matches its own row literally, or nothing. */
const INJECTION_CASES: readonly FilterCase[] = [
  ...TRICKY_NAMES.slice(0, 3).map((name) => ({ title: `eq ${JSON.stringify(name)}`, conditions: [condition('name', 'eq', name)], expect: 1 })),
  { title: 'prefix "\' OR"', conditions: [condition('name', 'prefix', "' OR")], expect: 1 },
  { title: 'in with quotes and comments', conditions: [condition('name', 'in', ["' OR 1=1 --", "nobody' OR 'a'='a", '--'])], expect: 1 },
  { title: 'eq "\' OR \'1\'=\'1" on the key', conditions: [condition('code', 'eq', "' OR '1'='1")], expect: 0 },
  { title: 'eq with placeholders and template text', conditions: [condition('name', 'in', ['$1', '?', '${name}'])], expect: 3 },
  { title: 'prefix "; DROP TABLE"', conditions: [condition('name', 'prefix', '"; DROP TABLE')], expect: 1 },
];

/** Orders to page through: ascending, descending, mixed, on nullable items, the key as tie-breaker. */
const ORDERS: readonly (readonly OrderTerm[])[] = [
  [{ item: 'code', direction: 'ASC' }],
  [{ item: 'code', direction: 'DESC' }],
  [{ item: 'region', direction: 'ASC' }, { item: 'code', direction: 'ASC' }],
  [{ item: 'region', direction: 'DESC' }, { item: 'code', direction: 'ASC' }],
  [{ item: 'region', direction: 'ASC' }, { item: 'code', direction: 'DESC' }],
  [{ item: 'amount', direction: 'DESC' }, { item: 'day', direction: 'ASC' }, { item: 'code', direction: 'DESC' }],
  [{ item: 'at', direction: 'ASC' }, { item: 'code', direction: 'ASC' }],
  [{ item: 'active', direction: 'DESC' }, { item: 'count', direction: 'ASC' }, { item: 'code', direction: 'ASC' }],
  [{ item: 'name', direction: 'ASC' }, { item: 'code', direction: 'ASC' }],
  [{ item: 'day', direction: 'DESC' }, { item: 'name', direction: 'DESC' }, { item: 'code', direction: 'ASC' }],
];

/**
 * Declares the conformance suite of `kind`: `setup` stands the dataset up in
 * that kind's source before the tests and returns its connector and resource.
 */
export function describeConformance(kind: ConnectorKind, setup: () => Promise<ConformanceSource>, config: ConformanceOptions = {}): void {
  describe(`the ${kind} connector passes the conformance suite`, function () {
    this.timeout(30_000);
    let source: ConformanceSource | null = null;

    before(async function () {
      this.timeout(config.setupTimeoutMs ?? 30_000);
      source = await setup();
    });
    after(async () => {
      await source?.close();
      source = null;
    });

    const current = (): ConformanceSource => {
      if (!source) throw new Error('the conformance source is not set up');
      return source;
    };
    const request = (overrides: Partial<FetchRequest> = {}): FetchRequest => ({
      resource: current().resource,
      select: ['code'],
      conditions: [],
      order: BY_CODE,
      first: 100,
      after: null,
      ...overrides,
    });
    const fetchOne = async (overrides: Partial<FetchRequest> = {}): Promise<FetchResult> => {
      const results = await current().connector.fetch([request(overrides)], options());
      assert.equal(results.length, 1, 'one result per request');
      return results[0]!;
    };

    describe('reading', () => {
      it('returns every item of every row in wire form, NULLs as null', async () => {
        const result = await fetchOne({ select: [...DATASET_ITEMS] });
        assert.deepEqual(result.rows, DATASET);
        assert.equal(result.hasMore, false);
        assert.notEqual(result.end, null, 'a page with rows says where it ended');
      });

      it('returns only the selected items, plus the order items', async () => {
        const order: OrderTerm[] = [{ item: 'region', direction: 'DESC' }, { item: 'code', direction: 'ASC' }];
        const result = await fetchOne({ select: ['name', 'amount'], order, first: 10 });
        for (const row of result.rows) assert.deepEqual(Object.keys(row).sort(), ['amount', 'code', 'name', 'region']);
        assert.deepEqual(result.rows, expectedRows([], order, ['name', 'amount', 'region', 'code']).slice(0, 10));
        assert.equal(result.hasMore, true);
      });

      it('answers a batch with one result per request, in the order of the requests', async () => {
        const results = await current().connector.fetch(
          [
            request({ conditions: [condition('count', 'eq', 42)] }),
            request({ conditions: [condition('code', 'in', [])] }),
            request({ conditions: [condition('name', 'prefix', '张')], order: [{ item: 'code', direction: 'DESC' }] }),
          ],
          options(),
        );
        assert.deepEqual(
          results.map((result) => codes(result.rows)),
          [
            codes(expectedRows([condition('count', 'eq', 42)], BY_CODE, ['code'])),
            [],
            codes(expectedRows([condition('name', 'prefix', '张')], [{ item: 'code', direction: 'DESC' }], ['code'])),
          ],
        );
      });

      it('says more rows follow exactly when they do', async () => {
        const all = await fetchOne({ first: DATASET_SIZE });
        assert.equal(all.rows.length, DATASET_SIZE);
        assert.equal(all.hasMore, false);
        const short = await fetchOne({ first: DATASET_SIZE - 1 });
        assert.equal(short.rows.length, DATASET_SIZE - 1);
        assert.equal(short.hasMore, true);
      });

      it('answers no rows with no position', async () => {
        assert.deepEqual(await fetchOne({ conditions: [condition('code', 'eq', 'K000')] }), { rows: [], hasMore: false, end: null });
      });
    });

    describe('filters, against an oracle computed from the dataset', () => {
      for (const filter of FILTER_CASES) {
        it(`applies ${filter.title}`, async () => {
          const expected = expectedRows(filter.conditions, BY_CODE, ['code']);
          if (filter.expect === 'some') assert.ok(expected.length > 0 && expected.length < DATASET_SIZE, 'the case selects some rows, not all');
          else assert.equal(expected.length, filter.expect, 'the case selects the rows it means to');
          const result = await fetchOne({ conditions: filter.conditions });
          assert.deepEqual(codes(result.rows), codes(expected));
        });
      }
    });

    describe('injection-shaped values', () => {
      for (const filter of INJECTION_CASES) {
        it(`matches ${filter.title} literally`, async () => {
          const expected = expectedRows(filter.conditions, BY_CODE, ['code', 'name']);
          assert.equal(expected.length, filter.expect, 'the case selects the rows it means to');
          const result = await fetchOne({ select: ['code', 'name'], conditions: filter.conditions });
          assert.deepEqual(result.rows, expected);
        });
      }

      it('leaves the source intact: every row is still there', async () => {
        const result = await fetchOne({ select: [...DATASET_ITEMS] });
        assert.deepEqual(result.rows, DATASET);
      });
    });

    describe('paging with each result\'s end as the next after', () => {
      const pageThrough = async (order: readonly OrderTerm[], first: number, conditions: readonly Condition[] = []): Promise<void> => {
        const expected = codes(expectedRows(conditions, order, ['code']));
        const seen: unknown[] = [];
        let after: Position | null = null;
        let pages = 0;
        for (;;) {
          assert.ok(pages <= DATASET_SIZE, 'paging ends');
          const page = await fetchOne({ order, first, after, conditions });
          pages++;
          assert.ok(page.rows.length <= first, 'a page holds at most first rows');
          seen.push(...codes(page.rows));
          if (!page.hasMore) break;
          assert.equal(page.rows.length, first, 'only the last page is short');
          assert.notEqual(page.end, null);
          after = page.end;
        }
        assert.deepEqual(seen, expected, 'every row exactly once, in order');
        assert.equal(pages, Math.max(1, Math.ceil(expected.length / first)));
      };

      for (const order of ORDERS) {
        const label = order.map((term) => `${term.item} ${term.direction}`).join(', ');
        for (const first of [7, 32]) {
          it(`visits every row once by ${label}, ${first} per page`, () => pageThrough(order, first));
        }
      }

      it('pages through filtered rows by a nullable item', () =>
        pageThrough([{ item: 'count', direction: 'DESC' }, { item: 'code', direction: 'ASC' }], 5, [
          condition('region', 'in', ['东城区', '西城区', 'B-1']),
        ]));

      it('returns nothing after the last row', async () => {
        const last = await fetchOne({ first: DATASET_SIZE });
        assert.equal(last.hasMore, false);
        assert.deepEqual(await fetchOne({ after: last.end }), { rows: [], hasMore: false, end: null });
      });
    });

    describe('look-ups', () => {
      it('looks up 50 keys by in with one read at the source', async () => {
        const wanted = DATASET.filter((_, i) => i % 8 !== 3).slice(0, 50);
        assert.equal(wanted.length, 50);
        const keys = [...wanted.map((row) => row.code), 'K999', "K001' OR '1'='1"].reverse();
        await current().resetReads();
        const result = await fetchOne({ select: ['code', 'name'], conditions: [condition('code', 'in', keys)], first: 100 });
        assert.deepEqual(result.rows, wanted.map((row) => ({ code: row.code, name: row.name })));
        assert.equal(result.hasMore, false);
        assert.equal(await current().reads(), 1, 'one statement, call or upstream query');
      });
    });

    describe('failures, translated to catalog codes', () => {
      const withVariant = (failure: FailureKind, title: string, check: (variant: SourceVariant) => Promise<void>): void => {
        const reason = config.cannot?.[failure];
        if (reason) {
          it.skip(`${title} (skipped: ${reason})`, () => undefined);
          return;
        }
        it(title, async () => {
          const variant = await current().variant(failure);
          try {
            await check(variant);
          } finally {
            await variant.close();
          }
        });
      };
      const read = (variant: SourceVariant): Promise<FetchResult[]> =>
        variant.connector.fetch([{ ...request({ select: [...DATASET_ITEMS] }), resource: variant.resource }], options());

      withVariant('slow', 'fails with CONNECTOR_TIMEOUT when the source does not answer in time, and stays OK', async (variant) => {
        const started = Date.now();
        const error = await rejectsWith(read(variant), 'CONNECTOR_TIMEOUT');
        assert.ok(Date.now() - started < SLOW_SOURCE_MS - 100, 'the connector gave up at its own timeout');
        assert.match(error.message, new RegExp(variant.resource.code));
        assert.equal(variant.connector.status().state, 'OK', 'a slow answer does not make the source unavailable');
      });

      withVariant('down', 'fails with CONNECTOR_UNAVAILABLE and reports ERROR when the source is down', async (variant) => {
        assert.equal(variant.connector.status().state, 'ERROR', 'the start check found the source down');
        const error = await rejectsWith(read(variant), 'CONNECTOR_UNAVAILABLE');
        assert.match(error.message, new RegExp(variant.resource.code));
        const status = variant.connector.status();
        assert.equal(status.state, 'ERROR');
        assert.ok(status.message, 'the state says why');
      });

      withVariant('malformed', 'fails with CONNECTOR_BAD_RESPONSE when the answer does not fit the items, and stays OK', async (variant) => {
        const error = await rejectsWith(read(variant), 'CONNECTOR_BAD_RESPONSE');
        assert.match(error.message, new RegExp(variant.resource.code));
        assert.equal(variant.connector.status().state, 'OK', 'a misfit answer does not make the source unavailable');
      });
    });
  });
}
