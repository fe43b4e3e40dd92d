import assert from 'node:assert/strict';
import type { ItemType, MaskKind, MaskRule } from '../../catalog/model.js';
import { maskRow, maskValue } from '../../policies/index.js';

const SECRET = 'test-hash-secret';

interface MaskCase {
  readonly name: string;
  readonly value: unknown;
  readonly rule: MaskRule;
  readonly type: ItemType;
  readonly expected: unknown;
}

const partial = (keepStart: number, keepEnd: number): MaskRule => ({ kind: 'PARTIAL', keepStart, keepEnd });
const generalize: MaskRule = { kind: 'GENERALIZE' };

const cases: MaskCase[] = [
  { name: 'NONE leaves a value as it is', value: '张三', rule: { kind: 'NONE' }, type: 'STRING', expected: '张三' },
  { name: 'NONE leaves a number as it is', value: 42, rule: { kind: 'NONE' }, type: 'INTEGER', expected: 42 },
  { name: 'PARTIAL 6+4 on an ID number', value: '11010519491231002X', rule: partial(6, 4), type: 'STRING', expected: '110105********002X' },
  { name: 'PARTIAL 3+4 on a mobile phone', value: '13812345678', rule: partial(3, 4), type: 'STRING', expected: '138****5678' },
  { name: 'PARTIAL on Chinese text counts characters', value: '中华人民共和国', rule: partial(1, 1), type: 'TEXT', expected: '中*****国' },
  { name: 'PARTIAL stars a value too short for both ends whole', value: '1381234', rule: partial(3, 4), type: 'STRING', expected: '*******' },
  { name: 'PARTIAL stars a short Chinese value whole', value: '张三', rule: partial(1, 1), type: 'STRING', expected: '**' },
  { name: 'PARTIAL keeps one character more than both ends', value: 'abc', rule: partial(1, 1), type: 'STRING', expected: 'a*c' },
  { name: 'PARTIAL counts characters outside the BMP as one each', value: 'a𠮷𠮷𠮷z', rule: partial(1, 1), type: 'STRING', expected: 'a***z' },
  { name: 'PARTIAL keeps a character outside the BMP whole', value: '𠮷野家吉', rule: partial(1, 1), type: 'STRING', expected: '𠮷**吉' },
  { name: 'PARTIAL with only a start kept', value: 'ABCDEFG', rule: partial(2, 0), type: 'STRING', expected: 'AB*****' },
  { name: 'PARTIAL on an empty string', value: '', rule: partial(3, 4), type: 'STRING', expected: '' },
  { name: 'NAME keeps the first Chinese character', value: '欧阳修远', rule: { kind: 'NAME' }, type: 'STRING', expected: '欧***' },
  { name: 'NAME keeps the first ASCII letter', value: 'Alice', rule: { kind: 'NAME' }, type: 'STRING', expected: 'A****' },
  { name: 'NAME keeps a first character outside the BMP whole', value: '𠮷田', rule: { kind: 'NAME' }, type: 'STRING', expected: '𠮷*' },
  { name: 'NAME leaves a one-character name', value: '张', rule: { kind: 'NAME' }, type: 'STRING', expected: '张' },
  { name: 'REDACT gives null for text', value: '11010519491231002X', rule: { kind: 'REDACT' }, type: 'STRING', expected: null },
  { name: 'REDACT gives null for a number', value: 3500, rule: { kind: 'REDACT' }, type: 'INTEGER', expected: null },
  { name: 'GENERALIZE a date to its year', value: '1949-12-31', rule: generalize, type: 'DATE', expected: '1949-01-01' },
  { name: 'GENERALIZE a date-time to its year', value: '2024-05-06T07:08:09.123Z', rule: generalize, type: 'DATETIME', expected: '2024-01-01T00:00:00.000Z' },
  { name: 'GENERALIZE a date-time with an offset to its UTC year', value: '2024-01-01T05:00:00+08:00', rule: generalize, type: 'DATETIME', expected: '2023-01-01T00:00:00.000Z' },
  { name: 'GENERALIZE an address to its district', value: '浙江省杭州市西湖区文三路90号', rule: generalize, type: 'STRING', expected: '浙江省杭州市西湖区' },
  { name: 'GENERALIZE an address to its county-level city', value: '江苏省苏州市昆山市前进路1号', rule: generalize, type: 'STRING', expected: '江苏省苏州市昆山市' },
  { name: 'GENERALIZE an address to its county', value: '河北省石家庄市正定县常山西路', rule: generalize, type: 'TEXT', expected: '河北省石家庄市正定县' },
  { name: 'GENERALIZE an address to its banner, past 自治区', value: '内蒙古自治区呼伦贝尔市鄂温克族自治旗巴彦托海镇', rule: generalize, type: 'STRING', expected: '内蒙古自治区呼伦贝尔市鄂温克族自治旗' },
  { name: 'GENERALIZE a municipality address to its district', value: '北京市朝阳区建国路1号', rule: generalize, type: 'STRING', expected: '北京市朝阳区' },
  { name: 'GENERALIZE keeps 市中区 as one district', value: '山东省济南市市中区经七路', rule: generalize, type: 'STRING', expected: '山东省济南市市中区' },
  { name: 'GENERALIZE skips a prefecture 地区', value: '新疆维吾尔自治区阿克苏地区库车市天山路', rule: generalize, type: 'STRING', expected: '新疆维吾尔自治区阿克苏地区库车市' },
  { name: 'GENERALIZE an address without districts to its city', value: '广东省东莞市东城街道', rule: generalize, type: 'STRING', expected: '广东省东莞市' },
  { name: 'GENERALIZE gives null for an address without a city', value: '1600 Amphitheatre Parkway', rule: generalize, type: 'STRING', expected: null },
  { name: 'GENERALIZE gives null for a number it cannot generalize', value: 3500, rule: generalize, type: 'INTEGER', expected: null },
  { name: 'PARTIAL gives null for an item whose type cannot hold stars', value: 13812345678, rule: partial(3, 4), type: 'INTEGER', expected: null },
  { name: 'HASH gives null for a date item', value: '1949-12-31', rule: { kind: 'HASH' }, type: 'DATE', expected: null },
];

describe('Policies: maskValue', () => {
  for (const entry of cases) {
    it(entry.name, () => {
      assert.deepEqual(maskValue(entry.value, entry.rule, entry.type, SECRET), entry.expected);
    });
  }

  it('keeps null null under every mask', () => {
    const kinds: MaskKind[] = ['NONE', 'PARTIAL', 'NAME', 'HASH', 'REDACT', 'GENERALIZE'];
    for (const kind of kinds) {
      for (const type of ['STRING', 'DATE', 'DATETIME', 'INTEGER'] as const) {
        assert.equal(maskValue(null, { kind, keepStart: 1, keepEnd: 1 }, type, SECRET), null, `${kind} on ${type}`);
      }
    }
  });

  it('hashes as HMAC-SHA256 in hex (the published test vector)', () => {
    assert.equal(
      maskValue('The quick brown fox jumps over the lazy dog', { kind: 'HASH' }, 'STRING', 'key'),
      'f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8',
    );
  });

  it('gives the same pseudonym for the same value, so masked columns still join', () => {
    const first = maskValue('11010519491231002X', { kind: 'HASH' }, 'STRING', SECRET);
    assert.match(String(first), /^[0-9a-f]{64}$/);
    assert.equal(maskValue('11010519491231002X', { kind: 'HASH' }, 'STRING', SECRET), first);
    assert.notEqual(maskValue('110105194912310039', { kind: 'HASH' }, 'STRING', SECRET), first);
  });

  it('gives a different pseudonym under another secret', () => {
    assert.notEqual(
      maskValue('张三', { kind: 'HASH' }, 'STRING', SECRET),
      maskValue('张三', { kind: 'HASH' }, 'STRING', 'another-secret'),
    );
  });
});

describe('Policies: maskRow', () => {
  const masks: Record<string, MaskRule> = {
    idNumber: partial(6, 4),
    name: { kind: 'NAME' },
    birthDate: { kind: 'REDACT' },
    phone: partial(3, 4),
  };
  const types: Record<string, ItemType> = { idNumber: 'STRING', name: 'STRING', birthDate: 'DATE', gender: 'STRING', phone: 'STRING' };

  it('masks the listed items of a new row and leaves the source row untouched', () => {
    const row = { idNumber: '11010519491231002X', name: '张三丰', birthDate: '1949-12-31', gender: '1' };
    const masked = maskRow(row, masks, types, SECRET);
    assert.deepEqual(masked, { idNumber: '110105********002X', name: '张**', birthDate: null, gender: '1' });
    assert.deepEqual(row, { idNumber: '11010519491231002X', name: '张三丰', birthDate: '1949-12-31', gender: '1' });
  });

  it('does not add masked items the row lacks', () => {
    const masked = maskRow({ gender: '2' }, masks, types, SECRET);
    assert.deepEqual(masked, { gender: '2' });
    assert.equal(Object.hasOwn(masked, 'phone'), false);
  });

  it('nulls a masked item whose type it was not told, rather than leak it', () => {
    assert.deepEqual(maskRow({ phone: '13812345678' }, masks, {}, SECRET), { phone: null });
  });

  it('treats item names like constructor as plain items', () => {
    const redact: MaskRule = { kind: 'REDACT' };
    const text: ItemType = 'STRING';
    const masked = maskRow({ constructor: 'x', toString: 'y' }, { toString: redact }, { toString: text }, SECRET);
    assert.deepEqual(masked, { constructor: 'x', toString: null });
  });
});
