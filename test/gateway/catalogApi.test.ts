import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { creditCodeCheckChar } from '../../common/identifiers.js';
import { buildDemoCatalog, demoDepartmentCode, DEMO_DEPARTMENT_NAMES, type DemoResource } from '../../demo/index.js';
import { describeEachDatabase } from '../support/databases.js';
import { assertNoErrors, graphql, onlyError, startDemoGateway, type DemoGateway, type GraphQLResponse } from '../support/gatewayHarness.js';

const demo = buildDemoCatalog();
const OPERATOR = demoDepartmentCode(demo, 'operator');
const PSB = demoDepartmentCode(demo, 'psb');
const AMR = demoDepartmentCode(demo, 'amr');
const POPULATION = '101001/000001';
const ENTERPRISES = '102001/000001';
const DRAFT = demo.resources.find((r) => r.status === 'DRAFT')!;

/** 杭州市文化广电旅游局: a department the demo does not have. */
const CULTURE = (() => {
  const first17 = '11330100002484010';
  return first17 + creditCodeCheckChar(first17);
})();

const CATALOG_TABLES = ['departments', 'connectors', 'resources', 'resource_versions', 'code_sequences', 'admin_audit'] as const;

async function countCatalogRows(knex: Knex): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of CATALOG_TABLES) {
    const row = (await knex(table).count({ n: '*' }).first()) as { n: number | string };
    counts[table] = Number(row.n);
  }
  return counts;
}

/** The source table of the new resource: one column of every item type, values chosen to expose rounding and time-zone shifts. */
async function createLibrarySource(knex: Knex): Promise<void> {
  await knex.schema.createSchema('dept_culture');
  await knex.schema.withSchema('dept_culture').createTable('libraries', (t) => {
    t.text('library_code').primary();
    t.text('name').notNullable();
    t.text('intro');
    t.bigInteger('books');
    t.decimal('floor_area', 12, 2);
    t.decimal('budget', 16, 2);
    t.double('rating');
    t.date('opened_on');
    t.timestamp('checked_at', { useTz: true });
    t.boolean('open_sundays');
    t.binary('logo');
    t.text('region_code');
  });
  await knex('dept_culture.libraries').insert([
    {
      library_code: 'LIB001',
      name: '杭州图书馆',
      intro: '市级公共图书馆',
      books: '3000000000',
      floor_area: '43888.50',
      budget: '98765432109876.54',
      rating: 4.5,
      opened_on: '1958-10-01',
      checked_at: '2024-03-01T08:30:00+08:00',
      open_sundays: true,
      logo: Buffer.from([0xde, 0xad, 0xbe, 0xef]),
      region_code: '330106',
    },
    {
      library_code: 'LIB002',
      name: '西湖区图书馆',
      intro: null,
      books: '820000',
      floor_area: '5000.00',
      budget: '1200000.00',
      rating: 4.1,
      opened_on: '2001-05-20',
      checked_at: '2024-02-10T10:00:00+08:00',
      open_sundays: false,
      logo: null,
      region_code: '330106',
    },
    {
      library_code: 'LIB003',
      name: '上城区图书馆',
      intro: '区级馆',
      books: '650000',
      floor_area: '3200.75',
      budget: '900000.10',
      rating: 3.9,
      opened_on: '1985-01-15',
      checked_at: '2023-12-31T23:59:59+08:00',
      open_sundays: true,
      logo: null,
      region_code: '330102',
    },
  ]);
}

const LIBRARY_ITEMS = [
  { name: 'libraryCode', label: '图书馆代码', type: 'C', length: 6, key: true, filterable: true, sensitivity: 'PUBLIC' },
  { name: 'name', label: '图书馆名称', type: 'C', sensitivity: 'PUBLIC' },
  { name: 'intro', label: '简介', type: 'TEXT' },
  { name: 'books', label: '馆藏册数', type: 'INTEGER', filterable: true },
  { name: 'floorArea', label: '建筑面积（平方米）', type: 'DECIMAL' },
  { name: 'budget', label: '年度经费（元）', type: 'MONEY', filterable: true },
  { name: 'rating', label: '读者评分', type: 'FLOAT' },
  { name: 'openedOn', label: '开馆日期', type: 'DATE', filterable: true },
  { name: 'checkedAt', label: '最近核查时间', type: 'DATETIME', filterable: true },
  { name: 'openSundays', label: '周日开放', type: 'BOOLEAN', filterable: true },
  { name: 'logo', label: '馆标', type: 'BINARY' },
  { name: 'regionCode', label: '所在地行政区划代码', type: 'STRING', length: 6, filterable: true },
];

const COLUMNS: Record<string, string> = {
  libraryCode: 'library_code',
  name: 'name',
  intro: 'intro',
  books: 'books',
  floorArea: 'floor_area',
  budget: 'budget',
  rating: 'rating',
  openedOn: 'opened_on',
  checkedAt: 'checked_at',
  openSundays: 'open_sundays',
  logo: 'logo',
  regionCode: 'region_code',
};

function libraryInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    classification: '201002',
    apiName: 'publicLibraries',
    name: '公共图书馆基本信息',
    summary: '本市公共图书馆的名称、馆藏、经费、开馆日期和开放安排，供各部门开展公共文化服务统计使用。',
    provider: CULTURE,
    format: 'DATABASE',
    items: LIBRARY_ITEMS,
    shareType: 'UNCONDITIONAL',
    shareMethod: 'INTERFACE',
    openToPublic: true,
    updateCycle: 'MONTHLY',
    grade: 'GENERAL',
    source: { connector: 'culture-db', binding: { table: 'libraries', columns: COLUMNS } },
    ...overrides,
  };
}

const REGISTER_RESOURCE = `mutation($input: ResourceInput!) {
  registerResource(input: $input) { code version status apiName name items { name label type filterable key } provider { code name } }
}`;

const LIBRARIES_QUERY = `query($where: PublicLibrariesWhere) { data { publicLibraries(where: $where, orderBy: [{ field: libraryCode }]) {
  nodes { libraryCode name intro books floorArea budget rating openedOn checkedAt openSundays logo regionCode }
  pageInfo { hasNextPage }
} } }`;

/** The schema has neither the publicLibraries field nor its where type. */
function assertUnknownToSchema(response: GraphQLResponse<unknown>, message: string): void {
  assert.equal(response.status, 400, message);
  assert.ok(response.errors && response.errors.length > 0, message);
  for (const error of response.errors) assert.equal(error.extensions?.code, 'GRAPHQL_VALIDATION_FAILED', message);
  assert.ok(response.errors.some((error) => /publicLibraries/.test(error.message)), message);
}

describeEachDatabase('Catalog API: registering, publishing and deprecating over GraphQL', (get) => {
  let demoGateway: DemoGateway;
  let url: string;
  let knex: Knex;
  let admin: string;
  let consumer: string;
  let libraryCode: string;

  before(async () => {
    demoGateway = await startDemoGateway(get());
    url = demoGateway.url;
    knex = get().db.knex;
    admin = demoGateway.keys.CATALOG_ADMIN!;
    consumer = demoGateway.keys.CONSUMER!;
    await createLibrarySource(knex);
  });
  after(async () => {
    await demoGateway.close();
  });

  it('registers a department, a connector and a resource, and a consumer queries it as soon as it is published', async () => {
    const department = await graphql<{ registerDepartment: { code: string; name: string; parent: { code: string } } }>(
      url,
      admin,
      'mutation($input: DepartmentInput!) { registerDepartment(input: $input) { code name parent { code } } }',
      { input: { code: CULTURE, name: '杭州市文化广电旅游局', regionCode: '330100', level: 'MUNICIPAL', parent: OPERATOR } },
    );
    assertNoErrors(department);
    assert.deepEqual(department.data!.registerDepartment, { code: CULTURE, name: '杭州市文化广电旅游局', parent: { code: OPERATOR } });

    const connector = await graphql<{ registerConnector: { id: string; kind: string; state: string; department: { code: string } } }>(
      url,
      admin,
      'mutation($input: ConnectorInput!) { registerConnector(input: $input) { id kind state department { code } } }',
      { input: { id: 'culture-db', kind: 'POSTGRES', department: CULTURE, config: { schema: 'dept_culture' } } },
    );
    assertNoErrors(connector);
    assert.deepEqual(connector.data!.registerConnector, { id: 'culture-db', kind: 'POSTGRES', state: 'OK', department: { code: CULTURE } });

    const registered = await graphql<{ registerResource: { code: string; version: number; status: string; items: { name: string; label: string; type: string }[] } }>(
      url,
      admin,
      REGISTER_RESOURCE,
      { input: libraryInput() },
    );
    assertNoErrors(registered);
    const resource = registered.data!.registerResource;
    assert.match(resource.code, /^201002\/\d{6}$/, 'the code is assigned from the classification');
    libraryCode = resource.code;
    assert.equal(resource.version, 1);
    assert.equal(resource.status, 'DRAFT');
    assert.deepEqual(
      resource.items.map((item) => [item.name, item.label, item.type]).slice(0, 2),
      [
        ['libraryCode', '图书馆代码', 'STRING'],
        ['name', '图书馆名称', 'STRING'],
      ],
      'Chinese labels are kept and letter codes become item types',
    );

    const beforePublish = await graphql(url, consumer, LIBRARIES_QUERY);
    assertUnknownToSchema(beforePublish, 'a draft has no data field');

    const published = await graphql<{ publishResource: { status: string; publishedAt: string } }>(
      url,
      admin,
      'mutation($code: ID!) { publishResource(code: $code) { status publishedAt } }',
      { code: libraryCode },
    );
    assertNoErrors(published);
    assert.equal(published.data!.publishResource.status, 'PUBLISHED');
    assert.ok(published.data!.publishResource.publishedAt);

    const served = await graphql<{ data: { publicLibraries: { nodes: Record<string, unknown>[] } } }>(url, consumer, LIBRARIES_QUERY);
    assertNoErrors(served);
    assert.deepEqual(served.data!.data.publicLibraries.nodes[0], {
      libraryCode: 'LIB001',
      name: '杭州图书馆',
      intro: '市级公共图书馆',
      books: 3000000000,
      floorArea: '43888.50',
      budget: '98765432109876.54',
      rating: 4.5,
      openedOn: '1958-10-01',
      checkedAt: '2024-03-01T00:30:00.000Z',
      openSundays: true,
      logo: '3q2+7w==',
      regionCode: '330106',
    });
    assert.equal(served.data!.data.publicLibraries.nodes.length, 3);
    const [exchange] = served.extensions!.exchanges as { resource: string; outcome: string; rows: number }[];
    assert.deepEqual({ resource: exchange!.resource, outcome: exchange!.outcome, rows: exchange!.rows }, { resource: libraryCode, outcome: 'OK', rows: 3 });
  });

  it('filters the new resource on items of every filterable scalar', async () => {
    const cases: [Record<string, unknown>, string[]][] = [
      [{ books: { gt: 2147483647 } }, ['LIB001']],
      [{ budget: { lte: '1200000.00' } }, ['LIB002', 'LIB003']],
      [{ openedOn: { lt: '1990-01-01' } }, ['LIB001', 'LIB003']],
      [{ checkedAt: { gte: '2024-01-01T00:00:00+08:00' } }, ['LIB001', 'LIB002']],
      [{ openSundays: { eq: false } }, ['LIB002']],
      [{ regionCode: { eq: '330106' }, libraryCode: { in: ['LIB002', 'LIB003'] } }, ['LIB002']],
      [{ libraryCode: { in: [] } }, []],
    ];
    for (const [where, expected] of cases) {
      const response = await graphql<{ data: { publicLibraries: { nodes: { libraryCode: string }[] } } }>(url, consumer, LIBRARIES_QUERY, { where });
      assertNoErrors(response);
      assert.deepEqual(response.data!.data.publicLibraries.nodes.map((node) => node.libraryCode), expected, JSON.stringify(where));
    }
  });

  it('does not show a consumer a draft through the references or related resources of a published resource', async () => {
    const branchItems = [
      { name: 'branchCode', label: '分馆代码', type: 'STRING', key: true, filterable: true },
      { name: 'branchName', label: '分馆名称', type: 'STRING' },
    ];
    const draft = await graphql<{ registerResource: { code: string } }>(url, admin, REGISTER_RESOURCE, {
      input: libraryInput({
        apiName: 'libraryBranches',
        name: '图书馆分馆信息（草稿）',
        items: branchItems,
        source: { connector: 'culture-db', binding: { table: 'library_branches', columns: { branchCode: 'branch_code', branchName: 'branch_name' } } },
      }),
    });
    assertNoErrors(draft);
    const draftCode = draft.data!.registerResource.code;
    const roomItems = [
      { name: 'roomCode', label: '阅览室代码', type: 'STRING', key: true },
      { name: 'branchCode', label: '所属分馆代码', type: 'STRING', references: { resource: draftCode, item: 'branchCode', as: 'branch' } },
    ];
    const rooms = await graphql<{ registerResource: { code: string } }>(url, admin, REGISTER_RESOURCE, {
      input: libraryInput({
        apiName: 'readingRooms',
        name: '公共图书馆阅览室信息',
        items: roomItems,
        relatedResources: [draftCode],
        source: { connector: 'culture-db', binding: { table: 'reading_rooms', columns: { roomCode: 'room_code', branchCode: 'branch_code' } } },
      }),
    });
    assertNoErrors(rooms);
    const roomsCode = rooms.data!.registerResource.code;
    assertNoErrors(await graphql(url, admin, 'mutation($c: ID!) { publishResource(code: $c) { code } }', { c: roomsCode }));

    const query = `query($c: ID!) { resource(code: $c) {
      relatedResources { code name }
      items { name references { item field resource { code name status } } }
    } }`;
    interface Shown {
      resource: {
        relatedResources: { code: string; name: string }[];
        items: { name: string; references: { item: string; field: string; resource: { code: string; status: string } } | null }[];
      };
    }
    const asConsumer = await graphql<Shown>(url, consumer, query, { c: roomsCode });
    assertNoErrors(asConsumer);
    assert.deepEqual(asConsumer.data!.resource.relatedResources, [], 'the draft is not listed');
    assert.equal(asConsumer.data!.resource.items[1]!.references, null, 'the reference to a draft is not shown');
    assert.doesNotMatch(JSON.stringify(asConsumer.data), /草稿/);

    const asAdmin = await graphql<Shown>(url, admin, query, { c: roomsCode });
    assertNoErrors(asAdmin);
    assert.deepEqual(asAdmin.data!.resource.relatedResources.map((r) => r.code), [draftCode]);
    assert.deepEqual(asAdmin.data!.resource.items[1]!.references, {
      item: 'branchCode',
      field: 'branch',
      resource: { code: draftCode, name: '图书馆分馆信息（草稿）', status: 'DRAFT' },
    });
    const otherProviderAdmin = await graphql<Shown>(url, demoGateway.keys.PROVIDER_ADMIN!, query, { c: roomsCode });
    assert.deepEqual(otherProviderAdmin.data!.resource.relatedResources, [], "another department's admin does not see the draft either");
  });

  it('keeps old versions readable by resource(code, version) after a new version is published', async () => {
    const again = await graphql<{ registerResource: { code: string; version: number; status: string } }>(url, admin, REGISTER_RESOURCE, {
      input: libraryInput({ code: libraryCode, summary: '本市公共图书馆的名称、馆藏、经费和开放安排（第二版）。' }),
    });
    assertNoErrors(again);
    assert.deepEqual(again.data!.registerResource, { ...again.data!.registerResource, code: libraryCode, version: 2, status: 'DRAFT' });

    const consumerView = await graphql<{ resource: { version: number; status: string } }>(url, consumer, 'query($c: ID!) { resource(code: $c) { version status } }', {
      c: libraryCode,
    });
    assert.deepEqual(consumerView.data!.resource, { version: 1, status: 'PUBLISHED' }, 'consumers keep seeing the published version');
    const hiddenDraft = await graphql<{ resource: unknown }>(url, consumer, 'query($c: ID!) { resource(code: $c, version: 2) { version } }', { c: libraryCode });
    assert.equal(hiddenDraft.data!.resource, null, 'a consumer cannot read a draft version');

    assertNoErrors(await graphql(url, admin, 'mutation($c: ID!) { publishResource(code: $c, version: 2) { version } }', { c: libraryCode }));
    const old = await graphql<{ resource: { version: number; versions: number[]; status: string; summary: string; deprecationReason: string } }>(
      url,
      consumer,
      'query($c: ID!) { resource(code: $c, version: 1) { version versions status summary deprecationReason } }',
      { c: libraryCode },
    );
    assertNoErrors(old);
    assert.deepEqual(old.data!.resource, {
      version: 1,
      versions: [1, 2],
      status: 'DEPRECATED',
      summary: libraryInput().summary,
      deprecationReason: 'superseded by version 2',
    });
    const current = await graphql<{ resource: { version: number; summary: string } }>(url, consumer, 'query($c: ID!) { resource(code: $c) { version summary } }', {
      c: libraryCode,
    });
    assert.equal(current.data!.resource.version, 2);
    assert.match(current.data!.resource.summary, /第二版/);
  });

  it('removes the data field as soon as the resource is deprecated, keeping it in the catalog', async () => {
    const deprecated = await graphql<{ deprecateResource: { status: string; deprecationReason: string } }>(
      url,
      admin,
      'mutation($c: ID!) { deprecateResource(code: $c, reason: "并入全市公共文化服务资源") { status deprecationReason } }',
      { c: libraryCode },
    );
    assertNoErrors(deprecated);
    assert.deepEqual(deprecated.data!.deprecateResource, { status: 'DEPRECATED', deprecationReason: '并入全市公共文化服务资源' });

    assertUnknownToSchema(await graphql(url, consumer, LIBRARIES_QUERY), 'a deprecated resource has no data field');
    const listed = await graphql<{ catalog: { nodes: { code: string; status: string }[] } }>(
      url,
      consumer,
      'query($p: ID) { catalog(filter: { provider: $p }) { nodes { code status } } }',
      { p: CULTURE },
    );
    assert.deepEqual(listed.data!.catalog.nodes.find((node) => node.code === libraryCode), { code: libraryCode, status: 'DEPRECATED' });
  });

  it('refuses an invalid definition with every problem and its path, and writes nothing', async () => {
    const before = await countCatalogRows(knex);
    const schemaInvalid = await graphql(url, admin, REGISTER_RESOURCE, {
      input: libraryInput({
        apiName: 'museums',
        shareType: 'CONDITIONAL',
        items: [LIBRARY_ITEMS[0], { ...LIBRARY_ITEMS[1], type: 'Q' }],
      }),
    });
    const schemaError = onlyError(schemaInvalid);
    assert.equal(schemaError.extensions.code, 'VALIDATION_FAILED');
    assert.ok(schemaError.extensions.action);
    const schemaPaths = (schemaError.extensions.problems as { path: string }[]).map((p) => p.path).sort();
    assert.deepEqual(schemaPaths, ['items[1].type', 'shareCondition']);

    const ruleInvalid = await graphql(url, admin, REGISTER_RESOURCE, {
      input: libraryInput({
        apiName: 'museums',
        classification: '109001',
        source: { connector: 'nosuch-db', binding: { table: 'museums', columns: COLUMNS } },
      }),
    });
    const ruleError = onlyError(ruleInvalid);
    assert.equal(ruleError.extensions.code, 'VALIDATION_FAILED');
    const rulePaths = (ruleError.extensions.problems as { path: string }[]).map((p) => p.path);
    assert.ok(rulePaths.includes('classification'), JSON.stringify(rulePaths));
    assert.ok(rulePaths.includes('source.connector'), JSON.stringify(rulePaths));
    assert.equal(ruleInvalid.data, null);

    assert.deepEqual(await countCatalogRows(knex), before, 'nothing was written');
    const none = await graphql<{ catalog: { totalCount: number } }>(url, admin, '{ catalog(filter: { text: "museums" }) { totalCount } }');
    assert.equal(none.data!.catalog.totalCount, 0);
  });

  it('refuses catalog changes by a consumer with FORBIDDEN and writes nothing', async () => {
    const before = await countCatalogRows(knex);
    const attempts: [string, Record<string, unknown>][] = [
      [REGISTER_RESOURCE, { input: libraryInput({ apiName: 'museums' }) }],
      [
        'mutation($input: DepartmentInput!) { registerDepartment(input: $input) { code } }',
        { input: { code: CULTURE, name: '改名', regionCode: '330100', level: 'MUNICIPAL' } },
      ],
      ['mutation($c: ID!) { publishResource(code: $c) { code } }', { c: DRAFT.code }],
      ['mutation($c: ID!) { deprecateResource(code: $c, reason: "no") { code } }', { c: ENTERPRISES }],
    ];
    for (const [query, variables] of attempts) {
      const response = await graphql(url, consumer, query, variables);
      const error = onlyError(response);
      assert.equal(error.extensions.code, 'FORBIDDEN', query);
      assert.match(error.message, /CATALOG_ADMIN/);
      assert.equal(response.data, null);
    }
    assert.deepEqual(await countCatalogRows(knex), before);
  });
});

describeEachDatabase('Catalog API: search, drafts and bindings', (get) => {
  let demoGateway: DemoGateway;
  let url: string;
  let admin: string;
  let consumer: string;

  interface Listed {
    catalog: {
      nodes: { code: string; status: string }[];
      totalCount: number;
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
      facets: Record<'provider' | 'shareType' | 'classification' | 'format', { value: string; count: number }[]>;
    };
  }
  const SEARCH = `query($filter: CatalogFilter, $first: Int, $after: String) { catalog(filter: $filter, first: $first, after: $after) {
    nodes { code status } totalCount pageInfo { hasNextPage endCursor }
    facets { provider { value count } shareType { value count } classification { value count } format { value count } }
  } }`;

  /** What a consumer may see of the demo: every resource but drafts, in code order. */
  const visible = demo.resources.filter((r) => r.status !== 'DRAFT').sort((a, b) => (a.code < b.code ? -1 : 1));

  function facet(resources: readonly DemoResource[], valueOf: (r: DemoResource) => string): { value: string; count: number }[] {
    const counts = new Map<string, number>();
    for (const r of resources) counts.set(valueOf(r), (counts.get(valueOf(r)) ?? 0) + 1);
    return [...counts].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1));
  }

  async function search(key: string, filter: Record<string, unknown>, first = 100, after: string | null = null): Promise<Listed['catalog']> {
    const response = await graphql<Listed>(url, key, SEARCH, { filter, first, after });
    assertNoErrors(response);
    return response.data!.catalog;
  }

  before(async () => {
    demoGateway = await startDemoGateway(get());
    url = demoGateway.url;
    admin = demoGateway.keys.CATALOG_ADMIN!;
    consumer = demoGateway.keys.CONSUMER!;
  });
  after(async () => {
    await demoGateway.close();
  });

  it('finds resources by text in names, summaries, item labels and provider names', async () => {
    const byText = (text: string) =>
      visible.filter((r) => [r.name, r.summary, ...r.items.map((i) => i.label)].some((s) => s.includes(text))).map((r) => r.code);
    const enterprise = await search(consumer, { text: '企业' });
    assert.deepEqual(enterprise.nodes.map((n) => n.code), byText('企业'));
    assert.ok(enterprise.totalCount >= 2 && enterprise.totalCount < visible.length, 'the text narrows the catalog');
    assert.deepEqual(enterprise.facets.shareType, facet(visible.filter((r) => byText('企业').includes(r.code)), (r) => r.shareType));

    const label = await search(consumer, { text: '核定床位数' });
    assert.deepEqual(label.nodes.map((n) => n.code), byText('核定床位数'), 'an item label is searched');
    assert.equal(label.totalCount, 1);

    const byProviderName = await search(consumer, { text: '公安局' });
    assert.deepEqual(
      byProviderName.nodes.map((n) => n.code),
      visible.filter((r) => r.provider === PSB || byText('公安局').includes(r.code)).map((r) => r.code),
      "the provider's name is searched",
    );
  });

  it('filters by provider, share type, classification and format, with facets counting the filtered set', async () => {
    const cases: [Record<string, unknown>, (r: DemoResource) => boolean][] = [
      [{ provider: AMR }, (r) => r.provider === AMR],
      [{ shareType: 'CONDITIONAL' }, (r) => r.shareType === 'CONDITIONAL'],
      [{ classification: '2' }, (r) => r.classification.startsWith('2')],
      [{ classification: '104' }, (r) => r.classification.startsWith('104')],
      [{ format: 'DATABASE' }, (r) => r.format === 'DATABASE'],
      [{ provider: AMR, shareType: 'UNCONDITIONAL' }, (r) => r.provider === AMR && r.shareType === 'UNCONDITIONAL'],
    ];
    for (const [filter, predicate] of cases) {
      const expected = visible.filter(predicate);
      assert.ok(expected.length > 0, `the demo has resources for ${JSON.stringify(filter)}`);
      const found = await search(consumer, filter);
      const what = JSON.stringify(filter);
      assert.deepEqual(found.nodes.map((n) => n.code), expected.map((r) => r.code), what);
      assert.equal(found.totalCount, expected.length, what);
      assert.deepEqual(found.facets.provider, facet(expected, (r) => r.provider), what);
      assert.deepEqual(found.facets.shareType, facet(expected, (r) => r.shareType), what);
      assert.deepEqual(found.facets.classification, facet(expected, (r) => r.classification.slice(0, 3)), what);
      assert.deepEqual(found.facets.format, facet(expected, (r) => r.format), what);
    }
  });

  it('pages the catalog with cursors, every resource exactly once', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let pages = 1; ; pages += 1) {
      const page = await search(consumer, {}, 3, after);
      assert.equal(page.totalCount, visible.length);
      seen.push(...page.nodes.map((n) => n.code));
      if (!page.pageInfo.hasNextPage) {
        assert.equal(pages, Math.ceil(visible.length / 3));
        break;
      }
      after = page.pageInfo.endCursor;
    }
    assert.deepEqual(seen, visible.map((r) => r.code));
    const tooMany = await graphql(url, consumer, '{ catalog(first: 501) { totalCount } }');
    assert.equal(onlyError(tooMany).extensions.code, 'BAD_USER_INPUT');
  });

  it('shows drafts to catalog admins only', async () => {
    const asConsumer = await search(consumer, {});
    assert.ok(!asConsumer.nodes.some((n) => n.code === DRAFT.code), 'the consumer catalog has no draft');
    const asAdmin = await search(admin, {});
    assert.deepEqual(asAdmin.nodes.find((n) => n.code === DRAFT.code), { code: DRAFT.code, status: 'DRAFT' });
    assert.equal(asAdmin.totalCount, demo.resources.length);
    const drafts = await search(admin, { status: 'DRAFT' });
    assert.deepEqual(drafts.nodes.map((n) => n.code), [DRAFT.code]);

    const query = 'query($c: ID!) { resource(code: $c) { code status } }';
    const hidden = await graphql<{ resource: unknown }>(url, consumer, query, { c: DRAFT.code });
    assertNoErrors(hidden);
    assert.equal(hidden.data!.resource, null);
    const shown = await graphql<{ resource: { status: string } }>(url, admin, query, { c: DRAFT.code });
    assert.equal(shown.data!.resource.status, 'DRAFT');
  });

  it("shows a resource's connector and source binding to its provider's admins and catalog admins only", async () => {
    const query = `query($c: ID!) { resource(code: $c) { code connector { id kind department { code } } source } }`;
    const providerAdmin = demoGateway.keys.PROVIDER_ADMIN!;
    const asConsumer = await graphql<{ resource: { connector: unknown; source: unknown } }>(url, consumer, query, { c: POPULATION });
    assertNoErrors(asConsumer);
    assert.deepEqual(asConsumer.data!.resource, { code: POPULATION, connector: null, source: null });

    for (const key of [providerAdmin, admin]) {
      const shown = await graphql<{ resource: { connector: { id: string; kind: string; department: { code: string } }; source: { connector: string; binding: { table: string } } } }>(
        url,
        key,
        query,
        { c: POPULATION },
      );
      assertNoErrors(shown);
      assert.deepEqual(shown.data!.resource.connector, { id: 'psb-db', kind: 'POSTGRES', department: { code: PSB } });
      assert.equal(shown.data!.resource.source.connector, 'psb-db');
      assert.equal(shown.data!.resource.source.binding.table, 'population');
    }
    const otherProvider = await graphql<{ resource: { connector: unknown; source: unknown } }>(url, providerAdmin, query, { c: ENTERPRISES });
    assert.deepEqual(otherProvider.data!.resource, { code: ENTERPRISES, connector: null, source: null }, `${DEMO_DEPARTMENT_NAMES.psb} does not administer 企业登记信息`);
    const connectors = await graphql(url, consumer, '{ connectors { id } }');
    assert.equal(onlyError(connectors).extensions.code, 'FORBIDDEN');
  });
});
