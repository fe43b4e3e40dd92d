import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { isMeridianError } from '../../common/errors.js';
import {
  normalizeResource,
  searchCatalog,
  type CatalogSnapshot,
  type ConnectorRecord,
  type Department,
  type ItemInput,
  type NormalizeContext,
  type ResourceDefinition,
  type ResourceFormat,
  type ResourceInput,
  type ResourceStatus,
  type SearchOptions,
  type UpdateCycle,
} from '../../catalog/index.js';
import { bindingFor, creditCode } from './catalogFixtures.js';
import { testKinds } from './testSourceKinds.js';

/** Real open-data catalog rows (10,580 entries of provincial and city portals); read in place, never copied. */
const CATALOG_PATH = '/work/shared/data/open-catalog/catalog.json';

interface OpenEntry {
  readonly name: string;
  readonly provider?: string;
  readonly summary?: string;
  readonly format?: string;
  readonly openToPublic: boolean | null;
  readonly openType?: string;
  readonly updateCycle?: string;
  readonly classification?: string;
  readonly region: string;
  readonly items?: readonly { name: string; type: string; code: string; description?: string }[];
}

/** Portal domain labels that name one of the 12 themes (主题信息资源 项); the rest are 部门信息资源. */
const THEME_OF_LABEL: Readonly<Record<string, string>> = {
  公共服务: '01',
  医疗卫生: '02',
  卫生健康: '02',
  医疗健康: '02',
  社保就业: '03',
  社会保障: '03',
  社会救助: '03',
  安全生产: '05',
  资源能源: '07',
  信用服务: '08',
  信用: '08',
  城建住房: '09',
  城乡建设: '09',
  城市建设: '09',
  生态环境: '11',
  资源环境: '11',
  公共安全: '12',
};

function classificationOf(entry: OpenEntry): string {
  const theme = entry.classification ? THEME_OF_LABEL[entry.classification] : undefined;
  return theme ? `2${theme}001` : '301001';
}

function formatOf(entry: OpenEntry): ResourceFormat {
  const format = (entry.format ?? '').toLowerCase();
  if (/api|接口/.test(format)) return 'SERVICE_INTERFACE';
  if (/mysql|oracle|数据库/.test(format)) return 'DATABASE';
  if (/xls|csv|表格|excel/.test(format)) return 'SPREADSHEET';
  if (/json|xml|rdf/.test(format)) return 'SELF_DESCRIBING';
  if (/jpg|png|图/.test(format)) return 'IMAGE';
  return 'ELECTRONIC_FILE';
}

function updateCycleOf(entry: OpenEntry): UpdateCycle {
  const cycle = entry.updateCycle ?? '';
  if (/实时|即时/.test(cycle)) return 'REALTIME';
  if (/每日|每天/.test(cycle)) return 'DAILY';
  if (/每周/.test(cycle)) return 'WEEKLY';
  if (/每月/.test(cycle)) return 'MONTHLY';
  if (/季度/.test(cycle)) return 'QUARTERLY';
  if (/半年/.test(cycle)) return 'HALF_YEARLY';
  if (/^(每年|年|按年更新)/.test(cycle)) return 'YEARLY';
  return 'OTHER';
}

const syntheticItems: readonly ItemInput[] = [
  { name: 'recordId', label: '记录编号', type: 'C', key: true, filterable: true },
  { name: 'title', label: '数据名称', type: 'C' },
  { name: 'updatedOn', label: '更新日期', type: 'D', filterable: true },
];

/** The entry's own items where the portal published them (letter types such as 字符串型C), else synthetic ones. */
function itemsOf(entry: OpenEntry): readonly ItemInput[] {
  if (!entry.items) return syntheticItems;
  return entry.items.map((item, index) => ({
    name: item.code.toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()),
    label: item.name,
    type: /text$/.test(item.type) ? 'M' : item.type.slice(-1),
    key: index === 0,
    description: item.description ?? null,
  }));
}

function statusOf(index: number): ResourceStatus {
  return index % 10 === 0 ? 'DRAFT' : index % 10 === 1 ? 'DEPRECATED' : 'PUBLISHED';
}

function providerKey(entry: OpenEntry): string {
  return `${entry.region}|${entry.provider ?? '未注明提供方'}`;
}

interface Fixture {
  readonly entries: readonly OpenEntry[];
  readonly snapshot: CatalogSnapshot;
  /** Code of each entry, in file order. */
  readonly codes: readonly string[];
  readonly departmentCodes: ReadonlyMap<string, string>;
}

/** Maps every row to a normalised definition (synthetic codes, connectors and items) and builds a snapshot. */
function buildFixture(): Fixture {
  const entries = JSON.parse(readFileSync(CATALOG_PATH, 'utf8')) as OpenEntry[];
  const departments = new Map<string, Department>();
  const departmentCodes = new Map<string, string>();
  const connectors = new Map<string, ConnectorRecord>();
  for (const entry of entries) {
    const key = providerKey(entry);
    if (departmentCodes.has(key)) continue;
    const code = creditCode(departmentCodes.size + 1);
    departmentCodes.set(key, code);
    const level = /[市州盟]$/.test(entry.region) ? 'MUNICIPAL' : 'PROVINCIAL';
    departments.set(code, { code, name: entry.provider ?? '未注明提供方', regionCode: '100000', level, parent: null });
    const id = `dept-${departmentCodes.size}`;
    connectors.set(id, { id, kind: 'POSTGRES', department: code, config: { url: 'postgres://open.example/db' } });
  }
  const context: NormalizeContext = {
    kinds: testKinds,
    departments,
    connectors,
    resources: new Map(),
    registered: new Map(),
    apiNames: new Map(),
  };
  const sequences = new Map<string, number>();
  const resources = new Map<string, ResourceDefinition>();
  const codes: string[] = [];
  entries.forEach((entry, index) => {
    const classification = classificationOf(entry);
    const sequence = (sequences.get(classification) ?? 0) + 1;
    sequences.set(classification, sequence);
    const code = `${classification}/${String(sequence).padStart(6, '0')}`;
    const items = itemsOf(entry);
    const provider = departmentCodes.get(providerKey(entry))!;
    const shared = entry.openType ?? '';
    const input: ResourceInput = {
      code,
      classification,
      apiName: `r${index}`,
      name: entry.name,
      summary: entry.summary ?? entry.name,
      provider,
      format: formatOf(entry),
      items,
      shareType: /无条件/.test(shared) ? 'UNCONDITIONAL' : /条件|申请/.test(shared) ? 'CONDITIONAL' : 'NOT_SHARED',
      shareCondition: /无条件/.test(shared) ? null : shared || '目录未注明开放属性',
      shareMethod: 'INTERFACE',
      openToPublic: entry.openToPublic === true,
      updateCycle: updateCycleOf(entry),
      source: { connector: `dept-${[...departmentCodes.values()].indexOf(provider) + 1}`, binding: bindingFor(items, 'open_data') },
    };
    const result = normalizeResource(input, context, `entries[${index}]`);
    if (!result.ok) throw new Error(`entry ${index} did not normalise: ${JSON.stringify(result.problems)}`);
    const status = statusOf(index);
    resources.set(code, {
      ...result.resource,
      code,
      version: 1,
      status,
      createdAt: '2024-01-01T00:00:00.000Z',
      publishedAt: status === 'DRAFT' ? null : '2024-01-02T00:00:00.000Z',
      deprecatedAt: status === 'DEPRECATED' ? '2024-01-03T00:00:00.000Z' : null,
      deprecationReason: status === 'DEPRECATED' ? '停止更新' : null,
    });
    codes.push(code);
  });
  const visible = new Map([...resources].filter(([, resource]) => resource.status !== 'DRAFT'));
  const published = new Map([...resources].filter(([, resource]) => resource.status === 'PUBLISHED'));
  const versions = new Map([...resources.keys()].map((code) => [code, [1]]));
  const snapshot: CatalogSnapshot = { departments, connectors, resources, visible, published, versions, loadedAt: new Date() };
  return { entries, snapshot, codes, departmentCodes };
}

const consumer: SearchOptions = { includeDrafts: false, first: 20, maxPageSize: 500 };
const admin: SearchOptions = { includeDrafts: true, first: 20, maxPageSize: 500 };

/** Indexes of the entries a consumer sees (drafts hidden) whose texts contain `text`, ignoring case. */
function expectedMatches(entries: readonly OpenEntry[], text: string, includeDrafts = false): number[] {
  const needle = text.toLowerCase();
  const indexes: number[] = [];
  entries.forEach((entry, index) => {
    if (!includeDrafts && statusOf(index) === 'DRAFT') return;
    const texts = [entry.name, entry.summary ?? entry.name, entry.provider ?? '未注明提供方', ...(entry.items ?? []).map((item) => item.name)];
    if (entry.items === undefined) texts.push(...syntheticItems.map((item) => item.label));
    if (texts.some((value) => value.toLowerCase().includes(needle))) indexes.push(index);
  });
  return indexes;
}

function everyPage(snapshot: CatalogSnapshot, filter: Parameters<typeof searchCatalog>[1], options: SearchOptions): ResourceDefinition[] {
  const nodes: ResourceDefinition[] = [];
  let after: string | null = null;
  for (;;) {
    const page = searchCatalog(snapshot, filter, { ...options, after });
    nodes.push(...page.nodes);
    if (!page.pageInfo.hasNextPage) return nodes;
    after = page.pageInfo.endCursor;
  }
}

describe('Catalog: search over real catalog entries', function () {
  let fixture: Fixture;
  before(function () {
    if (!existsSync(CATALOG_PATH)) this.skip();
    fixture = buildFixture();
  });

  it('normalises every one of the entries', () => {
    assert.equal(fixture.snapshot.resources.size, fixture.entries.length);
    assert.ok(fixture.entries.length > 10_000);
    const withItems = fixture.entries.findIndex((entry) => entry.items);
    const items = fixture.snapshot.resources.get(fixture.codes[withItems]!)!.items;
    assert.deepEqual(
      [...new Set(items.map((item) => item.type))].sort(),
      ['STRING', 'TEXT'],
      'letter codes C and M (长文本) become STRING and TEXT',
    );
  });

  it("finds by a provider's name exactly the entries that mention it", () => {
    const name = '桂林市市场监督管理局';
    const expected = expectedMatches(fixture.entries, name).map((index) => fixture.codes[index]!);
    assert.ok(expected.length > 50, 'the provider has many entries in the file');
    const result = searchCatalog(fixture.snapshot, { text: name }, consumer);
    assert.equal(result.totalCount, expected.length);
    assert.deepEqual(
      everyPage(fixture.snapshot, { text: name }, { ...consumer, first: 37 }).map((resource) => resource.code),
      [...expected].sort(),
    );
    const provider = fixture.departmentCodes.get(`广西壮族自治区桂林市|${name}`)!;
    const ofProvider = fixture.entries.filter((entry, index) => entry.provider === name && statusOf(index) !== 'DRAFT').length;
    const byFilter = searchCatalog(fixture.snapshot, { provider }, consumer);
    assert.equal(byFilter.totalCount, ofProvider);
    assert.deepEqual(byFilter.facets.provider, [{ value: provider, count: ofProvider }]);
  });

  it('matches text regardless of case, in names, summaries and item labels', () => {
    const expected = expectedMatches(fixture.entries, 'id').length;
    assert.ok(expected > 100);
    for (const text of ['id', 'ID', 'Id']) assert.equal(searchCatalog(fixture.snapshot, { text }, consumer).totalCount, expected, text);
    const label = expectedMatches(fixture.entries, '代理机构联系人电话', true);
    assert.equal(label.length, 1, 'an item label of the one entry that publishes items');
    assert.deepEqual(searchCatalog(fixture.snapshot, { text: '代理机构联系人电话' }, admin).nodes.map((r) => r.code), [fixture.codes[label[0]!]]);
  });

  it('counts facets over the whole filtered set, largest first', () => {
    const result = searchCatalog(fixture.snapshot, { text: '统计' }, { ...consumer, first: 5 });
    assert.equal(result.nodes.length, 5);
    const { provider, shareType, classification, format } = result.facets;
    for (const facet of [provider, shareType, classification, format]) {
      assert.equal(facet.reduce((sum, { count }) => sum + count, 0), result.totalCount);
      for (let i = 1; i < facet.length; i++) {
        const [a, b] = [facet[i - 1]!, facet[i]!];
        assert.ok(a.count > b.count || (a.count === b.count && a.value < b.value), `${a.value} before ${b.value}`);
      }
    }
    const all = searchCatalog(fixture.snapshot, {}, admin);
    const ecology = fixture.entries.filter((entry) => entry.classification === '生态环境' || entry.classification === '资源环境').length;
    assert.deepEqual(all.facets.classification.find((f) => f.value === '211'), { value: '211', count: ecology });
  });

  it('combines filters: share type, classification prefix, format and status', () => {
    const filter = { shareType: 'UNCONDITIONAL', classification: '2', format: 'SPREADSHEET', status: 'DEPRECATED' } as const;
    const expected = [...fixture.snapshot.visible.values()].filter(
      (r) => r.shareType === 'UNCONDITIONAL' && r.classification.startsWith('2') && r.format === 'SPREADSHEET' && r.status === 'DEPRECATED',
    );
    assert.ok(expected.length > 0);
    const result = searchCatalog(fixture.snapshot, filter, consumer);
    assert.equal(result.totalCount, expected.length);
    assert.ok(result.nodes.every((r) => r.status === 'DEPRECATED' && r.classification.startsWith('2')));
  });

  it('shows drafts to admins only', () => {
    const drafts = fixture.entries.filter((_, index) => statusOf(index) === 'DRAFT').length;
    assert.equal(searchCatalog(fixture.snapshot, {}, admin).totalCount, fixture.entries.length);
    assert.equal(searchCatalog(fixture.snapshot, {}, consumer).totalCount, fixture.entries.length - drafts);
    assert.equal(searchCatalog(fixture.snapshot, { status: 'DRAFT' }, consumer).totalCount, 0);
    assert.equal(searchCatalog(fixture.snapshot, { status: 'DRAFT' }, admin).totalCount, drafts);
  });

  it('pages by code with opaque cursors, each entry exactly once', () => {
    const total = searchCatalog(fixture.snapshot, {}, consumer).totalCount;
    const nodes = everyPage(fixture.snapshot, {}, { ...consumer, first: 500 });
    assert.equal(nodes.length, total);
    for (let i = 1; i < nodes.length; i++) assert.ok(nodes[i - 1]!.code < nodes[i]!.code);
    const first = searchCatalog(fixture.snapshot, {}, { ...consumer, first: 3 });
    assert.equal(first.pageInfo.hasNextPage, true);
    assert.doesNotMatch(first.pageInfo.endCursor!, /\//, 'the cursor does not show the code');
    const last = searchCatalog(fixture.snapshot, {}, { ...consumer, first: 500, after: first.pageInfo.endCursor });
    assert.equal(last.nodes[0]!.code, nodes[3]!.code);
  });

  it('refuses a page size above the cap and a cursor it did not make', () => {
    for (const options of [
      { ...consumer, first: 501 },
      { ...consumer, first: -1 },
      { ...consumer, after: 'bm90LWEtY29kZQ' },
    ]) {
      assert.throws(
        () => searchCatalog(fixture.snapshot, {}, options),
        (error: unknown) => isMeridianError(error) && error.code === 'BAD_USER_INPUT',
      );
    }
  });
});
