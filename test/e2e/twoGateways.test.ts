import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { DateTime } from 'luxon';
import { creditCodeCheckChar } from '../../common/identifiers.js';
import { createTestDatabase, testDatabaseUrl, type TestDatabase } from '../support/databases.js';
import { askGraphQL, dataOf, startGatewayProcess, type GatewayProcess } from '../support/processGateway.js';
import { childEnv, freePort, temporaryFolder } from '../support/processRunner.js';

/** Starting a process from the sources and loading the demo take a while on a small machine. */
const START_MS = 150_000;
const POPULATION = '101001/000001';
const TIME_ZONE = 'Asia/Shanghai';

/** Polls `check` until it holds; for waiting on another process's caches, never between a change and the check of it. */
async function eventually(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < ms) {
    if (await check()) return;
    await sleep(50);
  }
  assert.fail(`${what} not within ${ms} ms`);
}

/** The window of the calls quota (the UTC minute) and of the rows quota (the day in the gateway's time zone). */
const currentMinute = (): number => Math.floor(Date.now() / 60_000);
const currentDay = (): string => DateTime.now().setZone(TIME_ZONE).toISODate()!;

function populationQuery(first: number): string {
  return `{ data { population(first: ${first}) { nodes { idNumber name } } } }`;
}

/** What one data query got: served with its rows, or refused with a code. */
interface Outcome {
  readonly via: 'A' | 'B';
  readonly code: string | null;
  readonly rows: number;
  readonly retryAfter: unknown;
}

(testDatabaseUrl ? describe : describe.skip)(
  `Two gateway processes on one PostgreSQL${testDatabaseUrl ? '' : ' (skipped: set TEST_DATABASE_URL to a PostgreSQL server to run)'}`,
  function () {
    this.timeout(2 * START_MS + 60_000);
    const folders: ReturnType<typeof temporaryFolder>[] = [];
    let testDb: TestDatabase | null = null;
    let a: GatewayProcess | null = null;
    let b: GatewayProcess | null = null;
    let admin: string;
    let providerAdmin: string;
    let departments = 0;

    const urlOf = (via: 'A' | 'B'): string => (via === 'A' ? a! : b!).banner.url;

    before(async () => {
      folders.push(temporaryFolder('meridian-e2e-two-a'), temporaryFolder('meridian-e2e-two-b'));
      testDb = await createTestDatabase('postgres');
      const env = (folder: string, port: number, demo: boolean) =>
        childEnv({
          PORT: String(port),
          HOST: '127.0.0.1',
          DATABASE_URL: testDb!.url!,
          MERIDIAN_DATA_DIR: folder,
          MERIDIAN_DEMO: String(demo),
          MERIDIAN_LOG_LEVEL: 'warn',
        });
      const serve = ['--import', 'tsx', 'cli/meridian.ts', 'serve'];
      a = await startGatewayProcess(process.execPath, serve, env(folders[0]!.path, await freePort(), true), START_MS);
      // Started once the first is ready: the demo is loaded, and the second finds the database in use.
      b = await startGatewayProcess(process.execPath, serve, env(folders[1]!.path, await freePort(), false), START_MS);
      admin = a.banner.keys.CATALOG_ADMIN!;
      providerAdmin = a.banner.keys.PROVIDER_ADMIN!;
      assert.ok(admin && providerAdmin, 'the first gateway shows the demo keys');
      assert.notEqual(a.banner.url, b.banner.url);
    });
    after(async () => {
      await a?.process.kill();
      await b?.process.kill();
      await testDb?.drop();
      for (const folder of folders) folder.remove();
    });

    /** A new consumer department with a key, registered through A and known to B. */
    async function newConsumer(): Promise<{ code: string; key: string }> {
      const first17 = `113301007${String(++departments).padStart(8, '0')}`;
      const code = first17 + creditCodeCheckChar(first17);
      await dataOf(
        askGraphQL(urlOf('A'), admin, 'mutation($input: DepartmentInput!) { registerDepartment(input: $input) { code } }', {
          input: { code, name: `杭州市测试部门${departments}`, regionCode: '330100', level: 'MUNICIPAL' },
        }),
        'register a department through A',
      );
      const issued = await dataOf(
        askGraphQL<{ issueApiKey: { key: string } }>(urlOf('A'), admin, 'mutation($input: ApiKeyInput!) { issueApiKey(input: $input) { key } }', {
          input: { department: code, roles: ['CONSUMER'], label: '跨实例测试应用' },
        }),
        'issue a key through A',
      );
      const key = issued.issueApiKey.key;
      await eventually('B knows the new key and department', async () => {
        const me = await askGraphQL<{ me: { department: { code: string } } }>(urlOf('B'), key, '{ me { department { code } } }');
        return me.data?.me?.department?.code === code;
      });
      return { code, key };
    }

    /** Applies through A as `consumer`, approves through A with `terms`, and waits until B's cache knows the grant. */
    async function approved(consumer: { key: string }, terms: Record<string, unknown>): Promise<string> {
      const applied = await dataOf(
        askGraphQL<{ applyForAccess: { id: string } }>(urlOf('A'), consumer.key, 'mutation($input: ApplicationInput!) { applyForAccess(input: $input) { id } }', {
          input: { resource: POPULATION, items: ['idNumber', 'name'], purpose: '核验办事群众身份', legalBasis: '《政务信息资源共享管理暂行办法》', contact: '张科长 0571-00000000' },
        }),
        'apply through A',
      );
      const decided = await dataOf(
        askGraphQL<{ decideApplication: { status: string; grant: { id: string } } }>(
          urlOf('A'),
          providerAdmin,
          'mutation($id: ID!, $input: DecisionInput!) { decideApplication(id: $id, input: $input) { status grant { id } } }',
          { id: applied.applyForAccess.id, input: { decision: 'APPROVE', ...terms } },
        ),
        'approve through A',
      );
      assert.equal(decided.decideApplication.status, 'APPROVED');
      // explainAccess reads the cached grants without touching the quota counters.
      await eventually('B knows the new grant', async () => {
        const explained = await askGraphQL<{ explainAccess: { allowed: boolean } }>(
          urlOf('B'),
          consumer.key,
          'query($r: ID!) { explainAccess(resource: $r, items: ["idNumber", "name"]) { allowed } }',
          { r: POPULATION },
        );
        return explained.data?.explainAccess.allowed === true;
      });
      return decided.decideApplication.grant.id;
    }

    async function query(via: 'A' | 'B', key: string, first: number): Promise<Outcome> {
      const answer = await askGraphQL<{ data: { population: { nodes: unknown[] } } }>(urlOf(via), key, populationQuery(first));
      const exchanges = answer.extensions?.exchanges ?? [];
      assert.equal(exchanges.length, 1, `one exchange per query: ${JSON.stringify(answer)}`);
      if (answer.errors) {
        assert.equal(answer.data ?? null, null, 'a refused query returns no data');
        assert.equal(exchanges[0]!.outcome, 'DENIED');
        const extensions = answer.errors[0]!.extensions ?? {};
        return { via, code: String(extensions.code), rows: 0, retryAfter: extensions.retryAfter };
      }
      const rows = answer.data!.data.population.nodes.length;
      assert.equal(exchanges[0]!.rows, rows);
      return { via, code: null, rows, retryAfter: undefined };
    }

    /**
     * Runs `check` inside one quota window: when the window changed while it
     * ran, it runs once more (with a new department and grant); twice is a failure.
     */
    async function withinOneWindow<T>(window: () => string | number, check: () => Promise<T>): Promise<T> {
      for (let attempt = 1; attempt <= 2; attempt++) {
        const before = window();
        const result = await check();
        if (window() === before) return result;
      }
      return assert.fail('the quota window changed during both attempts');
    }

    it('refuses through B the very next query after a revocation made through A', async () => {
      const consumer = await newConsumer();
      const grantId = await approved(consumer, {});
      const served = await query('B', consumer.key, 1);
      assert.deepEqual({ code: served.code, rows: served.rows }, { code: null, rows: 1 }, 'B serves under the grant approved through A');

      const revoked = await askGraphQL(urlOf('A'), providerAdmin, 'mutation($id: ID!) { revokeGrant(id: $id, reason: "用途已结束") { revokedAt } }', { id: grantId });
      assert.equal(revoked.errors, undefined, JSON.stringify(revoked.errors));
      const refused = await query('B', consumer.key, 1);
      assert.equal(refused.code, 'APPLICATION_REQUIRED', 'the next query through B, with no wait, is refused');
      assert.equal((await query('A', consumer.key, 1)).code, 'APPLICATION_REQUIRED');
    });

    // LISTEN/NOTIFY usually refreshes B's cache before the next query arrives; a revocation whose
    // notification is lost (a dropped listening connection) must still be honoured on the next request.
    it('refuses through B the next query after a revocation no notification announced', async () => {
      const consumer = await newConsumer();
      const grantId = await approved(consumer, {});
      assert.equal((await query('B', consumer.key, 1)).code, null, 'B serves under the grant');
      // Written straight to the shared database, as a revocation whose notification never arrived.
      await testDb!.db.knex('grants').where({ id: grantId }).update({ revoked_at: new Date(), revoke_reason: '通知丢失的撤销' });
      const explained = await askGraphQL<{ explainAccess: { allowed: boolean } }>(
        urlOf('B'),
        consumer.key,
        'query($r: ID!) { explainAccess(resource: $r, items: ["idNumber", "name"]) { allowed } }',
        { r: POPULATION },
      );
      assert.equal(explained.data?.explainAccess.allowed, true, "B's cache still holds the grant");
      assert.equal((await query('B', consumer.key, 1)).code, 'APPLICATION_REQUIRED', 'yet its next query is refused');
    });

    it('shares a calls-per-minute quota between A and B: exactly N calls are served in the minute', async () => {
      const N = 5;
      // A minute with little of it left is not worth starting in.
      if (Date.now() % 60_000 > 45_000) await sleep(60_000 - (Date.now() % 60_000) + 100);
      const outcomes = await withinOneWindow(currentMinute, async () => {
        const consumer = await newConsumer();
        await approved(consumer, { maxCallsPerMinute: N });
        const seen: Outcome[] = [];
        for (let i = 0; i < N + 2; i++) seen.push(await query(i % 2 === 0 ? 'A' : 'B', consumer.key, 1));
        return seen;
      });
      const served = outcomes.filter((outcome) => outcome.code === null);
      assert.equal(served.length, N, `served ${served.length} of ${outcomes.length}: ${JSON.stringify(outcomes)}`);
      assert.ok(served.some((o) => o.via === 'A') && served.some((o) => o.via === 'B'), 'both processes served some');
      assert.deepEqual(outcomes.slice(0, N).map((o) => o.code), Array(N).fill(null), 'the first N calls are served');
      const refused = outcomes.slice(N);
      assert.deepEqual(refused.map((o) => [o.via, o.code]), [['B', 'QUOTA_EXCEEDED'], ['A', 'QUOTA_EXCEEDED']], 'the next call is refused on either process');
      for (const outcome of refused) {
        assert.equal(Date.parse(String(outcome.retryAfter)) % 60_000, 0, `retryAfter is the start of the next minute: ${outcome.retryAfter}`);
      }
    });

    it('shares a rows-per-day quota between A and B: the rows served on both add up to it', async () => {
      const R = 7;
      const PAGE = 3;
      const { grantId, outcomes } = await withinOneWindow(currentDay, async () => {
        const consumer = await newConsumer();
        const id = await approved(consumer, { maxRowsPerDay: R });
        const seen: Outcome[] = [];
        for (let i = 0; i < 20; i++) {
          const outcome = await query(i % 2 === 0 ? 'A' : 'B', consumer.key, PAGE);
          seen.push(outcome);
          if (outcome.code !== null) break;
        }
        seen.push(await query(seen.length % 2 === 0 ? 'A' : 'B', consumer.key, PAGE));
        return { grantId: id, outcomes: seen };
      });
      const served = outcomes.filter((outcome) => outcome.code === null);
      assert.deepEqual(served.map((o) => [o.via, o.rows]), [['A', 3], ['B', 3], ['A', 1]], 'full pages until the last, cut to what is left');
      assert.equal(served.reduce((sum, o) => sum + o.rows, 0), R, 'the rows served on both processes add up to the quota');
      const refused = outcomes.filter((outcome) => outcome.code !== null);
      assert.deepEqual(refused.map((o) => [o.via, o.code]), [['B', 'QUOTA_EXCEEDED'], ['A', 'QUOTA_EXCEEDED']], 'then both refuse');

      const logged = (await testDb!.db
        .knex('ledger_records')
        .where({ grant_id: grantId, outcome: 'OK' })
        .sum({ rows: 'row_count' })
        .first()) as { rows: number | string | null };
      assert.equal(Number(logged.rows), R, 'the ledger counts the same rows');
    });
  },
);
