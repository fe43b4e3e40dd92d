import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import type { CatalogFile, ConnectorInput, DepartmentInput, ItemInput, ResourceInput } from '../../catalog/CatalogFile.js';
import { importCatalog } from '../../catalog/importCatalog.js';
import { loadConfig } from '../../common/config.js';
import { sourceKindsFor } from '../../connectors/registry.js';
import { cliActor } from '../../db/adminAudit.js';
import { syntheticCreditCode } from '../../demo/syntheticCreditCode.js';
import { issueApiKey } from '../../gateway/auth/apiKeys.js';
import type { Gateway } from '../../gateway/createGateway.js';
import { createTestDatabase, describeEachDatabase, testDatabaseUrl, type TestDatabase } from '../support/databases.js';
import { PERSONS, startDepartmentApi, type DepartmentApi } from '../support/departmentApi.js';
import { graphql, startTestGateway, type GraphQLResponse } from '../support/gatewayHarness.js';
import { startStatementCounter, type StatementCounter } from '../support/pgStatementCounter.js';
import { startUpstreamGateway, UPSTREAM_START_MS, type UpstreamGateway } from '../support/upstreamGateway.js';

const SKIPPED = ' (skipped: set TEST_DATABASE_URL to a PostgreSQL server to run)';

const CONSUMER = syntheticCreditCode('11330100', '00291001');
const CASES_PROVIDER = syntheticCreditCode('11330100', '00291002');
const PEOPLE_PROVIDER = syntheticCreditCode('11330100', '00291003');
const PERSONS_PROVIDER = syntheticCreditCode('11330100', '00291004');
const UNITS_PROVIDER = syntheticCreditCode('11330000', '00291005');
/** The local gateway's department: it holds the GATEWAY key at the upstream. */
const LOCAL_OPERATOR = syntheticCreditCode('11330100', '00291006');

const CASES = '301001/000001';
const PEOPLE = '101001/000101';
const PERSONS_CODE = '101001/000102';
const UNITS = '102001/000101';
/** The units resource in the upstream's own catalog. */
const UPSTREAM_UNITS = '102001/000001';

const PERSONS_TOKEN = 'PERSONS_TOKEN';
const PROVINCE_KEY = 'PROVINCE_KEY';

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** The related people, in their own PostgreSQL database reached through the counting proxy. */
const PEOPLE_ROWS = Array.from({ length: 30 }, (_, i) => ({
  code: `P${pad(i + 1, 2)}`,
  name: `${'王李张刘陈杨赵黄'[i % 8]}${['小明', '华', '伟', '秀英', '建国'][i % 5]}`,
  district: ['西湖区', '上城区', null][i % 3] ?? null,
}));

/** The related units, published by the upstream gateway with the contact phone masked 3+4. */
const UNIT_ROWS = Array.from({ length: 25 }, (_, i) => ({
  code: `U${pad(i + 1, 3)}`,
  unitName: `协作单位${i + 1}`,
  contactPhone: `1380000${pad(i + 1, 4)}`,
}));

/** The parents: cases referring to a person, an applicant (by ID number) and a unit; some refer to nothing. */
const CASE_ROWS = Array.from({ length: 60 }, (_, i) => ({
  caseNo: `A${pad(i + 1, 3)}`,
  title: `案件${i + 1}`,
  personCode: i % 7 === 6 ? 'P99' : `P${pad(((i * 7) % 30) + 1, 2)}`,
  idNo: i % 9 === 8 ? null : (PERSONS[(i * 11) % 45]!.idNo as string),
  unitCode: i % 10 === 9 ? null : `U${pad((i % 25) + 1, 3)}`,
}));

/** The 50 parents a query asks for: the first by key. */
const FIRST_50 = CASE_ROWS.slice(0, 50);

function nameMasked(name: string): string {
  const chars = [...name];
  return chars[0] + '*'.repeat(chars.length - 1);
}

function phoneMasked(phone: string): string {
  return `${phone.slice(0, 3)}${'*'.repeat(phone.length - 7)}${phone.slice(-4)}`;
}

function distinct<T>(values: readonly (T | null)[]): T[] {
  return [...new Set(values.filter((value): value is T => value !== null))];
}

const item = (name: string, extra: Partial<ItemInput> = {}): ItemInput => ({ name, label: `信息项 ${name}`, type: 'STRING', ...extra });

function resourceInput(code: string, apiName: string, provider: string, items: ItemInput[], source: ResourceInput['source']): ResourceInput {
  return {
    code,
    status: 'PUBLISHED',
    classification: code.slice(0, 6),
    apiName,
    name: `关联测试资源 ${apiName}`,
    summary: '关联资源测试用数据，无条件共享。',
    provider,
    format: 'DATABASE',
    items,
    shareType: 'UNCONDITIONAL',
    shareMethod: 'INTERFACE',
    openToPublic: false,
    updateCycle: 'DAILY',
    source,
  };
}

/** The upstream's catalog: units with a masked contact phone, and the local gateway's department. */
function upstreamCatalog(): CatalogFile {
  return {
    departments: [
      { code: UNITS_PROVIDER, name: '协作单位登记部门（省级）', regionCode: '330000', level: 'PROVINCIAL' },
      { code: LOCAL_OPERATOR, name: '关联测试数据交换平台（市级）', regionCode: '330100', level: 'MUNICIPAL' },
    ],
    connectors: [{ id: 'units-db', kind: 'POSTGRES', department: UNITS_PROVIDER, config: { schema: 'rel_units' } }],
    resources: [
      resourceInput(
        UPSTREAM_UNITS,
        'units',
        UNITS_PROVIDER,
        [
          item('code', { key: true, filterable: true }),
          item('unitName'),
          item('contactPhone', { sensitivity: 'PERSONAL', mask: { kind: 'PARTIAL', keepStart: 3, keepEnd: 4 } }),
        ],
        { connector: 'units-db', binding: { table: 'units', columns: { code: 'code', unitName: 'unit_name', contactPhone: 'contact_phone' } } },
      ),
    ],
  };
}

/** Where the related resources live, when there is a PostgreSQL server for them. */
interface ServerSources {
  readonly peopleUrl: string;
  readonly upstreamUrl: string;
}

/**
 * The local catalog: cases (in the gateway's own database) referring to
 * persons (a department API) and, with a PostgreSQL server, to people (a
 * PostgreSQL server through the counting proxy) and units (the upstream gateway).
 */
function localCatalog(api: DepartmentApi, server: ServerSources | null): CatalogFile {
  const caseItems: ItemInput[] = [
    item('caseNo', { key: true, filterable: true }),
    item('title'),
    item('personCode', server ? { references: { resource: PEOPLE, item: 'code', as: 'person' } } : {}),
    item('idNo', { references: { resource: PERSONS_CODE, item: 'idNo', as: 'applicant' } }),
    item('unitCode', server ? { references: { resource: UNITS, item: 'code', as: 'unit' } } : {}),
  ];
  const resources: ResourceInput[] = [
    resourceInput(
      PERSONS_CODE,
      'persons',
      PERSONS_PROVIDER,
      [
        item('idNo', { key: true, filterable: true }),
        item('name', { sensitivity: 'PERSONAL', mask: { kind: 'NAME' } }),
        item('district'),
        item('born', { type: 'DATE' }),
      ],
      {
        connector: 'persons-api',
        binding: {
          list: { path: '/persons' },
          byKeys: { path: '/persons/by-ids', param: 'ids', item: 'idNo' },
          paging: { kind: 'offset', limitParam: 'limit', offsetParam: 'offset', pageSize: 16 },
          rows: '/data/items',
          fields: { idNo: '/id_no', name: '/person/name', district: '/district', born: '/born' },
        },
      },
    ),
  ];
  const connectors: ConnectorInput[] = [
    { id: 'cases-db', kind: 'POSTGRES', department: CASES_PROVIDER, config: { schema: 'rel_cases' } },
    { id: 'persons-api', kind: 'HTTP', department: PERSONS_PROVIDER, config: { baseUrl: api.baseUrl, auth: { kind: 'bearer', secret: PERSONS_TOKEN } } },
  ];
  const departments: DepartmentInput[] = [
    { code: CONSUMER, name: '关联测试使用部门', regionCode: '330100', level: 'MUNICIPAL' },
    { code: CASES_PROVIDER, name: '案件登记部门', regionCode: '330100', level: 'MUNICIPAL' },
    { code: PERSONS_PROVIDER, name: '人员登记部门（接口）', regionCode: '330100', level: 'MUNICIPAL' },
  ];
  if (server) {
    departments.push(
      { code: PEOPLE_PROVIDER, name: '人员登记部门（库表）', regionCode: '330100', level: 'MUNICIPAL' },
      { code: UNITS_PROVIDER, name: '协作单位登记部门（省级）', regionCode: '330000', level: 'PROVINCIAL' },
    );
    connectors.push(
      { id: 'people-db', kind: 'POSTGRES', department: PEOPLE_PROVIDER, config: { url: server.peopleUrl, schema: 'rel_people' } },
      { id: 'province', kind: 'GATEWAY', department: UNITS_PROVIDER, config: { url: server.upstreamUrl, auth: { secret: PROVINCE_KEY } } },
    );
    resources.push(
      resourceInput(
        PEOPLE,
        'people',
        PEOPLE_PROVIDER,
        [item('code', { key: true, filterable: true }), item('name', { sensitivity: 'PERSONAL', mask: { kind: 'NAME' } }), item('district')],
        { connector: 'people-db', binding: { table: 'people', columns: { code: 'code', name: 'full_name', district: 'district' } } },
      ),
      // Public here: the upstream masks contactPhone itself, and its mask must survive.
      resourceInput(UNITS, 'units', UNITS_PROVIDER, [item('code', { key: true, filterable: true }), item('unitName'), item('contactPhone')], {
        connector: 'province',
        binding: { apiName: 'units' },
      }),
    );
  }
  resources.push(resourceInput(CASES, 'cases', CASES_PROVIDER, caseItems, {
    connector: 'cases-db',
    binding: { table: 'cases', columns: { caseNo: 'case_no', title: 'title', personCode: 'person_code', idNo: 'id_no', unitCode: 'unit_code' } },
  }));
  return { departments, connectors, resources };
}

interface Exchange {
  resource: string;
  exchangeId: string;
  outcome: string;
  rows: number;
}

interface CaseNode {
  caseNo: string;
  person?: { code: string; name: string | null; district: string | null } | null;
  applicant?: { idNo: string; name: string | null; district: string | null; born: string | null } | null;
  unit?: { code: string; unitName: string; contactPhone: string | null } | null;
}

type CasesAnswer = GraphQLResponse<{ data: { cases: { nodes: CaseNode[] } } }>;

const exchangesOf = (response: { extensions?: Record<string, unknown> }): Exchange[] => (response.extensions?.exchanges ?? []) as Exchange[];

/** The one exchange of `resource` in a response. */
function exchangeOf(response: CasesAnswer, resource: string): Exchange {
  const found = exchangesOf(response).filter((exchange) => exchange.resource === resource);
  assert.equal(found.length, 1, `one exchange of ${resource}: ${JSON.stringify(exchangesOf(response))}`);
  return found[0]!;
}

function expectedPerson(code: string): CaseNode['person'] {
  const row = PEOPLE_ROWS.find((person) => person.code === code);
  return row ? { code: row.code, name: nameMasked(row.name), district: row.district } : null;
}

function expectedApplicant(idNo: string | null): CaseNode['applicant'] {
  const row = PERSONS.find((person) => person.idNo === idNo);
  return row
    ? { idNo: row.idNo as string, name: nameMasked(row.name as string), district: row.district as string | null, born: row.born as string | null }
    : null;
}

function expectedUnit(code: string | null): CaseNode['unit'] {
  const row = UNIT_ROWS.find((unit) => unit.code === code);
  return row ? { ...row, contactPhone: phoneMasked(row.contactPhone) } : null;
}

describe('Gateway: related resources from other sources, one read per related resource counted at the source', function () {
  this.timeout(UPSTREAM_START_MS);
  let api: DepartmentApi | null = null;
  let peopleDb: TestDatabase | null = null;
  let counter: StatementCounter | null = null;
  let upstream: UpstreamGateway | null = null;
  let upstreamKey = '';

  before(async () => {
    api = await startDepartmentApi();
    if (!testDatabaseUrl) return;
    peopleDb = await createTestDatabase('postgres');
    await peopleDb.db.knex.raw('create schema rel_people');
    await peopleDb.db.knex.raw('create table rel_people.people (code text primary key, full_name text not null, district text)');
    await peopleDb.db.knex('rel_people.people').insert(PEOPLE_ROWS.map((row) => ({ code: row.code, full_name: row.name, district: row.district })));
    counter = await startStatementCounter(testDatabaseUrl);
    upstream = await startUpstreamGateway({
      demo: false,
      async prepare(knex: Knex) {
        await knex.raw('create schema rel_units');
        await knex.raw('create table rel_units.units (code text primary key, unit_name text not null, contact_phone text)');
        await knex('rel_units.units').insert(UNIT_ROWS.map((row) => ({ code: row.code, unit_name: row.unitName, contact_phone: row.contactPhone })));
        await importCatalog(knex, upstreamCatalog(), sourceKindsFor(loadConfig({}).connectors), cliActor);
        const issued = await issueApiKey(knex, { department: LOCAL_OPERATOR, roles: ['GATEWAY'], label: 'city gateway' }, cliActor, { now: new Date() });
        upstreamKey = issued.key;
      },
    });
  });
  after(async () => {
    await upstream?.close();
    await counter?.close();
    await peopleDb?.drop();
    await api?.close();
  });

  describeEachDatabase('the local gateway', (get) => {
    let gateway: Gateway | null = null;
    let consumerKey = '';

    const ask = (nested: string): Promise<CasesAnswer> =>
      graphql(gateway!.url, consumerKey, `{ data { cases(first: 50) { nodes { caseNo ${nested} } } } }`);

    /** Checks an OK exchange of `rows` rows and its one ledger record. */
    const assertLogged = async (exchange: Exchange, rows: number): Promise<void> => {
      assert.deepEqual([exchange.outcome, exchange.rows], ['OK', rows]);
      const records = (await get().db.knex('ledger_records').where({ exchange_id: exchange.exchangeId })) as Record<string, unknown>[];
      assert.equal(records.length, 1, 'one ledger record per exchange');
      assert.deepEqual([records[0]!.outcome, records[0]!.row_count, records[0]!.consumer_department], ['OK', rows, CONSUMER]);
    };

    /** How many exchanges of the upstream's units resource its ledger holds. */
    const upstreamExchanges = async (): Promise<Record<string, unknown>[]> =>
      (await upstream!.knex('ledger_records').where({ resource_code: UPSTREAM_UNITS }).orderBy('seq')) as Record<string, unknown>[];

    before(async () => {
      const knex = get().db.knex;
      await knex.raw('create schema rel_cases');
      await knex.raw('create table rel_cases.cases (case_no text primary key, title text not null, person_code text, id_no text, unit_code text)');
      await knex('rel_cases.cases').insert(
        CASE_ROWS.map((row) => ({ case_no: row.caseNo, title: row.title, person_code: row.personCode, id_no: row.idNo, unit_code: row.unitCode })),
      );
      const server = counter && upstream ? { peopleUrl: counter.url(new URL(peopleDb!.url!).pathname.slice(1)), upstreamUrl: upstream.url } : null;
      const overrides = {
        'connectors.httpAllowList': [api!.host, ...(upstream ? [upstream.hostPort] : [])],
        'connectors.secrets': { [PERSONS_TOKEN]: api!.token, ...(upstream ? { [PROVINCE_KEY]: upstreamKey } : {}) },
      };
      await importCatalog(knex, localCatalog(api!, server), sourceKindsFor(loadConfig({}, overrides).connectors), cliActor);
      consumerKey = (await issueApiKey(knex, { department: CONSUMER, roles: ['CONSUMER'], label: '关联测试应用' }, cliActor, { now: new Date() })).key;
      gateway = await startTestGateway(get(), overrides);
    });
    after(async () => {
      await gateway?.close();
      gateway = null;
    });
    beforeEach(() => {
      api!.reset();
      counter?.reset();
    });

    it('looks up the applicants of 50 cases with one by-keys call to the department API, masked, logged with its rows', async () => {
      const response = await ask('idNo applicant { idNo name district born }');
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
      const nodes = response.data!.data.cases.nodes;
      assert.deepEqual(nodes.map((node) => node.caseNo), FIRST_50.map((row) => row.caseNo));
      nodes.forEach((node, i) => assert.deepEqual(node.applicant, expectedApplicant(FIRST_50[i]!.idNo), node.caseNo));
      assert.ok(nodes.some((node) => node.applicant === null) && nodes.some((node) => node.applicant !== null), 'some cases have an applicant, some not');

      assert.equal(api!.calls('byKeys').length, 1, 'one by-keys call for 50 parents');
      assert.equal(api!.calls('list').length, 0, 'no list call');
      const asked = api!.calls('byKeys')[0]!.query.get('ids')!.split(',');
      const wanted = distinct(FIRST_50.map((row) => row.idNo));
      assert.deepEqual([...asked].sort(), [...wanted].sort(), 'each ID number asked for once');

      await assertLogged(exchangeOf(response, CASES), 50);
      await assertLogged(exchangeOf(response, PERSONS_CODE), wanted.length);
    });

    (testDatabaseUrl ? it : it.skip)(
      `looks up the people of 50 cases with one SELECT at their PostgreSQL server, masked, logged with its rows${testDatabaseUrl ? '' : SKIPPED}`,
      async () => {
        const response = await ask('personCode person { code name district }');
        assert.equal(response.errors, undefined, JSON.stringify(response.errors));
        const nodes = response.data!.data.cases.nodes;
        nodes.forEach((node, i) => assert.deepEqual(node.person, expectedPerson(FIRST_50[i]!.personCode), node.caseNo));
        assert.ok(nodes.some((node) => node.person === null), 'a case whose person is not registered gets null');

        const statements = counter!.statements();
        assert.equal(statements.length, 1, `one statement at the source: ${JSON.stringify(statements)}`);
        assert.equal(counter!.readsOf('rel_people.people').length, 1, 'and it reads the people table');
        const found = distinct(FIRST_50.map((row) => row.personCode)).filter((code) => expectedPerson(code) !== null);
        await assertLogged(exchangeOf(response, PEOPLE), found.length);
      },
    );

    (testDatabaseUrl ? it : it.skip)(
      `looks up the units of 50 cases with one query to the upstream gateway, its mask kept, logged on both sides${testDatabaseUrl ? '' : SKIPPED}`,
      async () => {
        const before = (await upstreamExchanges()).length;
        const response = await ask('unitCode unit { code unitName contactPhone }');
        assert.equal(response.errors, undefined, JSON.stringify(response.errors));
        const nodes = response.data!.data.cases.nodes;
        nodes.forEach((node, i) => assert.deepEqual(node.unit, expectedUnit(FIRST_50[i]!.unitCode), node.caseNo));

        const wanted = distinct(FIRST_50.map((row) => row.unitCode));
        const records = (await upstreamExchanges()).slice(before);
        assert.equal(records.length, 1, 'one upstream query for 50 parents');
        assert.deepEqual(
          [records[0]!.outcome, records[0]!.row_count, records[0]!.on_behalf_of, records[0]!.consumer_department],
          ['OK', wanted.length, CONSUMER, LOCAL_OPERATOR],
          'the upstream logs the exchange on behalf of the consumer',
        );
        await assertLogged(exchangeOf(response, UNITS), wanted.length);
      },
    );

    (testDatabaseUrl ? it : it.skip)(
      `resolves three related resources of 50 cases in one request: one read at each source, one ledger record per exchange${testDatabaseUrl ? '' : SKIPPED}`,
      async () => {
        const before = (await upstreamExchanges()).length;
        const response = await ask(
          'person { code name district } applicant { idNo name district born } unit { code unitName contactPhone }',
        );
        assert.equal(response.errors, undefined, JSON.stringify(response.errors));
        const nodes = response.data!.data.cases.nodes;
        assert.deepEqual(
          nodes,
          FIRST_50.map((row) => ({
            caseNo: row.caseNo,
            person: expectedPerson(row.personCode),
            applicant: expectedApplicant(row.idNo),
            unit: expectedUnit(row.unitCode),
          })),
        );

        assert.equal(counter!.statements().length, 1, 'one statement at the PostgreSQL source');
        assert.equal(api!.calls('byKeys').length + api!.calls('list').length, 1, 'one call to the department API');
        assert.equal((await upstreamExchanges()).length - before, 1, 'one query to the upstream gateway');

        assert.deepEqual(exchangesOf(response).map((exchange) => exchange.resource).sort(), [CASES, PEOPLE, PERSONS_CODE, UNITS].sort(), 'one exchange per resource');
        await assertLogged(exchangeOf(response, CASES), 50);
        await assertLogged(exchangeOf(response, PEOPLE), distinct(FIRST_50.map((row) => row.personCode)).filter((code) => expectedPerson(code)).length);
        await assertLogged(exchangeOf(response, PERSONS_CODE), distinct(FIRST_50.map((row) => row.idNo)).filter((id) => expectedApplicant(id)).length);
        await assertLogged(exchangeOf(response, UNITS), distinct(FIRST_50.map((row) => row.unitCode)).length);
      },
    );
  });
});
