/**
 * Runs no-leak scenarios through a real gateway: each scenario's source table
 * is created in its own schema, its resource registered and published over
 * GraphQL by a catalog administrator, its application submitted by the
 * consumer and decided by the provider's administrator, and every page of
 * every query checked against the oracle and the ledger.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { creditCodeCheckChar } from '../../common/identifiers.js';
import type { DatabaseKind } from '../../db/index.js';
import type { Gateway } from '../../gateway/createGateway.js';
import type { TestDatabase } from './databases.js';
import { graphql, ledgerRecord, startTestGateway, type GraphQLResponse } from './gatewayHarness.js';
import { expectExchange, maskProblem, newPseudonymBook, type OracleGrant, type PseudonymBook } from './noLeakOracle.js';
import type { Scenario, ScenarioItem, ScenarioQuery, SourceRow, Where } from './noLeakScenario.js';

/** A gateway with a provider and a consumer department, a connector of the provider, and one key per part played. */
export interface NoLeakWorld {
  readonly gateway: Gateway;
  readonly url: string;
  /** The test's own connection to the gateway's database: source tables and ledger. */
  readonly knex: Knex;
  readonly adminKey: string;
  readonly providerKey: string;
  readonly consumerKey: string;
  readonly provider: string;
  readonly consumer: string;
  readonly connector: string;
  /** A number not used before in this world, for schema and apiName. */
  nextRun(): number;
}

/** What the runs covered, so that a run that checked nothing is noticed. */
export interface NoLeakTally {
  served: number;
  denied: number;
  /** Non-null values checked, per mask kind (NONE for values shown in clear). */
  valuesChecked: Record<string, number>;
}

/** A new, empty tally. */
export function newTally(): NoLeakTally {
  return { served: 0, denied: 0, valuesChecked: {} };
}

function departmentCode(n: number): string {
  const first17 = `11330100${String(n).padStart(9, '0')}`;
  return first17 + creditCodeCheckChar(first17);
}

async function ok<T>(response: Promise<GraphQLResponse<T>>, what: string): Promise<T> {
  const answered = await response;
  assert.equal(answered.errors, undefined, `${what}: ${JSON.stringify(answered.errors)}`);
  return answered.data!;
}

/**
 * Starts a gateway on `testDb` and sets up, over GraphQL, the departments,
 * the provider's connector (its own pool on PostgreSQL, the embedded database
 * on PGlite) and the keys.
 */
export async function openNoLeakWorld(testDb: TestDatabase, kind: DatabaseKind): Promise<NoLeakWorld> {
  const adminKey = `noleak-admin-${randomBytes(16).toString('hex')}`;
  const gateway = await startTestGateway(testDb, { adminKey });
  const { url } = gateway;
  const provider = departmentCode(901);
  const consumer = departmentCode(902);
  const connector = 'noleak-source';
  for (const [code, name] of [
    [provider, '示范市大数据发展管理局'],
    [consumer, '示范市民政局'],
  ] as const) {
    await ok(
      graphql(url, adminKey, 'mutation($input: DepartmentInput!) { registerDepartment(input: $input) { code } }', {
        input: { code, name, regionCode: '330100', level: 'MUNICIPAL' },
      }),
      `register department ${name}`,
    );
  }
  await ok(
    graphql(url, adminKey, 'mutation($input: ConnectorInput!) { registerConnector(input: $input) { id } }', {
      input: { id: connector, kind: 'POSTGRES', department: provider, config: kind === 'postgres' ? { url: testDb.url } : {} },
    }),
    'register connector',
  );
  const issue = async (department: string, role: string): Promise<string> =>
    (
      await ok(
        graphql<{ issueApiKey: { key: string } }>(
          url,
          adminKey,
          'mutation($input: ApiKeyInput!) { issueApiKey(input: $input) { key } }',
          { input: { department, roles: [role], label: `no-leak ${role}` } },
        ),
        `issue ${role} key`,
      )
    ).issueApiKey.key;
  const providerKey = await issue(provider, 'PROVIDER_ADMIN');
  const consumerKey = await issue(consumer, 'CONSUMER');
  let runs = 0;
  return {
    gateway,
    url,
    knex: testDb.db.knex,
    adminKey,
    providerKey,
    consumerKey,
    provider,
    consumer,
    connector,
    nextRun: () => ++runs,
  };
}

/** The source table of a scenario, in its own schema, with text compared byte by byte (collation "C") as the oracle does. */
async function createSource(knex: Knex, schema: string, scenario: Scenario): Promise<void> {
  await knex.schema.createSchema(schema);
  await knex.schema.withSchema(schema).createTable('source_rows', (table) => {
    for (const item of scenario.resource.items) {
      const column =
        item.type === 'STRING'
          ? table.specificType(item.column, 'text collate "C"')
          : item.type === 'INTEGER'
            ? table.bigInteger(item.column)
            : item.type === 'DATE'
              ? table.date(item.column)
              : table.decimal(item.column, 14, 2);
      if (item.key) column.notNullable().primary();
    }
  });
  if (scenario.rows.length === 0) return;
  const columns = new Map(scenario.resource.items.map((item) => [item.name, item.column]));
  await knex(`${schema}.source_rows`).insert(
    scenario.rows.map((row) => Object.fromEntries(Object.entries(row).map(([name, value]) => [columns.get(name)!, value]))),
  );
}

function itemInput(item: ScenarioItem, index: number): Record<string, unknown> {
  return {
    name: item.name,
    label: item.key ? '记录编号' : `信息项${index}`,
    type: item.type,
    sensitivity: item.sensitivity,
    filterable: item.filterable,
    key: item.key,
    ...(item.mask ? { mask: item.mask } : {}),
    ...(item.shareType ? { shareType: item.shareType } : {}),
  };
}

/** Registers and publishes the scenario's resource; returns its code. */
async function publishResource(world: NoLeakWorld, scenario: Scenario, apiName: string, schema: string): Promise<string> {
  const { resource } = scenario;
  const registered = await ok(
    graphql<{ registerResource: { code: string } }>(world.url, world.adminKey, 'mutation($input: ResourceInput!) { registerResource(input: $input) { code } }', {
      input: {
        classification: '301001',
        apiName,
        name: `无泄漏性质测试资源${apiName}`,
        summary: '由性质测试生成的信息资源，用于核对授权、行范围和脱敏。',
        provider: world.provider,
        format: 'DATABASE',
        items: resource.items.map(itemInput),
        shareType: resource.shareType,
        shareCondition: resource.shareType === 'CONDITIONAL' ? '经提供方审核同意后共享' : null,
        shareMethod: 'INTERFACE',
        openToPublic: false,
        updateCycle: 'DAILY',
        source: {
          connector: world.connector,
          binding: { schema, table: 'source_rows', columns: Object.fromEntries(resource.items.map((item) => [item.name, item.column])) },
        },
      },
    }),
    'register resource',
  );
  const code = registered.registerResource.code;
  await ok(graphql(world.url, world.adminKey, 'mutation($code: ID!) { publishResource(code: $code) { status } }', { code }), 'publish resource');
  return code;
}

/** Submits the scenario's application as the consumer and decides it as the provider; returns the grant, if one was made. */
async function applyAndDecide(world: NoLeakWorld, scenario: Scenario, code: string): Promise<OracleGrant | null> {
  const application = scenario.application;
  if (!application) return null;
  const applied = await ok(
    graphql<{ applyForAccess: { id: string } }>(world.url, world.consumerKey, 'mutation($input: ApplicationInput!) { applyForAccess(input: $input) { id } }', {
      input: { resource: code, items: application.applied, purpose: '核对社会救助对象信息', legalBasis: '《社会救助暂行办法》', contact: '王科长 0571-00000000' },
    }),
    'apply for access',
  );
  const input =
    application.decision === 'REJECT'
      ? { decision: 'REJECT', reason: '不符合最小必要原则' }
      : {
          decision: 'APPROVE',
          items: application.items,
          rowScope: application.rowScope,
          clearItems: application.clearItems,
          maxRowsPerDay: application.maxRowsPerDay,
          maxCallsPerMinute: application.maxCallsPerMinute,
        };
  const decided = await ok(
    graphql<{ decideApplication: { status: string; grant: { id: string; items: string[]; rowScope: Where | null; clearItems: string[] } | null } }>(
      world.url,
      world.providerKey,
      'mutation($id: ID!, $input: DecisionInput!) { decideApplication(id: $id, input: $input) { status grant { id items rowScope clearItems } } }',
      { id: applied.applyForAccess.id, input },
    ),
    'decide the application',
  );
  const { status, grant } = decided.decideApplication;
  if (application.decision === 'REJECT') {
    assert.equal(status, 'REJECTED');
    assert.equal(grant, null, 'a rejection makes no grant');
    return null;
  }
  assert.equal(status, 'APPROVED');
  assert.ok(grant, 'an approval makes a grant');
  assert.deepEqual(grant.items, [...(application.items ?? application.applied)], 'the grant holds the approved items');
  assert.deepEqual(grant.clearItems, [...application.clearItems]);
  assert.deepEqual(grant.rowScope, application.rowScope, 'the grant holds the row scope as decided');
  return { id: grant.id, items: grant.items, rowScope: application.rowScope, clearItems: grant.clearItems };
}

interface LedgerRecord {
  outcome: string;
  error_code: string | null;
  row_count: number;
  items: string[];
  returned_items: string[];
  masked_items: string[];
  resource_code: string;
  consumer_department: string;
  decision_id: string;
  grant_id: string | null;
}

interface Exchange {
  resource: string;
  exchangeId: string;
  outcome: string;
  rows: number;
}

interface Page {
  nodes: Record<string, unknown>[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

function sorted(list: readonly string[]): string[] {
  return [...list].sort();
}

/** The response key of a selected item in the query's style. */
function responseKey(query: ScenarioQuery, item: string): string {
  return query.style === 'alias' ? `shown_${item}` : item;
}

/** The data query of `query`: its selection written in its style, skipped items under @skip(if: true). */
function dataDocument(apiName: string, hasWhere: boolean, query: ScenarioQuery): string {
  const typeName = apiName.charAt(0).toUpperCase() + apiName.slice(1);
  const variables = [hasWhere ? `$where: ${typeName}Where` : null, `$orderBy: [${typeName}OrderBy!]`, '$first: Int', '$after: String'].filter(Boolean);
  const args = [hasWhere ? 'where: $where' : null, 'orderBy: $orderBy', 'first: $first', 'after: $after'].filter(Boolean);
  const fields = query.select.map((item) => (query.style === 'alias' ? `${responseKey(query, item)}: ${item}` : item)).join(' ');
  const skipped = query.skipped.map((item) => `skipped_${item}: ${item} @skip(if: true)`).join(' ');
  const selection = query.style === 'fragment' ? `...Picked ${skipped}` : `${fields} ${skipped}`;
  const fragment = query.style === 'fragment' ? ` fragment Picked on ${typeName} { ${fields} }` : '';
  return `query(${variables.join(', ')}) { data { ${apiName}(${args.join(', ')}) { nodes { ${selection} } pageInfo { hasNextPage endCursor } } } }${fragment}`;
}

/** Runs one scenario end to end and checks every answer; throws an AssertionError naming the first thing wrong. */
export async function runScenario(world: NoLeakWorld, scenario: Scenario, tally: NoLeakTally): Promise<void> {
  const run = world.nextRun();
  const schema = `noleak_${run}`;
  const apiName = `noLeak${run}`;
  await createSource(world.knex, schema, scenario);
  const code = await publishResource(world, scenario, apiName, schema);
  let grant = await applyAndDecide(world, scenario, code);
  const hasWhere = scenario.resource.items.some((item) => item.filterable);
  const book = newPseudonymBook();
  let exchanges = 0;
  for (const [index, query] of scenario.queries.entries()) {
    if (index === scenario.revokeAfter && grant) {
      await ok(
        graphql(world.url, world.providerKey, 'mutation($id: ID!) { revokeGrant(id: $id, reason: "用途已结束") { revokedAt } }', { id: grant.id }),
        'revoke the grant',
      );
      grant = null;
    }
    exchanges += await runQuery(world, scenario, { code, apiName, hasWhere, grant, book, tally }, query, `query ${index}`);
  }
  const logged = (await world.knex('ledger_records').where({ resource_code: code }).count({ n: '*' }).first()) as { n: number | string };
  assert.equal(Number(logged.n), exchanges, 'the ledger holds one record per exchange of the resource, and no other');
}

interface QueryContext {
  readonly code: string;
  readonly apiName: string;
  readonly hasWhere: boolean;
  readonly grant: OracleGrant | null;
  readonly book: PseudonymBook;
  readonly tally: NoLeakTally;
}

/** Reads a query page by page; returns the number of exchanges (one per page asked for). */
async function runQuery(world: NoLeakWorld, scenario: Scenario, ctx: QueryContext, query: ScenarioQuery, label: string): Promise<number> {
  const expected = expectExchange(scenario.resource, ctx.grant, scenario.rows, query);
  const document = dataDocument(ctx.apiName, ctx.hasWhere, query);
  const types = new Map(scenario.resource.items.map((item) => [item.name, item.type]));
  let after: string | null = null;
  let exchanges = 0;
  for (let page = 0; page < query.maxPages; page++) {
    const where = `${label} page ${page}`;
    const response: GraphQLResponse<{ data: Record<string, Page> }> = await graphql<{ data: Record<string, Page> }>(world.url, world.consumerKey, document, {
      ...(ctx.hasWhere ? { where: query.where } : {}),
      orderBy: query.orderBy,
      first: query.first,
      after,
    });
    exchanges++;
    const listed = (response.extensions?.exchanges ?? []) as Exchange[];
    assert.equal(listed.length, 1, `${where}: extensions.exchanges lists the one exchange: ${JSON.stringify(response.extensions)} ${JSON.stringify(response.errors)}`);
    const exchange = listed[0]!;
    assert.equal(exchange.resource, ctx.code);
    const record = await ledgerRecord<LedgerRecord>(world.knex, exchange.exchangeId);
    assert.equal(record.consumer_department, world.consumer, `${where}: the ledger names the consumer`);
    assert.deepEqual(sorted(record.items), sorted(expected.wanted), `${where}: the ledger lists the items used`);

    if (expected.effect === 'deny') {
      ctx.tally.denied++;
      assert.equal(response.data ?? null, null, `${where}: a denied exchange returns no data at all`);
      assert.equal(response.errors?.length, 1, `${where}: one error: ${JSON.stringify(response.errors)}`);
      const error = response.errors![0]!;
      assert.equal(error.extensions?.code, expected.code, `${where}: denied with ${expected.code}: ${error.message}`);
      assert.ok(error.extensions?.decisionId, `${where}: a denial carries its decisionId`);
      assert.equal(exchange.outcome, 'DENIED');
      assert.equal(exchange.rows, 0);
      assert.equal(record.outcome, 'DENIED', `${where}: the ledger records the denial`);
      assert.equal(record.error_code, expected.code);
      assert.equal(record.row_count, 0);
      assert.equal(record.decision_id, error.extensions?.decisionId, `${where}: the ledger holds the decisionId of the denial`);
      return exchanges;
    }

    assert.equal(response.errors, undefined, `${where}: served without errors: ${JSON.stringify(response.errors)}`);
    const result = response.data!.data[ctx.apiName]!;
    const offset = page * query.first;
    const want = expected.rows.slice(offset, offset + query.first);
    ctx.tally.served++;
    assert.equal(result.nodes.length, want.length, `${where}: ${want.length} rows in scope, filter and page (of ${expected.rows.length} matching)`);
    result.nodes.forEach((node, i) => {
      assert.deepEqual(sorted(Object.keys(node)), sorted(query.select.map((item) => responseKey(query, item))), `${where} row ${i}: only the selected items`);
      const raw: SourceRow = want[i]!;
      for (const item of query.select) {
        const rule = expected.masks[item] ?? { kind: 'NONE' as const };
        const problem = maskProblem(raw[item] ?? null, node[responseKey(query, item)], rule, types.get(item)!, ctx.book);
        assert.equal(problem, null, `${where} row ${i} item ${item}: ${problem}`);
        if (raw[item] !== null && raw[item] !== undefined) ctx.tally.valuesChecked[rule.kind] = (ctx.tally.valuesChecked[rule.kind] ?? 0) + 1;
      }
    });
    const more = offset + query.first < expected.rows.length;
    assert.equal(result.pageInfo.hasNextPage, more, `${where}: hasNextPage`);
    assert.equal(result.pageInfo.endCursor === null, result.nodes.length === 0, `${where}: an end cursor exactly when the page has rows`);
    assert.equal(exchange.outcome, 'OK');
    assert.equal(exchange.rows, result.nodes.length, `${where}: extensions.exchanges counts the rows`);
    assert.equal(record.outcome, 'OK', `${where}: the ledger records the exchange as OK`);
    assert.equal(record.row_count, result.nodes.length, `${where}: the ledger counts the rows returned`);
    assert.deepEqual(sorted(record.returned_items), sorted(query.select), `${where}: the ledger lists the returned items`);
    assert.deepEqual(
      sorted(record.masked_items),
      sorted(query.select.filter((item) => expected.masks[item] !== undefined)),
      `${where}: the ledger lists the masked items`,
    );
    assert.equal(record.grant_id, expected.grantId, `${where}: the ledger names the grant read under`);
    if (!more || !result.pageInfo.endCursor) return exchanges;
    after = result.pageInfo.endCursor;
  }
  return exchanges;
}
