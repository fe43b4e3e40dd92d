import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Knex } from 'knex';
import { loadConfig } from '../../common/config.js';
import { openDatabase } from '../../db/index.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases.js';
import {
  httpOnNewConnection,
  NoAnswer,
  postGraphQL,
  startGatewayProcess,
  type GatewayProcess,
  type HttpAnswer,
} from '../support/processGateway.js';
import { childEnv, freePort, temporaryFolder } from '../support/processRunner.js';

const START_MS = 150_000;
/** The grace period the gateway is started with (the default). */
const GRACE_MS = loadConfig({}).shutdownGraceMs;
const BURST = 32;
const PAGE = 200;
const QUERY = `{ data { enterprises(first: ${PAGE}) { nodes { creditCode name legalRepName registeredCapital establishedOn } } } }`;

interface DataAnswer {
  data?: { data: { enterprises: { nodes: unknown[] } } };
  errors?: { extensions?: { code?: string } }[];
  extensions?: { exchanges?: { exchangeId: string; outcome: string; rows: number }[] };
}

/** What one request of the burst got: an HTTP answer, or no answer with the socket error's code. */
type Outcome = { readonly answer: HttpAnswer } | { readonly refused: string };

async function attempt(request: Promise<HttpAnswer>): Promise<Outcome> {
  try {
    return { answer: await request };
  } catch (error) {
    if (error instanceof NoAnswer) return { refused: error.code };
    throw error;
  }
}

function describeOutcome(outcome: Outcome): string {
  return 'answer' in outcome ? `HTTP ${outcome.answer.status} ${JSON.stringify(outcome.answer.body).slice(0, 200)}` : outcome.refused;
}

function exchangeIdsOf(answer: HttpAnswer): string[] {
  return ((answer.body as DataAnswer).extensions?.exchanges ?? []).map((exchange) => exchange.exchangeId);
}

for (const kind of databaseKinds) {
  describe(`Shutdown: SIGTERM on a busy gateway (${kind === 'pglite' ? 'PGlite' : 'PostgreSQL'})`, function () {
    this.timeout(START_MS + 60_000);
    let folder: ReturnType<typeof temporaryFolder>;
    let testDb: TestDatabase | null = null;
    let gateway: GatewayProcess | null = null;
    let consumerKey: string;
    /** Exchanges whose answer reached the client. */
    const answered: string[] = [];

    before(async () => {
      folder = temporaryFolder('meridian-e2e-shutdown');
      if (kind === 'postgres') testDb = await createTestDatabase('postgres');
      const env = childEnv({
        PORT: String(await freePort()),
        HOST: '127.0.0.1',
        MERIDIAN_DATA_DIR: folder.path,
        MERIDIAN_DEMO: 'true',
        // info: the "stopping" line tells when the gateway has taken the signal.
        MERIDIAN_LOG_LEVEL: 'info',
        ...(testDb?.url ? { DATABASE_URL: testDb.url } : {}),
      });
      gateway = await startGatewayProcess(process.execPath, ['--import', 'tsx', 'cli/meridian.ts', 'serve'], env, START_MS);
      consumerKey = gateway.banner.keys.CONSUMER!;
    });
    after(async () => {
      await gateway?.process.kill();
      await testDb?.drop();
      folder?.remove();
    });

    it('finishes the requests in flight, refuses new connections and exits 0 within the grace period', async () => {
      assert.ok(gateway, 'the gateway started');
      const { url, healthUrl } = gateway.banner;
      const warmUp = await postGraphQL(url, consumerKey, QUERY);
      assert.equal(warmUp.status, 200, JSON.stringify(warmUp.body));
      answered.push(...exchangeIdsOf(warmUp));
      assert.equal((await httpOnNewConnection(healthUrl, { method: 'GET' })).status, 200, 'ready before the signal');

      const burst = Array.from({ length: BURST }, () => attempt(postGraphQL(url, consumerKey, QUERY)));
      // The signal goes when the first answer is back: the rest of the burst is then being served.
      await Promise.race(burst);
      const signalledAt = performance.now();
      gateway.process.signal('SIGTERM');
      await gateway.process.waitForStdout(/"msg":"stopping"/, 5_000);

      // While it drains, a new connection is refused, or told 503 by /health/ready and SHUTTING_DOWN by /graphql.
      const lateQuery = await attempt(postGraphQL(url, consumerKey, QUERY));
      const probes: Outcome[] = [];
      let refusedWhileRunning = false;
      while (!gateway.process.hasExited()) {
        const probe = await attempt(httpOnNewConnection(healthUrl, { method: 'GET' }));
        if ('refused' in probe && probe.refused === 'ECONNREFUSED' && !gateway.process.hasExited()) refusedWhileRunning = true;
        probes.push(probe);
        await sleep(5);
      }
      const exit = await gateway.process.exited;
      const stoppedInMs = performance.now() - signalledAt;
      const outcomes = await Promise.all(burst);
      const isAccepted = (o: Outcome): o is { answer: HttpAnswer } => 'answer' in o && o.answer.status === 200;
      const accepted = outcomes.filter(isAccepted);
      for (const { answer } of accepted) answered.push(...exchangeIdsOf(answer));

      assert.deepEqual(exit, { code: 0, signal: null }, `exit after SIGTERM; stderr:\n${gateway.process.stderr()}`);
      assert.ok(stoppedInMs < GRACE_MS, `stopped in ${Math.round(stoppedInMs)} ms, within the ${GRACE_MS} ms grace period`);
      for (const { answer } of accepted) {
        const body = answer.body as DataAnswer;
        assert.equal(body.errors, undefined, JSON.stringify(body.errors));
        assert.equal(body.data!.data.enterprises.nodes.length, PAGE, 'an accepted request gets its whole page');
        assert.deepEqual(body.extensions?.exchanges?.map((e) => [e.outcome, e.rows]), [['OK', PAGE]]);
      }
      // A connection still in the listen backlog, or accepted but not yet read, when the listener
      // closes is reset: the gateway never saw that request (the ledger test below shows none was served).
      const turnedAway = (o: Outcome) => ('refused' in o ? ['ECONNREFUSED', 'ECONNRESET'].includes(o.refused) : o.answer.status === 503);
      for (const outcome of outcomes.filter((o) => !isAccepted(o))) assert.ok(turnedAway(outcome), `a request not served was turned away cleanly: ${describeOutcome(outcome)}`);
      assert.ok(
        accepted.some(({ answer }) => answer.at > signalledAt),
        `some requests were still in flight at the signal and finished after it (${accepted.length} of ${BURST} answered)`,
      );

      assert.ok(turnedAway(lateQuery), `a query on a new connection after the signal: ${describeOutcome(lateQuery)}`);
      assert.ok(probes.every(turnedAway), `/health/ready during the drain: ${probes.map(describeOutcome).join(', ')}`);
      assert.ok(refusedWhileRunning, 'new connections were refused while the gateway was still finishing');
    });

    it('has written exactly one ledger record for each answered exchange, and no other', async () => {
      assert.ok(gateway?.process.hasExited(), 'the gateway has stopped');
      assert.ok(answered.length > 1, 'exchanges were answered');
      const read = async (knex: Knex) => (await knex('ledger_records').select('exchange_id', 'outcome')) as { exchange_id: string; outcome: string }[];
      let records: { exchange_id: string; outcome: string }[];
      if (testDb) {
        records = await read(testDb.db.knex);
      } else {
        // The embedded database is opened again only now: PGlite is single-process.
        const db = await openDatabase({ dataDir: folder.path });
        try {
          records = await read(db.knex);
        } finally {
          await db.close();
        }
      }
      assert.deepEqual(records.map((r) => r.exchange_id).sort(), [...answered].sort());
      assert.ok(records.every((r) => r.outcome === 'OK'));
    });
  });
}
