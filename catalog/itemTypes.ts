/** Item types as inputs spell them: an ItemType name or the catalog guide's letter code. */
import type { ItemType } from './model.js';

/** The 政务信息资源目录编制指南 letter codes of data types and the ItemType each stands for. */
export const ITEM_TYPE_LETTERS: Readonly<Record<string, ItemType>> = Object.freeze({
  C: 'STRING',
  N: 'DECIMAL',
  Y: 'MONEY',
  D: 'DATE',
  T: 'DATETIME',
  L: 'BOOLEAN',
  M: 'TEXT',
  G: 'BINARY',
  B: 'BINARY',
  I: 'INTEGER',
  F: 'FLOAT',
});

/** Every ItemType name. */
export const ITEM_TYPES: readonly ItemType[] = Object.freeze([
  'STRING',
  'TEXT',
  'INTEGER',
  'DECIMAL',
  'MONEY',
  'FLOAT',
  'DATE',
  'DATETIME',
  'BOOLEAN',
  'BINARY',
]);

/** The ItemType of a schema-valid type input (a name or a letter code). */
export function toItemType(value: string): ItemType {
  return ITEM_TYPE_LETTERS[value] ?? (value as ItemType);
}
