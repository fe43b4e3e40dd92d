import assert from 'node:assert/strict';
import { openDatabase } from '../../db/index.js';
import { verifyLedger } from '../../ledger/index.js';
import type { Gateway } from '../../gateway/createGateway.js';
import { createTestDatabase, testDatabaseUrl, type TestDatabase } from '../support/databases.js';
import { graphql, startDemoGateway, startTestGateway, type DemoGateway } from '../support/gatewayHarness.js';

/** Polls `check` until it returns true or `ms` pass; returns how long it took. */
async function eventually(check: () => Promise<boolean>, ms = 3000): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < ms) {
    if (await check()) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  assert.fail(`not within ${ms} ms`);
}

const ENTERPRISES_QUERY = '{ data { enterprises(first: 1) { nodes { creditCode } } } }';

(testDatabaseUrl ? describe : describe.skip)('Gateway: two instances on one PostgreSQL', function () {
  this.timeout(60_000);
  let testDb: TestDatabase;
  let a: DemoGateway;
  let b: Gateway;

  before(async () => {
    testDb = await createTestDatabase('postgres');
    a = await startDemoGateway(testDb);
    const second = await openDatabase({ url: testDb.url! });
    b = await startTestGateway({ db: second, url: testDb.url, drop: () => second.close() });
  });
  after(async () => {
    await b?.close();
    await a?.close();
    await testDb?.drop();
  });

  it('accepts on one instance a key issued through the other, and refuses it there once revoked', async () => {
    const admin = a.keys.CATALOG_ADMIN!;
    const hrss = (await graphql<{ me: { department: { code: string } } }>(a.url, a.keys.CONSUMER!, '{ me { department { code } } }')).data!.me.department.code;
    const issued = await graphql<{ issueApiKey: { key: string; principal: { keyId: string } } }>(
      a.url,
      admin,
      'mutation($d: ID!) { issueApiKey(input: { department: $d, roles: [CONSUMER], label: "跨实例测试" }) { key principal { keyId } } }',
      { d: hrss },
    );
    const { key, principal } = issued.data!.issueApiKey;
    await eventually(async () => (await graphql(b.url, key, ENTERPRISES_QUERY)).errors === undefined);

    await graphql(a.url, admin, 'mutation($id: ID!) { revokeApiKey(keyId: $id) }', { id: principal.keyId });
    await eventually(async () => (await graphql(b.url, key, ENTERPRISES_QUERY)).errors?.[0]?.extensions?.code === 'UNAUTHENTICATED');
  });

  it('stops serving a grant on one instance once it is revoked through the other', async () => {
    const consumer = a.keys.CONSUMER!;
    const population = '{ data { population(first: 1) { nodes { name } } } }';
    assert.equal((await graphql(b.url, consumer, population)).errors, undefined);
    const grant = await testDb.db.knex('grants').where({ resource_code: '101001/000001' }).first('id');
    const revoked = await graphql(a.url, a.keys.PROVIDER_ADMIN!, 'mutation($id: ID!) { revokeGrant(id: $id, reason: "测试撤销") { id } }', { id: grant.id });
    assert.equal(revoked.errors, undefined, JSON.stringify(revoked.errors));
    await eventually(async () => (await graphql(b.url, consumer, population)).errors?.[0]?.extensions?.code === 'APPLICATION_REQUIRED');
  });

  it('shows on one instance a resource deprecated through the other, and each instance keeps its own unbroken chain', async () => {
    const consumer = a.keys.CONSUMER!;
    const medical = '{ data { medicalInstitutions(first: 1) { nodes { name } } } }';
    assert.equal((await graphql(b.url, consumer, medical)).errors, undefined);
    assert.equal((await graphql(a.url, consumer, medical)).errors, undefined);
    const deprecated = await graphql(a.url, a.keys.CATALOG_ADMIN!, 'mutation { deprecateResource(code: "202001/000001", reason: "测试") { status } }');
    assert.equal(deprecated.errors, undefined, JSON.stringify(deprecated.errors));
    await eventually(async () => (await graphql(b.url, consumer, medical)).errors?.[0]?.extensions?.code === 'GRAPHQL_VALIDATION_FAILED');

    const reports = (await verifyLedger(testDb.db.knex)).writers;
    const writers = [a.gateway.services.ledger.health().writerId, b.services.ledger.health().writerId];
    for (const writer of writers) {
      const report = reports.find((r) => r.writer === writer);
      assert.ok(report && report.records > 0, `${writer} wrote records`);
      assert.equal(report.ok, true, report.problem ?? '');
    }
  });
});
