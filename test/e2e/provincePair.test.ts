import assert from 'node:assert/strict';
import { Kind, parse, type FieldNode, type SelectionSetNode } from 'graphql';
import {
  PROVINCE_RESOURCE_CODES,
  PROVINCIAL_RESOURCES,
  buildDemoCatalog,
  buildProvinceCatalog,
  demoDepartmentCode,
  generateDemoRows,
  generateProvinceRows,
  provinceDepartmentCode,
} from '../../demo/index.js';
import { askGraphQL, dataOf, parseBanner, portRefuses, type GatewayBanner } from '../support/processGateway.js';
import { childEnv, exitAfterSignal, freePort, startProcess, temporaryFolder, type RunningProcess } from '../support/processRunner.js';
import { readmeQuery } from '../support/readmeQuery.js';

/** Two first starts in a row (the province, then the city), each creating its embedded database and loading its demo. */
const START_MS = 180_000;
const STOP_MS = 30_000;

const city = buildDemoCatalog();
const province = buildProvinceCatalog();
const CITY_OPERATOR = demoDepartmentCode(city, 'operator');
const HRSS = demoDepartmentCode(city, 'hrss');
const PROVINCE_AMR = provinceDepartmentCode(province, 'amr');
const ENTERPRISES = city.resources.find((r) => r.apiName === 'enterprises')!.code;

interface RatingNode {
  creditCode: string;
  rating: string;
  enterprise: { name: string } | null;
}

interface ExchangeNode {
  exchangeId: string;
  consumer: { code: string };
  onBehalfOf: { code: string } | null;
  provider: { code: string };
  outcome: string;
  rows: number;
}

const EXCHANGES = `query ($filter: ExchangeFilter) {
  exchanges(filter: $filter) { nodes { exchangeId consumer { code } onBehalfOf { code } provider { code } outcome rows } }
}`;

function fieldsOf(selections: SelectionSetNode | undefined): FieldNode[] {
  return (selections?.selections ?? []).filter((s): s is FieldNode => s.kind === Kind.FIELD);
}

/** The fields the query selects under `data.<resource>.nodes`, nested ones as `name.sub`. */
function nodeFieldsOf(query: string, resource: string): string[] {
  const operation = parse(query).definitions[0];
  assert.ok(operation && operation.kind === Kind.OPERATION_DEFINITION);
  const data = fieldsOf(operation.selectionSet).find((f) => f.name.value === 'data');
  const field = fieldsOf(data?.selectionSet).find((f) => f.name.value === resource);
  assert.ok(field, `the query asks for ${resource}`);
  const nodes = fieldsOf(field.selectionSet).find((f) => f.name.value === 'nodes');
  return fieldsOf(nodes?.selectionSet).flatMap((f) =>
    f.selectionSet ? fieldsOf(f.selectionSet).map((sub) => `${f.name.value}.${sub.name.value}`) : [f.name.value],
  );
}

/** The banner of one gateway of the pair: its prefixed lines of the script's output, without the prefix. */
function bannerOf(stdout: string, name: 'province' | 'city'): GatewayBanner {
  const prefix = `[${name}]`;
  const own = stdout.split('\n').filter((line) => line === prefix || line.startsWith(`${prefix} `));
  return parseBanner(`${own.map((line) => line.slice(prefix.length + 1)).join('\n')}\n`);
}

describe('Two tiers: npm run start:pair', function () {
  this.timeout(START_MS + 60_000);
  let folder: ReturnType<typeof temporaryFolder>;
  let cityPort: number;
  let provincePort: number;
  let pair: RunningProcess | null = null;
  let cityBanner: GatewayBanner;
  let provinceBanner: GatewayBanner;
  let firstRatings: RatingNode[] = [];

  before(async () => {
    folder = temporaryFolder('meridian-e2e-pair');
    cityPort = await freePort();
    provincePort = await freePort();
    pair = startProcess('npm', ['run', 'start:pair'], {
      env: childEnv({
        PORT: String(cityPort),
        PROVINCE_PORT: String(provincePort),
        MERIDIAN_DATA_DIR: folder.path,
        MERIDIAN_LOG_LEVEL: 'warn',
      }),
    });
    await pair.waitForStdout(/\[province\] Meridian gateway ready\n[\s\S]*?\n\[province\]\n/, START_MS);
    await pair.waitForStdout(/\[city\] Meridian gateway ready\n[\s\S]*?\n\[city\]\n/, START_MS);
    provinceBanner = bannerOf(pair.stdout(), 'province');
    cityBanner = bannerOf(pair.stdout(), 'city');
  });
  after(async () => {
    await pair?.kill();
    folder?.remove();
  });

  it('starts the province, then the city reading from it, each with its own demo keys', () => {
    assert.equal(provinceBanner.url, `http://127.0.0.1:${provincePort}/graphql`);
    assert.equal(cityBanner.url, `http://127.0.0.1:${cityPort}/graphql`);
    assert.ok(provinceBanner.keys.GATEWAY && provinceBanner.keys.AUDITOR && provinceBanner.keys.CONSUMER);
    assert.ok(cityBanner.keys.CONSUMER && cityBanner.keys.AUDITOR);
    const output = pair!.stdout() + pair!.stderr();
    assert.ok(
      output.indexOf('[province] Meridian gateway ready') < output.indexOf('[city] Meridian gateway ready'),
      'the province is ready before the city starts',
    );
    assert.equal(output.split(provinceBanner.keys.GATEWAY).length - 1, 1, "the city's key at the province is printed once, in the province's banner");
    assert.match(pair!.stdout(), new RegExp(`\\[city\\]   Upstream: the province gateway http://127\\.0\\.0\\.1:${provincePort}/graphql`));
  });

  it("answers the README's pair query with the province's rows, each joined to the city's enterprise", async () => {
    const query = readmeQuery('pair-query');
    assert.deepEqual(nodeFieldsOf(query, 'provincialCreditRatings'), ['creditCode', 'rating', 'enterprise.name']);
    const answer = await askGraphQL<{ data: { provincialCreditRatings: { nodes: RatingNode[] } } }>(cityBanner.url, cityBanner.keys.CONSUMER!, query);
    assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
    firstRatings = answer.data!.data.provincialCreditRatings.nodes;

    const sourceRows = [...generateProvinceRows()['dept_zj_amr.enterprise_credit_ratings']!]
      .sort((a, b) => (String(a.credit_code) < String(b.credit_code) ? -1 : 1))
      .slice(0, 5);
    const cityNames = new Map(generateDemoRows()['dept_amr.enterprises']!.map((row) => [row.credit_code, row.name]));
    assert.deepEqual(
      firstRatings,
      sourceRows.map((row) => ({ creditCode: row.credit_code, rating: row.rating, enterprise: { name: cityNames.get(row.credit_code) } })),
    );

    const direct = await dataOf(
      askGraphQL<{ data: { creditRatings: { nodes: { creditCode: string; rating: string; enterpriseName: string }[] } } }>(
        provinceBanner.url,
        provinceBanner.keys.CONSUMER!,
        '{ data { creditRatings(first: 5) { nodes { creditCode rating enterpriseName } } } }',
      ),
      'the province asked directly',
    );
    assert.deepEqual(
      firstRatings,
      direct.data.creditRatings.nodes.map((n) => ({ creditCode: n.creditCode, rating: n.rating, enterprise: { name: n.enterpriseName } })),
      'the same rows as the province serves its own consumer',
    );
    assert.deepEqual(
      answer.extensions?.exchanges?.map((e) => [e.resource, e.outcome, e.rows]),
      [
        [PROVINCIAL_RESOURCES.creditRatings.code, 'OK', 5],
        [ENTERPRISES, 'OK', 5],
      ],
    );
  });

  it('logs the exchange at both tiers: the province for the city operator on behalf of 人社局, the city its own', async () => {
    const atProvince = await dataOf(
      askGraphQL<{ exchanges: { nodes: ExchangeNode[] } }>(provinceBanner.url, provinceBanner.keys.AUDITOR!, EXCHANGES, {
        filter: { resource: PROVINCE_RESOURCE_CODES.creditRatings, consumer: CITY_OPERATOR },
      }),
      'province exchanges',
    );
    assert.deepEqual(
      atProvince.exchanges.nodes.map((n) => [n.consumer.code, n.onBehalfOf?.code, n.provider.code, n.outcome, n.rows]),
      [[CITY_OPERATOR, HRSS, PROVINCE_AMR, 'OK', firstRatings.length]],
      'one province exchange for the one city call',
    );

    const asked = await askGraphQL<unknown>(cityBanner.url, cityBanner.keys.CONSUMER!, '{ data { provincialCreditRatings(first: 2) { nodes { creditCode } } } }');
    const exchangeId = asked.extensions!.exchanges![0]!.exchangeId;
    const atCity = await dataOf(
      askGraphQL<{ exchanges: { nodes: ExchangeNode[] } }>(cityBanner.url, cityBanner.keys.AUDITOR!, EXCHANGES, { filter: { exchangeId } }),
      'city exchanges',
    );
    assert.deepEqual(
      atCity.exchanges.nodes.map((n) => [n.consumer.code, n.onBehalfOf, n.provider.code, n.outcome, n.rows]),
      [[HRSS, null, PROVINCE_AMR, 'OK', 2]],
    );
    const again = await dataOf(
      askGraphQL<{ exchanges: { nodes: ExchangeNode[] } }>(provinceBanner.url, provinceBanner.keys.AUDITOR!, EXCHANGES, {
        filter: { resource: PROVINCE_RESOURCE_CODES.creditRatings, consumer: CITY_OPERATOR },
      }),
      'province exchanges',
    );
    assert.equal(again.exchanges.nodes.length, 2, 'one more province exchange for the second city call');
  });

  it("passes on the province's refusal of the conditional list with its code, and both tiers log it", async () => {
    const answer = await askGraphQL<unknown>(
      cityBanner.url,
      cityBanner.keys.CONSUMER!,
      '{ data { provincialSeriousViolations(first: 3) { nodes { creditCode listedOn } } } }',
    );
    assert.equal(answer.errors?.length, 1, JSON.stringify(answer));
    const extensions = answer.errors![0]!.extensions ?? {};
    assert.equal(extensions.code, 'APPLICATION_REQUIRED', JSON.stringify(answer.errors));
    assert.equal(extensions.upstream, true);
    assert.equal(typeof extensions.upstreamDecisionId, 'string');
    const [local] = answer.extensions?.exchanges ?? [];
    assert.equal(local?.resource, PROVINCIAL_RESOURCES.seriousViolations.code);
    assert.equal(local?.outcome, 'DENIED', 'the city logs the province\'s refusal as a denial');

    const denied = await dataOf(
      askGraphQL<{ exchanges: { nodes: ExchangeNode[] } }>(provinceBanner.url, provinceBanner.keys.AUDITOR!, EXCHANGES, {
        filter: { resource: PROVINCE_RESOURCE_CODES.seriousViolations, consumer: CITY_OPERATOR },
      }),
      'province exchanges',
    );
    assert.deepEqual(
      denied.exchanges.nodes.map((n) => [n.onBehalfOf?.code, n.outcome, n.rows]),
      [[HRSS, 'DENIED', 0]],
    );

    const granted = await dataOf(
      askGraphQL<{ data: { seriousViolations: { nodes: unknown[] } } }>(
        provinceBanner.url,
        provinceBanner.keys.CONSUMER!,
        '{ data { seriousViolations(first: 3) { nodes { creditCode listedOn } } } }',
      ),
      "the province's own consumer, which holds a grant",
    );
    assert.equal(granted.data.seriousViolations.nodes.length, 3);
  });

  it('stops both gateways on SIGTERM and exits 0', async () => {
    assert.ok(pair, 'the pair started');
    const exit = await exitAfterSignal(pair, 'SIGTERM', STOP_MS);
    assert.notEqual(exit, null, `npm run start:pair still running ${STOP_MS} ms after SIGTERM`);
    assert.deepEqual(exit, { code: 0, signal: null }, `exit 0 on SIGTERM; stderr:\n${pair.stderr()}`);
    assert.ok(await portRefuses(cityPort), 'the city gateway has stopped');
    assert.ok(await portRefuses(provincePort), 'the province gateway has stopped');
  });
});
