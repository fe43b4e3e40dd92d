/**
 * Hand-written no-leak scenarios that every property run starts with, so that
 * each mask kind, a row scope, clear items, NULLs, paging in both directions
 * and a revocation are checked whatever the seed draws.
 */
import type { Scenario, ScenarioItem } from './noLeakScenario.js';

function item(index: number, fields: Partial<ScenarioItem> & Pick<ScenarioItem, 'type'>): ScenarioItem {
  return {
    name: index === 0 ? 'recordKey' : `item${index}`,
    column: index === 0 ? 'record_key' : `c_${index}`,
    key: index === 0,
    filterable: false,
    sensitivity: 'INTERNAL',
    mask: null,
    shareType: null,
    ...fields,
  };
}

/**
 * 人口信息 shared on condition: a name, an ID number, a pseudonymised code, an
 * address, a birth date and an income, each under its own mask; approved for
 * every item with a row scope on the birth date, nothing in clear.
 */
export const everyMaskScenario: Scenario = {
  resource: {
    shareType: 'CONDITIONAL',
    items: [
      item(0, { type: 'STRING', filterable: true, sensitivity: 'PUBLIC' }),
      item(1, { type: 'STRING', sensitivity: 'PERSONAL', mask: { kind: 'NAME' } }),
      item(2, { type: 'STRING', sensitivity: 'SENSITIVE_PERSONAL', mask: { kind: 'PARTIAL', keepStart: 6, keepEnd: 4 }, filterable: true }),
      item(3, { type: 'STRING', mask: { kind: 'HASH' } }),
      item(4, { type: 'STRING', sensitivity: 'PERSONAL', mask: { kind: 'GENERALIZE' } }),
      item(5, { type: 'DATE', sensitivity: 'PERSONAL', mask: { kind: 'GENERALIZE' }, filterable: true }),
      item(6, { type: 'DECIMAL', sensitivity: 'PERSONAL', filterable: true }),
    ],
  },
  rows: [
    { recordKey: 'R01', item1: '欧阳修远', item2: '330106199001011234', item3: '甲', item4: '浙江省杭州市西湖区文三路90号', item5: '1990-01-01', item6: '5200.50' },
    { recordKey: 'R02', item1: '李', item2: '𠀀𠀁字𠀂𠀃𠀄𠀅𠀆𠀇𠀈𠀉𠀊', item3: '甲', item4: '济南市市中区经十路', item5: '1985-06-30', item6: null },
    { recordKey: 'R03', item1: "O'Brien", item2: '12345', item3: '乙', item4: '张三', item5: '1979-12-31', item6: '0.00' },
    { recordKey: 'R04', item1: '𠮷野家', item2: "' OR 1=1 --", item3: null, item4: null, item5: '2001-02-28', item6: '-13.10' },
    { recordKey: 'R05', item1: '王小明', item2: '13800138000', item3: "'; DROP TABLE grants; --", item4: '北京市', item5: null, item6: '999.99' },
  ],
  application: {
    applied: ['recordKey', 'item1', 'item2', 'item3', 'item4', 'item5', 'item6'],
    decision: 'APPROVE',
    items: null,
    rowScope: { item5: { gte: '1980-01-01' } },
    clearItems: [],
    maxRowsPerDay: 100_000,
    maxCallsPerMinute: 10_000,
  },
  queries: [
    { select: ['recordKey', 'item1', 'item2', 'item3', 'item4', 'item5', 'item6'], where: null, orderBy: [], first: 2, maxPages: 4, style: 'plain', skipped: [] },
    { select: ['item2', 'recordKey'], where: { item2: { in: ['13800138000', '12345', '330106199001011234'] } }, orderBy: [{ field: 'recordKey', direction: 'DESC' }], first: 1, maxPages: 3, style: 'alias', skipped: [] },
    { select: ['item3', 'item6'], where: { item6: { eq: '-13.1' } }, orderBy: [], first: 5, maxPages: 1, style: 'fragment', skipped: ['item5'] },
    { select: ['item1'], where: null, orderBy: [{ field: 'item1', direction: 'ASC' }], first: 5, maxPages: 1, style: 'plain', skipped: [] },
    { select: ['recordKey'], where: { item2: { prefix: '3301' } }, orderBy: [], first: 5, maxPages: 1, style: 'plain', skipped: [] },
  ],
  revokeAfter: null,
};

/**
 * 企业信息 shared unconditionally but for two conditional items: approved for
 * one of them (released in clear) with a row scope on the district, then
 * revoked, after which only the unconditional items are served.
 */
export const revokedClearItemScenario: Scenario = {
  resource: {
    shareType: 'UNCONDITIONAL',
    items: [
      item(0, { type: 'INTEGER', filterable: true }),
      item(1, { type: 'STRING', filterable: true }),
      item(2, { type: 'STRING', shareType: 'CONDITIONAL', sensitivity: 'SENSITIVE_PERSONAL', mask: { kind: 'PARTIAL', keepStart: 1, keepEnd: 1 } }),
      item(3, { type: 'INTEGER', shareType: 'CONDITIONAL', filterable: true }),
      item(4, { type: 'DATE', shareType: 'NOT_SHARED', filterable: true }),
    ],
  },
  rows: [
    { recordKey: 3, item1: '330106', item2: '张三丰', item3: 7, item4: '2020-01-01' },
    { recordKey: -1, item1: '330106', item2: '李', item3: null, item4: null },
    { recordKey: 9007199254740991, item1: '330102', item2: '诸葛孔明', item3: 42, item4: '1999-12-31' },
    { recordKey: 0, item1: null, item2: null, item3: -42, item4: '2024-06-15' },
    { recordKey: 2147483648, item1: '330106', item2: '50%_off', item3: 1, item4: '2000-02-29' },
  ],
  application: {
    applied: ['item2', 'item3'],
    decision: 'APPROVE',
    items: ['item2'],
    rowScope: { item1: { eq: '330106' } },
    clearItems: ['item2'],
    maxRowsPerDay: null,
    maxCallsPerMinute: null,
  },
  queries: [
    { select: ['recordKey', 'item2'], where: null, orderBy: [{ field: 'item2', direction: 'DESC' }], first: 2, maxPages: 3, style: 'plain', skipped: [] },
    { select: ['recordKey', 'item1'], where: null, orderBy: [{ field: 'item1', direction: 'DESC' }], first: 2, maxPages: 3, style: 'plain', skipped: [] },
    { select: ['item3'], where: null, orderBy: [], first: 5, maxPages: 1, style: 'plain', skipped: [] },
    { select: ['recordKey', 'item2'], where: null, orderBy: [], first: 5, maxPages: 1, style: 'plain', skipped: [] },
    { select: ['recordKey'], where: { item4: { gte: '2000-01-01' } }, orderBy: [], first: 5, maxPages: 1, style: 'plain', skipped: [] },
    { select: ['recordKey', 'item1'], where: { recordKey: { gt: 0 } }, orderBy: [], first: 5, maxPages: 1, style: 'fragment', skipped: ['item2', 'item4'] },
  ],
  revokeAfter: 3,
};
