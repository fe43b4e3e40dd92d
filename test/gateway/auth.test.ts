import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import type { Clock } from '../../common/clock.js';
import { errorCodes, isMeridianError } from '../../common/errors.js';
import { creditCodeCheckChar } from '../../common/identifiers.js';
import { buildDemoCatalog, demoDepartmentCode } from '../../demo/index.js';
import type { Gateway } from '../../gateway/createGateway.js';
import { describeEachDatabase } from '../support/databases.js';
import { graphql, onlyError, startDemoGateway, startTestGateway } from '../support/gatewayHarness.js';

const demo = buildDemoCatalog();
const HRSS = demoDepartmentCode(demo, 'hrss');
const HWC = demoDepartmentCode(demo, 'hwc');
const ENTERPRISES = '102001/000001';
const DISEASE_REPORTS = '202002/000001';

/** A clock running with the system, which a test can move forward. */
function movableClock(): Clock & { offsetMs: number } {
  return {
    offsetMs: 0,
    now() {
      return new Date(Date.now() + this.offsetMs);
    },
  };
}

interface RawResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly body: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

/** Posts a GraphQL request with exactly the headers given. */
async function post(url: string, headers: Record<string, string>, query: string, variables: Record<string, unknown> = {}): Promise<RawResponse> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: JSON.parse(text) as RawResponse['body'] };
}

/** Asserts the response is a 401 UNAUTHENTICATED that does not repeat `secret`. */
function assertUnauthenticated(response: RawResponse, secret: string | null, why: RegExp): void {
  assert.equal(response.status, 401, response.text);
  assert.equal(response.body.errors?.length, 1, response.text);
  const [error] = response.body.errors!;
  assert.equal(error!.extensions?.code, 'UNAUTHENTICATED');
  assert.ok(error!.extensions?.action, 'says what to do');
  assert.match(error!.message, why);
  assert.equal(response.body.data, undefined, 'no data at all');
  if (secret) assert.ok(!response.text.includes(secret), 'the presented key is not echoed');
}

const ISSUE_KEY = `mutation($input: ApiKeyInput!) { issueApiKey(input: $input) {
  key principal { keyId label roles department { code } expiresAt }
} }`;

interface Issued {
  issueApiKey: { key: string; principal: { keyId: string; label: string; roles: string[]; department: { code: string }; expiresAt: string | null } };
}

describeEachDatabase('Gateway auth: API keys', (get) => {
  let gateway: Gateway;
  let url: string;
  let knex: Knex;
  let admin: string;
  let consumer: string;
  const clock = movableClock();

  async function issue(input: Record<string, unknown>): Promise<Issued['issueApiKey']> {
    const response = await graphql<Issued>(url, admin, ISSUE_KEY, { input });
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    return response.data!.issueApiKey;
  }

  async function revoke(keyId: string): Promise<void> {
    const response = await graphql<{ revokeApiKey: boolean }>(url, admin, 'mutation($id: ID!) { revokeApiKey(keyId: $id) }', { id: keyId });
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    assert.equal(response.data!.revokeApiKey, true);
  }

  before(async () => {
    gateway = await startTestGateway(get(), { demo: true, dataDir: mkdtempSync(join(tmpdir(), 'meridian-auth-')) }, clock);
    url = gateway.url;
    knex = get().db.knex;
    admin = gateway.demoKeys.find((key) => key.role === 'CATALOG_ADMIN')!.key;
    consumer = gateway.demoKeys.find((key) => key.role === 'CONSUMER')!.key;
  });
  after(async () => {
    await gateway.close();
  });

  it('refuses a request without a key, with a malformed header or with an unknown key: 401 UNAUTHENTICATED', async () => {
    assertUnauthenticated(await post(url, {}, '{ me { keyId } }'), null, /no Authorization header/);
    assertUnauthenticated(await post(url, { authorization: 'Basic c2VjcmV0LXZhbHVl' }, '{ me { keyId } }'), 'c2VjcmV0LXZhbHVl', /Bearer <key>/);
    assertUnauthenticated(await post(url, { authorization: 'Bearer' }, '{ me { keyId } }'), null, /Bearer <key>/);
    const unknown = 'mrd_thisKeyWasNeverIssuedByAnyoneAtAll0123456789';
    assertUnauthenticated(await post(url, { authorization: `Bearer ${unknown}` }, '{ me { keyId } }'), unknown, /unknown or revoked/);
    const tampered = `${consumer.slice(0, -1)}${consumer.endsWith('A') ? 'B' : 'A'}`;
    assertUnauthenticated(await post(url, { authorization: `Bearer ${tampered}` }, '{ me { keyId } }'), tampered, /unknown or revoked/);
  });

  it('refuses a key before any data is read, so an unauthenticated data query makes no exchange', async () => {
    const before = await knex('ledger_records').count({ n: '*' }).first();
    const response = await post(url, {}, '{ data { enterprises(first: 1) { nodes { creditCode } } } }');
    assertUnauthenticated(response, null, /no Authorization header/);
    assert.equal((response.body as { extensions?: unknown }).extensions, undefined);
    assert.deepEqual(await knex('ledger_records').count({ n: '*' }).first(), before);
  });

  it('issues a key as CATALOG_ADMIN that works at once and holds the roles it was given', async () => {
    const issued = await issue({ department: HWC, roles: ['CONSUMER', 'PROVIDER_ADMIN'], label: '卫健委数据共享应用' });
    assert.match(issued.key, /^mrd_[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(issued.principal, {
      keyId: issued.principal.keyId,
      label: '卫健委数据共享应用',
      roles: ['CONSUMER', 'PROVIDER_ADMIN'],
      department: { code: HWC },
      expiresAt: null,
    });
    const me = await graphql<{ me: { keyId: string; roles: string[]; department: { code: string } } }>(url, issued.key, '{ me { keyId roles department { code } } }');
    assert.equal(me.errors, undefined, JSON.stringify(me.errors));
    assert.deepEqual(me.data!.me, { keyId: issued.principal.keyId, roles: ['CONSUMER', 'PROVIDER_ADMIN'], department: { code: HWC } });
    const data = await graphql(url, issued.key, '{ data { enterprises(first: 1) { nodes { creditCode } } } }');
    assert.equal(data.errors, undefined, 'the new consumer key reads unconditional data');
  });

  it('keeps no key text in the database, only SHA-256 hashes', async () => {
    const issued = await issue({ department: HRSS, roles: ['CONSUMER'], label: 'hash check' });
    const rows = (await knex('api_keys').select('*')) as Record<string, unknown>[];
    const stored = JSON.stringify(rows);
    for (const key of [issued.key, admin, consumer, ...gateway.demoKeys.map((k) => k.key)]) {
      assert.ok(!stored.includes(key), 'no key is stored');
      assert.ok(!stored.includes(key.slice(4, 20)), 'not even part of a key');
    }
    const row = rows.find((r) => r.id === issued.principal.keyId)!;
    assert.equal(row.secret_hash, createHash('sha256').update(issued.key).digest('hex'));
    const audit = JSON.stringify(await knex('admin_audit').select('*'));
    assert.ok(!audit.includes(issued.key), 'the audit trail does not hold the key either');
  });

  it('refuses a revoked key on the very next request', async () => {
    const issued = await issue({ department: HRSS, roles: ['CONSUMER'], label: 'to be revoked' });
    assert.equal((await graphql(url, issued.key, '{ me { keyId } }')).errors, undefined);
    await revoke(issued.principal.keyId);
    assertUnauthenticated(await post(url, { authorization: `Bearer ${issued.key}` }, '{ me { keyId } }'), issued.key, /unknown or revoked/);
    const again = await graphql(url, admin, 'mutation($id: ID!) { revokeApiKey(keyId: $id) }', { id: issued.principal.keyId });
    assert.equal(onlyError(again).extensions.code, 'NOT_FOUND', 'a key is revoked once');
  });

  it('refuses a key once its expiresAt has passed', async () => {
    const expiresAt = new Date(clock.now().getTime() + 3600_000).toISOString();
    const issued = await issue({ department: HRSS, roles: ['CONSUMER'], label: 'expires in an hour', expiresAt });
    assert.equal(issued.principal.expiresAt, expiresAt);
    assert.equal((await graphql(url, issued.key, '{ me { keyId } }')).errors, undefined);
    clock.offsetMs = 2 * 3600_000;
    try {
      assertUnauthenticated(await post(url, { authorization: `Bearer ${issued.key}` }, '{ me { keyId } }'), issued.key, /expired/);
      assert.equal((await graphql(url, consumer, '{ me { keyId } }')).errors, undefined, 'keys without expiry keep working');
    } finally {
      clock.offsetMs = 0;
    }
    const past = await graphql(url, admin, ISSUE_KEY, {
      input: { department: HRSS, roles: ['CONSUMER'], label: 'already expired', expiresAt: '2020-01-01T00:00:00Z' },
    });
    const error = onlyError(past);
    assert.equal(error.extensions.code, 'VALIDATION_FAILED');
    assert.deepEqual((error.extensions.problems as { path: string }[]).map((p) => p.path), ['expiresAt']);
  });

  it('lets only catalog admins issue and revoke keys', async () => {
    const before = await knex('api_keys').count({ n: '*' }).first();
    const issued = await graphql(url, consumer, ISSUE_KEY, { input: { department: HRSS, roles: ['CATALOG_ADMIN'], label: 'escalation' } });
    const error = onlyError(issued);
    assert.equal(error.extensions.code, 'FORBIDDEN');
    assert.match(error.message, /issueApiKey needs one of the roles CATALOG_ADMIN/);
    assert.equal(issued.data, null);
    const adminKeyId = gateway.demoKeys.find((key) => key.role === 'CATALOG_ADMIN')!;
    const me = await graphql<{ me: { keyId: string } }>(url, adminKeyId.key, '{ me { keyId } }');
    const revoked = await graphql(url, consumer, 'mutation($id: ID!) { revokeApiKey(keyId: $id) }', { id: me.data!.me.keyId });
    assert.equal(onlyError(revoked).extensions.code, 'FORBIDDEN');
    assert.deepEqual(await knex('api_keys').count({ n: '*' }).first(), before);
    assert.equal((await graphql(url, admin, '{ me { keyId } }')).errors, undefined, 'the admin key still works');
  });
});

describeEachDatabase('Gateway auth: MERIDIAN_ADMIN_KEY', (get) => {
  const first = 'first-admin-key-0123456789abcdefghij';
  const second = 'second-admin-key-0123456789abcdefghij';

  it('ensures a CATALOG_ADMIN and AUDITOR key, and a changed key on restart revokes the old one', async () => {
    const operator = `11330100MB1234567${creditCodeCheckChar('11330100MB1234567')}`;
    let gateway = await startTestGateway(get(), { adminKey: first });
    try {
      const me = await graphql<{ me: { roles: string[]; label: string; department: { code: string; name: string } } }>(
        gateway.url,
        first,
        '{ me { roles label department { code name } } }',
      );
      assert.equal(me.errors, undefined, JSON.stringify(me.errors));
      assert.deepEqual([...me.data!.me.roles].sort(), ['AUDITOR', 'CATALOG_ADMIN']);
      assert.equal(me.data!.me.department.code, gateway.services.config.operator.code);
      const audit = await graphql<{ verifyLedger: { ok: boolean } }>(gateway.url, first, '{ verifyLedger { ok } }');
      assert.equal(audit.errors, undefined, 'the admin key audits');
    } finally {
      await gateway.close();
    }

    gateway = await startTestGateway(get(), { adminKey: first });
    try {
      assert.equal((await graphql(gateway.url, first, '{ me { keyId } }')).errors, undefined, 'the same key survives a restart');
    } finally {
      await gateway.close();
    }
    const ensured = await get().db.knex('api_keys').whereNull('revoked_at').count({ n: '*' }).first();
    assert.equal(Number((ensured as { n: number | string }).n), 1, 'restarting with the same key issues no second key');

    gateway = await startTestGateway(get(), { adminKey: second, 'operator.code': operator, 'operator.name': '测试运营方' });
    try {
      assertUnauthenticated(await post(gateway.url, { authorization: `Bearer ${first}` }, '{ me { keyId } }'), first, /unknown or revoked/);
      const me = await graphql<{ me: { roles: string[]; department: { code: string } } }>(gateway.url, second, '{ me { roles department { code } } }');
      assert.equal(me.errors, undefined, JSON.stringify(me.errors));
      assert.deepEqual([...me.data!.me.roles].sort(), ['AUDITOR', 'CATALOG_ADMIN']);
      assert.equal(me.data!.me.department.code, operator, 'the new key is held by the configured operator');
      const keyId = (await graphql<{ me: { keyId: string } }>(gateway.url, second, '{ me { keyId } }')).data!.me.keyId;
      const revoked = await graphql(gateway.url, second, 'mutation($id: ID!) { revokeApiKey(keyId: $id) }', { id: keyId });
      assert.equal(revoked.errors, undefined, JSON.stringify(revoked.errors));
    } finally {
      await gateway.close();
    }
    await assert.rejects(startTestGateway(get(), { adminKey: second }), (error: unknown) => {
      assert.ok(isMeridianError(error));
      assert.equal(error.code, 'CONFIG_INVALID');
      assert.match(error.message, /MERIDIAN_ADMIN_KEY names a key that was revoked/);
      return true;
    });
  });
});

describeEachDatabase('Gateway start: MERIDIAN_ADMIN_KEY on an empty database', (get) => {
  it('still loads the demo next to the admin key', async () => {
    const demo = await startDemoGateway(get(), { adminKey: 'an-admin-key-for-a-fresh-demo-0123456789' });
    const { gateway } = demo;
    try {
      assert.equal(gateway.demoKeys.length, 5);
      const resources = await graphql<{ catalog: { totalCount: number } }>(
        gateway.url,
        'an-admin-key-for-a-fresh-demo-0123456789',
        '{ catalog { totalCount } }',
      );
      assert.ok(resources.data!.catalog.totalCount >= 10, 'the demo resources are there');
    } finally {
      await demo.close();
    }
  });
});

describeEachDatabase('Gateway auth: auditors and the exchange log', (get) => {
  let gateway: Gateway;
  let url: string;
  let knex: Knex;
  let auditor: string;
  let consumer: string;

  interface ExchangeNode {
    exchangeId: string;
    requestId: string;
    at: string;
    resource: string;
    outcome: string;
    errorCode: string | null;
    consumer: { code: string };
    seq: number;
    writer: string;
  }
  interface ExchangePage {
    exchanges: { nodes: ExchangeNode[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
  }
  const EXCHANGES = `query($filter: ExchangeFilter, $first: Int, $after: String) { exchanges(filter: $filter, first: $first, after: $after) {
    nodes { exchangeId requestId at resource outcome errorCode consumer { code } seq writer }
    pageInfo { hasNextPage endCursor }
  } }`;

  async function exchanges(filter: Record<string, unknown>, first = 500, after: string | null = null): Promise<ExchangePage['exchanges']> {
    const response = await graphql<ExchangePage>(url, auditor, EXCHANGES, { filter, first, after });
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    return response.data!.exchanges;
  }

  before(async () => {
    gateway = await startTestGateway(get(), { demo: true, dataDir: mkdtempSync(join(tmpdir(), 'meridian-audit-')) });
    url = gateway.url;
    knex = get().db.knex;
    auditor = gateway.demoKeys.find((key) => key.role === 'AUDITOR')!.key;
    consumer = gateway.demoKeys.find((key) => key.role === 'CONSUMER')!.key;
    for (let i = 0; i < 5; i += 1) {
      const ok = await post(url, { authorization: `Bearer ${consumer}`, 'x-request-id': `audit-ok-${i}` }, '{ data { enterprises(first: 2) { nodes { creditCode } } } }');
      assert.equal(ok.body.errors, undefined, ok.text);
    }
    const denied = await post(url, { authorization: `Bearer ${consumer}`, 'x-request-id': 'audit-denied' }, '{ data { infectiousDiseaseReports { nodes { reportNo } } } }');
    assert.equal(denied.body.errors?.[0]?.extensions?.code, 'NOT_SHARED');
  });
  after(async () => {
    await gateway.close();
  });

  it('echoes the x-request-id given and records it as the exchange requestId', async () => {
    const response = await post(
      url,
      { authorization: `Bearer ${consumer}`, 'x-request-id': 'client-req-42.a:b' },
      '{ data { enterprises(first: 1) { nodes { creditCode } } } }',
    );
    assert.equal(response.headers.get('x-request-id'), 'client-req-42.a:b');
    const [exchange] = (response.body as { extensions: { exchanges: { exchangeId: string }[] } }).extensions.exchanges;
    const found = await exchanges({ requestId: 'client-req-42.a:b' });
    assert.deepEqual(found.nodes.map((n) => [n.exchangeId, n.requestId]), [[exchange!.exchangeId, 'client-req-42.a:b']]);

    const unsafe = await post(url, { authorization: `Bearer ${consumer}`, 'x-request-id': 'no spaces or ; please' }, '{ me { keyId } }');
    assert.match(unsafe.headers.get('x-request-id') ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-/, 'an unusable id is replaced by a fresh one');
    const none = await post(url, { authorization: `Bearer ${consumer}` }, '{ me { keyId } }');
    assert.match(none.headers.get('x-request-id') ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-/);
  });

  it('lists exchanges filtered by outcome, resource and requestId', async () => {
    const denied = await exchanges({ outcome: 'DENIED' });
    assert.deepEqual(denied.nodes.map((n) => [n.requestId, n.resource, n.outcome, n.errorCode]), [['audit-denied', DISEASE_REPORTS, 'DENIED', 'NOT_SHARED']]);
    const byResource = await exchanges({ resource: ENTERPRISES });
    assert.ok(byResource.nodes.length >= 5);
    assert.ok(byResource.nodes.every((n) => n.resource === ENTERPRISES && n.outcome === 'OK' && n.consumer.code === HRSS));
    const byRequest = await exchanges({ requestId: 'audit-ok-3' });
    assert.deepEqual(byRequest.nodes.map((n) => n.requestId), ['audit-ok-3']);
    const nothing = await exchanges({ requestId: 'audit-ok-3', outcome: 'DENIED' });
    assert.deepEqual(nothing.nodes, [], 'filters are ANDed');
  });

  it('pages exchanges newest first with keyset cursors, each exchange exactly once', async () => {
    const all = await exchanges({});
    const count = await knex('ledger_records').count({ n: '*' }).first();
    assert.equal(all.nodes.length, Number((count as { n: number | string }).n));
    assert.ok(all.nodes.length >= 7);
    for (let i = 1; i < all.nodes.length; i += 1) {
      assert.ok(all.nodes[i - 1]!.at >= all.nodes[i]!.at, 'newest first');
    }
    const paged: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page = await exchanges({}, 2, after);
      assert.ok(page.nodes.length <= 2);
      paged.push(...page.nodes.map((n) => n.exchangeId));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    assert.deepEqual(paged, all.nodes.map((n) => n.exchangeId));
  });

  it('refuses a forged or altered exchanges cursor with BAD_USER_INPUT', async () => {
    const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const after of [forged(['not a date', 'w', 1]), forged(['2024-13-45T00:00:00Z', 'w', 1]), forged(['2024-01-01T00:00:00.000Z', 'w', 0.5]), 'garbage!']) {
      const response = await graphql(url, auditor, 'query($a: String) { exchanges(after: $a) { nodes { exchangeId } } }', { a: after });
      const error = onlyError(response);
      assert.equal(error.extensions.code, 'BAD_USER_INPUT', after);
      assert.match(error.message, /endCursor/);
    }
  });

  it('verifies the ledger as ok for an auditor', async () => {
    const response = await graphql<{ verifyLedger: { ok: boolean; writers: { writer: string; records: number; ok: boolean; firstBadSeq: number | null }[] } }>(
      url,
      auditor,
      '{ verifyLedger { ok checkedAt writers { writer records ok firstBadSeq } } }',
    );
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    const report = response.data!.verifyLedger;
    assert.equal(report.ok, true);
    const count = await knex('ledger_records').count({ n: '*' }).first();
    assert.equal(
      report.writers.reduce((sum, w) => sum + w.records, 0),
      Number((count as { n: number | string }).n),
    );
    assert.ok(report.writers.every((w) => w.ok && w.firstBadSeq === null));
  });

  it('refuses the exchange log to a consumer with FORBIDDEN', async () => {
    for (const query of ['{ exchanges { nodes { exchangeId } } }', '{ verifyLedger { ok } }']) {
      const response = await graphql(url, consumer, query);
      const error = onlyError(response);
      assert.equal(error.extensions.code, 'FORBIDDEN', query);
      assert.match(error.message, /AUDITOR/);
      assert.ok(errorCodes.includes(error.extensions.code as (typeof errorCodes)[number]));
      assert.equal(response.data, null);
    }
  });
});
