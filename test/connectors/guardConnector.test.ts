import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig, type ConnectorSettings } from '../../common/config.js';
import { badInput, isMeridianError, meridianError } from '../../common/errors.js';
import { silentLogger, type Logger } from '../../common/logger.js';
import type { ConnectorRecord } from '../../catalog/model.js';
import {
  createConnector,
  guardConnector,
  type Connector,
  type ConnectorStatus,
  type FetchOptions,
  type FetchRequest,
  type FetchResult,
  type ResilienceOverrides,
} from '../../connectors/index.js';
import { describeEachDatabase } from '../support/databases.js';
import { logSink } from '../support/logSink.js';
import { rejectsWith } from '../support/rejectsWith.js';
import { startTcpRelay } from '../support/tcpRelay.js';
import { PEOPLE, contextFor, createPeopleSource, peopleResource, resourceOf } from './peopleSource.js';

const DEPARTMENT = '11100000000000000X';

function request(overrides: Partial<FetchRequest> = {}): FetchRequest {
  return { resource: peopleResource, select: ['id'], conditions: [], order: [{ item: 'id', direction: 'ASC' }], first: 100, after: null, ...overrides };
}

function fetchOptions(signal: AbortSignal = new AbortController().signal): FetchOptions {
  return { signal, onBehalfOf: '11330100MB0000000N', requestId: 'guard-test' };
}

/** The gateway's connector settings with `overrides` (config paths under connectors.). */
function settingsWith(overrides: Readonly<Record<string, unknown>> = {}): ConnectorSettings {
  return loadConfig(
    {},
    Object.fromEntries(Object.entries(overrides).map(([path, value]) => [`connectors.${path}`, value])),
  ).connectors;
}

type Answer = (requests: readonly FetchRequest[], signal: AbortSignal) => Promise<FetchResult[]>;

/** A source whose answers a test scripts, counting the calls that reach it: the unit under the guard. */
interface ScriptedSource extends Connector {
  answer: Answer;
  calls: number;
  readonly signals: AbortSignal[];
  started: boolean;
}

const ROW_VALUE = '张三-13800138000';

const answersRows: Answer = async (requests) => requests.map(() => ({ rows: [{ id: 1, name: ROW_VALUE }], hasMore: false, end: null }));

function failsWith(error: () => unknown): Answer {
  return async () => {
    throw error();
  };
}

/** Answers rows once `opened` settles: a source still busy with the fetches it admitted. */
function answersAfter(opened: Promise<void>): Answer {
  return async (requests, signal) => {
    await opened;
    return answersRows(requests, signal);
  };
}

/** Never settles, and ignores its signal: a source that hangs. */
const hangs: Answer = () => new Promise<never>(() => undefined);

function scriptedSource(id = 'scripted', answer: Answer = answersRows): ScriptedSource {
  const source: ScriptedSource = {
    id,
    kind: 'HTTP',
    answer,
    calls: 0,
    signals: [],
    started: false,
    async start() {
      source.started = true;
    },
    async stop() {
      source.started = false;
    },
    status: (): ConnectorStatus => ({ state: source.started ? 'OK' : 'NOT_READY', message: null }),
    fetch(requests, options) {
      source.calls += 1;
      source.signals.push(options.signal);
      return source.answer(requests, options.signal);
    },
  };
  return source;
}

/** Guards `source` with quick settings and starts it. */
async function guarded(
  source: Connector,
  overrides: ResilienceOverrides = {},
  logger: Logger = silentLogger(),
  settings: ConnectorSettings = settingsWith(),
): Promise<Connector> {
  const connector = guardConnector(source, settings, overrides, logger);
  await connector.start();
  return connector;
}

/** Settles each fetch in order and says how each one ended. */
async function outcomes(fetches: readonly Promise<unknown>[]): Promise<string[]> {
  const settled = await Promise.allSettled(fetches);
  return settled.map((result) => (result.status === 'fulfilled' ? 'ok' : isMeridianError(result.reason) ? result.reason.code : String(result.reason)));
}

function deferred(): { promise: Promise<void>; resolve(): void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/** Runs `count` fetches that fail, one after the other. */
async function failRepeatedly(connector: Connector, count: number): Promise<void> {
  for (let i = 0; i < count; i += 1) await connector.fetch([request()], fetchOptions()).catch(() => undefined);
}

/** A breaker that opens after 3 fetches of which more than half failed, and tries again after 150 ms. */
const QUICK_BREAKER: ResilienceOverrides = {
  timeoutMs: 1000,
  breaker: { errorThresholdPercentage: 50, volumeThreshold: 3, rollingWindowMs: 10000, resetTimeoutMs: 150 },
};

describe('Connectors: the guard around every connector', () => {
  describe('timeout', () => {
    it('fails a fetch past timeoutMs with CONNECTOR_TIMEOUT promptly and aborts the signal the source was given', async () => {
      const source = scriptedSource('slow', hangs);
      const connector = await guarded(source, { timeoutMs: 50 });
      try {
        const started = Date.now();
        const error = await rejectsWith(connector.fetch([request()], fetchOptions()), 'CONNECTOR_TIMEOUT');
        assert.ok(Date.now() - started < 500, `answered after ${Date.now() - started} ms`);
        assert.equal(error.message, 'The source of 101001/000001 did not answer within 50 ms');
        assert.equal(source.signals.length, 1);
        assert.equal(source.signals[0]!.aborted, true, 'the source was told to stop');
        assert.ok(isMeridianError(source.signals[0]!.reason) && source.signals[0]!.reason.code === 'CONNECTOR_TIMEOUT');
      } finally {
        await connector.stop();
      }
    });

    it("takes the gateway's timeoutMs when the connector's config sets none", async () => {
      const connector = await guarded(scriptedSource('slow', hangs), {}, silentLogger(), settingsWith({ timeoutMs: 40 }));
      try {
        const error = await rejectsWith(connector.fetch([request()], fetchOptions()), 'CONNECTOR_TIMEOUT');
        assert.match(error.message, /within 40 ms/);
      } finally {
        await connector.stop();
      }
    });

    it('names every resource of a timed-out batch once', async () => {
      const other = resourceOf('101001/000009', { id: 'INTEGER' }, { table: 'other', columns: { id: 'id' } });
      const connector = await guarded(scriptedSource('slow', hangs), { timeoutMs: 20 });
      try {
        const error = await rejectsWith(connector.fetch([request(), request({ resource: other }), request()], fetchOptions()), 'CONNECTOR_TIMEOUT');
        assert.equal(error.message, 'The source of 101001/000001, 101001/000009 did not answer within 20 ms');
      } finally {
        await connector.stop();
      }
    });
  });

  describe('cancellation by the caller', () => {
    it("rejects at once when the caller's signal aborts, and aborts the source's signal", async () => {
      const source = scriptedSource('slow', hangs);
      const connector = await guarded(source, { timeoutMs: 5000 });
      try {
        const caller = new AbortController();
        const started = Date.now();
        const fetching = connector.fetch([request()], fetchOptions(caller.signal));
        setTimeout(() => caller.abort(), 20);
        const error = await rejectsWith(fetching, 'CONNECTOR_UNAVAILABLE');
        assert.ok(Date.now() - started < 1000);
        assert.equal(error.message, 'The source of 101001/000001 is unavailable: the fetch was cancelled before the source answered');
        assert.equal(source.signals[0]!.aborted, true);
      } finally {
        await connector.stop();
      }
    });

    it("passes on a catalog error given as the caller's abort reason, and refuses an already aborted fetch without calling the source", async () => {
      const source = scriptedSource('slow', hangs);
      const connector = await guarded(source);
      try {
        const caller = new AbortController();
        const fetching = connector.fetch([request()], fetchOptions(caller.signal));
        caller.abort(meridianError('SHUTTING_DOWN'));
        await rejectsWith(fetching, 'SHUTTING_DOWN');
        await rejectsWith(connector.fetch([request()], fetchOptions(caller.signal)), 'SHUTTING_DOWN');
        assert.equal(source.calls, 1);
      } finally {
        await connector.stop();
      }
    });

    it('does not count cancelled fetches against the source', async () => {
      const source = scriptedSource('slow', hangs);
      const connector = await guarded(source, QUICK_BREAKER);
      try {
        for (let i = 0; i < 6; i += 1) {
          const caller = new AbortController();
          const fetching = connector.fetch([request()], fetchOptions(caller.signal));
          caller.abort();
          await rejectsWith(fetching, 'CONNECTOR_UNAVAILABLE');
        }
        assert.equal(connector.status().state, 'OK');
        source.answer = answersRows;
        await connector.fetch([request()], fetchOptions());
        assert.equal(source.calls, 7, 'every fetch reached the source');
      } finally {
        await connector.stop();
      }
    });
  });

  describe('concurrency limit', () => {
    it('refuses the fetch beyond maxConcurrency at once, saying the source is busy, and serves the others', async () => {
      const gate = deferred();
      const source = scriptedSource('busy', answersAfter(gate.promise));
      const connector = await guarded(source, { ...QUICK_BREAKER, maxConcurrency: 3 });
      try {
        const admitted = [1, 2, 3].map(() => connector.fetch([request()], fetchOptions()));
        const started = Date.now();
        const refused = await rejectsWith(connector.fetch([request()], fetchOptions()), 'CONNECTOR_UNAVAILABLE');
        assert.ok(Date.now() - started < 100, 'refused without waiting for a slot');
        assert.match(refused.message, /^The source of 101001\/000001 is unavailable: the source is busy/);
        assert.equal(source.calls, 3);
        gate.resolve();
        assert.deepEqual(await outcomes(admitted), ['ok', 'ok', 'ok']);
        await connector.fetch([request()], fetchOptions());
        assert.equal(source.calls, 4, 'a freed slot serves the next fetch');
        assert.equal(connector.status().state, 'OK', 'being busy is not a failure of the source');
      } finally {
        await connector.stop();
      }
    });

    it('keeps a busy storm from opening the circuit', async () => {
      const gate = deferred();
      const source = scriptedSource('busy', answersAfter(gate.promise));
      const connector = await guarded(source, { ...QUICK_BREAKER, maxConcurrency: 1 });
      try {
        const admitted = connector.fetch([request()], fetchOptions());
        const refused = await outcomes(Array.from({ length: 10 }, () => connector.fetch([request()], fetchOptions())));
        assert.deepEqual(new Set(refused), new Set(['CONNECTOR_UNAVAILABLE']));
        gate.resolve();
        await admitted;
        await connector.fetch([request()], fetchOptions());
        assert.equal(connector.status().state, 'OK');
      } finally {
        await connector.stop();
      }
    });
  });

  describe('circuit breaker', () => {
    it('opens after repeated source failures, then fails fast without calling the source and shows ERROR', async () => {
      const source = scriptedSource('down', failsWith(() => meridianError('CONNECTOR_UNAVAILABLE', { resource: '101001/000001' })));
      const connector = await guarded(source, QUICK_BREAKER);
      try {
        await failRepeatedly(connector, 3);
        assert.equal(source.calls, 3);
        const started = Date.now();
        const error = await rejectsWith(connector.fetch([request()], fetchOptions()), 'CONNECTOR_UNAVAILABLE');
        assert.ok(Date.now() - started < 50);
        assert.equal(source.calls, 3, 'the open circuit kept the fetch from the source');
        assert.match(
          error.message,
          /^The source of 101001\/000001 is unavailable: circuit open since \S+Z \(3 failures\); retrying after (\S+Z)$/,
        );
        const retryAfter = error.extensions.retryAfter as string;
        assert.ok(error.message.endsWith(retryAfter));
        assert.ok(Math.abs(Date.parse(retryAfter) - (Date.now() + 150)) < 150, `retryAfter ${retryAfter} is about resetTimeoutMs away`);
        const status = connector.status();
        assert.equal(status.state, 'ERROR');
        assert.match(status.message ?? '', /^circuit open since \S+Z \(3 failures\); retrying after \S+Z$/);
      } finally {
        await connector.stop();
      }
    });

    it('lets one trial through after resetTimeoutMs and closes when it succeeds', async () => {
      const source = scriptedSource('flaky', failsWith(() => meridianError('CONNECTOR_TIMEOUT', { resource: '101001/000001', timeoutMs: 1 })));
      const connector = await guarded(source, QUICK_BREAKER);
      try {
        await failRepeatedly(connector, 3);
        assert.equal(connector.status().state, 'ERROR');
        await sleep(200);
        const halfOpen = connector.status();
        assert.equal(halfOpen.state, 'WARN');
        assert.match(halfOpen.message ?? '', /^circuit half-open since \S+Z: the next fetch tries the source again$/);

        const gate = deferred();
        source.answer = answersAfter(gate.promise);
        const trial = connector.fetch([request()], fetchOptions());
        const during = await rejectsWith(connector.fetch([request()], fetchOptions()), 'CONNECTOR_UNAVAILABLE');
        assert.match(during.message, /circuit half-open: a trial fetch is testing the source/);
        assert.equal(source.calls, 4, 'only the trial reached the source');
        gate.resolve();
        const [result] = await trial;
        assert.deepEqual(result!.rows, [{ id: 1, name: ROW_VALUE }]);
        assert.deepEqual(connector.status(), { state: 'OK', message: null });
        await connector.fetch([request()], fetchOptions());
        assert.equal(source.calls, 5);
      } finally {
        await connector.stop();
      }
    });

    it('opens again when the trial fails', async () => {
      const source = scriptedSource('down', failsWith(() => meridianError('CONNECTOR_UNAVAILABLE', { resource: '101001/000001' })));
      const connector = await guarded(source, QUICK_BREAKER);
      try {
        await failRepeatedly(connector, 3);
        await sleep(200);
        assert.equal(connector.status().state, 'WARN');
        await rejectsWith(connector.fetch([request()], fetchOptions()), 'CONNECTOR_UNAVAILABLE');
        assert.equal(source.calls, 4);
        assert.equal(connector.status().state, 'ERROR');
        const error = await rejectsWith(connector.fetch([request()], fetchOptions()), 'CONNECTOR_UNAVAILABLE');
        assert.match(error.message, /circuit open since/);
        assert.equal(source.calls, 4);
      } finally {
        await connector.stop();
      }
    });

    it('counts timeouts as source failures', async () => {
      const source = scriptedSource('slow', hangs);
      const connector = await guarded(source, { ...QUICK_BREAKER, timeoutMs: 10 });
      try {
        const codes = await outcomes([0, 1, 2, 3].map(() => connector.fetch([request()], fetchOptions())));
        assert.deepEqual(codes, ['CONNECTOR_TIMEOUT', 'CONNECTOR_TIMEOUT', 'CONNECTOR_TIMEOUT', 'CONNECTOR_TIMEOUT']);
        assert.equal(connector.status().state, 'ERROR');
        await rejectsWith(connector.fetch([request()], fetchOptions()), 'CONNECTOR_UNAVAILABLE');
        assert.equal(source.calls, 4);
      } finally {
        await connector.stop();
      }
    });

    it('counts unknown errors as source failures and passes them on unchanged, for the gateway to report as INTERNAL', async () => {
      const bug = new TypeError('cannot read properties of undefined');
      const source = scriptedSource('buggy', failsWith(() => bug));
      const connector = await guarded(source, QUICK_BREAKER);
      try {
        await assert.rejects(connector.fetch([request()], fetchOptions()), (error: unknown) => error === bug);
        await failRepeatedly(connector, 2);
        assert.equal(connector.status().state, 'ERROR');
        await rejectsWith(connector.fetch([request()], fetchOptions()), 'CONNECTOR_UNAVAILABLE');
      } finally {
        await connector.stop();
      }
    });

    it('never opens on a storm of BAD_USER_INPUT or CONNECTOR_BAD_RESPONSE', async () => {
      const source = scriptedSource('picky', failsWith(() => badInput('The cursor does not fit this order of 101001/000001')));
      const connector = await guarded(source, QUICK_BREAKER);
      try {
        for (let i = 0; i < 20; i += 1) await rejectsWith(connector.fetch([request()], fetchOptions()), 'BAD_USER_INPUT');
        source.answer = failsWith(() => meridianError('CONNECTOR_BAD_RESPONSE', { resource: '101001/000001', path: 'rows[0].id' }));
        for (let i = 0; i < 20; i += 1) await rejectsWith(connector.fetch([request()], fetchOptions()), 'CONNECTOR_BAD_RESPONSE');
        assert.deepEqual(connector.status(), { state: 'OK', message: null });
        source.answer = answersRows;
        await connector.fetch([request()], fetchOptions());
        assert.equal(source.calls, 41, 'every fetch reached the source');
      } finally {
        await connector.stop();
      }
    });

    it('keeps another connector serving while one is open', async () => {
      const down = scriptedSource('down', failsWith(() => meridianError('CONNECTOR_UNAVAILABLE', { resource: '101001/000001' })));
      const healthy = scriptedSource('healthy');
      const [broken, serving] = [await guarded(down, QUICK_BREAKER), await guarded(healthy, QUICK_BREAKER)];
      try {
        await failRepeatedly(broken, 3);
        assert.equal(broken.status().state, 'ERROR');
        for (let i = 0; i < 5; i += 1) {
          const [result] = await serving.fetch([request()], fetchOptions());
          assert.equal(result!.rows.length, 1);
        }
        assert.deepEqual(serving.status(), { state: 'OK', message: null });
        assert.equal(broken.status().state, 'ERROR');
      } finally {
        await broken.stop();
        await serving.stop();
      }
    });

    it('logs each state change once, without data values', async () => {
      const sink = logSink('info');
      const source = scriptedSource('flaky', answersRows);
      const connector = await guarded(source, QUICK_BREAKER, sink.logger);
      try {
        await connector.fetch([request()], fetchOptions());
        source.answer = failsWith(() => meridianError('CONNECTOR_UNAVAILABLE', { resource: '101001/000001' }));
        await failRepeatedly(connector, 6);
        await sleep(200);
        source.answer = answersRows;
        await connector.fetch([request()], fetchOptions());
        await connector.fetch([request()], fetchOptions());
        const changes = sink.records().filter((line) => String(line.msg).startsWith('circuit'));
        assert.deepEqual(
          changes.map((line) => [line.msg, line.connector, line.kind]),
          [
            ['circuit open: fetches fail fast', 'flaky', 'HTTP'],
            ['circuit half-open: the next fetch is a trial', 'flaky', 'HTTP'],
            ['circuit closed: the source answered the trial', 'flaky', 'HTTP'],
          ],
        );
        assert.equal(changes[0]!.failures, 2, 'one success, then two failures of three fetches');
        assert.doesNotMatch(sink.text(), new RegExp(ROW_VALUE));
      } finally {
        await connector.stop();
      }
    });
  });

  describe('start and stop', () => {
    it('delegates start, stop and status, and refuses fetches while not running without calling the source', async () => {
      const source = scriptedSource();
      const connector = guardConnector(source, settingsWith(), undefined, silentLogger());
      assert.equal(connector.id, 'scripted');
      assert.equal(connector.kind, 'HTTP');
      assert.deepEqual(connector.status(), { state: 'NOT_READY', message: null });
      const before = await rejectsWith(connector.fetch([request()], fetchOptions()), 'CONNECTOR_UNAVAILABLE');
      assert.match(before.message, /the connector is not running/);
      await connector.start();
      assert.equal(source.started, true);
      assert.deepEqual(connector.status(), { state: 'OK', message: null });
      assert.deepEqual(await connector.fetch([], fetchOptions()), []);
      await connector.stop();
      assert.equal(source.started, false);
      assert.equal(connector.status().state, 'NOT_READY');
      await rejectsWith(connector.fetch([request()], fetchOptions()), 'CONNECTOR_UNAVAILABLE');
      assert.equal(source.calls, 0);
    });

    it('rejects fetches in flight at stop, aborting their signals, and leaves no timers behind', async () => {
      // Timers created from here on and not yet cleared or fired, except mocha's own test timeout.
      const alive = new Set<number>();
      const hook = createHook({
        init(id, type) {
          if (type === 'Timeout' && !new Error().stack?.includes('Runnable.resetTimeout')) alive.add(id);
        },
        destroy(id) {
          alive.delete(id);
        },
      }).enable();
      // Destroy hooks run after the current turn of the event loop.
      const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
      try {
        const source = scriptedSource('stuck', failsWith(() => meridianError('CONNECTOR_UNAVAILABLE', { resource: '101001/000001' })));
        const connector = await guarded(source, { ...QUICK_BREAKER, breaker: { ...QUICK_BREAKER.breaker, resetTimeoutMs: 60000 } });
        await failRepeatedly(connector, 3);
        assert.equal(connector.status().state, 'ERROR', 'the reset timer is running');

        const stuck = scriptedSource('stuck-2', hangs);
        const second = await guarded(stuck, { timeoutMs: 60000 });
        const inFlight = second.fetch([request()], fetchOptions());
        await nextTurn();
        assert.ok(alive.size >= 4, `the guards keep timers while they run (${alive.size})`);
        await second.stop();
        const error = await rejectsWith(inFlight, 'CONNECTOR_UNAVAILABLE');
        assert.match(error.message, /the connector stopped/);
        assert.equal(stuck.signals[0]!.aborted, true, 'the source was told to stop');
        await connector.stop();
        await nextTurn();
        assert.equal(alive.size, 0, 'every timer of the guards was cleared');
      } finally {
        hook.disable();
      }
    });
  });
});

describeEachDatabase('Connectors: guarded PostgreSQL connectors', (get, kind) => {
  before(async () => {
    await createPeopleSource(get().db.knex);
  });

  function record(id: string, config: Readonly<Record<string, unknown>>): ConnectorRecord {
    return { id, kind: 'POSTGRES', department: DEPARTMENT, config: { schema: 'dept_src', ...config } };
  }

  async function withConnectors<T>(records: readonly ConnectorRecord[], use: (connectors: Connector[]) => Promise<T>): Promise<T> {
    const connectors = records.map((each) => createConnector(each, contextFor(get())));
    for (const connector of connectors) await connector.start();
    try {
      return await use(connectors);
    } finally {
      for (const connector of connectors) await connector.stop();
    }
  }

  it('serves rows through the guard unchanged', async () => {
    await withConnectors([record('hukou', {})], async ([connector]) => {
      const [first, second] = await connector!.fetch([request({ first: 5 }), request({ select: ['name'], first: 2 })], fetchOptions());
      assert.deepEqual(first!.rows.map((row) => row.id), [1, 2, 3, 4, 5]);
      assert.equal(first!.hasMore, true);
      assert.deepEqual(first!.end, { kind: 'keyset', values: [5] });
      assert.deepEqual(second!.rows, [{ name: PEOPLE[0]!.name, id: 1 }, { name: PEOPLE[1]!.name, id: 2 }]);
      assert.deepEqual(connector!.status(), { state: 'OK', message: null });
    });
  });

  // PGlite runs pg_sleep on the event loop's thread, so no timer fires before it ends.
  if (kind === 'postgres') {
    it("fails a read slower than the connector's resilience.timeoutMs with CONNECTOR_TIMEOUT, before the statement timeout", async () => {
      const slow = resourceOf('101001/000015', { id: 'INTEGER' }, { table: 'slow_people', columns: { id: 'id' } });
      await withConnectors([record('slow', { resilience: { timeoutMs: 100 } })], async ([connector]) => {
        const started = Date.now();
        const error = await rejectsWith(connector!.fetch([request({ resource: slow })], fetchOptions()), 'CONNECTOR_TIMEOUT');
        assert.ok(Date.now() - started < 700, `answered after ${Date.now() - started} ms, before pg_sleep(1) ended`);
        assert.equal(error.message, 'The source of 101001/000015 did not answer within 100 ms');
      });
    });

    it('opens when its server drops every connection, fails fast without reaching it while another connector serves, and closes after recovery', async () => {
      const target = new URL(get().url!);
      const relay = await startTcpRelay(target);
      const through = new URL(target);
      through.host = `127.0.0.1:${relay.port}`;
      const resilience = { breaker: { errorThresholdPercentage: 50, volumeThreshold: 3, resetTimeoutMs: 300 } };
      try {
        await withConnectors(
          [record('flaky', { url: through.toString(), resilience }), record('steady', { url: get().url, resilience })],
          async ([flaky, steady]) => {
            await flaky!.fetch([request()], fetchOptions());
            relay.drop();
            const failures = await outcomes([
              flaky!.fetch([request()], fetchOptions()),
              flaky!.fetch([request()], fetchOptions()),
            ]);
            assert.deepEqual(failures, ['CONNECTOR_UNAVAILABLE', 'CONNECTOR_UNAVAILABLE']);
            assert.equal(flaky!.status().state, 'ERROR');
            assert.match(flaky!.status().message ?? '', /^circuit open since .* \(2 failures\)/);

            const reached = relay.accepted();
            for (let i = 0; i < 5; i += 1) {
              const error = await rejectsWith(flaky!.fetch([request()], fetchOptions()), 'CONNECTOR_UNAVAILABLE');
              assert.match(error.message, /circuit open since/);
              const [result] = await steady!.fetch([request({ first: 3 })], fetchOptions());
              assert.deepEqual(result!.rows.map((row) => row.id), [1, 2, 3]);
            }
            assert.equal(relay.accepted(), reached, 'no fetch reached the dropped server while the circuit was open');

            relay.pass();
            await sleep(350);
            assert.equal(flaky!.status().state, 'WARN');
            const [result] = await flaky!.fetch([request({ first: 2 })], fetchOptions());
            assert.deepEqual(result!.rows.map((row) => row.id), [1, 2]);
            assert.deepEqual(flaky!.status(), { state: 'OK', message: null });
          },
        );
      } finally {
        await relay.close();
      }
    });
  }
});
