import assert from 'node:assert/strict';
import { loadConfig, type ConnectorSettings } from '../../common/config.js';
import { isMeridianError, type Problem } from '../../common/errors.js';
import { silentLogger } from '../../common/logger.js';
import { findProblems } from '../../common/validation.js';
import type { ConnectorContext } from '../../connectors/Connector.js';
import { httpConnector } from '../../connectors/http/httpConnector.js';
import { type BindingItem } from '../../connectors/http/httpSchemas.js';
import { isAllowedHost } from '../../connectors/allowList.js';

const items: readonly BindingItem[] = [
  { name: 'idNo', type: 'STRING', filterable: true, key: true },
  { name: 'name', type: 'STRING', filterable: true, key: false },
  { name: 'age', type: 'INTEGER', filterable: true, key: false },
  { name: 'photo', type: 'BINARY', filterable: false, key: false },
  { name: 'note', type: 'TEXT', filterable: false, key: false },
];

const fields = { idNo: '/id_no', name: '/person/name', age: '/age', photo: '/photo', note: '/note' };

const binding = {
  list: { path: '/persons', query: { view: 'full' } },
  byKeys: { path: '/persons/by-ids', param: 'ids', item: 'idNo', separator: '|', maxKeys: 50 },
  filters: { name: { eq: 'name', prefix: 'name_prefix', in: { param: 'names', separator: ';' } }, age: { gte: 'min_age', lt: 'max_age' } },
  paging: { kind: 'page', pageParam: 'page', sizeParam: 'size', pageSize: 100, firstPage: 0 },
  rows: '/data/items',
  fields,
};

function problemsOf(candidate: unknown, of: readonly BindingItem[] = items): Problem[] {
  return [...findProblems(httpConnector.bindingSchema, candidate), ...httpConnector.bindingProblems(candidate, of)];
}

function paths(problems: readonly Problem[]): string[] {
  return problems.map((p) => p.path).sort();
}

describe('Connectors: HTTP binding', () => {
  it('accepts a binding with a field for every item, filters, by-keys and paging', () => {
    assert.deepEqual(problemsOf(binding), []);
  });

  it('accepts the smallest binding: a list path, a rows pointer and fields', () => {
    assert.deepEqual(problemsOf({ list: { path: '/v1/persons/' }, rows: '', fields }), []);
  });

  it('names each item without a field and each field of an unknown item', () => {
    const { name: _name, ...partial } = fields;
    assert.deepEqual(httpConnector.bindingProblems({ ...binding, fields: { ...partial, birthPlace: '/birth_place' } }, items), [
      { path: 'fields.name', message: 'is required: every item is read from one field of a row' },
      { path: 'fields.birthPlace', message: 'is not an item of the resource' },
    ]);
  });

  it('refuses endpoint paths that could leave the base URL', () => {
    const bad = ['persons', 'http://elsewhere/persons', '//elsewhere/persons', '/a/../persons', '/..', '/./persons', '/persons?x=1', '/persons#f', '/per sons', '/a//b', '/%2e%2e/x'];
    for (const path of bad) {
      assert.deepEqual(paths(findProblems(httpConnector.bindingSchema, { ...binding, list: { path } })), ['list.path'], path);
    }
  });

  it('refuses JSON pointers that are not pointers, and an empty field pointer', () => {
    const problems = findProblems(httpConnector.bindingSchema, { ...binding, rows: 'data/items', fields: { ...fields, name: '/a~2b', age: '' } });
    assert.deepEqual(paths(problems), ['fields.age', 'fields.name', 'rows']);
  });

  it('refuses filters on unknown or unfilterable items and operators the type does not offer', () => {
    const filters = {
      nickname: { eq: 'nick' },
      note: { eq: 'note' },
      age: { prefix: 'age_prefix', gt: 'min_age' },
      name: { gt: 'after_name' },
    };
    assert.deepEqual(httpConnector.bindingProblems({ ...binding, filters }, items), [
      { path: 'filters.nickname', message: 'is not an item of the resource' },
      { path: 'filters.note', message: 'is not a filterable item: consumers cannot filter on it' },
      { path: 'filters.age.prefix', message: 'is not an operator of INTEGER items (they offer eq, in, gt, gte, lt, lte)' },
      { path: 'filters.name.gt', message: 'is not an operator of STRING items (they offer eq, in, prefix)' },
    ]);
  });

  it('refuses a by-keys item that is unknown or not a key', () => {
    assert.deepEqual(httpConnector.bindingProblems({ ...binding, byKeys: { ...binding.byKeys, item: 'name' } }, items), [
      { path: 'byKeys.item', message: 'is not a key item of the resource' },
    ]);
    assert.deepEqual(paths(httpConnector.bindingProblems({ ...binding, byKeys: { ...binding.byKeys, item: 'nope' } }, items)), ['byKeys.item']);
  });

  it('checks filterable and key only when the caller tells them', () => {
    const typed = items.map(({ name, type }) => ({ name, type }));
    const filters = { note: { eq: 'note' } };
    assert.deepEqual(httpConnector.bindingProblems({ ...binding, filters, byKeys: { ...binding.byKeys, item: 'name' } }, typed), []);
  });

  it('asks each paging kind for its own fields and no others', () => {
    assert.deepEqual(paths(problemsOf({ ...binding, paging: { kind: 'offset', limitParam: 'limit' } })), ['paging.offsetParam', 'paging.pageSize']);
    assert.deepEqual(paths(problemsOf({ ...binding, paging: { kind: 'page', pageParam: 'p', sizeParam: 's', pageSize: 10, limitParam: 'limit' } })), [
      'paging.limitParam',
    ]);
    assert.deepEqual(paths(problemsOf({ ...binding, paging: { kind: 'none', pageSize: 10 } })), ['paging.pageSize']);
    assert.deepEqual(paths(problemsOf({ ...binding, paging: { kind: 'cursor' } })), ['paging.kind']);
  });

  it('refuses a query parameter set by two parts of the binding', () => {
    const clashing = {
      ...binding,
      list: { path: '/persons', query: { page: '1' } },
      filters: { name: { eq: 'name', prefix: 'name' } },
      byKeys: { ...binding.byKeys, query: { ids: 'all' } },
    };
    assert.deepEqual(paths(httpConnector.bindingProblems(clashing, items)), ['byKeys.query.ids', 'filters.name.prefix', 'paging.pageParam']);
  });

  it('refuses unknown fields and parameter names that are not plain', () => {
    const problems = findProblems(httpConnector.bindingSchema, {
      ...binding,
      sql: 'select 1',
      filters: { name: { eq: 'name&x=1' } },
      byKeys: { ...binding.byKeys, param: 'ids=' },
    });
    assert.deepEqual(paths(problems), ['byKeys.param', 'filters.name.eq', 'sql']);
  });
});

describe('Connectors: HTTP config', () => {
  const settings = (overrides: Readonly<Record<string, unknown>> = {}): ConnectorSettings =>
    loadConfig({}, {
      'connectors.httpAllowList': ['api.renshe.example.gov.cn', '127.0.0.1:8080'],
      'connectors.secrets': { renshe: 'tok-5ecret-value' },
      ...overrides,
    }).connectors;
  const config = { baseUrl: 'https://api.renshe.example.gov.cn/open/v2', auth: { kind: 'bearer', secret: 'renshe' } };

  it('accepts a host on the allow-list and a configured secret', () => {
    assert.deepEqual(findProblems(httpConnector.configSchema, config), []);
    assert.deepEqual(httpConnector.configProblems(config, settings()), []);
  });

  it('refuses a host outside the allow-list, naming the setting', () => {
    const problems = httpConnector.configProblems({ ...config, baseUrl: 'http://10.0.0.8/api' }, settings());
    assert.deepEqual(paths(problems), ['baseUrl']);
    assert.match(problems[0]!.message, /host 10\.0\.0\.8, which is not on the gateway's HTTP allow-list/);
  });

  it('refuses a secret name the gateway does not hold, without showing any secret', () => {
    const problems = httpConnector.configProblems({ ...config, auth: { kind: 'header', header: 'x-api-key', secret: 'gonggan' } }, settings());
    assert.deepEqual(paths(problems), ['auth.secret']);
    assert.doesNotMatch(JSON.stringify(problems), /tok-5ecret-value/);
  });

  it('matches hosts as the allow-list names them: a port when given, any port otherwise', () => {
    const list = ['api.renshe.example.gov.cn', '127.0.0.1:8080', 'legacy.example.cn:80'];
    const allowed = (url: string) => isAllowedHost(new URL(url), list);
    assert.equal(allowed('https://API.Renshe.example.gov.cn:8443/x'), true);
    assert.equal(allowed('http://127.0.0.1:8080/x'), true);
    assert.equal(allowed('http://127.0.0.1:8081/x'), false);
    assert.equal(allowed('http://127.0.0.1/x'), false);
    assert.equal(allowed('http://legacy.example.cn/x'), true, 'port 80 is the default of http');
    assert.equal(allowed('https://legacy.example.cn/x'), false, 'https defaults to 443');
    assert.equal(allowed('http://api.renshe.example.gov.cn.evil.example/x'), false);
    assert.equal(allowed('http://0x7f.0.0.1:8080/x'), true, 'another spelling of an allowed address is the same address');
  });

  it('refuses base URLs with credentials, a query, another scheme or a path that climbs', () => {
    const bad = [
      'http://user:pw@api.renshe.example.gov.cn/',
      'http://api.renshe.example.gov.cn/api?key=1',
      'http://api.renshe.example.gov.cn/api#x',
      'ftp://api.renshe.example.gov.cn/',
      'http://api.renshe.example.gov.cn/a/../b',
      'http://[::1]/api',
      'api.renshe.example.gov.cn/api',
    ];
    for (const baseUrl of bad) assert.deepEqual(paths(findProblems(httpConnector.configSchema, { ...config, baseUrl })), ['baseUrl'], baseUrl);
  });

  it('asks header auth for its header and refuses unknown fields', () => {
    const problems = findProblems(httpConnector.configSchema, { ...config, auth: { kind: 'header', secret: 'renshe' }, token: 'abc' });
    assert.deepEqual(paths(problems), ['auth.header', 'token']);
  });

  it('refuses static headers the gateway sets itself, credentials above all', () => {
    const problems = httpConnector.configProblems(
      { ...config, auth: { kind: 'header', header: 'X-Api-Key', secret: 'renshe' }, headers: { Authorization: 'Bearer abc', 'x-api-key': 'k', 'X-Request-Id': '1', 'x-dept': 'renshe' } },
      settings(),
    );
    assert.deepEqual(paths(problems), ['headers.Authorization', 'headers.X-Request-Id', 'headers.x-api-key']);
  });

  describe('create()', () => {
    const context = (connectorSettings: ConnectorSettings): ConnectorContext => ({
      gatewayDatabase: undefined as never,
      gatewayDatabaseUrl: null,
      settings: connectorSettings,
      logger: silentLogger(),
      secret: (name) => connectorSettings.secrets[name],
    });

    function refusal(run: () => unknown): Problem[] {
      try {
        run();
      } catch (error) {
        assert.ok(isMeridianError(error));
        assert.equal(error.code, 'VALIDATION_FAILED');
        assert.doesNotMatch(JSON.stringify(error.extensions) + error.message, /tok-5ecret-value/);
        return error.extensions.problems as Problem[];
      }
      assert.fail('expected VALIDATION_FAILED');
    }

    it('creates a connector that is NOT_READY', () => {
      const connector = httpConnector.create('renshe-api', config, context(settings()));
      assert.equal(connector.kind, 'HTTP');
      assert.deepEqual(connector.status(), { state: 'NOT_READY', message: null });
    });

    it('refuses a host outside the allow-list, even in a config that bypassed registration', () => {
      const problems = refusal(() => httpConnector.create('renshe-api', config, context(settings({ 'connectors.httpAllowList': ['127.0.0.1'] }))));
      assert.deepEqual(paths(problems), ['config.baseUrl']);
    });

    it('refuses a secret the gateway does not hold', () => {
      const problems = refusal(() => httpConnector.create('renshe-api', config, context(settings({ 'connectors.secrets': {} }))));
      assert.deepEqual(paths(problems), ['config.auth.secret']);
    });

    it('refuses a secret that cannot travel in a header, without quoting it', () => {
      const problems = refusal(() =>
        httpConnector.create('renshe-api', config, context(settings({ 'connectors.secrets': { renshe: 'tok-5ecret-value\r\nx-evil: 1' } }))),
      );
      assert.deepEqual(paths(problems), ['config.auth.secret']);
    });

    it('refuses a config its schema rejects', () => {
      const problems = refusal(() => httpConnector.create('renshe-api', { ...config, retries: -1 }, context(settings())));
      assert.deepEqual(paths(problems), ['config.retries']);
    });
  });
});
