import assert from 'node:assert/strict';
import { API_NAME_PATTERN, RESOURCE_CODE_PATTERN, isCreditCode } from '../../common/identifiers.js';
import { SHARE_TYPE_STRICTNESS, type ShareType } from '../../catalog/model.js';
import { buildDemoCatalog } from '../../demo/index.js';

const catalog = buildDemoCatalog();
const byCode = new Map(catalog.resources.map((r) => [r.code, r]));
const hasChinese = (text: string): boolean => /\p{Script=Han}/u.test(text);

describe('Demo: catalog departments and connectors', () => {
  it('lists at least four municipal departments of 杭州市 with valid 机关 credit codes', () => {
    const municipal = catalog.departments.filter((d) => d.level === 'MUNICIPAL' && d.regionCode === '330100');
    assert.ok(municipal.length >= 4, `only ${municipal.length} municipal departments`);
    for (const d of catalog.departments) {
      assert.ok(isCreditCode(d.code), `${d.name}: ${d.code} fails GB 32100`);
      assert.ok(d.code.startsWith('11'), `${d.name}: ${d.code} is not a 机关 code`);
      assert.ok(hasChinese(d.name));
    }
    assert.equal(new Set(catalog.departments.map((d) => d.code)).size, catalog.departments.length);
  });

  it('names parents only among departments listed before them', () => {
    const seen = new Set<string>();
    for (const d of catalog.departments) {
      if (d.parent) assert.ok(seen.has(d.parent), `${d.name}: parent ${d.parent} not listed before`);
      seen.add(d.code);
    }
  });

  it('gives each provider department one POSTGRES connector with its own schema', () => {
    const providers = new Set(catalog.resources.map((r) => r.provider));
    for (const provider of providers) {
      const own = catalog.connectors.filter((c) => c.department === provider);
      assert.equal(own.length, 1, `provider ${provider} has ${own.length} connectors`);
      assert.equal(own[0]!.kind, 'POSTGRES');
    }
    assert.equal(new Set(catalog.connectors.map((c) => c.config.schema)).size, catalog.connectors.length);
    assert.equal(new Set(catalog.connectors.map((c) => c.id)).size, catalog.connectors.length);
  });

  it('reads each resource through a connector of its own provider', () => {
    for (const r of catalog.resources) {
      const connector = catalog.connectors.find((c) => c.id === r.source.connector);
      assert.ok(connector, `${r.code}: connector ${r.source.connector} is not in the catalog`);
      assert.equal(connector.department, r.provider, `${r.code}: connector of another department`);
    }
  });

  it('is the same on every call and survives a JSON round trip unchanged', () => {
    assert.deepEqual(buildDemoCatalog(), catalog);
    assert.deepEqual(JSON.parse(JSON.stringify(catalog)), catalog);
  });
});

describe('Demo: catalog resources', () => {
  it('covers all three share types, a FILE resource and a draft, with at least six published interfaces', () => {
    assert.deepEqual(new Set(catalog.resources.map((r) => r.shareType)), new Set(['UNCONDITIONAL', 'CONDITIONAL', 'NOT_SHARED']));
    const interfaces = catalog.resources.filter((r) => r.shareMethod === 'INTERFACE' && r.status === 'PUBLISHED');
    assert.ok(interfaces.length >= 6, `only ${interfaces.length} published INTERFACE resources`);
    assert.ok(catalog.resources.some((r) => r.shareMethod === 'FILE' && r.status === 'PUBLISHED'));
    assert.ok(catalog.resources.some((r) => r.status === 'DRAFT'));
    assert.ok(catalog.resources.length >= 7);
  });

  it('gives every resource a code of its classification and unique codes and apiNames', () => {
    for (const r of catalog.resources) {
      assert.match(r.code, new RegExp(RESOURCE_CODE_PATTERN));
      assert.equal(r.code.split('/')[0], r.classification, `${r.code} is not under ${r.classification}`);
      assert.match(r.apiName, new RegExp(API_NAME_PATTERN));
    }
    assert.equal(byCode.size, catalog.resources.length);
    assert.equal(new Set(catalog.resources.map((r) => r.apiName)).size, catalog.resources.length);
  });

  it('writes names, summaries and item labels in Chinese', () => {
    for (const r of catalog.resources) {
      assert.ok(hasChinese(r.name) && hasChinese(r.summary), r.code);
      for (const item of r.items) assert.ok(hasChinese(item.label), `${r.code}.${item.name}`);
    }
  });

  it('states the basis of every conditional and not-shared resource', () => {
    for (const r of catalog.resources.filter((r) => r.shareType !== 'UNCONDITIONAL')) {
      assert.ok(r.shareCondition && hasChinese(r.shareCondition), `${r.code} has no share condition`);
    }
    const notShared = catalog.resources.find((r) => r.shareType === 'NOT_SHARED');
    assert.match(notShared!.shareCondition!, /《中华人民共和国传染病防治法》/);
  });

  it('keeps no item looser than its resource and shows an item stricter than its resource', () => {
    let stricter = 0;
    for (const r of catalog.resources) {
      for (const item of r.items) {
        const itemType: ShareType = item.shareType ?? r.shareType;
        assert.ok(SHARE_TYPE_STRICTNESS[itemType] >= SHARE_TYPE_STRICTNESS[r.shareType], `${r.code}.${item.name}`);
        if (SHARE_TYPE_STRICTNESS[itemType] > SHARE_TYPE_STRICTNESS[r.shareType]) stricter++;
      }
    }
    assert.ok(stricter >= 2);
  });

  it('names items validly and uniquely, with at least one key item per resource', () => {
    for (const r of catalog.resources) {
      for (const item of r.items) assert.match(item.name, new RegExp(API_NAME_PATTERN), `${r.code}.${item.name}`);
      assert.equal(new Set(r.items.map((i) => i.name)).size, r.items.length, `${r.code} repeats an item name`);
      assert.ok(r.items.some((i) => i.key), `${r.code} has no key item`);
    }
  });

  it('binds every item to exactly one column and no column to anything else', () => {
    for (const r of catalog.resources) {
      const { table, columns } = r.source.binding;
      assert.match(table, /^[a-z][a-z0-9_]*$/);
      assert.deepEqual(Object.keys(columns).sort(), r.items.map((i) => i.name).sort(), r.code);
      assert.equal(new Set(Object.values(columns)).size, r.items.length, `${r.code} reads one column twice`);
    }
  });

  it('points every reference at a key item of another demo resource that is at least as visible', () => {
    let references = 0;
    for (const r of catalog.resources) {
      for (const item of r.items.filter((i) => i.references)) {
        references++;
        const target = byCode.get(item.references!.resource);
        assert.ok(target, `${r.code}.${item.name} references unknown ${item.references!.resource}`);
        const key = target.items.find((i) => i.name === item.references!.item);
        assert.ok(key?.key, `${r.code}.${item.name} references ${target.code}.${item.references!.item}, not a key item`);
        assert.equal(key.type, item.type);
        if (r.status === 'PUBLISHED') assert.equal(target.status, 'PUBLISHED', `${r.code} references a draft`);
        const nested = item.references!.as;
        assert.ok(nested && new RegExp(API_NAME_PATTERN).test(nested));
        assert.ok(!r.items.some((i) => i.name === nested), `${r.code}: nested field ${nested} clashes with an item`);
      }
      for (const related of r.relatedResources ?? []) assert.ok(byCode.has(related), `${r.code} relates to unknown ${related}`);
    }
    assert.ok(references >= 8);
  });

  it('uses every sensitivity and the PARTIAL, NAME, HASH, GENERALIZE and REDACT masks, with PARTIAL fully specified', () => {
    const items = catalog.resources.flatMap((r) => r.items);
    assert.deepEqual(
      new Set(items.map((i) => i.sensitivity)),
      new Set(['PUBLIC', 'INTERNAL', 'PERSONAL', 'SENSITIVE_PERSONAL']),
    );
    const kinds = new Set(items.map((i) => i.mask?.kind));
    for (const kind of ['PARTIAL', 'NAME', 'HASH', 'GENERALIZE', 'REDACT']) assert.ok(kinds.has(kind as never), kind);
    for (const item of items.filter((i) => i.mask?.kind === 'PARTIAL')) {
      assert.ok(Number.isInteger(item.mask!.keepStart) && Number.isInteger(item.mask!.keepEnd), item.name);
    }
    const idNumber = byCode.get('101001/000001')!.items.find((i) => i.name === 'idNumber')!;
    assert.deepEqual(idNumber.mask, { kind: 'PARTIAL', keepStart: 6, keepEnd: 4 });
  });

  it('makes key items, region codes and status fields filterable', () => {
    for (const r of catalog.resources) {
      for (const item of r.items) {
        if (item.key || item.name === 'regionCode' || item.name === 'status') {
          assert.equal(item.filterable, true, `${r.code}.${item.name} is not filterable`);
        }
      }
    }
  });
});
