import assert from 'node:assert/strict';
import { API_NAME_PATTERN, isCreditCode } from '../../common/identifiers.js';
import { ROLES, type CatalogFile } from '../../catalog/index.js';
import {
  PROVINCE_GATEWAY_CONNECTOR,
  PROVINCE_UPSTREAM_SECRET,
  PROVINCIAL_RESOURCES,
  buildDemoCatalog,
  buildProvinceCatalog,
  buildProvinceGrants,
  buildProvinceUpstreamGrants,
  demoDepartmentCode,
  provinceDepartmentCode,
  provinceKeyHolders,
  withProvinceUpstream,
} from '../../demo/index.js';

const province = buildProvinceCatalog();
const city = buildDemoCatalog();
const CITY_OPERATOR = demoDepartmentCode(city, 'operator');
const UPSTREAM = 'http://127.0.0.1:4001/graphql';
const hasChinese = (text: string): boolean => /\p{Script=Han}/u.test(text);

describe('Demo: the province catalog', () => {
  it('registers provincial 机关 of 浙江省 with valid credit codes, and the city operator under the province operator', () => {
    for (const d of province.departments) {
      assert.ok(isCreditCode(d.code), `${d.name}: ${d.code} fails GB 32100`);
      assert.ok(d.code.startsWith('11'), `${d.name}: ${d.code} is not a 机关 code`);
      assert.ok(hasChinese(d.name));
    }
    const provincial = province.departments.filter((d) => d.level === 'PROVINCIAL');
    assert.ok(provincial.length >= 2);
    for (const d of provincial) {
      assert.equal(d.regionCode, '330000', d.name);
      assert.equal(d.code.slice(2, 8), '330000', `${d.name}: the code's 行政区划 is not 浙江省`);
    }
    const cityOperator = province.departments.find((d) => d.code === CITY_OPERATOR);
    assert.equal(cityOperator?.name, '杭州市数据资源管理局');
    assert.equal(cityOperator.parent, provinceDepartmentCode(province, 'operator'));
  });

  it('publishes an unconditional and a conditional interface of the provider, keyed by credit code', () => {
    const amr = provinceDepartmentCode(province, 'amr');
    assert.deepEqual(province.resources.map((r) => [r.apiName, r.shareType, r.shareMethod, r.status]), [
      ['creditRatings', 'UNCONDITIONAL', 'INTERFACE', 'PUBLISHED'],
      ['seriousViolations', 'CONDITIONAL', 'INTERFACE', 'PUBLISHED'],
    ]);
    for (const r of province.resources) {
      assert.equal(r.provider, amr);
      assert.equal(r.code.split('/')[0], r.classification);
      assert.match(r.classification, /^(104|208)/, `${r.code}: 社会信用 or 信用体系`);
      assert.deepEqual(r.items.filter((i) => i.key).map((i) => i.name), ['creditCode']);
      assert.ok(hasChinese(r.name) && hasChinese(r.summary));
      for (const item of r.items) assert.ok(hasChinese(item.label), `${r.code}.${item.name}`);
      const connector = province.connectors.find((c) => c.id === r.source.connector);
      assert.equal(connector?.department, amr);
    }
    const ratings = province.resources[0]!;
    assert.deepEqual(ratings.items.find((i) => i.name === 'score')?.type, 'DECIMAL');
    assert.ok(province.resources[1]!.shareCondition && hasChinese(province.resources[1]!.shareCondition));
  });

  it("gives the city's exchange operator the GATEWAY key and the province operator the admin and audit keys", () => {
    const holders = provinceKeyHolders(province);
    assert.deepEqual(holders.map((h) => h.role).sort(), [...ROLES].sort());
    const holderOf = (role: string) => holders.find((h) => h.role === role)!;
    assert.equal(holderOf('GATEWAY').department, CITY_OPERATOR);
    assert.equal(holderOf('GATEWAY').label, '杭州市数据共享交换平台');
    assert.equal(holderOf('CATALOG_ADMIN').department, provinceDepartmentCode(province, 'operator'));
    assert.equal(holderOf('AUDITOR').department, provinceDepartmentCode(province, 'operator'));
  });

  it("grants the conditional list to the province's consumer and to no city department", () => {
    const grants = buildProvinceGrants(province, new Date('2025-03-01T00:00:00Z'));
    const consumer = provinceKeyHolders(province).find((h) => h.role === 'CONSUMER')!;
    assert.deepEqual(grants.map((g) => [g.resourceCode, g.consumerDepartment]), [[province.resources[1]!.code, consumer.department]]);
    const items = new Set(province.resources[1]!.items.map((i) => i.name));
    for (const item of grants[0]!.items) assert.ok(items.has(item), item);
    assert.ok(!city.departments.some((d) => d.code === grants[0]!.consumerDepartment));
  });

  it('is the same on every call', () => {
    assert.deepEqual(buildProvinceCatalog(), province);
  });
});

describe('Demo: the city catalog reading from the province', () => {
  const file: CatalogFile = withProvinceUpstream(city, UPSTREAM);

  it('adds the province provider, one GATEWAY connector naming a secret, and two resources served through it', () => {
    const amr = provinceDepartmentCode(province, 'amr');
    assert.deepEqual(file.departments!.slice(0, city.departments.length), city.departments);
    assert.deepEqual(file.departments!.slice(city.departments.length).map((d) => [d.code, d.level, d.regionCode]), [[amr, 'PROVINCIAL', '330000']]);
    const gateway = file.connectors!.filter((c) => c.kind === 'GATEWAY');
    assert.deepEqual(gateway, [
      { id: PROVINCE_GATEWAY_CONNECTOR, kind: 'GATEWAY', department: amr, config: { url: UPSTREAM, auth: { secret: PROVINCE_UPSTREAM_SECRET } } },
    ]);
    const served = file.resources!.filter((r) => r.source.connector === PROVINCE_GATEWAY_CONNECTOR);
    assert.deepEqual(served.map((r) => [r.code, r.apiName, r.source.binding]), [
      [PROVINCIAL_RESOURCES.creditRatings.code, 'provincialCreditRatings', { apiName: 'creditRatings' }],
      [PROVINCIAL_RESOURCES.seriousViolations.code, 'provincialSeriousViolations', { apiName: 'seriousViolations' }],
    ]);
  });

  it("mirrors the province's items and share types, the credit code referring to the city's enterprises", () => {
    const enterprises = city.resources.find((r) => r.apiName === 'enterprises')!;
    const codes = new Set(city.resources.map((r) => r.code));
    const apiNames = new Set(city.resources.map((r) => r.apiName));
    for (const [i, upstream] of province.resources.entries()) {
      const local = file.resources!.filter((r) => r.source.connector === PROVINCE_GATEWAY_CONNECTOR)[i]!;
      assert.ok(!codes.has(local.code!) && !apiNames.has(local.apiName), `${local.code} ${local.apiName} clashes with a city resource`);
      assert.equal(local.code!.split('/')[0], local.classification);
      assert.equal(local.shareType, upstream.shareType);
      assert.equal(local.provider, upstream.provider);
      assert.deepEqual(local.items.map((item) => item.name), upstream.items.map((item) => item.name));
      const creditCode = local.items.find((item) => item.name === 'creditCode')!;
      assert.deepEqual(creditCode.references, { resource: enterprises.code, item: 'creditCode', as: 'enterprise' });
      assert.match(creditCode.references.as!, new RegExp(API_NAME_PATTERN));
    }
  });

  it("grants the city's consumer the conditional mirror, so that the province is the one to refuse", () => {
    const grants = buildProvinceUpstreamGrants(city, new Date('2025-03-01T00:00:00Z'));
    assert.deepEqual(grants.map((g) => [g.resourceCode, g.consumerDepartment]), [
      [PROVINCIAL_RESOURCES.seriousViolations.code, demoDepartmentCode(city, 'hrss')],
    ]);
  });

  it('leaves the city catalog itself unchanged', () => {
    assert.deepEqual(buildDemoCatalog(), city);
    assert.ok(!city.connectors.some((c) => (c.kind as string) === 'GATEWAY'));
  });
});
