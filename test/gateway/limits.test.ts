import assert from 'node:assert/strict';
import { getIntrospectionQuery } from 'graphql';
import type { Knex } from 'knex';
import { errorCodes } from '../../common/errors.js';
import { describeEachDatabase } from '../support/databases.js';
import { graphql, startDemoGateway, type DemoGateway, type GraphQLResponse } from '../support/gatewayHarness.js';

/** Lowered so that a few data fields of 500 rows are too costly, while one page of 20 is not. */
const MAX_COST = 1200;
const MAX_BODY_BYTES = 4096;

interface RawResponse {
  readonly status: number;
  readonly text: string;
  readonly body: { errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

async function postBody(url: string, key: string, body: string): Promise<RawResponse> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as RawResponse['body'] };
}

/** The one error of a response, which must carry a catalog code and what to do. */
function catalogError(response: { errors?: GraphQLResponse['errors'] }): { message: string; code: string } {
  assert.equal(response.errors?.length, 1, JSON.stringify(response.errors));
  const [error] = response.errors!;
  const code = error!.extensions?.code as string;
  assert.ok((errorCodes as readonly string[]).includes(code), `${code} is in the error catalog`);
  assert.equal(typeof error!.extensions?.action, 'string', 'says what to do');
  assert.ok((error!.extensions!.action as string).length > 0);
  return { message: error!.message, code };
}

/** `{ departments { parent { parent ... { code } } } }` nested `levels` deep. */
function nestedParents(levels: number): string {
  return `{ departments ${'{ parent '.repeat(levels)}{ code }${' }'.repeat(levels)} }`;
}

describeEachDatabase('Gateway limits: depth, aliases, cost and body size', (get) => {
  let demo: DemoGateway;
  let knex: Knex;
  let consumer: string;
  let maxDepth: number;
  let maxAliases: number;

  async function ledgerCount(): Promise<number> {
    const row = (await knex('ledger_records').count({ n: '*' }).first()) as { n: number | string };
    return Number(row.n);
  }

  /** Sends a query that must be refused as too complex for `limit`, with no exchange made. */
  async function assertTooComplex(query: string, limit: string, variables: Record<string, unknown> = {}): Promise<{ actual: number; max: number }> {
    const before = await ledgerCount();
    const response = await graphql(demo.url, consumer, query, variables);
    assert.equal(response.status, 400);
    const error = catalogError(response);
    assert.equal(error.code, 'QUERY_TOO_COMPLEX');
    const match = new RegExp(`exceeds the ${limit} limit: (\\d+) > (\\d+)`).exec(error.message);
    assert.ok(match, error.message);
    assert.ok(response.data === undefined || response.data === null, 'no data');
    assert.equal(response.extensions?.exchanges, undefined);
    assert.equal(await ledgerCount(), before, 'no exchange was logged');
    return { actual: Number(match[1]), max: Number(match[2]) };
  }

  before(async () => {
    demo = await startDemoGateway(get(), { 'limits.maxCost': MAX_COST, 'limits.maxBodyBytes': MAX_BODY_BYTES });
    knex = get().db.knex;
    consumer = demo.keys.CONSUMER!;
    maxDepth = demo.gateway.services.config.limits.maxDepth;
    maxAliases = demo.gateway.services.config.limits.maxAliases;
  });
  after(async () => {
    await demo.close();
  });

  it('serves a query just inside every limit', async () => {
    // departments (1) + maxDepth - 2 parents + code: exactly maxDepth levels.
    const deepest = await graphql(demo.url, consumer, nestedParents(maxDepth - 2));
    assert.equal(deepest.errors, undefined, JSON.stringify(deepest.errors));
    const aliases = Array.from({ length: maxAliases }, (_, i) => `a${i}: me { keyId }`).join(' ');
    assert.equal((await graphql(demo.url, consumer, `{ ${aliases} }`)).errors, undefined);
    const page = await graphql(demo.url, consumer, '{ data { enterprises(first: 500) { nodes { creditCode } } } }');
    assert.equal(page.errors, undefined, JSON.stringify(page.errors));
  });

  it('refuses a query nested deeper than maxDepth', async () => {
    const { actual, max } = await assertTooComplex(nestedParents(maxDepth - 1), 'depth');
    assert.deepEqual([actual, max], [maxDepth + 1, maxDepth]);
  });

  it('counts the depth inside fragments, so a fragment spread cannot hide it', async () => {
    const levels = maxDepth - 1;
    const query = `query { departments { ...Up } }
      fragment Up on Department { ${'parent { '.repeat(levels)}code${' }'.repeat(levels)} }`;
    const { actual } = await assertTooComplex(query, 'depth');
    assert.equal(actual, maxDepth + 1);
    const inline = `{ departments { ... on Department { ${'parent { '.repeat(levels)}code${' }'.repeat(levels)} } } }`;
    assert.equal((await assertTooComplex(inline, 'depth')).actual, maxDepth + 1);
  });

  it('refuses more aliases than maxAliases, counting those inside fragments', async () => {
    const aliases = Array.from({ length: maxAliases + 1 }, (_, i) => `a${i}: me { keyId }`).join(' ');
    assert.deepEqual(await assertTooComplex(`{ ${aliases} }`, 'alias'), { actual: maxAliases + 1, max: maxAliases });
    const half = Math.ceil((maxAliases + 1) / 2);
    const inFragment = Array.from({ length: half }, (_, i) => `f${i}: keyId`).join(' ');
    const outside = Array.from({ length: maxAliases + 1 - half }, (_, i) => `o${i}: me { keyId }`).join(' ');
    const query = `{ ${outside} me { ...Many } } fragment Many on Principal { ${inFragment} }`;
    assert.equal((await assertTooComplex(query, 'alias')).actual, maxAliases + 1);
  });

  it('refuses a query that could fetch more rows than maxCost', async () => {
    const query = `{ data {
      a: enterprises(first: 500) { nodes { creditCode } }
      b: medicalInstitutions(first: 500) { nodes { name } }
      c: employment(first: 500) { nodes { registrationNo } }
    } }`;
    const { actual, max } = await assertTooComplex(query, 'cost');
    assert.equal(max, MAX_COST);
    assert.ok(actual >= 3 * 500, `${actual} counts every page of 500`);
  });

  it('counts a page size given by a variable, or by a variable default', async () => {
    const query = `query($n: Int) { data {
      a: enterprises(first: $n) { nodes { creditCode } }
      b: medicalInstitutions(first: $n) { nodes { name } }
      c: employment(first: $n) { nodes { registrationNo } }
    } }`;
    assert.ok((await assertTooComplex(query, 'cost', { n: 500 })).actual >= 1500);
    const small = await graphql(demo.url, consumer, query, { n: 2 });
    assert.equal(small.errors, undefined, JSON.stringify(small.errors));

    const withDefault = query.replace('$n: Int)', '$n: Int = 500)');
    assert.ok((await assertTooComplex(withDefault, 'cost')).actual >= 1500, 'an omitted variable costs its default');
  });

  it('counts an explicit null page size as the default page it will return', async () => {
    // Twenty data fields of the default page (20) cost more than MAX_COST; null must not make them look like one row each.
    const fields = Array.from({ length: 20 }, (_, i) => `e${i}: enterprises(first: null) { nodes { creditCode name } }`).join(' ');
    assert.ok(20 <= maxAliases, 'the query stays within the alias limit');
    assert.ok((await assertTooComplex(`{ data { ${fields} } }`, 'cost')).actual > MAX_COST);
  });

  it('serves the standard introspection query but refuses introspection nested to blow up the answer', async () => {
    const standard = await graphql(demo.url, consumer, getIntrospectionQuery());
    assert.equal(standard.errors, undefined, 'tools that introspect keep working');
    const nested = '{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }';
    const response = await graphql(demo.url, consumer, nested);
    assert.equal(response.status, 400);
    assert.equal(catalogError(response).code, 'GRAPHQL_VALIDATION_FAILED');
  });

  it('refuses a request body over maxBodyBytes with 413 and a catalog error', async () => {
    const query = `{ me { keyId } } # ${'x'.repeat(MAX_BODY_BYTES)}`;
    const response = await postBody(demo.url, consumer, JSON.stringify({ query }));
    assert.equal(response.status, 413);
    const error = catalogError(response.body);
    assert.equal(error.code, 'QUERY_TOO_COMPLEX');
    assert.match(error.message, new RegExp(String(MAX_BODY_BYTES)));
  });

  it('refuses malformed JSON with 400 BAD_USER_INPUT', async () => {
    const response = await postBody(demo.url, consumer, '{"query": "{ me { keyId } }"');
    assert.equal(response.status, 400);
    assert.equal(catalogError(response.body).code, 'BAD_USER_INPUT');
  });

  it('refuses GraphQL syntax errors with 400 GRAPHQL_PARSE_FAILED and no exchange', async () => {
    const before = await ledgerCount();
    const response = await graphql(demo.url, consumer, '{ data { enterprises(first: 1) { nodes { creditCode } }');
    assert.equal(response.status, 400);
    assert.equal(catalogError(response).code, 'GRAPHQL_PARSE_FAILED');
    assert.equal(await ledgerCount(), before);
  });
});
