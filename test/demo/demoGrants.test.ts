import assert from 'node:assert/strict';
import { operatorsFor } from '../../catalog/conditions.js';
import { ROLES } from '../../catalog/model.js';
import { buildDemoCatalog, buildDemoGrants, demoKeyHolders } from '../../demo/index.js';

const catalog = buildDemoCatalog();
const now = new Date('2025-03-01T02:00:00.000Z');
const grants = buildDemoGrants(catalog, now);
const holders = demoKeyHolders(catalog);
const resources = new Map(catalog.resources.map((r) => [r.code, r]));

describe('Demo: grants', () => {
  it('grants existing items of published demo resources to departments other than their providers', () => {
    assert.ok(grants.length >= 2);
    for (const grant of grants) {
      const resource = resources.get(grant.resourceCode);
      assert.ok(resource, `unknown resource ${grant.resourceCode}`);
      assert.equal(resource.status, 'PUBLISHED');
      assert.ok(catalog.departments.some((d) => d.code === grant.consumerDepartment));
      assert.notEqual(grant.consumerDepartment, resource.provider);
      const names = new Set(resource.items.map((i) => i.name));
      for (const item of grant.items) assert.ok(names.has(item), `${resource.code} has no item ${item}`);
      for (const item of grant.clearItems) assert.ok(grant.items.includes(item), `clear item ${item} is not granted`);
    }
  });

  it('scopes rows only by filterable items with operators of their type', () => {
    const scoped = grants.filter((g) => g.rowScope !== null);
    assert.ok(scoped.length >= 1);
    for (const grant of scoped) {
      const resource = resources.get(grant.resourceCode)!;
      for (const [name, filter] of Object.entries(grant.rowScope!)) {
        const item = resource.items.find((i) => i.name === name);
        assert.ok(item?.filterable, `${resource.code}.${name} is not filterable`);
        for (const op of Object.keys(filter)) assert.ok(operatorsFor(item.type).includes(op as never), `${name}.${op}`);
      }
    }
  });

  it('runs from now for one year', () => {
    for (const grant of grants) {
      assert.equal(grant.validFrom.toISOString(), '2025-03-01T02:00:00.000Z');
      assert.equal(grant.validUntil?.toISOString(), '2026-03-01T02:00:00.000Z');
    }
  });

  it("lets the demo consumer read the population resource masked by default, and a conditional item of an unconditional one", () => {
    const consumer = holders.find((h) => h.role === 'CONSUMER')!;
    const own = grants.filter((g) => g.consumerDepartment === consumer.department);
    const population = own.find((g) => resources.get(g.resourceCode)!.apiName === 'population');
    assert.deepEqual(population?.items, ['idNumber', 'name', 'gender', 'birthDate', 'householdRegion']);
    assert.deepEqual(population?.clearItems, []);
    assert.equal(population?.rowScope, null);
    const conditionalItems = own.flatMap((g) =>
      resources.get(g.resourceCode)!.items.filter((i) => i.shareType === 'CONDITIONAL' && g.items.includes(i.name)),
    );
    assert.ok(conditionalItems.length >= 1);
  });
});

describe('Demo: key holders', () => {
  it('names one holder of each role, all of them demo departments', () => {
    assert.deepEqual(holders.map((h) => h.role).sort(), [...ROLES].sort());
    for (const holder of holders) {
      assert.ok(catalog.departments.some((d) => d.code === holder.department), holder.role);
      assert.ok(holder.label.length > 0);
    }
  });

  it('gives the consumer key to the 人社局 and the provider admin key to a provider of conditional data', () => {
    const department = (code: string) => catalog.departments.find((d) => d.code === code)!;
    const consumer = holders.find((h) => h.role === 'CONSUMER')!;
    assert.equal(department(consumer.department).name, '杭州市人力资源和社会保障局');
    assert.equal(consumer.label, '人社局数据共享应用');
    const provider = holders.find((h) => h.role === 'PROVIDER_ADMIN')!;
    assert.equal(department(provider.department).name, '杭州市公安局');
    assert.ok(catalog.resources.some((r) => r.provider === provider.department && r.shareType === 'CONDITIONAL'));
  });
});
